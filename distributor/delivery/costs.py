"""What the platforms bill us: the price list, the ledger of calls, and budgets.

Since 2026-02-06 X bills every API call (docs.x.com, "X API pay-per-usage
pricing"): a post costs $0.015, a post with a URL $0.20, every post read
$0.005 per post returned. Every billable call an adapter makes is noted on the
current ``Meter`` (a context variable set by whoever makes the call: the
dispatcher, engagement collection, ``accounts check``) and written as an
``ApiCall`` row in the caller's own transaction, with its account, post,
purpose and price. Prices are integers in micro-dollars, so sums are exact.

Which price line applies to a call is platform knowledge (the adapter says
``posts_read`` x 3); what a line costs is configuration (``[costs.twitter]``
over ``DEFAULT_PRICES``). Budgets (``budget_usd_per_day`` / ``_per_month``)
are decided by the pure ``budget_verdict`` over plain numbers; ``spending``
beside it reads those numbers from the ledger.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from distributor.config import AccountSettings, Settings
from distributor.errors import ConfigError, InvalidTransition, NotFound
from distributor.models import ApiCall, Post, PostEvent, PostState
from distributor.platforms.specs import SPECS

log = logging.getLogger(__name__)

PURPOSES = ("publish", "upload", "reconcile", "engagement", "check", "correct")
READ_PURPOSES = frozenset({"engagement"})
MICROS = 1_000_000

# The documented price lists live in each platform's spec (distributor/platforms/specs/);
# [costs.<platform>] overrides any line.
DEFAULT_PRICES: dict[str, dict[str, float]] = {name: dict(spec.prices) for name, spec in SPECS.items()}


def price_table(settings: Settings | None, platform: str) -> dict[str, float]:
    """The platform's price list: ``[costs.<platform>]`` over the documented defaults."""
    defaults = DEFAULT_PRICES.get(platform, {})
    overrides = dict(getattr(settings.costs, platform, {}) or {}) if settings is not None else {}
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ConfigError(f"[costs.{platform}]: unknown price {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(defaults))})")
    return {**defaults, **overrides}


def micros(usd: float) -> int:
    return round(usd * MICROS)


def usd(amount_micros: int) -> float:
    return round(amount_micros / MICROS, 6)


# --------------------------------------------------------------------------- noting calls


@dataclass(frozen=True)
class LimitSeen:
    """A limit the platform reported in its headers (X: 15-minute and 24-hour, per user and per app)."""

    scope: str  # "user" | "app"
    window: str  # "15min" | "24h"
    endpoint: str  # "POST /2/tweets"
    limit: int | None
    remaining: int
    reset_at: datetime


@dataclass
class Meter:
    """The calls made (and limits seen) while it is current; written by the caller."""

    account: str
    purpose: str
    post_id: int | None = None
    calls: list[ApiCall] = field(default_factory=list)
    limits: list[LimitSeen] = field(default_factory=list)

    @contextlib.contextmanager
    def using(self, purpose: str) -> Iterator["Meter"]:
        previous, self.purpose = self.purpose, purpose
        try:
            yield self
        finally:
            self.purpose = previous

    def total_micros(self, purpose: str | None = None) -> int:
        return sum(c.cost_micros for c in self.calls if purpose is None or c.purpose == purpose)

    def units(self, purpose: str | None = None, price_key: str | None = None) -> int:
        return sum(c.units for c in self.calls
                   if (purpose is None or c.purpose == purpose) and (price_key is None or c.price_key == price_key))

    def drain(self) -> list[ApiCall]:
        calls, self.calls = self.calls, []
        return calls


_current: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("distributor_meter", default=None)


@contextlib.contextmanager
def metering(account: str, purpose: str, post_id: int | None = None) -> Iterator[Meter]:
    """Make a fresh Meter current for the calls made inside; the caller records it."""
    meter = Meter(account, purpose, post_id)
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def current_meter() -> Meter | None:
    return _current.get()


