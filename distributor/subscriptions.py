"""WebSub subscriptions over the database: subscribe, verify, renew, receive, fall back.

The life of one subscription (``WebSubSubscription.state``):

    new --subscribe request accepted--> requested --hub verifies--> active
     ^                                      |                        |  renewed halfway through
     |                                      +-- no verification -----+-- hub refuses or is gone --> failed
     +--------------- the feed names another hub ---------------------------- retried with backoff --+

When its feed leaves the configuration (or its ``websub`` is turned off), a subscription
is ``unsubscribing``: the hub is asked to stop (hub.mode=unsubscribe), and the row is
deleted when the hub confirms or the lease ends; a push meanwhile is not recorded.

While a subscription is ``active`` and its lease runs, its feed is polled only
every ``websub_poll_seconds`` (a safety net for a silent hub); in every other
state, or when the feed stops announcing a hub, it is polled every
``poll_seconds`` again, at once.

Only a subscription we asked for is confirmed: the callback URL carries a
random token, and the hub's challenge is answered only for that token's
topic while we wait for it (or to renew it). Each subscription's secret
(``hub.secret``) is derived from DISTRIBUTOR_WEBSUB_SECRET and the token.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import update
from sqlmodel import Session, select

from distributor.articles import baseline_rule, record_items
from distributor.config import FeedSettings, Settings, secret_from_env
from distributor.db import session_scope
from distributor.errors import DistributorError
from distributor.models import Feed, WebSubSubscription, utcnow
from distributor.sources import parse_feed
from distributor.sources.websub import callback_secret, signature_ok

log = logging.getLogger(__name__)

SECRET_ENV = "DISTRIBUTOR_WEBSUB_SECRET"
LEASE_SECONDS = 7 * 24 * 3600  # what we ask for; the hub decides
VERIFY_WAIT = timedelta(minutes=5)  # a request the hub never verified counts as failed after this
MAX_BACKOFF = timedelta(hours=6)
MAX_RENEW_MARGIN = timedelta(days=1)
UNSUBSCRIBE_TRIES = 5  # a hub that fails this often is given up on: the row goes, a later push meets a 404


def master_secret() -> str:
    return secret_from_env(SECRET_ENV).strip()


def enabled(settings: Settings, feed: FeedSettings | None) -> bool:
    """Whether this feed may use WebSub: allowed for it, a public callback URL, and a secret."""
    return bool(feed and feed.websub and feed.kind == "feed" and settings.web.public_url and master_secret())


def callback_url(settings: Settings, token: str) -> str:
    return f"{settings.web.public_url.rstrip('/')}/websub/{token}"


def _aware(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _lease_running(sub: WebSubSubscription | None, now: datetime) -> bool:
    return sub is not None and sub.state == "active" and sub.lease_until is not None and _aware(sub.lease_until) > now


def poll_seconds(session: Session, settings: Settings, feed_id: int, feed: FeedSettings, now: datetime) -> int:
    """How long until the feed is polled again: longer while its hub pushes, the usual otherwise."""
    sub = session.exec(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed_id)).first()
    if enabled(settings, feed) and _lease_running(sub, now):
        return max(feed.poll_seconds, feed.websub_poll_seconds)
    return feed.poll_seconds


def note_hub(session: Session, feed_id: int, hub: str | None, topic: str | None) -> bool:
    """What a poll saw: a hub to subscribe to, another hub, or none any more (then polling only).

    True when there is a subscription to request now."""
    sub = session.exec(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed_id)).first()
    if hub is None:
        if sub is not None:
            log.info("feed %s no longer announces a WebSub hub: polling only", feed_id)
            session.delete(sub)
        return False
    if sub is None:
        session.add(WebSubSubscription(feed_id=feed_id, hub=hub, topic=topic, token=secrets.token_urlsafe(24)))
        return True
    if (sub.hub, sub.topic) != (hub, topic):
        sub.hub, sub.topic, sub.state, sub.failures = hub, topic, "new", 0
        return True
    return False


def _backoff(failures: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(failures, 12)), MAX_BACKOFF)


def _renew_at(sub: WebSubSubscription) -> datetime | None:
    """Halfway through the lease, or a day before it ends, whichever comes later."""
    if sub.lease_until is None or sub.verified_at is None:
        return None
    until, since = _aware(sub.lease_until), _aware(sub.verified_at)
    return until - min((until - since) / 2, MAX_RENEW_MARGIN)


def due_action(sub: WebSubSubscription, now: datetime) -> str | None:
    """What a subscription needs now (a pure decision): "subscribe", "expire" or None."""
    if sub.state in ("new", "unsubscribing"):  # unsubscribing: the feed was configured again meanwhile
        return "subscribe"
    if sub.state == "requested":
        return "expire" if sub.requested_at and now - _aware(sub.requested_at) > VERIFY_WAIT else None
    if sub.state == "active":
        renew = _renew_at(sub)
        if renew is not None and now < renew:
            return None
        # a renewal asked for since the last verification: the hub is given VERIFY_WAIT to verify it
        # (the lease still runs), not asked again at every look
        asked = _aware(sub.requested_at)
        waiting = asked is not None and sub.verified_at is not None and asked > _aware(sub.verified_at)
        return None if waiting and now - asked <= VERIFY_WAIT else "subscribe"
    if sub.state == "failed":
        since = _aware(sub.requested_at)
        return "subscribe" if since is None or now >= since + _backoff(sub.failures) else None
    return None


def unwanted(feed: FeedSettings | None) -> bool:
    """A subscription nobody wants any more: its feed left the configuration, or its websub was turned off."""
    return feed is None or not feed.websub


def unwanted_action(sub: WebSubSubscription, now: datetime) -> str | None:
    """What an unwanted subscription needs: "unsubscribe" at the hub (it may be pushing), "forget" the
    row (the hub pushes nothing: never verified, refused, or its lease ran out), or None (asked, waiting).

    The hub is asked again after VERIFY_WAIT, with backoff while it fails, up to ``UNSUBSCRIBE_TRIES``
    times; the row goes when the hub confirms, or at the end of the lease whatever the hub does (it
    stops pushing then), and a push to a forgotten callback is answered 404."""
    lease = _aware(sub.lease_until)
    if sub.state not in ("active", "requested", "unsubscribing") or (lease is not None and lease <= now):
        return "forget"
    if sub.state != "unsubscribing":
        return "unsubscribe"
    if sub.failures >= UNSUBSCRIBE_TRIES:
        return "forget"
    asked = _aware(sub.requested_at)
    return None if asked is not None and now - asked <= max(VERIFY_WAIT, _backoff(sub.failures)) else "unsubscribe"


@dataclass
class SubscriptionReport:
    requested: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def maintain(runtime, *, now: datetime | None = None) -> SubscriptionReport:
    """Subscribe, renew and expire what is due; a hub that fails sends its feed back to full polling."""
    report = SubscriptionReport()
    now = now or utcnow()
    feeds = {f.url: f for f in runtime.settings.feeds}
    with Session(runtime.engine) as session:
        rows = session.exec(select(WebSubSubscription, Feed.url).join(Feed, Feed.id == WebSubSubscription.feed_id)).all()
        work = [(sub.id, url, unwanted_action(sub, now) if unwanted(feeds.get(url)) else due_action(sub, now))
                for sub, url in rows]
    for sub_id, url, action in work:
        if action in ("unsubscribe", "forget"):
            error = _unsubscribe(runtime, sub_id, now) if action == "unsubscribe" else _forget(runtime.engine, sub_id)
            if error:
                report.failed += 1
                report.errors.append(f"{url}: {error}")
            continue
        if action is None or not enabled(runtime.settings, feeds.get(url)):
            continue
        if action == "expire":
            _fail(runtime.engine, sub_id, "the hub never verified our subscription request", now)
            report.failed += 1
            continue
        error = _request(runtime, sub_id, now)
        if error:
            report.failed += 1
            report.errors.append(f"{url}: {error}")
        else:
            report.requested += 1
    return report


def secure_hub(hub: str) -> str:
    """Where a subscription request goes: over https, unless the hub is on this machine.

    The request carries ``hub.secret``, the key that signs pushes; sent over
    plain http, anyone on the way (or a log of the request) has it and can sign
    pushes of stories we would then post (WebSub 5.1: only over HTTPS). Many
    older feeds still name their hub with http://, and those hubs answer on
    https too; one that does not fails, and the feed is polled as before.
    """
    parts = urlsplit(hub)
    host = parts.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if parts.scheme.lower() == "http" and not local:
        return urlunsplit(("https", *parts[1:]))
    return hub


def _request(runtime, sub_id: int, now: datetime) -> str | None:
    with Session(runtime.engine) as session:
        sub = session.get(WebSubSubscription, sub_id)
        hub, topic, token = secure_hub(sub.hub), sub.topic, sub.token
    secret = callback_secret(master_secret(), token)
    fields = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback_url(runtime.settings, token),
              "hub.secret": secret, "hub.lease_seconds": str(LEASE_SECONDS)}
    try:  # a refusing hub that quotes our request back must not put the secret (or the token) in last_error
        runtime.fetcher.post_form(hub, fields, secrets=(secret, token))
    except DistributorError as exc:
        _fail(runtime.engine, sub_id, f"subscribing at {hub} failed: {exc}", now)
        return str(exc)
    with session_scope(runtime.engine) as session:
        sub = session.get(WebSubSubscription, sub_id)
        if sub.state != "active":  # a renewal keeps its running lease until the hub confirms
            sub.state = "requested"
        sub.requested_at = now
    log.info("asked WebSub hub %s for %s", hub, topic)
    return None


def _unsubscribe(runtime, sub_id: int, now: datetime) -> str | None:
    """Ask the hub to stop pushing (WebSub 5.1, hub.mode=unsubscribe); the hub verifies it through
    our callback (``verify_intent``), which then forgets the subscription. The state is stored
    before asking: a hub may verify before its answer to the request reaches us."""
    with session_scope(runtime.engine) as session:
        sub = session.get(WebSubSubscription, sub_id)
        hub, topic, token = secure_hub(sub.hub), sub.topic, sub.token
        if sub.state != "unsubscribing":  # the count of failed unsubscribe requests starts now
            sub.failures = 0
        sub.state, sub.requested_at = "unsubscribing", now
    if not runtime.settings.web.public_url:  # no callback the hub could verify: nothing to ask
        return _forget(runtime.engine, sub_id)
    fields = {"hub.mode": "unsubscribe", "hub.topic": topic, "hub.callback": callback_url(runtime.settings, token)}
    try:  # a refusing hub that quotes our request back must not put the token in last_error
        runtime.fetcher.post_form(hub, fields, secrets=(token,))
    except DistributorError as exc:
        error = f"unsubscribing at {hub} failed: {exc}"
        log.warning("WebSub subscription %s: %s; asked again later", sub_id, error)
        with session_scope(runtime.engine) as session:
            sub = session.get(WebSubSubscription, sub_id)
            if sub is not None:
                sub.failures, sub.last_error = sub.failures + 1, error
        return error
    log.info("asked WebSub hub %s to stop pushing %s (the feed is no longer configured)", hub, topic)
    return None


def _forget(engine, sub_id: int) -> None:
    with session_scope(engine) as session:
        sub = session.get(WebSubSubscription, sub_id)
        if sub is not None:
            session.delete(sub)
    return None


def _fail(engine, sub_id: int, error: str, now: datetime) -> None:
    """The hub is not pushing: poll the feed at its usual interval again, from now."""
    with session_scope(engine) as session:
        _failed(session, session.get(WebSubSubscription, sub_id), error, now)


def _failed(session: Session, sub: WebSubSubscription, error: str, now: datetime) -> None:
    """``_fail`` in the caller's transaction (a hub's "denied" arrives inside one)."""
    log.warning("WebSub subscription %s: %s; the feed is polled as usual", sub.id, error)
    sub.state, sub.last_error, sub.failures, sub.requested_at = "failed", error, sub.failures + 1, now
    sub.lease_until = None
    feed = session.get(Feed, sub.feed_id)
    if feed is not None and feed.next_poll_at is not None and _aware(feed.next_poll_at) > now:
        feed.next_poll_at = now


def find(session: Session, token: str) -> WebSubSubscription | None:
    """The subscription whose callback is ``/websub/<token>``, if any."""
    return session.exec(select(WebSubSubscription).where(WebSubSubscription.token == token)).first()


def verify_intent(session: Session, token: str, params: dict[str, str], now: datetime) -> str | None:
    """The hub's challenge to echo, or None (404) when we did not ask for this."""
    sub = find(session, token)
    mode, topic = params.get("hub.mode"), params.get("hub.topic")
    if sub is None or topic != sub.topic:
        return None
    challenge = params.get("hub.challenge")
    if sub.state == "unsubscribing":  # we asked the hub to stop: its confirmation (or a refusal) ends it
        if mode == "unsubscribe" and challenge:
            session.delete(sub)
            return challenge
        return "" if mode == "denied" else None
    if mode == "denied":
        _failed(session, sub, f"the hub refused: {params.get('hub.reason', '')[:200]}", now)
        return ""
    if mode != "subscribe" or not challenge or sub.state not in ("requested", "active"):
        return None  # an unsubscribe we never asked for, or a subscription we do not want
    try:
        lease = int(params.get("hub.lease_seconds") or LEASE_SECONDS)
    except ValueError:
        lease = LEASE_SECONDS
    lease = max(60, min(lease, 365 * 24 * 3600))
    sub.state, sub.verified_at, sub.lease_until = "active", now, now + timedelta(seconds=lease)
    sub.last_error, sub.failures = None, 0
    return challenge


