"""Where articles come from, and how each source is doing: one door for `distributor sources` and /api/sources.

Feeds: last poll, its status or error (and since when it fails), the next poll,
when it last listed a new item, and the WebSub
subscription (hub, state, lease, the hub's last error). Webhooks: whether the
secret is set (a hook without one refuses everything), the last accepted
request, and how many were accepted in the last day. Refusals are never
written to the database (nothing is written before a request is proven), so
the web process counts them in memory (``RefusalCounter``) and /api/sources
adds its counts.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from distributor.config import Settings, webhook_secret
from distributor.models import Feed, FeedEntry, WebhookDelivery, WebSubSubscription, utcnow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def overview(session: Session, settings: Settings, now: datetime | None = None) -> list[dict]:
    now = now or utcnow()
    rows = []
    feeds = {f.url: f for f in session.exec(select(Feed))}
    # when each feed last listed an item it had not listed before: a feed that answers but has
    # stopped listing new stories (a CMS glitch) looks "ok" otherwise
    latest = dict(session.exec(select(FeedEntry.feed_id, func.max(FeedEntry.seen_at)).group_by(FeedEntry.feed_id)).all())
    subs = {s.feed_id: s for s in session.exec(select(WebSubSubscription))}
    for configured in settings.feeds:
        feed = feeds.get(configured.url)
        sub = subs.get(feed.id) if feed else None
        rows.append({
            "kind": configured.kind, "name": configured.url, "state": "failing" if feed and feed.last_error else "ok",
            "last_polled_at": _iso(feed and feed.last_polled_at), "last_status": feed and feed.last_status,
            "error": feed and feed.last_error, "next_poll_at": _iso(feed and feed.next_poll_at),
            # how long it has been failing, and when it last listed something new
            "failing_since": _iso(feed and feed.failing_since), "failures": feed.consecutive_failures if feed else 0,
            "last_new_item_at": _iso(latest.get(feed.id) if feed else None),
            "websub": None if sub is None else {
                "hub": sub.hub, "topic": sub.topic, "state": sub.state, "lease_until": _iso(sub.lease_until),
                "last_notified_at": _iso(sub.last_notified_at), "error": sub.last_error,
            },
        })
    since = now - timedelta(days=1)
    for hook in settings.webhooks:
        last, count = session.exec(
            select(func.max(WebhookDelivery.received_at), func.count(WebhookDelivery.id))
            .where(WebhookDelivery.hook == hook.name, WebhookDelivery.received_at > since)
        ).one()
        secret = bool(webhook_secret(hook))
        rows.append({
            "kind": f"webhook:{hook.kind}", "name": hook.name, "path": f"/hooks/{hook.name}",
            "state": "ok" if secret else "refusing", "last_accepted_at": _iso(last), "accepted_24h": count,
            "error": None if secret else f"{hook.secret_variable} is not set: every request is refused",
        })
    return rows


class RefusalCounter:
    """Refused webhook requests per hook since this web process started, with the last reason."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: dict[str, dict] = {}

    def add(self, hook: str, status: int, reason: str, now: datetime | None = None) -> None:
        with self._lock:
            entry = self.counts.setdefault(hook[:64], {"refused": 0})
            entry.update(refused=entry["refused"] + 1, last_refusal=f"{status} {reason}",
                         last_refused_at=_iso(now or utcnow()))

    def get(self, hook: str) -> dict:
        with self._lock:
            return dict(self.counts.get(hook, {"refused": 0}))
