"""Engagement collection: snapshots of what each published post earned.

A post is measured on a decaying schedule (``settings.engagement.schedule_minutes``
after it was sent: often while it is fresh, rarely later, never after the last
step), because engagement moves fast in the first hour and barely after a week,
and platform read quotas are small. Every collection appends an
``EngagementSnapshot``; history is never overwritten, so reports can draw how a
post grew.

A rate limit on one account defers that account's remaining posts (they stay
due and the next run picks them up) without stopping the other accounts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from distributor.config import MAX_ENGAGEMENT_MINUTES, EngagementSettings
from distributor.delivery import costs
from distributor.errors import PlatformError, RateLimited
from distributor.models import EngagementSnapshot, Post, PostState, RateLimit, utcnow
from distributor.platforms.base import Metrics, PlatformAdapter, count
from distributor.ratelimits import store_rate_limit

ProgressCallback = Callable[[int, int], None]  # (posts done, posts total)
CLAIM = timedelta(minutes=10)  # how long a run holds the due posts it took
# Default schedules per platform (minutes after publishing) when the configuration names none:
# X bills each post read ($0.005), so three snapshots instead of six.
PLATFORM_SCHEDULES = {"twitter": [60, 1440, 10080]}
METRICS_ENDPOINT = "fetch_metrics"  # RateLimit.endpoint key, beside the dispatcher's "publish"


@dataclass
class AccountCollect:
    """What one account's collection did; ``error`` says why it stopped early."""

    snapshots: int = 0
    deleted: int = 0
    deferred: int = 0
    silent: int = 0  # the platform said nothing about them: moved along the schedule
    error: str | None = None
    retry_at: datetime | None = None


@dataclass
class CollectReport:
    snapshots: int = 0
    deleted: int = 0
    deferred: int = 0
    silent: int = 0
    by_account: dict[str, AccountCollect] = field(default_factory=dict)


def schedule_steps(settings: Any = None, platform: str | None = None) -> list[timedelta]:
    """The collection offsets after publishing, sorted, from the settings (or the defaults).

    A platform listed in ``schedule_by_platform`` has its own (X bills every read:
    1 h, 24 h, 7 d); nothing is collected past 30 days, when X stops giving
    non-public metrics.
    """
    engagement = settings.engagement if settings is not None else EngagementSettings()
    minutes = engagement.schedule_minutes
    by_platform = getattr(engagement, "schedule_by_platform", {}) or {}
    if platform is not None and platform in by_platform:
        minutes = by_platform[platform]
    elif platform in PLATFORM_SCHEDULES and "schedule_minutes" not in engagement.model_fields_set:
        minutes = PLATFORM_SCHEDULES[platform]  # a schedule_minutes someone wrote applies to every platform
    return sorted(timedelta(minutes=m) for m in minutes if 0 < m <= MAX_ENGAGEMENT_MINUTES)


def next_collection(sent_at: datetime, now: datetime, steps: Sequence[timedelta]) -> datetime | None:
    """The first scheduled time strictly after ``now``; None once the schedule is over.

    Computed from ``sent_at`` rather than counted, so a late run (the bot was
    down for a day) skips the steps it missed instead of replaying them.
    """
    offsets = [sent_at + step for step in steps]
    index = bisect_right(offsets, now)
    return offsets[index] if index < len(offsets) else None


def first_collection_at(sent_at: datetime, settings: Any = None, platform: str | None = None) -> datetime | None:
    """When a post sent at ``sent_at`` is first measured (for an UPDATE ... SET)."""
    steps = schedule_steps(settings, platform)
    return sent_at + steps[0] if steps else None


def schedule_first_collection(post: Post, settings: Any = None) -> None:
    """Call when a post becomes sent: its first snapshot is due one step later.

    Without ``settings`` the default schedule applies. Dispatch sets the same
    time in its UPDATE (``first_collection_at``): a sent post without
    ``next_collect_at`` is never collected, because NULL means "schedule over".
    """
    if post.sent_at is None:
        raise ValueError("schedule_first_collection needs a post with sent_at")
    post.next_collect_at = first_collection_at(post.sent_at, settings)


