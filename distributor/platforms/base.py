"""The platform adapter contract, its result types and its limits.

One file per platform implements ``PlatformAdapter``; ``platforms/__init__.py``
holds the explicit registry. Adapters translate every SDK or HTTP failure into
the ``PlatformError`` tree of ``distributor.errors`` (``RateLimited``,
``AuthExpired``, ``Rejected``/``DuplicateContent``, ``Transient``) so the
dispatcher decides retry or fail from the type alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from distributor.platforms.specs import PlatformSpec

DEFAULT_TIMEOUT_SECONDS = 30.0  # per request, when the caller gives none


@dataclass(frozen=True)
class OutgoingPost:
    """What an adapter needs to publish: no database row, no session."""

    text: str
    link: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    marker: str | None = None  # a string unique to this post, to recognise it when reconciling
    # Reconciliation bounds: a platform post older than our first attempt, or one
    # another of our posts already owns, is never this post (same link, other story post).
    not_before: datetime | None = None
    taken_ids: frozenset[str] = frozenset()
    link_shared: bool = False  # another of our posts on this account has the same link: never match on it
    title: str | None = None  # the article's headline, for a link card the platform wants us to build (Bluesky)
    since_id: str | None = None  # our account's last post before the first attempt: reconcile reads only newer ones
    until_id: str | None = None  # our account's first post begun after the last attempt ended: and only older ones
    extra_images: tuple[tuple[str, str | None], ...] = ()  # (url, alt) after image_url, up to the platform's count

    @property
    def images(self) -> list[tuple[str, str | None]]:
        """Every image of the post in order: the first (image_url) and the extras."""
        return ([(self.image_url, self.image_alt)] if self.image_url else []) + list(self.extra_images)


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str | None = None
    note: str | None = None  # e.g. "posted without image: image is 12 MB, over 5 MB"


MAX_COUNT = 2**31 - 1  # the snapshot columns are 32-bit integers on PostgreSQL


def count(value: Any) -> int | None:
    """``value`` when it is a count a snapshot can hold, else None (not reported).

    Platforms' answers are untrusted: a count sent as text, a list, a negative
    or absurdly large number must neither crash the reading of a batch nor fail
    its commit (the snapshot's raw answer keeps what was said).
    """
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None


def dig(body: Any, *keys: str) -> Any:
    """``body[k1][k2]...`` where every step is an object, else None (a Graph answer's shape is not promised)."""
    for key in keys:
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def last_value(metric: Any) -> Any:
    """The latest value of a Graph insights metric (``{"name", "values": [{"value": n}, ...]}``), or None."""
    values = metric.get("values") if isinstance(metric, dict) else None
    last = values[-1] if isinstance(values, list) and values else None
    return last.get("value") if isinstance(last, dict) else None


@dataclass(frozen=True)
class Metrics:
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: int | None = None  # how often the post was shown (X's impression_count)
    views: int | None = None  # views where the platform counts those instead (Meta: Facebook Page views, Threads)
    clicks: int | None = None
    deleted: bool = False  # the platform no longer has this post
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    max_text_length: int  # as the platform counts it (``distributor.lengths.text_length``)
    url_length: int | None  # a URL's fixed weight, or None when URLs count as written
    max_image_bytes: int
    metrics_batch_size: int  # ids per metrics call

    @classmethod
    def from_spec(cls, spec: PlatformSpec) -> "Limits":
        """An adapter's limits are its registry spec's: one copy of each number."""
        return cls(spec.text.max_length, spec.text.url_length, spec.max_image_bytes, spec.metrics_batch_size)


@runtime_checkable
class PlatformAdapter(Protocol):
    """One account on one platform."""

    platform: str
    limits: Limits

    def publish(self, post: OutgoingPost) -> Published:
        """Publish now; raise a PlatformError subclass on failure."""

    def find_existing(self, post: OutgoingPost) -> Published | None:
        """Was this post already published (after a crash or a lost response)?"""

    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        """Metrics for many posts, batched to the platform's maximum per call."""

    def verify(self) -> str:
        """Who the platform says we are, from its cheapest authenticated call; raises PlatformError."""

    def edit(self, external_id: str, text: str) -> None:
        """Replace a published post's text; ``errors.Unsupported`` where the platform cannot (X)."""

    def delete(self, external_id: str) -> None:
        """Remove a published post; one the platform no longer has counts as deleted."""
