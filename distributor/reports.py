"""Engagement reports: what the posts sent in a period earned, grouped one way.

Each metric is the sum over the *latest* snapshot of each post (snapshots are
cumulative counters, so summing them all would count a post many times). The
latest snapshot is picked per post by a correlated subquery that walks the
(post_id, collected_at) index backwards, so the cost follows the number of
posts in the period, not the number of snapshots stored; sums are done by the
database. Works the same on SQLite and PostgreSQL.

Renderers live beside: ``render_table``/``render_csv``/``render_json`` here,
``render_html`` (self-contained, inline SVG charts) in ``report_html``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.table import Table
from sqlalchemy import Integer, Text, case, cast, func, literal, select
from sqlalchemy.orm import Session

from distributor.config import EngagementSettings
from distributor.errors import DistributorError
from distributor.models import Article, EngagementSnapshot, Post, utcnow

Grouping = Literal["article", "platform", "account", "template", "section", "hour"]
GROUPINGS: tuple[str, ...] = ("article", "platform", "account", "template", "section", "hour")
METRICS: tuple[str, ...] = ("likes", "shares", "comments", "impressions", "clicks")
NO_VALUE = "(none)"

_P = Post.__table__
_S = EngagementSnapshot.__table__
_A = Article.__table__


class InvalidPeriod(DistributorError, ValueError):
    """A --since/--until value that is neither a duration (7d) nor an ISO date."""


@dataclass
class ReportRow:
    key: str
    posts: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: int | None = None  # None: no post in the group reported it
    clicks: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "posts": self.posts, **{m: getattr(self, m) for m in METRICS}}

    def add(self, other: "ReportRow") -> None:
        self.posts += other.posts
        for metric in METRICS:
            mine, theirs = getattr(self, metric), getattr(other, metric)
            if theirs is not None:
                setattr(self, metric, (mine or 0) + theirs)


@dataclass
class GrowthPoint:
    """The report's posts at ``minutes`` after sending: sums over ``posts`` posts."""

    minutes: int  # a schedule step; 0 = before the first step
    posts: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: int = 0
    clicks: int = 0


@dataclass
class Report:
    since: datetime
    until: datetime
    by: str
    timezone: str
    rows: list[ReportRow]
    medians: dict[str, dict[str, float | None]] = field(default_factory=dict)  # key -> metric -> per-post median
    by_hour: list[ReportRow] = field(default_factory=list)  # 24 rows, local hour of sending
    growth: list[GrowthPoint] = field(default_factory=list)

    @property
    def total(self) -> ReportRow:
        total = ReportRow("total")
        for row in self.rows:
            total.add(row)
        return total


