"""Engagement reports: what the posts sent in a period earned, grouped one way.

Each metric is the sum over the *latest* snapshot of each post (snapshots are
cumulative counters, so summing them all would count a post many times). The
SQL that picks it and sums in the database is in ``report_sql``; this module
turns its rows into a ``Report`` (keys, local hours, medians) and renders it.

Renderers live beside: ``render_table``/``render_csv``/``render_json`` here,
``render_html`` (self-contained, inline SVG charts) in ``report_html``.
"""

from __future__ import annotations

import io
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from distributor import inputs, report_sql
from distributor.config import EngagementSettings
from distributor.logs import printable
from distributor.engagement import progress_ticker
from distributor.errors import DistributorError, InvalidInput
from distributor.models import utcnow
from distributor.csv_cells import SafeWriter

Grouping = Literal["article", "platform", "account", "template", "section", "hour"]
GROUPINGS: tuple[str, ...] = ("article", "platform", "account", "template", "section", "hour")
METRICS = report_sql.METRICS
NO_VALUE = "(none)"
MANUAL_POSTS = "(manual posts)"
ARTICLE_FIELDS = ("article_id", "url", "title")  # extra fields of a by=article row


class ReportError(DistributorError, ValueError):
    """A report cannot be built as asked (unknown grouping or time zone)."""


class InvalidPeriod(ReportError, InvalidInput):
    """A --since/--until value that is neither a duration (7d) nor an ISO date."""


@dataclass
class ReportRow:
    key: str  # what the group is called; by article the headline, which two articles can share
    posts: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: int | None = None  # None: no post in the group reported it
    views: int | None = None  # Facebook Page views and Threads views (Meta counts no impressions)
    clicks: int | None = None
    # by article: which article (None for the manual posts, which belong to none)
    article_id: int | None = None
    url: str | None = None
    title: str | None = None
    group: str = ""  # the group's identity ("article:12", "manual"); the key when empty
    cost_micros: int | None = None  # what the group's posts cost (cost ledger); None: no calls recorded
    impressions_cost_micros: int = 0  # of which the posts on platforms counting impressions (X)
    views_cost_micros: int = 0  # and on platforms counting views (Facebook, Threads)

    def costs(self) -> dict[str, float | None]:
        """Cost per post, per 1,000 impressions, per 1,000 views and per interaction (USD), from the ledger.

        Per 1,000 impressions (views) divides what the posts counting impressions (views) cost.
        """
        if self.cost_micros is None:
            return {}
        usd = self.cost_micros / 1e6
        impressions_usd, views_usd = self.impressions_cost_micros / 1e6, self.views_cost_micros / 1e6
        interactions = self.likes + self.shares + self.comments + (self.clicks or 0)
        return {"cost_usd": round(usd, 6),
                "cost_per_post_usd": round(usd / self.posts, 6) if self.posts else None,
                "cost_per_1000_impressions_usd":
                    round(impressions_usd * 1000 / self.impressions, 6) if self.impressions else None,
                "cost_per_1000_views_usd": round(views_usd * 1000 / self.views, 6) if self.views else None,
                "cost_per_interaction_usd": round(usd / interactions, 6) if interactions else None}

    @property
    def identity(self) -> str:
        return self.group or self.key

    def as_dict(self, by: str | None = None) -> dict[str, Any]:
        row = {"key": self.key, "posts": self.posts, **{m: getattr(self, m) for m in METRICS}}
        if by == "article":
            row.update((name, getattr(self, name)) for name in ARTICLE_FIELDS)
        row.update(self.costs())  # only when the ledger has calls for the group's posts
        return row

    def add(self, other: "ReportRow") -> None:
        self.posts += other.posts
        for metric in METRICS:
            mine, theirs = getattr(self, metric), getattr(other, metric)
            if theirs is not None:
                setattr(self, metric, (mine or 0) + theirs)
        if other.cost_micros is not None:
            self.cost_micros = (self.cost_micros or 0) + other.cost_micros
        self.impressions_cost_micros += other.impressions_cost_micros
        self.views_cost_micros += other.views_cost_micros


