"""What the dispatcher does next, as a pure function over plain values (tested as a table).

``decide(Facts) -> Decision``: from what the platform call did (its outcome),
how many attempts the post has used, what holds it (budget, rate limit) and
what reconciliation found, to the post's next state, when it may be tried
again, and what else must be written (a rate limit to share, an account to
pause). dispatch.py gathers the facts and applies the decision with the SQL in
leases.py; nothing here touches a database, a clock or a platform
(lemon24/reader's ``_update`` Decider does the same split).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from distributor.models import PostState

S = PostState
MIN_RATE_LIMIT_WAIT = timedelta(seconds=1)

# outcomes of one round for one post
PUBLISHED = "published"  # publish returned the platform's id
FOUND_BEFORE = "found_before"  # an earlier attempt had published it (reconciled before publishing)
RATE_LIMITED = "rate_limited"
AUTH_EXPIRED = "auth_expired"
REJECTED = "rejected"
DUPLICATE = "duplicate"  # "maybe posted": reconcile decides
TRANSIENT = "transient"  # 5xx, timeout, dropped connection, anything unexpected
NOT_TRIED = "not_tried"  # at claim time: is anything holding the post?


@dataclass(frozen=True)
class Facts:
    outcome: str
    attempts: int
    now: datetime
    max_attempts: int = 8
    backoff: timedelta = timedelta(0)  # the retry policy's delay for this attempt (jitter drawn by the caller)
    retry_at: datetime | None = None  # a rate limit's reset
    limited_on_reconcile: bool = False  # the rate limit hit the look-up before publishing, not the publish
    found: bool | None = None  # reconciliation: True found, False not there, None not asked
    reconcile_failed: bool = False  # reconciliation was asked and could not answer
    reconcile_retry: timedelta = timedelta(seconds=30)
    budget_reason: str | None = None  # a budget holding the post (NOT_TRIED)
    limited_until: datetime | None = None  # a stored rate limit holding the account (NOT_TRIED)
    error: str = ""
    endpoint: str | None = None  # the platform endpoint a rate limit named


@dataclass(frozen=True)
class Decision:
    state: PostState
    reason: str
    at: datetime | None = None  # queued: when due again; sending: when to reconcile again
    counter: str | None = None  # DispatchReport field: sent, reconciled, retried, failed
    give_back_attempt: bool = False  # a rate limit or an expired token is not a used attempt
    limit_endpoint: str | None = None  # "publish" | "find_existing": store a RateLimit until ``at``
    pause: bool = False
    reconcile: bool = False  # ask the platform before deciding (the caller then decides again with ``found``)


def needs_reconcile(facts: Facts) -> bool:
    """Only the platform can tell: a duplicate refusal, or a failure that uses up the last attempt."""
    giving_up = facts.outcome == TRANSIENT and facts.attempts >= facts.max_attempts
    return facts.found is None and not facts.reconcile_failed and (facts.outcome == DUPLICATE or giving_up)


def decide(facts: Facts) -> Decision:
    now, what = facts.now, facts.error
    if facts.outcome == NOT_TRIED:
        if facts.budget_reason:
            return Decision(S.queued, f"budget: {facts.budget_reason}")
        if facts.limited_until is not None and facts.limited_until > now:
            return Decision(S.queued, f"rate limit until {facts.limited_until.isoformat()}", at=facts.limited_until)
        return Decision(S.sending, "claim")
    if facts.outcome == PUBLISHED:
        return Decision(S.sent, "published", counter="sent")
    if facts.outcome == FOUND_BEFORE:
        return Decision(S.sent, "reconciled: an earlier attempt had published it", counter="reconciled")
    if needs_reconcile(facts):
        return Decision(S.sending, "maybe posted: reconcile first", reconcile=True)
    if facts.found is True:
        return Decision(S.sent, f"reconciled: after {what}, the platform has the post", counter="reconciled")
    if facts.reconcile_failed:
        return Decision(S.sending, "outcome unknown, reconcile failed", at=now + facts.reconcile_retry, counter="retried")
    if facts.found is False:
        if facts.outcome == DUPLICATE:
            return Decision(S.failed, f"rejected as duplicate content and not found on the platform: {what}",
                            counter="failed")
        return Decision(S.failed, f"gave up after {facts.attempts} attempts (not on the platform); last error {what}",
                        counter="failed")
    if facts.outcome == RATE_LIMITED:
        reset = max(facts.retry_at or now, now + MIN_RATE_LIMIT_WAIT)
        on = f" on {facts.endpoint}" if facts.endpoint else ""
        return Decision(S.queued, f"rate limited{on} until {reset.isoformat()}", at=reset, counter="retried",
                        give_back_attempt=True,
                        limit_endpoint="find_existing" if facts.limited_on_reconcile else "publish")
    if facts.outcome == AUTH_EXPIRED:
        return Decision(S.queued, f"account paused, credentials expired: {what}", counter="retried",
                        give_back_attempt=True, pause=True)
    if facts.outcome == REJECTED:
        return Decision(S.failed, f"rejected by the platform: {what}", counter="failed")
    retry_at = now + facts.backoff
    return Decision(S.queued, f"{what}; retry after {retry_at.isoformat()}", at=retry_at, counter="retried")
