"""Accounts as an operator sees them: state, queue depth, limits; check, pause, resume.

One door for the CLI (`distributor accounts ...`), the JSON API
(`/api/accounts`) and the desk's accounts page, so the three cannot disagree.
Resuming checks the credentials first: a paused account whose token is still
refused stays paused (with the platform's new reason) instead of failing its
whole queue again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from distributor import audit
from distributor import inputs
from distributor.config import AccountSettings, Settings
from distributor.errors import AuthExpired, ConfigError, NotFound, PlatformError
from distributor.models import Account, Post, PostState, RateLimit
from distributor.posts import ensure_account

log = logging.getLogger(__name__)
WAITING = (PostState.queued, PostState.awaiting_approval)


@dataclass
class AccountStatus:
    name: str
    platform: str
    state: str  # "active" | "paused" | "unconfigured"
    paused_at: datetime | None
    reason: str | None
    queued: int
    awaiting_approval: int
    last_post_at: datetime | None
    rate_limits: list[dict] = field(default_factory=list)  # [{"endpoint", "reset_at"}] still in force

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("paused_at", "last_post_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["rate_limits"] = [{"endpoint": r["endpoint"], "reset_at": r["reset_at"].isoformat()}
                               for r in self.rate_limits]
        return data


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str  # who the platform says we are, or what is wrong

    def as_json(self) -> dict:
        return asdict(self)


def _aware(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def overview(session: Session, settings: Settings, now: datetime | None = None) -> list[AccountStatus]:
    """Every configured account, and any account that still has posts but is no longer configured."""
    now = now or datetime.now(UTC)
    rows = {a.name: a for a in session.exec(select(Account))}
    counts: dict[tuple[str, PostState], int] = {}
    for account, state, count in session.exec(
        select(Post.account, Post.state, func.count()).where(col(Post.state).in_(WAITING))
        .group_by(Post.account, Post.state)
    ):
        counts[(account, PostState(state))] = count
    limits: dict[str, list[dict]] = {}
    for limit in session.exec(select(RateLimit).where(col(RateLimit.reset_at) > now)):
        limits.setdefault(limit.account, []).append({"endpoint": limit.endpoint, "reset_at": _aware(limit.reset_at)})
    configured = {a.name: a for a in settings.accounts}
    names = list(configured) + sorted(n for n in rows if n not in configured
                                      and any(counts.get((n, s)) for s in WAITING))
    result = []
    for name in names:
        row = rows.get(name)
        platform = configured[name].platform if name in configured else (row.platform if row else "?")
        paused = row is not None and row.paused_reason is not None
        state = "unconfigured" if name not in configured else ("paused" if paused else "active")
        result.append(AccountStatus(
            name=name, platform=platform, state=state,
            paused_at=_aware(row.paused_at) if paused else None,
            reason=row.paused_reason if paused else ("no longer in the configuration" if state == "unconfigured"
                                                     else None),
            queued=counts.get((name, PostState.queued), 0),
            awaiting_approval=counts.get((name, PostState.awaiting_approval), 0),
            last_post_at=_aware(row.last_sent_at) if row else None,
            rate_limits=limits.get(name, []),
        ))
    return result


def check(name: str, adapter, session: Session | None = None) -> CheckResult:
    """Ask the platform who we are with its cheapest authenticated call (booked as purpose "check").

    Warnings the adapter recorded (a Graph insights metric refused) follow the identity.
    """
    from distributor.delivery import costs

    with costs.metering(name, "check") as meter:
        try:
            identity = adapter.verify()
            warnings = adapter.metric_warnings() if hasattr(adapter, "metric_warnings") else []
        except PlatformError as exc:
            return CheckResult(name, False, str(exc))
        finally:
            if session is not None:
                costs.record_calls(session, meter.drain())
    detail = f"signed in as {identity}" + "".join(f"; warning: {w}" for w in warnings)
    return CheckResult(name, True, detail)


def pause(session: Session, account: AccountSettings, reason: str, actor: str,
          now: datetime | None = None) -> Account:
    """Hold an account's posts by hand (its queue stays; nothing is dropped)."""
    reason = reason.strip() or "paused by an editor"
    row = ensure_account(session, account)
    row.paused_reason = f"{reason} (paused by {actor})"
    row.paused_at = now or datetime.now(UTC)
    session.add(row)
    session.flush()
    audit.record(session, "account_paused", actor=actor, target=account.name, detail=reason)
    return row


def resume(session: Session, account: AccountSettings, adapter, actor: str,
           now: datetime | None = None) -> CheckResult:
    """Check the credentials, then release the account's held posts (oldest due first).

    A failed check leaves the account paused, its reason replaced by what the
    platform said now, and returns the failed result.
    """
    row = ensure_account(session, account)
    result = check(account.name, adapter, session)
    if not result.ok:
        if row.paused_reason is not None:
            row.paused_reason = result.detail
            session.add(row)
            session.flush()
        return result
    was = row.paused_reason
    row.paused_reason = None
    row.paused_at = None
    session.add(row)
    session.flush()
    if was is not None:
        audit.record(session, "account_resumed", actor=actor, target=account.name,
                     detail=f"{result.detail}; it had been paused: {was}")
    return result


class _MissingSecrets:
    """Stands in for an adapter whose secrets are not set, so a check says which variable is missing."""

    def __init__(self, error: ConfigError):
        self.error = error

    def verify(self) -> str:
        raise AuthExpired(str(self.error))


def adapter_for(settings: Settings, account: AccountSettings, fetcher=None):
    """One account's adapter, built alone (a missing secret elsewhere does not stop this check)."""
    from distributor.fetch import Fetcher
    from distributor.platforms import build_adapter

    try:
        from distributor.delivery.costs import price_table

        return build_adapter(account, fetcher or Fetcher(settings.fetch),
                             engagement=settings.engagement,
                             prices=price_table(settings, account.platform))
    except ConfigError as exc:
        return _MissingSecrets(exc)


ACTIONS = ("check", "pause", "resume")


MAX_REASON = 500  # characters of a pause reason


def act(settings: Settings, session: Session, name: str, action: str, *, actor: str, reason: str = "",
        adapter=None) -> CheckResult:
    """The one door for the CLI, the API and the desk: check, pause or resume account ``name``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    account = configured_account(settings, name)
    if action == "pause":
        # typed by a person (desk, API, --reason): NUL or a lone surrogate would fail the database, not them
        pause(session, account, inputs.clean_text(reason, "the pause reason", max_length=MAX_REASON), actor=actor)
        return CheckResult(name, True, "paused")
    adapter = adapter or adapter_for(settings, account)
    if action == "check":
        return check(name, adapter, session)
    return resume(session, account, adapter, actor=actor)


def configured_account(settings: Settings, name: str) -> AccountSettings:
    try:
        return settings.account(name)
    except ConfigError as exc:
        raise NotFound(str(exc)) from exc


def paused_names(session: Session) -> list[str]:
    return list(session.exec(select(Account.name).where(col(Account.paused_reason).is_not(None))
                             .order_by(Account.name)))