def collect_due(
    session_factory_or_engine: Engine | Callable[[], Session],
    settings: Any,
    adapters: Mapping[str, PlatformAdapter],
    *,
    now: datetime | None = None,
    all_posts: bool = False,
    progress: Any = None,
) -> CollectReport:
    """Collect engagement for every due post (or every live post with ``all_posts``).

    ``adapters`` maps account names to adapters. ``progress`` is a rich
    ``Progress`` or a ``callback(done, total)``. Each batch is committed on its
    own, so a crash or a rate limit keeps the snapshots already taken.
    """
    now = now or utcnow()
    steps = schedule_steps(settings)
    open_session = _session_opener(session_factory_or_engine)
    report = CollectReport()
    with open_session() as session:
        work = _due_posts(session, now, all_posts)
        for account, reset_at in _rate_limited(session, list(work), now).items():
            # an earlier run was told to wait: do not spend another call to hear it again
            outcome = report.by_account.setdefault(account, AccountCollect())
            outcome.error, outcome.retry_at = f"rate limited until {reset_at.isoformat()}", reset_at
            outcome.deferred = len(work.pop(account))
        if not all_posts:
            work = _claim(session, work, now)
    total = sum(len(posts) for posts in work.values())
    tick = progress_ticker(progress, total, "collecting engagement")
    for account, posts in work.items():
        outcome = report.by_account.setdefault(account, AccountCollect())
        adapter = adapters.get(account)
        if adapter is None:
            outcome.error = f"no adapter for account {account!r}"
            _defer(open_session, posts, outcome)
            tick(len(posts))
            continue
        platform_steps = schedule_steps(settings, getattr(adapter, "platform", None)) if settings is not None else steps
        _collect_account(open_session, account, adapter, posts, now, platform_steps, outcome, tick,
                         _configured(settings, account), settings)
    for outcome in report.by_account.values():
        report.snapshots += outcome.snapshots
        report.deleted += outcome.deleted
        report.deferred += outcome.deferred
        report.silent += outcome.silent
    return report


@dataclass(frozen=True)
class _DuePost:
    id: int
    external_id: str
    sent_at: datetime
    next_collect_at: datetime | None  # as found: restored when the post is deferred


def _due_posts(session: Session, now: datetime, all_posts: bool) -> dict[str, list[_DuePost]]:
    query = select(Post.id, Post.account, Post.external_id, Post.sent_at, Post.next_collect_at).where(
        Post.state == PostState.sent,
        Post.external_id.is_not(None),
        Post.sent_at.is_not(None),
        Post.deleted_at.is_(None),
    )
    if not all_posts:
        query = query.where(due_for_collection(now))
    work: dict[str, list[_DuePost]] = {}
    for post_id, account, external_id, sent_at, next_at in session.exec(query.order_by(Post.account, Post.id)):
        work.setdefault(account, []).append(_DuePost(post_id, external_id, sent_at, next_at))
    return work


def due_for_collection(now: datetime):
    """The condition of a post whose next snapshot is due (served by ix_post_next_collect_at)."""
    return and_(Post.next_collect_at.is_not(None), Post.next_collect_at <= now)


def _claim(session: Session, work: dict[str, list[_DuePost]], now: datetime) -> dict[str, list[_DuePost]]:
    """Take the due posts for this run by moving them CLAIM into the future.

    Several ``distributor`` processes may share one database: only the one
    whose conditional UPDATE still finds a post due collects it, so a post is
    not measured (and the platform quota spent) twice. A crashed run's posts
    are due again when the claim runs out.
    """
    claimed: set[int] = set()
    ids = [due.id for posts in work.values() for due in posts]
    table = Post.__table__
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result = session.execute(
            update(table)
            .where(table.c.id.in_(chunk), table.c.next_collect_at <= now)
            .values(next_collect_at=now + CLAIM)
            .returning(table.c.id)
        )
        claimed.update(row[0] for row in result)
    session.commit()
    return {account: kept for account, posts in work.items() if (kept := [p for p in posts if p.id in claimed])}


def _rate_limited(session: Session, accounts: list[str], now: datetime) -> dict[str, datetime]:
    """Accounts whose metrics endpoint told an earlier run to wait, and until when."""
    if not accounts:
        return {}
    rows = session.exec(select(RateLimit.account, RateLimit.reset_at).where(
        RateLimit.account.in_(accounts), RateLimit.endpoint == METRICS_ENDPOINT, RateLimit.reset_at > now))
    return dict(rows.all())


def _defer(open_session, posts: list[_DuePost], outcome: AccountCollect) -> None:
    """Give the posts back their due time: the next run picks them up."""
    outcome.deferred += len(posts)
    with open_session() as session:
        for due in posts:
            post = session.get(Post, due.id)
            post.next_collect_at = due.next_collect_at
            session.add(post)
        session.commit()


def _configured(settings: Any, name: str):
    for account in getattr(settings, "accounts", None) or []:
        if account.name == name:
            return account
    return None