def note_call(platform: str, account: str, endpoint: str, status: int | None, price_key: str | None, units: int,
              prices: dict[str, float], *, purpose: str | None = None, at: datetime | None = None) -> ApiCall | None:
    """Called by an adapter for each answered (or lost) call; notes it on the current Meter.

    ``purpose`` overrides the meter's (an image upload inside a publish is "upload").
    Outside any meter the call is only logged: every caller that spends money meters.
    """
    cost = micros(prices.get(price_key, 0.0) * units) if price_key else 0
    meter = _current.get()
    if meter is None:
        log.debug("unmetered %s call %s for %s (%d micro-USD)", platform, endpoint, account, cost)
        return None
    call = ApiCall(at=at or datetime.now(UTC), account=account, platform=platform, post_id=meter.post_id,
                   purpose=purpose or meter.purpose, endpoint=endpoint, status=status, units=units,
                   price_key=price_key, cost_micros=cost)
    meter.calls.append(call)
    return call


def note_limit(seen: LimitSeen) -> None:
    meter = _current.get()
    if meter is not None:
        meter.limits.append(seen)


def record_calls(session: Session, calls: Sequence[ApiCall]) -> int:
    """Add the calls to the session (the caller commits); returns their cost in micro-USD."""
    session.add_all(list(calls))
    return sum(c.cost_micros for c in calls)


def describe_cost(meter: Meter, purpose: str) -> str:
    """"reading 2 posts cost $0.010" for a post's history."""
    calls = [c for c in meter.calls if c.purpose == purpose]
    read = sum(c.units for c in calls if c.price_key == "posts_read")
    what = f"reading {read} post{'s' if read != 1 else ''}" if read else f"{len(calls)} call{'s' if len(calls) != 1 else ''}"
    return f"{what} cost ${usd(sum(c.cost_micros for c in calls)):.3f}"


# --------------------------------------------------------------------------- budgets


@dataclass(frozen=True)
class Spending:
    """What an account spent in its current day and month (micro-USD), reads apart."""

    day: int = 0
    month: int = 0
    day_reads: int = 0
    month_reads: int = 0


def period_starts(now: datetime, zone: str = "UTC") -> tuple[datetime, datetime]:
    """Start of the account's local day and month, in UTC."""
    local = now.astimezone(ZoneInfo(zone))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    return day.astimezone(UTC), month.astimezone(UTC)


def spending(session: Session, account: AccountSettings, now: datetime) -> Spending:
    day_start, month_start = period_starts(now, account.timezone or "UTC")
    is_read = col(ApiCall.purpose).in_(READ_PURPOSES)
    in_day = ApiCall.at >= day_start
    cost = ApiCall.cost_micros
    row = session.exec(
        select(func.sum(cost), func.sum(case((in_day, cost), else_=0)),
               func.sum(case((and_(in_day, is_read), cost), else_=0)), func.sum(case((is_read, cost), else_=0)))
        .where(ApiCall.account == account.name, ApiCall.at >= month_start)
    ).one()
    month, day, day_reads, month_reads = (int(v or 0) for v in row)
    return Spending(day, month, day_reads, month_reads)


def has_budget(account: AccountSettings) -> bool:
    return account.budget_usd_per_day is not None or account.budget_usd_per_month is not None


def budget_verdict(spent: Spending, price: int, per_day: float | None, per_month: float | None,
                   in_flight: int = 0) -> str | None:
    """Why a call costing ``price`` micro-USD may not be made now, or None (pure)."""
    for name, limit, used in (("budget_usd_per_day", per_day, spent.day), ("budget_usd_per_month", per_month, spent.month)):
        if limit is None:
            continue
        if used + in_flight + price > micros(limit):
            period = "today" if name.endswith("day") else "this month"
            return (f"{name} = {limit:.2f} would be passed: {usd(used + in_flight):.3f} USD spent {period}, "
                    f"this post costs {usd(price):.3f} USD (held until the budget allows it, or send it anyway)")
    return None