@dataclass
class GrowthPoint:
    """The report's posts at ``minutes`` after sending: sums over ``posts`` posts."""

    minutes: int  # a step of the collection schedule
    posts: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: int = 0
    views: int = 0
    clicks: int = 0


@dataclass
class Report:
    since: datetime
    until: datetime
    by: str
    timezone: str
    rows: list[ReportRow]
    medians: dict[str, dict[str, float | None]] = field(default_factory=dict)  # row identity -> metric -> median
    by_hour: list[ReportRow] = field(default_factory=list)  # 24 rows, local hour of sending
    growth: list[GrowthPoint] = field(default_factory=list)

    @property
    def total(self) -> ReportRow:
        total = ReportRow("total")
        for row in self.rows:
            total.add(row)
        return total


# --- periods -------------------------------------------------------------------

def parse_since(text: str, timezone: str = "UTC", what: str = "--since") -> timedelta | datetime:
    """'7d', '24h', '2w', '90m' -> timedelta; '2026-11-01' (midnight in ``timezone``) or an ISO time -> UTC.

    The parsing is ``inputs.parse_since``'s, shared with every other time an editor types.
    """
    try:
        return inputs.parse_since(text, timezone, what=what)
    except InvalidInput as exc:
        raise InvalidPeriod(str(exc)) from None


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
        raise ReportError(f"unknown time zone {name!r}") from None


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

    ``timezone`` (settings.web.timezone) decides what "hour" means.
    ``charts`` adds the per-post medians, the hourly split and the growth by
    age (at each of ``schedule_minutes``, settings.engagement.schedule_minutes)
    that the HTML report draws; table, CSV and JSON do not need them.
    ``progress`` is a rich ``Progress`` or a ``callback(done, total)``.
    """
    if by not in GROUPINGS:
        raise ReportError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
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
    tick = progress_ticker(progress, len(steps), "building report")
    for step in steps:
        step()
        tick(1)
    return report


def _group_rows(session: Session, by: str, start: datetime, end: datetime, zone: ZoneInfo) -> list[ReportRow]:
    width, records = report_sql.group_sums(session, by, start, end)
    rows: dict[str, ReportRow] = {}
    for record in records:
        group = _group(by, record[:width], zone)
        posts, *sums = record[width:]
        row = ReportRow(group.key, int(posts), *[_int(v, m) for v, m in zip(sums, METRICS)])
        # several SQL groups can share an identity: 15-minute buckets of one local hour
        rows.setdefault(group.identity, group).add(row)
    width, spent = report_sql.cost_sums(session, by, start, end)
    for record in spent:
        group = _group(by, record[:width], zone)
        if group.identity in rows and record[width] is not None:
            target = rows[group.identity]
            target.cost_micros = (target.cost_micros or 0) + int(record[width])
            target.impressions_cost_micros += int(record[width + 1] or 0)
            target.views_cost_micros += int(record[width + 2] or 0)
    return _ordered(by, rows)


def _int(value, metric: str) -> int | None:
    if value is None:
        return 0 if metric in ("likes", "shares", "comments") else None
    return int(value)


def _group(by: str, values, zone: ZoneInfo) -> ReportRow:
    """An empty row for the group these SQL group columns belong to.

    By article the group is the article's id, never its headline: two
    "Letters to the editor" stay two rows, and the manual posts (no article)
    are a row of their own even beside an article titled "(manual posts)".
    """
    if by == "article":
        article_id, title, url = values
        if article_id is None:
            return ReportRow(MANUAL_POSTS, group="manual")
        return ReportRow(title or url or NO_VALUE, article_id=article_id, url=url, title=title,
                         group=f"article:{article_id}")
    if by == "hour":
        bucket = datetime.strptime(values[0], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        return ReportRow(f"{bucket.astimezone(zone).hour:02d}")
    return ReportRow(values[0] if values[0] not in (None, "") else NO_VALUE)


def _ordered(by: str, rows: dict[str, ReportRow]) -> list[ReportRow]:
    if by == "hour":
        return [rows[key] for key in sorted(rows)]
    return sorted(rows.values(), key=lambda r: (-(r.likes + r.shares + r.comments), r.key, r.identity))


def _per_post_figures(session: Session, by: str, start, end, zone: ZoneInfo):
    """Per-post medians per group and the 24-hour split, from one row per post.

    Medians are not portable SQL (SQLite has none), and their input is one row
    per post in the period, never the snapshot history: cheap in Python.
    """
    width, records = report_sql.per_post(session, by, start, end)
    values: dict[str, dict[str, list[int]]] = {}
    hours = {f"{h:02d}": ReportRow(f"{h:02d}") for h in range(24)}
    for record in records:
        key = _group(by, record[1 : 1 + width], zone).identity
        metrics = record[1 + width :]
        bucket = values.setdefault(key, {m: [] for m in METRICS})
        for metric, value in zip(METRICS, metrics):
            if value is not None:
                bucket[metric].append(value)
        sent = _aware(record[0]).astimezone(zone)
        hours[f"{sent.hour:02d}"].add(ReportRow("", 1, *[_int(v, m) for v, m in zip(metrics, METRICS)]))
    medians = {
        key: {m: (statistics.median(vals) if vals else None) for m, vals in bucket.items()}
        for key, bucket in values.items()
    }
    return medians, list(hours.values())


def _growth(session: Session, start, end, steps: Sequence[int]) -> list[GrowthPoint]:
    # Age 0 ("first") holds posts measured only before the schedule's first age (a
    # `collect --all` minutes after sending): without it the chart had no point for them.
    return [
        GrowthPoint(int(minutes), int(posts), *[int(v or 0) for v in sums])
        for minutes, posts, *sums in report_sql.growth_sums(session, start, end, [0, *steps])
        if posts
    ]


# --- rendering -----------------------------------------------------------------

HEADER = ("key", "posts") + METRICS
COST_FIELDS = ("cost_usd", "cost_per_post_usd", "cost_per_1000_impressions_usd", "cost_per_1000_views_usd",
               "cost_per_interaction_usd")


def render_json(report: Report) -> str:
    """The documented report JSON (INTERFACE.md "Report JSON")."""
    return json.dumps(
        {
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "by": report.by,
            "rows": [row.as_dict(report.by) for row in report.rows],
        },
        ensure_ascii=False,
    )


def render_csv(report: Report) -> str:
    """One header line, one line per group; an unknown metric is an empty cell."""
    out = io.StringIO()
    writer = SafeWriter(out)
    costed = any(row.cost_micros is not None for row in report.rows)
    writer.writerow(HEADER + (ARTICLE_FIELDS if report.by == "article" else ()) + (COST_FIELDS if costed else ()))
    for row in report.rows:
        values = row.as_dict(report.by)
        if costed and row.cost_micros is None:
            values.update(dict.fromkeys(COST_FIELDS))
        writer.writerow(["" if v is None else v for v in values.values()])
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
    by_article = report.by == "article"
    table.add_column(report.by, footer="total", overflow="fold")
    if by_article:
        table.add_column("url", overflow="fold")  # two stories can share a headline; the link tells them apart
    for name in HEADER[1:]:
        table.add_column(name, justify="right", footer=_cell(getattr(total, name)))
    costed = any(row.cost_micros is not None for row in report.rows)
    if costed:
        for name, label in (("cost_usd", "$"), ("cost_per_post_usd", "$/post"),
                            ("cost_per_1000_impressions_usd", "$/1k"), ("cost_per_1000_views_usd", "$/1k views"),
                            ("cost_per_interaction_usd", "$/act")):
            table.add_column(label, justify="right", footer=_money(total.costs().get(name)))
    for row in report.rows:
        # rich reads [..] as markup: escape user text such as article titles
        first = [escape(printable(row.key))] + ([escape(printable(row.url or ""))] if by_article else [])  # ESC shown
        money = [_money(row.costs().get(name)) for name in COST_FIELDS] if costed else []
        table.add_row(*first, *[_cell(getattr(row, name)) for name in HEADER[1:]], *money)
    return table


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _cell(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def render_html(report: Report) -> str:
    from distributor.report_html import render_html as _render

    return _render(report)