def _read_hold(open_session, account_settings, settings, batch_size: int, now) -> str | None:
    """Engagement reads stop first: the account's read share of its budget, or the budget, is spent."""
    if account_settings is None or not costs.has_budget(account_settings):
        return None
    prices = costs.price_table(settings, account_settings.platform)
    price = costs.micros(prices.get("posts_read", 0.0) * batch_size)
    if price == 0:
        return None
    with open_session() as session:
        spent = costs.spending(session, account_settings, now)
    return costs.reads_verdict(spent, price, account_settings.budget_usd_per_day,
                               account_settings.budget_usd_per_month, account_settings.read_budget_share)


def _collect_account(open_session, account: str, adapter: PlatformAdapter, posts: list[_DuePost], now, steps, outcome,
                     tick, account_settings=None, settings=None) -> None:
    # One adapter call per platform batch (not all ids at once): the request
    # count is the same, and when the platform says "rate limited" half-way,
    # the batches already answered are kept instead of thrown away.
    size = max(1, adapter.limits.metrics_batch_size)
    for start in range(0, len(posts), size):
        batch = posts[start : start + size]
        held = _read_hold(open_session, account_settings, settings, len(batch), now)
        if held is not None:
            outcome.error = held
            _defer(open_session, posts[start:], outcome)
            tick(len(posts) - start)
            return
        try:
            with costs.metering(account, "engagement") as meter:
                try:
                    metrics = adapter.fetch_metrics([post.external_id for post in batch])
                finally:
                    with open_session() as session:
                        _book_reads(session, meter, batch)
                        session.commit()
        except PlatformError as exc:
            # rate limited, auth expired, transient: this account's remaining
            # posts stay due; the other accounts carry on
            if isinstance(exc, RateLimited):
                outcome.error = f"rate limited until {exc.retry_at.isoformat()}"
                outcome.retry_at = exc.retry_at
                with open_session() as session:
                    store_rate_limit(session, account, METRICS_ENDPOINT, exc.retry_at)
                    session.commit()
            else:
                outcome.error = f"{type(exc).__name__}: {exc}"
            _defer(open_session, posts[start:], outcome)
            tick(len(posts) - start)
            return
        with open_session() as session:
            _record_batch(session, batch, metrics, now, steps, outcome)
            session.commit()
        tick(len(batch))


def _book_reads(session: Session, meter: costs.Meter, batch: list[_DuePost]) -> None:
    """Write the batch's read calls to the ledger (one row per call; a one-post batch names its post)."""
    calls = meter.drain()
    for call in calls:
        if call.post_id is None and len(batch) == 1:
            call.post_id = batch[0].id
    costs.record_calls(session, calls)


def _record_batch(session: Session, batch: list[_DuePost], metrics: Mapping[str, Metrics], now, steps, outcome) -> None:
    for due in batch:
        post = session.get(Post, due.id)
        found = metrics.get(due.external_id)
        if found is None:
            # The platform said nothing about this id (protected, suspended, an
            # error entry): asking again at once would hear the same, forever.
            # It moves along its schedule like a measured post, and stops after
            # the last step.
            post.next_collect_at = next_collection(due.sent_at, now, steps)
            outcome.silent += 1
        elif found.deleted:
            # no snapshot: the last one taken stays the post's final engagement
            post.deleted_at = now
            post.next_collect_at = None
            outcome.deleted += 1
        else:
            session.add(_snapshot(due.id, found, now))
            post.next_collect_at = next_collection(due.sent_at, now, steps)
            outcome.snapshots += 1
        session.add(post)


def _snapshot(post_id: int, metrics: Metrics, now: datetime) -> EngagementSnapshot:
    return EngagementSnapshot(
        post_id=post_id,
        collected_at=now,
        likes=count(metrics.likes) or 0,
        shares=count(metrics.shares) or 0,
        comments=count(metrics.comments) or 0,
        impressions=count(metrics.impressions),
        views=count(metrics.views),
        clicks=count(metrics.clicks),
        raw=dict(metrics.raw),
    )


def _session_opener(source: Engine | Callable[[], Session]) -> Callable[[], Session]:
    if isinstance(source, Engine):
        return lambda: Session(source, expire_on_commit=False)
    return source


def progress_ticker(progress: Any, total: int, label: str) -> Callable[[int], None]:
    """Adapt a rich ``Progress`` or a plain ``callback(done, total)`` to ``tick(n)``."""
    if progress is None:
        return lambda n: None
    if hasattr(progress, "add_task"):
        task = progress.add_task(label, total=total)
        return lambda n: progress.advance(task, n)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)

    progress(0, total)
    return tick
