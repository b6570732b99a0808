"""The sandbox's memory: posts, media, engagement and request counts.

One lock guards everything: uvicorn may run handlers concurrently and tests
read the state from another thread. Nothing here knows HTTP.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# impressions: what X reports; views: what Meta reports instead (Facebook Page views, Threads)
METRIC_NAMES = ("likes", "shares", "comments", "impressions", "views", "clicks")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """X style: 2026-11-25T12:00:00.000Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def graph_time(moment: datetime) -> str:
    """Graph style: 2026-11-25T12:00:00+0000."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Media:
    id: str
    platform: str
    account: str
    mime: str = "application/octet-stream"
    size: int = 0
    total_bytes: int | None = None  # announced by a chunked upload's INIT
    chunks: dict[int, bytes] = field(default_factory=dict)
    sha256: str | None = None
    alt_text: str | None = None
    finalized: bool = False
    content: bytes | None = field(default=None, repr=False)  # kept so /_sandbox/media/{id} can show it

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.mime, "bytes": self.size, "sha256": self.sha256, "alt_text": self.alt_text}


@dataclass
class Post:
    platform: str  # the registry name: "twitter" | "facebook" | "bluesky" | "mastodon" | "threads"
    account: str  # X username / Facebook Page id
    id: str
    text: str  # as the platform shows it (X: URLs wrapped as t.co)
    link: str | None
    created_at: datetime
    media: list[Media] = field(default_factory=list)
    author_id: str | None = None
    entities: dict[str, Any] | None = None
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # what one platform keeps beside (a card, facets, a uri)
    edits: int = 0  # times the platform's post was edited (Facebook allows it, X does not)

    def public(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account": self.account,
            "id": self.id,
            "text": self.text,
            "link": self.link,
            "media": [m.public() for m in self.media],
            "created_at": iso(self.created_at),
            **({"record": self.extra["record"]} if "record" in self.extra else {}),  # Bluesky: facets and card
            # X: the post this one replies to (a thread's parts), null for a first post
            **({"in_reply_to": self.extra.get("in_reply_to")} if self.platform == "twitter" else {}),
            # Facebook: the comments made under the post through the API, oldest first
            **({"comments": list(self.extra.get("comments", []))} if self.platform == "facebook" else {}),
        }


def user_for_token(token: str) -> tuple[str, str]:
    """A stable (user id, username) for an access token; the token itself is never shown."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return str(1_000_000_000 + int(digest[:12], 16) % 9_000_000_000), "sandbox_" + digest[:8]


class SandboxState:
    """Everything the fake platforms remember, behind one lock."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.posts: dict[str, Post] = {}
            self.media: dict[str, Media] = {}
            self.metrics: dict[str, dict[str, int]] = {}
            self.requests: Counter[str] = Counter()
            self._next = 0

    # ids -----------------------------------------------------------------
    def next_number(self) -> int:
        with self.lock:
            self._next += 1
            return self._next

    def tweet_id(self) -> str:
        return str(1_860_000_000_000_000_000 + self.next_number() * 4096)

    def media_id(self) -> str:
        return str(1_870_000_000_000_000_000 + self.next_number() * 4096)

    def graph_id(self) -> str:
        return str(122_100_000_000_000 + self.next_number())

    # posts ---------------------------------------------------------------
    def add_post(self, post: Post) -> Post:
        with self.lock:
            self.posts[post.id] = post
            return post

    def get_post(self, post_id: str) -> Post | None:
        with self.lock:
            post = self.posts.get(post_id)
            return None if post is None or post.deleted else post

    def delete_post(self, post_id: str) -> bool:
        with self.lock:
            post = self.posts.get(post_id)
            if post is None or post.deleted:
                return False
            post.deleted = True
            return True

    def recent_posts(self, platform: str, account: str) -> list[Post]:
        """Newest first, as both platforms list them."""
        with self.lock:
            found = [p for p in self.posts.values() if p.platform == platform and p.account == account and not p.deleted]
        return list(reversed(found))

    def live_posts(self) -> list[Post]:
        with self.lock:
            return [p for p in self.posts.values() if not p.deleted]

    # engagement ----------------------------------------------------------
    def set_metrics(self, post_id: str, values: dict[str, int]) -> None:
        with self.lock:
            current = self.engagement(post_id)
            given = {k: int(v) for k, v in values.items() if k in METRIC_NAMES}
            if "impressions" in given and "views" not in given:  # one audience, as the numbers grown on their own
                given["views"] = given["impressions"]
            current.update(given)
            self.metrics[post_id] = current

    def engagement(self, post_id: str) -> dict[str, int]:
        """Set values, else numbers that grow with the post's age, fixed by the seed."""
        with self.lock:
            if post_id in self.metrics:
                return dict(self.metrics[post_id])
            post = self.posts.get(post_id)
        if post is None:
            return {name: 0 for name in METRIC_NAMES}
        rng = random.Random(f"{self.seed}:{post_id}")
        minutes = max(0.0, (utcnow() - post.created_at).total_seconds() / 60)
        growth = math.sqrt(minutes)
        impressions = int(rng.uniform(20, 80) * growth)
        return {
            "impressions": impressions,
            "views": impressions,  # one audience: X counts it as impressions, Meta as views
            "likes": int(impressions * rng.uniform(0.01, 0.05)),
            "shares": int(impressions * rng.uniform(0.0, 0.01)),
            "comments": int(impressions * rng.uniform(0.0, 0.01)),
            "clicks": int(impressions * rng.uniform(0.01, 0.03)),
        }

    # stats ---------------------------------------------------------------
    def count(self, key: str) -> None:
        with self.lock:
            self.requests[key] += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": dict(self.requests)}
