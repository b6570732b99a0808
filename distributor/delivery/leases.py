"""The lease SQL of the dispatcher: claim a due post, renew its lease, settle it, take over an expired one.

dispatch.py decides (with delivery/outcome.py) and calls these; every
statement here is conditional (``WHERE state=... AND lease_owner=...``), so
the row count says whether this worker still holds the post. PostgreSQL adds
``FOR UPDATE SKIP LOCKED`` in the callers' selects; SQLite runs one writer at
a time. (apscheduler's DataStore keeps its lease SQL apart the same way.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from distributor.config import AccountSettings
from distributor.models import Account, Post, PostEvent, PostState, RateLimit, utcnow
from distributor.platforms.base import OutgoingPost

log = logging.getLogger("distributor.dispatch")

S = PostState
# RateLimit.endpoint keys the dispatcher uses: everything ``publish`` calls
# (media upload included) shares one gate, and reconciliation reads have their own.
PUBLISH_ENDPOINT = "publish"
RECONCILE_ENDPOINT = "find_existing"


@dataclass(frozen=True)
class Claim:
    """A post this worker holds the lease of, with what the adapter needs."""

    id: int
    account: str
    attempts: int
    outgoing: OutgoingPost
    platform: str | None = None  # for its engagement schedule


def due_query(names: set[str], now: datetime):
    """Queued, due posts of these accounts whose account is neither paused nor rate limited.

    Pause and rate limit are read in the claim's own statement, so a limit
    stored by another worker a moment ago is honoured.
    """
    limited = exists().where(
        RateLimit.account == Post.account,
        RateLimit.endpoint == PUBLISH_ENDPOINT,
        RateLimit.reset_at > now,
    )
    # A post tried before is looked for before it is published again (see
    # _publish), so it also waits while the account's reads are rate limited.
    reads_limited = exists().where(
        RateLimit.account == Post.account,
        RateLimit.endpoint == RECONCILE_ENDPOINT,
        RateLimit.reset_at > now,
    )
    return (
        select(Post)
        .join(Account, col(Account.name) == col(Post.account))
        .where(
            Post.state == S.queued,
            col(Post.scheduled_at) <= now,
            col(Post.account).in_(names),
            col(Account.paused_at).is_(None),
            ~limited,
            ~(and_(col(Post.attempts) >= 1, reads_limited)),
        )
        .order_by(col(Post.priority).desc(), col(Post.scheduled_at), col(Post.id))
        .limit(1)
    )


def claim_statement(post_id: int, account: AccountSettings, worker_id: str, now: datetime, lease_until: datetime):
    """queued -> sending, only if still queued (and, on SQLite, only if pacing allows).

    The row count of this UPDATE is the claim: 1 means this worker won the post.
    """
    statement = (
        update(Post)
        .where(col(Post.id) == post_id, Post.state == S.queued)
        .values(
            state=S.sending,
            lease_owner=worker_id,
            lease_until=lease_until,
            attempts=col(Post.attempts) + 1,
            updated_at=now,
        )
    )
    if account.min_gap_minutes > 0:
        # SQLite runs one writer at a time, so this check and the move are atomic.
        # (PostgreSQL additionally locks the account row first; see _claim_one.)
        # Two NOT EXISTS, not one with an OR: SQLite then searches ix_post_account_state
        # and ix_post_account_sent instead of every post of the account (190 ms at 200,000 posts).
        sending, recent = aliased(Post), aliased(Post)
        since = now - timedelta(minutes=account.min_gap_minutes)
        statement = statement.where(
            ~exists().where(sending.account == account.name, sending.id != post_id, sending.state == S.sending),
            ~exists().where(recent.account == account.name, recent.id != post_id, recent.sent_at > since),
        )
    return statement


def settle(
    session: Session, claim: Claim, worker_id: str, now: datetime, to: PostState, reason: str, attempt: int | None = None, **values
) -> bool:
    """Leave ``sending`` for ``to``, only while this worker still holds the lease."""
    attempt = claim.attempts if attempt is None else attempt
    result = session.execute(
        update(Post)
        .where(col(Post.id) == claim.id, Post.state == S.sending, col(Post.lease_owner) == worker_id)
        .values(state=to, lease_owner=None, lease_until=None, updated_at=now, attempts=attempt, **values)
    )
    if result.rowcount != 1:
        # Our lease expired and another worker reconciled the post: its record stands.
        log.warning("post %s: lease lost before recording %s; leaving it to the reconciler", claim.id, to.value)
        return False
    session.add(
        PostEvent(post_id=claim.id, at=now, from_state=S.sending.value, to_state=to.value,
                  attempt=attempt, actor=f"worker:{worker_id}", reason=reason)
    )
    return True


def renew(connection, post_id: int, worker_id: str, lease_seconds: float) -> None:
    """Extend the lease of a post this worker is still sending."""
    connection.execute(
        update(Post)
        .where(col(Post.id) == post_id, Post.state == S.sending, Post.lease_owner == worker_id)
        .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
    )


def take_over(session: Session, post_id: int, worker_id: str, now: datetime, lease_seconds: float) -> bool:
    """Move an expired lease to this worker; False when another worker was first."""
    result = session.execute(
        update(Post)
        .where(col(Post.id) == post_id, Post.state == S.sending, col(Post.lease_until) < now)
        .values(lease_owner=worker_id, lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
    )
    return result.rowcount == 1
