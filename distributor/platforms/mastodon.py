"""Mastodon (any instance) through Mastodon.py: statuses, v2 media, reconcile, metrics.

Mastodon.py stays inside this file. The instance's own limits (characters,
the weight of a link) are read from its ``/api/v2/instance`` configuration
once per adapter. Every status carries an ``Idempotency-Key`` derived from the
post (its marker), so a retry after a lost response gets the first status
back instead of a second one. Mastodon.py's ``ratelimit_method="throw"``: the
adapter never sleeps; a 429 leaves as ``RateLimited`` with the reset time the
instance sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Iterator

import requests
from mastodon import (Mastodon, MastodonAPIError, MastodonError, MastodonNetworkError, MastodonNotFoundError,
                      MastodonRatelimitError, MastodonServerError, MastodonUnauthorizedError)
from pydantic import SecretStr

from distributor.config import AccountSettings
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient
from distributor.fetch import Fetcher
from distributor.lengths import text_length  # not compose: that loads Jinja2
from distributor.platforms._http import DEFAULT_TIMEOUT_SECONDS, chunks, loopback_view_base, retry_time
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published
from distributor.platforms.images import load_image
from distributor.platforms.matching import Candidate, best_match
from distributor.platforms.specs import SPECS

SPEC = SPECS["mastodon"]
DEFAULT_RATE_WAIT = timedelta(minutes=5)
MEDIA_WAIT_SECONDS = 10.0  # v2 media is processed asynchronously: how long to wait before posting without it
MEDIA_POLL_SECONDS = 0.25
RECENT_STATUSES = 40  # the most GET /api/v1/accounts/{id}/statuses returns


class _Text(HTMLParser):
    """A status's HTML content as the text we sent: paragraphs, line breaks, links whole.

    Hand-written on the standard library's parser (one pass): Mastodon's
    markup is a handful of tags, and the link's hidden spans hold its parts.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def status_text(content: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(content or "")
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def _reason(exc: MastodonError) -> str:
    args = exc.args
    message = args[3] if len(args) > 3 and args[3] else (args[0] if args else exc.__class__.__name__)
    status = args[1] if len(args) > 1 else "?"
    return f"{message} (HTTP {status})"


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _positive(value: object, default: int, *, zero_ok: bool = False) -> int:
    """An instance's number as it sent it, or ``default`` when it is no number, or below 1 (0 for a link)."""
    if isinstance(value, bool):
        return default
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number > 0 or (zero_ok and number == 0) else default


