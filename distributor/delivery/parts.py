"""Send a post's parts once it is out: an X thread's replies, a Facebook first comment.

A part goes only after the post is ``sent`` and never un-sends it: a part that
fails stays in the post's note and history and is tried again later. Never
twice, by three rules:

- ``Post.parts_sent`` records each part the moment the platform accepted it
  (``{"first_comment": id, "thread": [id, ...]}``), in its own transaction;
- before calling the platform, the part about to go is written there as
  ``"trying"``: a worker that died (or lost the answer) leaves it, and the next
  attempt first looks for that part on the platform (``find_reply`` /
  ``find_comment``) before making it again;
- nothing while the account is paused (by an editor, or by an expired token,
  which pauses it here as the dispatcher does): its parts wait with its posts;
- one worker at a time: a sent post whose parts are due holds ``lease_until``
  (the time they are due, never NULL while parts wait), and a worker takes them
  with a conditional UPDATE on it, as the dispatcher takes a queued post. A
  worker that dies lets the lease run out; the next round resumes the missing
  parts only.

Every call runs under a cost meter (purpose "publish": an X reply is a post
create, billed as one) and is booked in the ledger, so budgets count it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import exists, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from distributor.delivery import costs
from distributor.delivery.leases import PUBLISH_ENDPOINT
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected
from distributor.models import Account, Post, PostEvent, PostState, RateLimit
from distributor.platforms.base import PlatformAdapter, Published
from distributor.ratelimits import store_rate_limit

log = logging.getLogger(__name__)
S = PostState
Bind = Engine | Connection
MAX_PART_ATTEMPTS = 8  # as the dispatcher's RetryPolicy.max_attempts
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Part:
    """One part still to send: ``key`` names it in ``parts_sent`` ("thread:1", "first_comment")."""

    key: str
    kind: str  # "thread" | "first_comment"
    text: str
    parent: str  # the platform id it replies to or comments on
    label: str  # "thread post 2 of 3" for the history


def next_part(external_id: str, thread: list[str] | None, first_comment: str | None,
              sent: Mapping[str, Any] | None) -> Part | None:
    """The next part to send, or None when all are out (or given up) (pure).

    Thread replies go in order, each a reply to the post before it; the first
    comment follows the thread (a post has one or the other in practice).
    """
    sent = sent or {}
    if sent.get("gave_up"):
        return None
    done = list(sent.get("thread") or [])
    thread = list(thread or [])
    if len(done) < len(thread):
        n = len(done)
        return Part(f"thread:{n}", "thread", thread[n], done[-1] if done else external_id,
                    f"thread post {n + 2} of {len(thread) + 1}")
    if first_comment and not sent.get("first_comment"):
        return Part("first_comment", "first_comment", first_comment, external_id, "the first comment")
    return None


def has_parts(post: Post) -> bool:
    return bool(post.thread) or bool(post.first_comment)


def backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1)))


# --------------------------------------------------------------------------- SQL around the decisions


def mark_due(session: Session, post_id: int, now: datetime) -> None:
    """Called when a post becomes sent: if it has parts, they are due now (the caller commits)."""
    post = session.get(Post, post_id)
    if post is not None:
        session.refresh(post)
        if has_parts(post) and next_part(post.external_id or "", post.thread, post.first_comment, post.parts_sent):
            session.execute(update(Post).where(col(Post.id) == post_id, Post.state == S.sent)
                            .values(lease_until=now, lease_owner=None))


def _take(engine: Bind, post_id: int, worker_id: str, now: datetime, lease_seconds: float) -> bool:
    with Session(engine) as session:
        result = session.execute(
            update(Post).where(col(Post.id) == post_id, Post.state == S.sent, col(Post.lease_until).is_not(None),
                               col(Post.lease_until) <= now)
            .values(lease_owner=worker_id, lease_until=now + timedelta(seconds=lease_seconds))
        )
        session.commit()
        return result.rowcount == 1


def _due_ids(engine: Bind, accounts: set[str], now: datetime, only: set[int] | None) -> list[int]:
    limited = exists().where(RateLimit.account == Post.account, RateLimit.endpoint == PUBLISH_ENDPOINT,
                             RateLimit.reset_at > now)
    paused = exists().where(Account.name == Post.account, col(Account.paused_at).is_not(None))  # held, as its posts
    with Session(engine) as session:
        query = (select(Post.id).where(Post.state == S.sent, col(Post.lease_until).is_not(None),
                                       col(Post.lease_until) <= now, col(Post.account).in_(accounts), ~limited,
                                       ~paused)
                 .order_by(col(Post.lease_until), col(Post.id)).limit(50))
        if only is not None:
            query = query.where(col(Post.id).in_(only))
        return list(session.exec(query).all())


def _write(engine: Bind, post_id: int, worker_id: str, now: datetime, change: Callable[[dict], None],
           reason: str | None = None, note: str | None = None, release_at: datetime | None | bool = False,
           meter: costs.Meter | None = None, limit: tuple[str, str, datetime] | None = None,
           pause: tuple[str, str] | None = None) -> bool:
    """Apply ``change`` to parts_sent (only while this worker holds the parts' lease), with a history line."""
    with Session(engine, expire_on_commit=False) as session:
        post = session.exec(select(Post).where(Post.id == post_id, Post.state == S.sent,
                                               Post.lease_owner == worker_id)).first()
        if meter is not None:
            costs.record_calls(session, meter.drain())
        if limit is not None:
            store_rate_limit(session, *limit)
        if pause is not None:  # the account's (account, reason): dispatch's own pause on an expired token
            session.execute(update(Account).where(col(Account.name) == pause[0], col(Account.paused_at).is_(None))
                            .values(paused_reason=pause[1], paused_at=now))
        if post is None:
            session.commit()  # the ledger keeps the calls even when the lease was lost
            return False
        sent = dict(post.parts_sent or {})
        change(sent)
        values: dict[str, Any] = {"parts_sent": sent, "updated_at": now}
        if note is not None:
            values["note"] = note
        if release_at is not False:
            values.update(lease_owner=None, lease_until=release_at)
        session.execute(update(Post).where(col(Post.id) == post_id, Post.lease_owner == worker_id).values(**values))
        if reason:
            session.add(PostEvent(post_id=post_id, at=now, from_state=S.sent.value, to_state=S.sent.value,
                                  attempt=post.attempts, actor=f"worker:{worker_id}", reason=reason))
        session.commit()
        return True


# --------------------------------------------------------------------------- sending


def _call(adapter: PlatformAdapter, part: Part, not_before: datetime | None, look_first: bool) -> Published:
    """Make the part, or find it first when an earlier attempt may have made it."""
    find = getattr(adapter, "find_reply" if part.kind == "thread" else "find_comment", None)

    def look() -> Published | None:
        meter = costs.current_meter()
        with meter.using("reconcile") if meter is not None else contextlib.nullcontext():
            return find(part.parent, part.text, not_before) if find is not None else None

    if look_first:
        found = look()
        if found is not None:
            return found
    make = getattr(adapter, "reply" if part.kind == "thread" else "comment")
    try:
        return make(part.parent, part.text)
    except DuplicateContent:
        found = look()
        if found is None:
            raise
        return found


def _recorded(part: Part, external_id: str) -> Callable[[dict], None]:
    def change(sent: dict) -> None:
        if part.kind == "thread":
            sent["thread"] = list(sent.get("thread") or []) + [external_id]
        else:
            sent["first_comment"] = external_id
        sent.pop("trying", None)
        sent.pop("failures", None)
        sent.pop("error", None)
    return change


def send_parts(engine: Bind, adapter: PlatformAdapter, post_id: int, worker_id: str, now: datetime,
               lease_seconds: float, max_attempts: int = MAX_PART_ATTEMPTS) -> int:
    """Send the post's due parts (if this worker wins them); returns how many went out."""
    if not _take(engine, post_id, worker_id, now, lease_seconds):
        return 0
    sent_count = 0
    while True:
        with Session(engine) as session:
            post = session.get(Post, post_id)
            if post is None or post.state != S.sent or post.lease_owner != worker_id:
                return sent_count
            part = next_part(post.external_id or "", post.thread, post.first_comment, post.parts_sent)
            account, sent_at = post.account, post.sent_at
            sent = dict(post.parts_sent or {})
        if part is None:
            _write(engine, post_id, worker_id, now, lambda s: None, release_at=None)
            return sent_count
        if getattr(adapter, "reply" if part.kind == "thread" else "comment", None) is None:
            _write(engine, post_id, worker_id, now, lambda s: s.update(gave_up=f"{adapter.platform} cannot post it"),
                   reason=f"{part.label} not posted: the {adapter.platform} adapter cannot", release_at=None)
            return sent_count
        look_first = sent.get("trying") == part.key  # an earlier attempt may have made it
        if not look_first and not _write(engine, post_id, worker_id, now, lambda s: s.update(trying=part.key)):
            return sent_count
        not_before = sent_at if sent_at is None or sent_at.utcoffset() else sent_at.replace(tzinfo=UTC)
        with costs.metering(account, "publish", post_id) as meter:
            try:
                published = _call(adapter, part, not_before, look_first)
            except Exception as exc:  # noqa: BLE001 - sorted below; the post itself stays sent
                _failed(engine, post_id, worker_id, now, part, sent, exc, meter, account, max_attempts)
                return sent_count
        if not _write(engine, post_id, worker_id, now, _recorded(part, published.external_id),
                      reason=f"{part.label} posted ({published.external_id})", meter=meter):
            return sent_count
        sent_count += 1


def _failed(engine: Bind, post_id: int, worker_id: str, now: datetime, part: Part, sent: dict, exc: Exception,
            meter: costs.Meter, account: str, max_attempts: int) -> None:
    """A part failed: the post stays sent; retry later (rate limit, transient) or give up (refused)."""
    failures = int(sent.get("failures") or 0) + 1
    what = f"{type(exc).__name__}: {exc}"
    limit, pause = None, None
    if isinstance(exc, RateLimited):
        retry_at = max(exc.retry_at if exc.retry_at.utcoffset() else exc.retry_at.replace(tzinfo=UTC),
                       now + timedelta(seconds=1))
        limit = (account, PUBLISH_ENDPOINT, retry_at)
        failures -= 1  # a rate limit is not the part's fault
    elif isinstance(exc, AuthExpired):
        retry_at = now + backoff(failures)
        failures -= 1  # nor an expired token: the account is paused (as dispatch does) and its parts wait for it
        pause = f"auth expired: {exc}"
    else:
        retry_at = now + backoff(failures)
    give_up = isinstance(exc, Rejected) or failures >= max_attempts
    if not isinstance(exc, (RateLimited, AuthExpired, Rejected)):
        log.warning("post %s: %s failed (%s); retrying after %s", post_id, part.label, what, retry_at.isoformat())
    # a refusal means nothing was made: the part is not "trying" any more; anything else may have reached it
    keep_trying = not isinstance(exc, (Rejected, RateLimited, AuthExpired))

    def change(parts: dict) -> None:
        parts["failures"] = failures
        parts["error"] = what[:500]
        if not keep_trying:
            parts.pop("trying", None)
        if give_up:
            parts["gave_up"] = f"{part.label}: {what[:300]}"

    if give_up:
        note = f"{part.label} was not posted: {what[:300]} (the post itself is out)"
        _write(engine, post_id, worker_id, now, change, reason=f"{part.label} given up: {what[:300]}", note=note,
               release_at=None, meter=meter, limit=limit)
    else:
        note = (f"{part.label} not posted yet: {what[:300]}; trying again after {retry_at:%Y-%m-%d %H:%M:%S} UTC "
                "(the post itself is out)")
        _write(engine, post_id, worker_id, now, change, reason=f"{part.label} failed ({what[:300]}); retry after "
               f"{retry_at.isoformat()}", note=note, release_at=retry_at, meter=meter, limit=limit,
               pause=(account, pause) if pause else None)


def send_due(engine: Bind, adapters: Mapping[str, PlatformAdapter], worker_id: str, now: datetime,
             lease_seconds: float, only: set[int] | None = None, should_stop: Callable[[], bool] = lambda: False,
             max_attempts: int = MAX_PART_ATTEMPTS) -> int:
    """Send the due parts of sent posts (``only`` those posts, when given); a round's step in dispatch."""
    total = 0
    for post_id in _due_ids(engine, set(adapters), now, only):
        if should_stop():
            break
        with Session(engine) as session:
            account = session.exec(select(Post.account).where(Post.id == post_id)).first()
        if account in adapters:
            total += send_parts(engine, adapters[account], post_id, worker_id, now, lease_seconds, max_attempts)
    return total