# --- periods -------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta | datetime:
    """'7d', '24h', '2w', '90m' -> timedelta; '2026-11-01' or an ISO time -> UTC datetime."""
    match = _DURATION.match(text)
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        if amount <= 0:
            raise InvalidPeriod(f"--since {text!r}: the duration must be positive")
        return timedelta(**{unit: amount})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidPeriod(
            f"--since {text!r}: expected a duration like 7d, 24h, 2w, 90m or an ISO date like 2026-11-01"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resolve_period(since: timedelta | datetime, until: datetime | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    until = _aware(until) if until is not None else (now or utcnow())
    start = until - since if isinstance(since, timedelta) else _aware(since)
    if start > until:
        raise InvalidPeriod(f"the period starts ({start.isoformat()}) after it ends ({until.isoformat()})")
    return start, until


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPeriod(f"unknown time zone {name!r}") from None


# --- building ------------------------------------------------------------------


def build_report(
    session: Session,
    *,
    since: timedelta | datetime,
    until: datetime | None = None,
    by: Grouping = "platform",
    timezone: str = "UTC",
    charts: bool = True,
    schedule_minutes: Sequence[int] | None = None,
    progress: Any = None,
) -> Report:
    """The report of posts sent within [since, until], grouped ``by``.

    ``timezone`` (settings.web.timezone) decides what "hour" and "day" mean.
    ``charts`` adds the per-post medians, the hourly split and the growth by
    age (at each of ``schedule_minutes``, settings.engagement.schedule_minutes)
    that the HTML report draws; table, CSV and JSON do not need them.
    ``progress`` is a rich ``Progress`` or a ``callback(done, total)``.
    """
    if by not in GROUPINGS:
        raise InvalidPeriod(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
    zone = _zone(timezone)
    if schedule_minutes is None:
        schedule_minutes = EngagementSettings().schedule_minutes
    start, end = resolve_period(since, until)
    steps: list[Callable[[], None]] = []
    report = Report(since=start, until=end, by=by, timezone=timezone, rows=[])

    def rows() -> None:
        report.rows = _group_rows(session, by, start, end, zone)

    steps.append(rows)
    if charts:

        def per_post() -> None:
            report.medians, report.by_hour = _per_post_figures(session, by, start, end, zone)

        def growth() -> None:
            report.growth = _growth(session, start, end, schedule_minutes)

        steps += [per_post, growth]
    tick = _progress_ticker(progress, len(steps), "building report")
    for step in steps:
        step()
        tick(1)
    return report


def _latest_snapshot_id():
    """The id of a post's newest snapshot: one backwards step in ix_snapshot_post_time."""
    return (
        select(_S.c.id)
        .where(_S.c.post_id == _P.c.id)
        .order_by(_S.c.collected_at.desc(), _S.c.id.desc())
        .limit(1)
        .correlate(_P)
        .scalar_subquery()
    )


def _group_columns(by: str, dialect: str) -> list:
    """The columns a group is identified by (its key comes from the first)."""
    if by == "article":
        return [_P.c.article_id, _A.c.title, _A.c.url]
    if by == "section":
        return [_A.c.section]
    if by == "hour":
        return [_quarter_hour(_P.c.sent_at, dialect)]
    return [{"platform": _P.c.platform, "account": _P.c.account, "template": _P.c.template}[by]]


def _quarter_hour(column, dialect: str):
    """UTC time floored to 15 minutes, as 'YYYY-MM-DD HH:MM' text.

    Every time zone offset is a multiple of 15 minutes, so Python maps these
    buckets to local hours or days exactly: SQLite has no time zones, and one
    code path serves both databases.
    """
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        minute = cast(func.floor(func.extract("minute", utc) / 15) * 15, Integer)
        return func.to_char(utc, "YYYY-MM-DD HH24:").op("||")(func.lpad(cast(minute, Text), 2, "0"))
    minute = cast(func.strftime("%M", column), Integer) / 15 * 15
    return func.strftime("%Y-%m-%d %H:", column).op("||")(func.printf("%02d", minute))


def _per_post_latest(by: str, start: datetime, end: datetime, dialect: str):
    """One row per post sent in the period: its group columns and its latest snapshot id."""
    group = _group_columns(by, dialect)
    return (
        select(_P.c.id.label("post_id"), _P.c.sent_at, *[c.label(f"g{i}") for i, c in enumerate(group)],
               _latest_snapshot_id().label("snapshot_id"))
        .select_from(_P.outerjoin(_A, _A.c.id == _P.c.article_id))
        .where(_P.c.sent_at.is_not(None), _P.c.sent_at >= start, _P.c.sent_at <= end)
        .subquery("latest")
    ), len(group)


def _group_rows(session: Session, by: str, start: datetime, end: datetime, zone: ZoneInfo) -> list[ReportRow]:
    dialect = session.get_bind().dialect.name
    latest, width = _per_post_latest(by, start, end, dialect)
    group = [latest.c[f"g{i}"] for i in range(width)]
    query = (
        select(
            *group,
            func.count().label("posts"),
            *[func.sum(_S.c[m]).label(m) for m in METRICS],
        )
        .select_from(latest.outerjoin(_S, _S.c.id == latest.c.snapshot_id))
        .group_by(*group)
    )
    rows: dict[str, ReportRow] = {}
    for record in session.execute(query):
        key = _key(by, record[:width], zone)
        row = ReportRow(key, record.posts, *[_int(record._mapping[m], m) for m in METRICS])
        rows.setdefault(key, ReportRow(key, likes=0, shares=0, comments=0)).add(row)
    return _ordered(by, rows)


def _int(value, metric: str) -> int | None:
    if value is None:
        return 0 if metric in ("likes", "shares", "comments") else None
    return int(value)


def _key(by: str, values, zone: ZoneInfo) -> str:
    if by == "article":
        article_id, title, url = values
        return (title or url or NO_VALUE) if article_id is not None else "(manual posts)"
    if by == "hour":
        bucket = datetime.strptime(values[0], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        return f"{bucket.astimezone(zone).hour:02d}"
    return values[0] if values[0] not in (None, "") else NO_VALUE


def _ordered(by: str, rows: dict[str, ReportRow]) -> list[ReportRow]:
    if by == "hour":
        return [rows[key] for key in sorted(rows)]
    return sorted(rows.values(), key=lambda r: (-_engagement(r), r.key))


def _engagement(row) -> int:
    return row.likes + row.shares + row.comments


def _per_post_figures(session: Session, by: str, start, end, zone: ZoneInfo):
    """Per-post medians per group and the 24-hour split, from one row per post.

    Medians are not portable SQL (SQLite has none), and their input is one row
    per post in the period, never the snapshot history: cheap in Python.
    """
    dialect = session.get_bind().dialect.name
    latest, width = _per_post_latest(by, start, end, dialect)
    query = select(
        latest.c.sent_at, *[latest.c[f"g{i}"] for i in range(width)], *[_S.c[m] for m in METRICS]
    ).select_from(latest.outerjoin(_S, _S.c.id == latest.c.snapshot_id))
    values: dict[str, dict[str, list[int]]] = {}
    hours = {f"{h:02d}": ReportRow(f"{h:02d}") for h in range(24)}
    for record in session.execute(query):
        key = _key(by, record[1 : 1 + width], zone)
        metrics = record[1 + width :]
        bucket = values.setdefault(key, {m: [] for m in METRICS})
        for metric, value in zip(METRICS, metrics):
            if value is not None:
                bucket[metric].append(value)
        sent = _aware(record.sent_at).astimezone(zone)
        hours[f"{sent.hour:02d}"].add(
            ReportRow("", 1, *[_int(v, m) for v, m in zip(metrics, METRICS)])
        )
    medians = {
        key: {m: (statistics.median(vals) if vals else None) for m, vals in bucket.items()}
        for key, bucket in values.items()
    }
    return medians, list(hours.values())


def _growth(session: Session, start, end, steps: Sequence[int]) -> list[GrowthPoint]:
    """Engagement by age: for each schedule step, the posts' value at that age.

    A post's value at step k is its latest snapshot taken between step k and
    step k+1 after sending (counters only grow, so the bucket's max is its
    latest). Two GROUP BYs in SQL, no window function: SQLite's LAG over a
    million rows took twice as long (measured, benchmarks/report_scale.py).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        age = func.extract("epoch", _S.c.collected_at - _P.c.sent_at) / 60.0
    else:
        age = (func.julianday(_S.c.collected_at) - func.julianday(_P.c.sent_at)) * 1440.0
    ordered = sorted(set(steps), reverse=True)
    # a snapshot taken on time is at exactly the step; allow float rounding
    step = case(*[(age >= minutes - 0.01, minutes) for minutes in ordered], else_=0) if ordered else literal(0)
    per_post = (
        select(_S.c.post_id, step.label("step"), *[func.max(_S.c[m]).label(m) for m in METRICS])
        .select_from(_S.join(_P, _P.c.id == _S.c.post_id))
        .where(_P.c.sent_at.is_not(None), _P.c.sent_at >= start, _P.c.sent_at <= end)
        .group_by(_S.c.post_id, step)
        .subquery("per_post")
    )
    query = (
        select(per_post.c.step, func.count(), *[func.sum(per_post.c[m]) for m in METRICS])
        .group_by(per_post.c.step)
        .order_by(per_post.c.step)
    )
    return [
        GrowthPoint(int(minutes), int(posts), *[int(v or 0) for v in sums])
        for minutes, posts, *sums in session.execute(query)
    ]


def _progress_ticker(progress: Any, total: int, label: str) -> Callable[[int], None]:
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


# --- rendering -----------------------------------------------------------------

HEADER = ("key", "posts") + METRICS


def render_json(report: Report) -> str:
    """The documented report JSON (INTERFACE.md "Report JSON")."""
    return json.dumps(
        {
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "by": report.by,
            "rows": [row.as_dict() for row in report.rows],
        },
        ensure_ascii=False,
    )


def render_csv(report: Report) -> str:
    """One header line, one line per group; an unknown metric is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in report.rows:
        writer.writerow(["" if v is None else v for v in row.as_dict().values()])
    return out.getvalue()


def render_table(report: Report) -> Table:
    """A rich table for the terminal, with a total line."""
    zone = _zone(report.timezone)
    title = (
        f"Engagement by {report.by}, posts sent "
        f"{report.since.astimezone(zone):%Y-%m-%d %H:%M} - {report.until.astimezone(zone):%Y-%m-%d %H:%M} {report.timezone}"
    )
    table = Table(title=title, show_footer=bool(report.rows))
    total = report.total
    table.add_column(report.by, footer="total", overflow="fold")
    for name in HEADER[1:]:
        table.add_column(name, justify="right", footer=_cell(getattr(total, name)))
    for row in report.rows:
        # rich reads [..] as markup: escape user text such as article titles
        from rich.markup import escape

        table.add_row(escape(row.key), *[_cell(getattr(row, name)) for name in HEADER[1:]])
    return table


def _cell(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def render_html(report: Report) -> str:
    from distributor.report_html import render_html as _render

    return _render(report)