class MastodonAdapter:
    """One Mastodon account on one instance."""

    platform = "mastodon"
    limits = Limits.from_spec(SPEC)

    def __init__(self, api: Mastodon, fetcher: Fetcher, *, max_characters: int | None = None,
                 view_base: str | None = None):
        self.api = api
        self.view_base = view_base  # sandbox: its post pages, not the instance's
        self.fetcher = fetcher
        self.max_characters = max_characters
        self._instance: tuple[int, int] | None = None
        self._me: str | None = None
        self._published: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                     **_ignored) -> "MastodonAdapter":
        api = Mastodon(access_token=secrets["access_token"].get_secret_value(), api_base_url=account.api_base_url,
                       request_timeout=timeout, session=session or requests.Session(), ratelimit_method="throw",
                       mastodon_version="4.3.0", version_check_mode="created")
        return cls(api, fetcher, max_characters=account.max_characters,
                   view_base=loopback_view_base(account.api_base_url))

    @contextlib.contextmanager
    def errors(self, endpoint: str) -> Iterator[None]:
        """Translate what Mastodon.py raises into what the dispatcher must do."""
        try:
            yield
        except MastodonRatelimitError as exc:
            retry_at = retry_time(self.api.ratelimit_reset, DEFAULT_RATE_WAIT)
            raise RateLimited(f"Mastodon rate limit on {endpoint}; retry after {retry_at:%H:%M:%S} UTC",
                              retry_at, endpoint) from exc
        except MastodonUnauthorizedError as exc:
            raise AuthExpired(f"the Mastodon instance refused the access token on {endpoint} (401): "
                              "create a new one") from exc
        except MastodonServerError as exc:
            raise Transient(f"Mastodon server error on {endpoint}: {_reason(exc)}") from exc
        except MastodonNetworkError as exc:
            # Mastodon.py puts the whole requests error (with the URL, never the token) in its message
            raise Transient(f"connection to the Mastodon instance broke during {endpoint}") from exc
        except MastodonAPIError as exc:
            reason = _reason(exc)
            if len(exc.args) > 1 and exc.args[1] == 422 and "already" in reason.lower():
                raise DuplicateContent(f"Mastodon says this was already posted: {reason}") from exc
            raise Rejected(f"Mastodon refused {endpoint}: {reason}") from exc
        except MastodonError as exc:
            raise Rejected(f"Mastodon.py refused {endpoint}: {exc}") from exc

    # the instance ----------------------------------------------------------------------
    def instance_limits(self) -> tuple[int, int, int]:
        """(characters, weight of a link, image bytes) as this instance has them, from its configuration."""
        if self._instance is None:
            with self.errors("GET /api/v2/instance"):
                instance = self.api.instance_v2()
            configuration = _mapping(_mapping(instance).get("configuration"))
            statuses = _mapping(configuration.get("statuses"))
            media = _mapping(configuration.get("media_attachments"))
            self._instance = (_positive(statuses.get("max_characters"), SPEC.text.max_length),
                              _positive(statuses.get("characters_reserved_per_url"), SPEC.text.url_length or 23,
                                        zero_ok=True),
                              _positive(media.get("image_size_limit"), SPEC.max_image_bytes))
        return self._instance

    @staticmethod
    def sent_text(post: OutgoingPost) -> str:
        if post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    @staticmethod
    def idempotency_key(post: OutgoingPost) -> str:
        """The same post always gets the same key; another post never does (its marker differs)."""
        basis = post.marker or f"{post.text}\n{post.link or ''}"
        return "distributor-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]

    def view_url(self, status_id: str, url: str | None) -> str | None:
        return f"{self.view_base}{status_id}" if self.view_base else url

    # publishing ------------------------------------------------------------------------
    def publish(self, post: OutgoingPost) -> Published:
        text = self.sent_text(post)
        limit, url_weight, _ = self.instance_limits()
        limit = min(limit, self.max_characters or limit)
        length = text_length(self.platform, text, url_length=url_weight)
        if length > limit:
            raise Rejected(f"the status is too long: {length} characters as this instance counts them, limit {limit}")
        media_ids, note = self._attach_images(post) if post.image_url else ([], None)
        with self.errors("POST /api/v1/statuses"):
            status = self.api.status_post(text, media_ids=media_ids or None, visibility="public",
                                          idempotency_key=self.idempotency_key(post))
        status_id = str(status["id"])
        with self._lock:
            if status_id in self._published:
                # the instance answered a repeated Idempotency-Key with the status it already has
                raise DuplicateContent(f"Mastodon already has this post (status {status_id})")
            self._published.add(status_id)
        return Published(status_id, self.view_url(status_id, status.get("url")), note)

    def _attach_images(self, post: OutgoingPost) -> tuple[list[str], str | None]:
        """Each image uploaded with its description (up to the spec's count), in order."""
        media_ids, notes = [], []
        for n, (url, alt) in enumerate(post.images[:SPEC.max_images], start=1):
            ids, note = self._attach_image(replace(post, image_url=url, image_alt=alt))
            media_ids += ids
            if note:
                notes.append(note if len(post.images) == 1 else f"image {n}: {note}")
        return media_ids, "; ".join(notes) or None

    def _attach_image(self, post: OutgoingPost) -> tuple[list[str], str | None]:
        image, note = load_image(self.fetcher, post.image_url or "", self.instance_limits()[2])
        if image is None:
            return [], note
        try:
            with self.errors("POST /api/v2/media"):
                media = self.api.media_post(image.content, mime_type=image.mime, file_name=image.filename,
                                            description=(post.image_alt or None) and post.image_alt[:1500])
            deadline = time.monotonic() + MEDIA_WAIT_SECONDS
            while not media.get("url"):
                if time.monotonic() > deadline:
                    return [], "posted without image: the instance was still processing it"
                time.sleep(MEDIA_POLL_SECONDS)
                with self.errors("GET /api/v1/media/{id}"):
                    media = self.api.media(media["id"])
        except Rejected as exc:
            return [], f"posted without image: Mastodon refused the upload ({exc.reason})"
        return [str(media["id"])], None

    def edit(self, external_id: str, text: str) -> Published:
        with self.errors("PUT /api/v1/statuses/{id}"):
            status = self.api.status_update(external_id, text)
        return Published(str(status["id"]), self.view_url(str(status["id"]), status.get("url")), "edited")

    def delete(self, external_id: str) -> None:
        with self.errors("DELETE /api/v1/statuses/{id}"):
            try:
                self.api.status_delete(external_id)
            except MastodonNotFoundError:
                pass  # already gone: what was asked

    def verify(self) -> str:
        with self.errors("GET /api/v1/accounts/verify_credentials"):
            me = self.api.account_verify_credentials()
        self._me = str(me["id"])
        return f"@{me['acct']}"

    # reconciliation --------------------------------------------------------------------
    def find_existing(self, post: OutgoingPost) -> Published | None:
        if self._me is None:
            self.verify()
        with self.errors("GET /api/v1/accounts/{id}/statuses"):
            statuses = self.api.account_statuses(self._me, limit=RECENT_STATUSES)
        candidates = []
        for status in statuses or []:
            text, links = status_text(status.get("content", ""))
            card = (status.get("card") or {}).get("url")
            created = status.get("created_at")
            created = created if isinstance(created, datetime) else None
            candidates.append(Candidate(str(status["id"]), text, tuple(links) + ((card,) if card else ()), created))
        found = best_match(post, self.sent_text(post), candidates)
        if found is None:
            return None
        url = next((s.get("url") for s in statuses if str(s["id"]) == found.external_id), None)
        return Published(found.external_id, self.view_url(found.external_id, url),
                         "found among the account's recent statuses")

    # metrics ---------------------------------------------------------------------------
    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        metrics: dict[str, Metrics] = {}
        for batch in chunks(list(dict.fromkeys(external_ids)), SPEC.metrics_batch_size):
            with self.errors("GET /api/v1/statuses"):
                statuses = self.api.statuses(batch)
            found = {str(s["id"]): s for s in statuses or []}
            for status_id in batch:
                status = found.get(status_id)
                if status is None:  # the instance no longer has it
                    metrics[status_id] = Metrics(deleted=True, raw={"id": status_id})
                    continue
                metrics[status_id] = Metrics(
                    likes=int(status.get("favourites_count") or 0),
                    shares=int(status.get("reblogs_count") or 0),
                    comments=int(status.get("replies_count") or 0),
                    impressions=None,  # Mastodon counts no views
                    clicks=None,
                    raw={k: status.get(k) for k in ("id", "favourites_count", "reblogs_count", "replies_count")},
                )
        return metrics
