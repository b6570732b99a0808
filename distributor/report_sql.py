"""The SQL behind reports: each post's latest snapshot, and sums over them.

Snapshots are cumulative counters, so a report sums one snapshot per post: its
latest. Picking it is one backwards step in the (post_id, collected_at) index
per post, so the cost follows the number of posts in the period, not the
number of snapshots stored (ROW_NUMBER() over every snapshot was 7-14x slower
at 1M snapshots, benchmarks/report_scale.py). The step is written per
database, because their planners need different shapes:

- PostgreSQL: ``LEFT JOIN LATERAL (... ORDER BY collected_at DESC LIMIT 1)``.
  (A correlated scalar subquery in a join condition made it hash all 1M
  snapshots.)
- SQLite (no LATERAL): a correlated scalar subquery picks the snapshot id, then
  a primary-key join fetches its counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Integer, Text, and_, case, cast, func, select, true
from sqlalchemy.orm import Session

from distributor.models import Article, EngagementSnapshot, Post, TrackedLink
from distributor.platforms.specs import SPECS

# impressions (X) and views (Meta: Facebook Page views, Threads) are kept apart: they are not the same count
METRICS: tuple[str, ...] = ("likes", "shares", "comments", "impressions", "views", "clicks")
# which platforms count which (the specs' metric maps): a cost per 1,000 of them divides only those posts' cost
COUNTED_BY = {metric: tuple(name for name, spec in SPECS.items() if metric in spec.metrics)
              for metric in ("impressions", "views")}

_P = Post.__table__
_S = EngagementSnapshot.__table__
_A = Article.__table__
_T = TrackedLink.__table__  # clicks through our redirect (links.py): X gives us none
_NEWEST_FIRST = (_S.c.collected_at.desc(), _S.c.id.desc())
# a snapshot is due at exactly its step; one second of slack for clock rounding
_SLACK = timedelta(seconds=1)


def group_columns(by: str, dialect: str) -> list:
    """The columns a group is identified by; ``reports`` turns them into its key."""
    if by == "article":
        return [_P.c.article_id, _A.c.title, _A.c.url]
    if by == "section":
        return [_A.c.section]
    if by == "hour":
        return [quarter_hour(_P.c.sent_at, dialect)]
    return [{"platform": _P.c.platform, "account": _P.c.account, "template": _P.c.template}[by]]


def quarter_hour(column, dialect: str):
    """UTC time floored to 15 minutes, as 'YYYY-MM-DD HH:MM' text.

    Every time zone offset is a multiple of 15 minutes, so Python maps these
    buckets to local hours exactly: SQLite has no time zones, and one code path
    then serves both databases.
    """
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        minute = cast(func.floor(func.extract("minute", utc) / 15) * 15, Integer)
        return func.to_char(utc, "YYYY-MM-DD HH24:").op("||")(func.lpad(cast(minute, Text), 2, "0"))
    minute = cast(func.strftime("%M", column), Integer) / 15 * 15
    return func.strftime("%Y-%m-%d %H:", column).op("||")(func.printf("%02d", minute))


def _in_period(start: datetime, end: datetime):
    return and_(_P.c.sent_at.is_not(None), _P.c.sent_at >= start, _P.c.sent_at <= end)


def latest_per_post(by: str, start: datetime, end: datetime, dialect: str):
    """A subquery, one row per post sent in [start, end]: post_id, sent_at, the
    group columns g0..gN and the counters of its latest snapshot (NULL if none).
    Returns (subquery, number of group columns)."""
    group = [c.label(f"g{i}") for i, c in enumerate(group_columns(by, dialect))]
    posts = _P.outerjoin(_A, _A.c.id == _P.c.article_id).outerjoin(_T, _T.c.post_id == _P.c.id)
    if dialect == "postgresql":
        latest = (
            select(*[_S.c[m] for m in METRICS])
            .where(_S.c.post_id == _P.c.id)
            .order_by(*_NEWEST_FIRST)
            .limit(1)
            .lateral("snapshot")
        )
        query = (
            select(_P.c.id.label("post_id"), _P.c.sent_at, *group,
                   *[_tracked(latest.c[m], _T.c.clicks) for m in METRICS])
            .select_from(posts.outerjoin(latest, true()))
            .where(_in_period(start, end))
        )
        return query.subquery("latest"), len(group)
    ids = (
        select(_P.c.id.label("post_id"), _P.c.sent_at, *group, _latest_id().label("snapshot_id"),
               _T.c.clicks.label("tracked_clicks"))
        .select_from(posts)
        .where(_in_period(start, end))
        .subquery("ids")
    )
    query = select(
        ids.c.post_id, ids.c.sent_at, *[ids.c[g.name] for g in group],
        *[_tracked(_S.c[m], ids.c.tracked_clicks) for m in METRICS]
    ).select_from(ids.outerjoin(_S, _S.c.id == ids.c.snapshot_id))
    return query.subquery("latest"), len(group)


def _tracked(column, tracked_clicks):
    """A post's metric; for clicks, ours when its link went through our redirect (we count them for every
    platform, bots left out), else the platform's."""
    if column.name != "clicks":
        return column
    return func.coalesce(tracked_clicks, column).label("clicks")


