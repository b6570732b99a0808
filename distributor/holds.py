"""Why a due post is not going out now (``held_because``), the same for the CLI, the API and the desk.

The decision is a pure function over plain values (``HoldFacts`` -> reason or
None), tested as a table; ``holds_for`` beside it reads those facts for a page
of posts (a few queries per account, never per post) and applies it. The
dispatcher holds the same posts for the same reasons (dispatch.py's due query
and claim): this module only says why, it decides nothing for dispatch.

Reasons start with the words INTERFACE.md lists, so a script can sort them:
"account no longer configured", "paused account", "budget", "rate limit",
"quiet hours", "gap".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from distributor.config import AccountSettings, Settings
from distributor.delivery import costs
from distributor.models import Account, Post, PostState, RateLimit
from distributor.posts import end_of_quiet_hours, in_quiet_hours


@dataclass(frozen=True)
class HoldFacts:
    """What is known about one post and its account at ``now``."""

    state: str
    scheduled_at: datetime
    account: str
    account_configured: bool = True
    paused_reason: str | None = None
    # filled by delivery/costs.py's budget_hold, e.g. "budget_usd_per_day = 0.50 would be passed: ..."
    budget_reason: str | None = None
    rate_limited_until: datetime | None = None
    quiet_until: datetime | None = None  # end of the account's quiet hours, when now is inside them
    gap_until: datetime | None = None  # when min_gap_minutes lets the account post again


def _at(when: datetime) -> str:
    return _aware(when).strftime("%Y-%m-%d %H:%M UTC")


def _aware(when: datetime) -> datetime:
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


def held_because(facts: HoldFacts, now: datetime) -> str | None:
    """Why this due post is not going out now, or None when nothing holds it (or it is not due)."""
    if str(getattr(facts.state, "value", facts.state)) != PostState.queued.value or _aware(facts.scheduled_at) > now:
        return None
    if not facts.account_configured:
        return (f"account no longer configured: {facts.account!r} is not in the configuration; "
                "the post goes out once it is configured again")
    if facts.paused_reason:
        return f"paused account: {facts.paused_reason} (distributor accounts resume {facts.account})"
    if facts.budget_reason:
        return f"budget: {facts.budget_reason}"
    if facts.rate_limited_until is not None and _aware(facts.rate_limited_until) > now:
        return f"rate limit: the platform accepts posts again at {_at(facts.rate_limited_until)}"
    if facts.quiet_until is not None and _aware(facts.quiet_until) > now:
        return f"quiet hours until {_at(facts.quiet_until)}"
    if facts.gap_until is not None and _aware(facts.gap_until) > now:
        return f"gap: the account's spacing allows the next post at {_at(facts.gap_until)}"
    return None


# --- reading the facts ------------------------------------------------------------------

def _latest_limits(session: Session, names: set[str], now: datetime) -> dict[str, datetime]:
    rows = session.exec(
        select(RateLimit.account, func.max(RateLimit.reset_at))
        .where(col(RateLimit.account).in_(names), col(RateLimit.reset_at) > now)
        .group_by(RateLimit.account)
    ).all()
    return {name: _aware(reset) for name, reset in rows if reset is not None}


def _gap_until(session: Session, account: AccountSettings, now: datetime) -> datetime | None:
    if account.min_gap_minutes <= 0:
        return None
    gap = timedelta(minutes=account.min_gap_minutes)
    last_sent = session.exec(
        select(func.max(Post.sent_at)).where(Post.account == account.name, col(Post.sent_at) > now - gap)
    ).one()
    return _aware(last_sent) + gap if last_sent is not None else None


def holds_for(session: Session, settings: Settings, rows: Sequence[Post], now: datetime | None = None) -> dict[int, str | None]:
    """``held_because`` for each post in ``rows`` (id -> reason or None)."""
    now = now or datetime.now(UTC)
    due = [p for p in rows if PostState(p.state) is PostState.queued and _aware(p.scheduled_at) <= now]
    result: dict[int, str | None] = {p.id: None for p in rows}
    if not due:
        return result
    configured = {a.name: a for a in settings.accounts}
    names = {p.account for p in due}
    paused = {a.name: a.paused_reason or "paused" for a in session.exec(select(Account).where(col(Account.name).in_(names)))
              if a.paused_at is not None or a.paused_reason}
    limits = _latest_limits(session, names, now)
    per_account: dict[str, dict] = {}
    for name in names:
        account = configured.get(name)
        facts: dict = {"account_configured": account is not None, "paused_reason": paused.get(name),
                       "rate_limited_until": limits.get(name)}
        if account is not None:
            if in_quiet_hours(account, now, settings.web.timezone):
                facts["quiet_until"] = end_of_quiet_hours(account, now, settings.web.timezone)
            facts["gap_until"] = _gap_until(session, account, now)
        per_account[name] = facts
    budgets = _budget_reasons(session, settings, configured, due, now)
    for post in due:
        result[post.id] = held_because(HoldFacts(post.state, post.scheduled_at, post.account, **per_account[post.account],
                                                 budget_reason=budgets.get(post.id)), now)
    return result


def _budget_reasons(session: Session, settings: Settings, configured: dict[str, AccountSettings], due: Sequence[Post],
                    now: datetime) -> dict[int, str]:
    """The budget holding each due post of a budgeted account (one spending query per account)."""
    budgeted = [p for p in due if p.account in configured and costs.has_budget(configured[p.account])]
    if not budgeted:
        return {}
    anyway = costs.sent_anyway_ids(session, [p.id for p in budgeted])
    spent: dict[str, costs.Spending] = {}
    reasons: dict[int, str] = {}
    for post in budgeted:
        if post.id in anyway:
            continue
        account = configured[post.account]
        if account.name not in spent:
            spent[account.name] = costs.spending(session, account, now)
        reason = costs.budget_hold(session, settings, account, post, now, spent[account.name])
        if reason:
            reasons[post.id] = reason
    return reasons