def reads_verdict(spent: Spending, price: int, per_day: float | None, per_month: float | None, share: float) -> str | None:
    """Engagement reads stop first: at ``share`` of each budget, or when the budget itself is spent (pure)."""
    for name, limit, used, reads in (("budget_usd_per_day", per_day, spent.day, spent.day_reads),
                                     ("budget_usd_per_month", per_month, spent.month, spent.month_reads)):
        if limit is None:
            continue
        if reads + price > micros(limit * share) or used + price > micros(limit):
            return f"engagement reads stopped: read_budget_share {share:g} of {name} = {limit:.2f} reached"
    return None


def thresholds_crossed(before: int, after: int, limit_usd: float | None) -> list[int]:
    """The percentages (80, 100) that spending from ``before`` to ``after`` reached (pure)."""
    if not limit_usd:
        return []
    return [pct for pct in (80, 100) if before < micros(limit_usd) * pct // 100 <= after]


def estimated_price(account: AccountSettings, post: Post, prices: dict[str, float]) -> int:
    """What publishing ``post`` will cost, before it is sent (micro-USD)."""
    if account.platform != "twitter":
        return 0
    # X's own rule for "with URL", on the text the adapter will send (imported here: twitter.py meters with us)
    from distributor.platforms.twitter import has_url, x_sent_text

    sent = x_sent_text(post.text or "", post.link, account.link_policy)
    total = micros(prices.get("content_create_with_url" if has_url(sent) else "content_create", 0.0))
    if post.image_url:
        total += micros(prices.get("media_upload", 0.0)) * (1 + len(post.extra_images or ()))
    for reply in post.thread or ():  # each reply of a thread is one more post create (delivery/parts.py)
        total += micros(prices.get("content_create_with_url" if has_url(reply) else "content_create", 0.0))
    return total


def unbilled_create(session: Session, settings: Settings, account: AccountSettings, post_id: int,
                    now: datetime) -> ApiCall | None:
    """The charge for a post found on X whose create the ledger never saw, or None.

    The meter lives in the worker's memory: a worker that dies after X answered
    takes the $0.20 with it, and the budget would let the next post pass. When
    reconciliation finds such a post, its create is booked at the price list.
    """
    if account.platform != "twitter":
        return None
    billed = session.exec(select(ApiCall.id).where(ApiCall.post_id == post_id, ApiCall.endpoint == "POST /2/tweets",
                                                   ApiCall.cost_micros > 0).limit(1)).first()
    post = session.get(Post, post_id)
    if billed is not None or post is None:
        return None
    from distributor.platforms.twitter import has_url, x_sent_text

    key = "content_create_with_url" if has_url(x_sent_text(post.text or "", post.link, account.link_policy)) else "content_create"
    price = micros(price_table(settings, "twitter").get(key, 0.0))
    return ApiCall(at=now, account=account.name, platform="twitter", post_id=post_id, purpose="publish",
                   endpoint="POST /2/tweets", status=None, units=1, price_key=key, cost_micros=price)


SEND_ANYWAY = "send anyway"


def sent_anyway(session: Session, post_id: int) -> bool:
    return session.exec(
        select(PostEvent.id).where(PostEvent.post_id == post_id, PostEvent.reason.startswith(SEND_ANYWAY)).limit(1)
    ).first() is not None


def sent_anyway_ids(session: Session, post_ids: Sequence[int]) -> set[int]:
    if not post_ids:
        return set()
    return set(session.exec(
        select(PostEvent.post_id).where(col(PostEvent.post_id).in_(list(post_ids)),
                                        PostEvent.reason.startswith(SEND_ANYWAY))
    ).all())


def budget_hold(session: Session, settings: Settings, account: AccountSettings, post: Post, now: datetime,
                spent: Spending | None = None) -> str | None:
    """The budget reason holding this post now, or None (an editor's "send anyway" lifts it)."""
    if not has_budget(account) or sent_anyway(session, post.id):
        return None
    price = estimated_price(account, post, price_table(settings, account.platform))
    if price == 0:
        return None
    return budget_verdict(spent or spending(session, account, now), price, account.budget_usd_per_day,
                          account.budget_usd_per_month, in_flight(session, settings, account, post.id))


def in_flight(session: Session, settings: Settings, account: AccountSettings, exclude_id: int) -> int:
    """The estimated cost of the account's posts being sent right now (not in the ledger yet)."""
    sending = session.exec(
        select(Post).where(Post.account == account.name, Post.state == PostState.sending, Post.id != exclude_id)
    ).all()
    prices = price_table(settings, account.platform)
    return sum(estimated_price(account, p, prices) for p in sending)


def send_anyway(session: Session, post_id: int, actor: str) -> Post:
    """An editor sends a post past its budget (CLI, API and desk): due now, it goes out at the next dispatch.

    Only the budget is lifted: a post scheduled for later keeps its time (an embargo is not the budget's).
    """
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id}")
    if PostState(post.state) is not PostState.queued:
        raise InvalidTransition(f"post {post_id} is {PostState(post.state).value}: only a queued post can be sent anyway")
    from distributor.posts import record  # the post's history; posts.py imports nothing of ours here

    now = datetime.now(UTC)
    post.updated_at = now
    session.add(post)
    record(session, post, PostState.queued, PostState.queued, f"{SEND_ANYWAY}: past its budget, by {actor}", actor, now)
    session.flush()
    return post