def _latest_id(before=None):
    """SQLite: the id of the post's newest snapshot, taken before ``before`` if given."""
    query = select(_S.c.id).where(_S.c.post_id == _P.c.id)
    if before is not None:
        query = query.where(_S.c.collected_at < before)
    return query.order_by(*_NEWEST_FIRST).limit(1).correlate(_P).scalar_subquery()


def group_sums(session: Session, by: str, start: datetime, end: datetime):
    """Rows of (g0..gN, posts, likes, shares, comments, impressions, views, clicks), summed by the database."""
    latest, width = latest_per_post(by, start, end, session.get_bind().dialect.name)
    group = [latest.c[f"g{i}"] for i in range(width)]
    query = select(*group, func.count(), *[func.sum(latest.c[m]) for m in METRICS]).group_by(*group)
    return width, session.execute(query).all()


def per_post(session: Session, by: str, start: datetime, end: datetime):
    """Rows of (sent_at, g0..gN, likes, ..., clicks): one per post, for medians and the hourly split."""
    latest, width = latest_per_post(by, start, end, session.get_bind().dialect.name)
    query = select(latest.c.sent_at, *[latest.c[f"g{i}"] for i in range(width)], *[latest.c[m] for m in METRICS])
    return width, session.execute(query)


def growth_sums(session: Session, start: datetime, end: datetime, steps: Sequence[int]):
    """For each schedule step (minutes): (minutes, posts, likes, ..., clicks) over the
    period's posts, each post counted with its latest snapshot taken between this
    step and the next (a post sent two hours ago has no 1-day value yet)."""
    dialect = session.get_bind().dialect.name
    ordered = sorted({m for m in steps if m >= 0})  # 0: measured before the schedule's first age
    if not ordered:
        return []
    uppers: list[int | None] = [*ordered[1:], None]
    if dialect == "postgresql":
        joined, snapshots = _P, []
        for i, (minutes, upper) in enumerate(zip(ordered, uppers)):
            query = select(_S.c.id, _S.c.collected_at, *[_S.c[m] for m in METRICS]).where(_S.c.post_id == _P.c.id)
            if upper is not None:
                query = query.where(_S.c.collected_at < _P.c.sent_at + (timedelta(minutes=upper) - _SLACK))
            snapshot = query.order_by(*_NEWEST_FIRST).limit(1).lateral(f"s{i}")
            joined = joined.outerjoin(
                snapshot, snapshot.c.collected_at >= _P.c.sent_at + (timedelta(minutes=minutes) - _SLACK)
            )
            snapshots.append(snapshot)
        source, where = joined, _in_period(start, end)
    else:
        columns = [_P.c.sent_at]
        for i, upper in enumerate(uppers):
            before = None if upper is None else _sqlite_plus(_P.c.sent_at, timedelta(minutes=upper) - _SLACK)
            columns.append(_latest_id(before).label(f"k{i}"))
        ids = select(*columns).where(_in_period(start, end)).subquery("ids")
        source, snapshots = ids, []
        for i, minutes in enumerate(ordered):
            snapshot = _S.alias(f"s{i}")
            lower = _sqlite_plus(ids.c.sent_at, timedelta(minutes=minutes) - _SLACK)
            source = source.outerjoin(snapshot, and_(snapshot.c.id == ids.c[f"k{i}"], snapshot.c.collected_at >= lower))
            snapshots.append(snapshot)
        where = true()
    sums = []
    for snapshot in snapshots:
        sums += [func.count(snapshot.c.id), *[func.sum(snapshot.c[m]) for m in METRICS]]
    record = session.execute(select(*sums).select_from(source).where(where)).one()
    width = 1 + len(METRICS)
    return [(minutes, *record[i * width : (i + 1) * width]) for i, minutes in enumerate(ordered)]


def _sqlite_plus(column, delta: timedelta):
    """``column + delta`` for SQLite, which keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text."""
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"{int(delta.total_seconds()):+d} seconds")


def cost_sums(session: Session, by: str, start: datetime, end: datetime):
    """Rows of (g0..gN, micro-USD, micro-USD of the posts on platforms counting impressions, and counting views)
    from the cost ledger for the posts sent in [start, end], grouped like group_sums.

    A group can mix platforms (by article: an X post and a Facebook post): X's
    spend divided by Facebook's views would be a cost per view nobody paid.
    """
    from distributor.models import ApiCall

    calls = ApiCall.__table__
    group = [c.label(f"g{i}") for i, c in enumerate(group_columns(by, session.get_bind().dialect.name))]
    counted = [func.sum(case((_P.c.platform.in_(COUNTED_BY[metric]), calls.c.cost_micros), else_=0))
               for metric in ("impressions", "views")]
    query = (select(*group, func.sum(calls.c.cost_micros), *counted)
             .select_from(_P.outerjoin(_A, _A.c.id == _P.c.article_id).join(calls, calls.c.post_id == _P.c.id))
             .where(_in_period(start, end)).group_by(*[g.element for g in group]))
    return len(group), session.execute(query).all()