@dataclass
class Delivery:
    status: str  # accepted | ignored | unknown
    added: int = 0
    reason: str | None = None


def receive(session: Session, settings: Settings, token: str, body: bytes, signature: str | None,
            content_type: str | None, now: datetime) -> Delivery:
    """A hub's content distribution: checked against the subscription's secret, then recorded as a poll would be."""
    sub = find(session, token)
    if sub is None:
        return Delivery("unknown", reason="no subscription has this callback")
    if not master_secret() or not signature_ok(callback_secret(master_secret(), token), body, signature):
        return Delivery("ignored", reason="missing or wrong X-Hub-Signature")
    feed = session.get(Feed, sub.feed_id)
    feed_settings = next((f for f in settings.feeds if feed is not None and f.url == feed.url), None)
    if feed_settings is None:
        return Delivery("ignored", reason="the feed is no longer configured")
    if sub.state == "unsubscribing" or unwanted(feed_settings):
        return Delivery("ignored", reason="we asked the hub to stop pushing this feed (websub = false)")
    items = parse_feed(body, sub.topic, content_type)
    # A poll of this feed records its items holding the feed's row (pipeline._still_leased): take
    # it too, so a push of the story the poll is recording waits for it and then finds its rows
    # (else both insert them and the push fails on the unique key). A write, so SQLite's lock too.
    session.execute(update(Feed).where(Feed.id == feed.id).values(lease_until=Feed.lease_until))
    session.refresh(feed)
    sub.last_notified_at = now
    # as a poll would: before the first poll that listed items, a poll that answered with nothing
    # (the feed was empty when we subscribed) makes the items dated after it new, the rest backlog
    first_poll, answered_empty_at = baseline_rule(session, feed, feed_settings.max_age_hours, now)
    added = record_items(session, feed.id, feed_settings, items, first_poll=first_poll, now=now,
                         answered_empty_at=answered_empty_at)
    return Delivery("accepted", added)