def _aware(when: datetime) -> datetime:
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- the ledger as a table

BY = ("account", "purpose", "day")


@dataclass(frozen=True)
class CostRow:
    key: str
    calls: int
    cost_micros: int


def cost_rows(session: Session, since: datetime, until: datetime, by: str = "account",
              settings: Settings | None = None) -> list[CostRow]:
    """Calls and cost grouped ``by`` account, purpose or day, in the ledger between since and until.

    A day is the account's local day, the one its ``budget_usd_per_day`` counts
    (UTC without ``settings``), so the figures match what the budget held.
    """
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}")
    rows = session.exec(
        select(ApiCall.at, ApiCall.account, ApiCall.purpose, ApiCall.cost_micros)
        .where(ApiCall.at >= since, ApiCall.at <= until)
    ).all()
    zones = _account_zones(settings)
    default_zone = ZoneInfo(settings.web.timezone) if settings is not None else UTC
    groups: dict[str, list[int]] = {}
    for at, account, purpose, cost in rows:
        if by == "day":
            key = _aware(at).astimezone(zones.get(account, default_zone)).strftime("%Y-%m-%d")
        else:
            key = account if by == "account" else purpose
        entry = groups.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += cost
    return [CostRow(key, calls, cost) for key, (calls, cost) in sorted(groups.items())]


def _account_zones(settings: Settings | None) -> dict[str, ZoneInfo]:
    if settings is None:
        return {}
    return {a.name: ZoneInfo(a.timezone or settings.web.timezone) for a in settings.accounts}


def post_costs(session: Session, post_ids: Sequence[int]) -> dict[int, int]:
    """Micro-USD spent on each post (publish, upload, reconcile, engagement)."""
    if not post_ids:
        return {}
    rows = session.exec(
        select(ApiCall.post_id, func.sum(ApiCall.cost_micros))
        .where(col(ApiCall.post_id).in_(list(post_ids))).group_by(ApiCall.post_id)
    ).all()
    return {post_id: int(total or 0) for post_id, total in rows}


def account_costs(session: Session, settings: Settings, account: AccountSettings, now: datetime | None = None) -> dict:
    """The desk's account page: spend today and this month against the budgets."""
    now = now or datetime.now(UTC)
    spent = spending(session, account, now)
    return {
        "today_usd": usd(spent.day), "month_usd": usd(spent.month),
        "reads_today_usd": usd(spent.day_reads), "reads_month_usd": usd(spent.month_reads),
        "budget_usd_per_day": account.budget_usd_per_day, "budget_usd_per_month": account.budget_usd_per_month,
        "read_budget_share": account.read_budget_share,
    }


def window(since: timedelta, now: datetime | None = None) -> tuple[datetime, datetime]:
    until = now or datetime.now(UTC)
    return until - since, until
