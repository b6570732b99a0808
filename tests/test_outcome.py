"""The dispatcher's decisions as a table: (outcome, attempts, holds, reconciliation) -> next state and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from distributor.delivery import outcome as o
from distributor.models import PostState as S

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RESET = NOW + timedelta(minutes=15)
BACKOFF = timedelta(seconds=60)


@pytest.mark.parametrize("facts, state, at, counter, extra", [
    # claim time: budget and stored limits hold the post
    (dict(outcome=o.NOT_TRIED, attempts=0, budget_reason="budget_usd_per_day = 0.50 would be passed"),
     S.queued, None, None, {}),
    (dict(outcome=o.NOT_TRIED, attempts=0, limited_until=RESET), S.queued, RESET, None, {}),
    (dict(outcome=o.NOT_TRIED, attempts=0, limited_until=NOW - timedelta(seconds=1)), S.sending, None, None, {}),
    # a call that went through
    (dict(outcome=o.PUBLISHED, attempts=1), S.sent, None, "sent", {}),
    (dict(outcome=o.FOUND_BEFORE, attempts=2), S.sent, None, "reconciled", {}),
    # limits and tokens do not use up an attempt
    (dict(outcome=o.RATE_LIMITED, attempts=3, retry_at=RESET), S.queued, RESET, "retried",
     dict(give_back_attempt=True, limit_endpoint="publish")),
    (dict(outcome=o.RATE_LIMITED, attempts=2, retry_at=RESET, limited_on_reconcile=True), S.queued, RESET, "retried",
     dict(limit_endpoint="find_existing")),
    (dict(outcome=o.RATE_LIMITED, attempts=1, retry_at=NOW - timedelta(hours=1)), S.queued,
     NOW + o.MIN_RATE_LIMIT_WAIT, "retried", {}),
    (dict(outcome=o.AUTH_EXPIRED, attempts=1), S.queued, None, "retried", dict(pause=True, give_back_attempt=True)),
    (dict(outcome=o.REJECTED, attempts=1), S.failed, None, "failed", {}),
    (dict(outcome=o.TRANSIENT, attempts=1, backoff=BACKOFF), S.queued, NOW + BACKOFF, "retried", {}),
    # maybe posted: only the platform can tell
    (dict(outcome=o.DUPLICATE, attempts=2), S.sending, None, None, dict(reconcile=True)),
    (dict(outcome=o.TRANSIENT, attempts=8, max_attempts=8), S.sending, None, None, dict(reconcile=True)),
    (dict(outcome=o.DUPLICATE, attempts=2, found=True), S.sent, None, "reconciled", {}),
    (dict(outcome=o.DUPLICATE, attempts=2, found=False), S.failed, None, "failed", {}),
    (dict(outcome=o.TRANSIENT, attempts=8, max_attempts=8, found=False), S.failed, None, "failed", {}),
    (dict(outcome=o.DUPLICATE, attempts=2, reconcile_failed=True), S.sending, NOW + timedelta(seconds=30), "retried",
     {}),
])
def test_decide(facts, state, at, counter, extra):
    decision = o.decide(o.Facts(now=NOW, **facts))
    assert decision.state is state
    assert decision.at == at
    assert decision.counter == counter
    for name, value in extra.items():
        assert getattr(decision, name) == value, name


def test_a_budget_hold_names_the_budget():
    decision = o.decide(o.Facts(o.NOT_TRIED, 0, NOW, budget_reason="budget_usd_per_day = 0.50 would be passed"))
    assert decision.reason.startswith("budget: budget_usd_per_day = 0.50")
