"""The calendar's data: which posts fall on which day and hour, where the quiet hours and
gaps are, in the editors' time zone.

Two indexed range reads (pending posts by ``scheduled_at`` through ix_post_due, sent
posts by ``sent_at``), then one pass over the rows: the cost is the posts in view,
never the account's history. Days are built from local midnights, so a day with a
DST change has 23 or 25 hours, as the clock on the wall does.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from distributor.config import AccountSettings
from distributor.models import Post, PostState
from distributor.posts import EDITABLE, in_quiet_hours

# Pending posts sit at their scheduled time; sent ones at the time they went out.
SCHEDULED_STATES = (PostState.draft, PostState.awaiting_approval, PostState.queued, PostState.sending, PostState.failed)
MAX_POSTS = 2000  # in one view; beyond it the page says how many more there are
VIEWS = ("day", "week")
TEXT_SHOWN = 100  # characters of a post's text the calendar shows
LABELS = {state: state.value.replace("_", " ") for state in PostState}


@dataclass(slots=True)
class Entry:
    post: Any  # a row: id, account, platform, state, text (the first TEXT_SHOWN characters), at
    at: datetime  # local time it is shown at
    movable: bool
    too_close: str = ""  # "12 min after #41 (min gap 30 min)" when pacing will hold it
    state: str = ""  # the state's value, for the page's classes and badge
    hm: str = ""  # "09:15"
    text: str = ""  # the first words of the text
    label: str = ""  # the state as the badge says it ("awaiting approval")

    def __post_init__(self):
        state = PostState(self.post.state)
        self.state = state.value
        self.label = LABELS[state]
        self.hm = f"{self.at.hour:02d}:{self.at.minute:02d}"
        text = self.post.text or ""
        self.text = text if len(text) <= 90 else text[:87].rsplit(" ", 1)[0] + "…"


@dataclass
class Hour:
    start: datetime  # local
    entries: list[Entry] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)  # accounts in their quiet hours then


@dataclass
class Day:
    day: date
    hours: list[Hour]
    entries: list[Entry] = field(default_factory=list)  # the day's posts in time order (``build`` fills it)

    @property
    def quiet_spans(self) -> list[str]:
        """'x-main 22:00–06:00' for the week view, where hours are not drawn one by one."""
        runs: dict[str, list[list[Hour]]] = {}  # each account's runs of consecutive quiet hours
        for index, hour in enumerate(self.hours):
            for name in hour.quiet:
                account_runs = runs.setdefault(name, [])
                if account_runs and account_runs[-1][-1] is self.hours[index - 1]:
                    account_runs[-1].append(hour)
                else:
                    account_runs.append([hour])
        out = []
        for name, account_runs in runs.items():
            spans = [f"{run[0].start:%H:%M}–{run[-1].start + timedelta(hours=1):%H:%M}" for run in account_runs]
            out.append(f"{name} {', '.join(spans)}")
        return out


@dataclass
class Calendar:
    view: str
    first: date
    days: list[Day]
    more: int  # posts in range not shown (past MAX_POSTS)

    @property
    def count(self) -> int:
        return sum(len(d.entries) for d in self.days)


def span(view: str, day: date) -> list[date]:
    """The days a view shows: one, or Monday to Sunday of ``day``'s week."""
    if view == "week":
        monday = day - timedelta(days=day.weekday())
        return [monday + timedelta(days=i) for i in range(7)]
    return [day]


def _hours(day: date, zone: ZoneInfo) -> list[Hour]:
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    hours, at = [], start
    while at < end:
        hours.append(Hour(at.astimezone(zone)))
        at += timedelta(hours=1)
    return hours


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count_in_view(session: Session, start: datetime, end: datetime, where: list) -> int:
    """How many posts the view holds, for the legend once the page's bound is passed (the same
    two indexed ranges; the sent state summed, not filtered, for the reason given in ``build``)."""
    pending = select(func.count()).select_from(Post).where(
        col(Post.state).in_(SCHEDULED_STATES), col(Post.scheduled_at) >= start, col(Post.scheduled_at) < end, *where)
    sent = select(func.coalesce(func.sum(case((Post.state == PostState.sent, 1), else_=0)), 0)).where(
        col(Post.sent_at) >= start, col(Post.sent_at) < end, *where)
    return int(session.execute(pending).scalar_one()) + int(session.execute(sent).scalar_one())


def build(session: Session, *, view: str, day: date, zone: ZoneInfo, accounts: list[AccountSettings],
          account: str | None = None) -> Calendar:
    """The calendar of ``accounts`` (or the one named ``account``) for the view around ``day``."""
    days = [Day(d, _hours(d, zone)) for d in span(view, day)]
    start = days[0].hours[0].start.astimezone(UTC)
    end = datetime.combine(days[-1].day + timedelta(days=1), time(0), zone).astimezone(UTC)
    shown = [a for a in accounts if account is None or a.name == account]
    quiet = [a for a in shown if a.quiet_hours]
    if quiet:
        for d in days:
            for hour in d.hours:
                hour.quiet = [a.name for a in quiet if in_quiet_hours(a, hour.start)]

    where = [Post.account == account] if account else []
    # Only what the page shows (the first words of the text): rows, not whole ORM objects.
    shown_columns = (Post.id, Post.account, Post.platform, Post.state, func.substr(Post.text, 1, TEXT_SHOWN).label("text"))
    pending = select(*shown_columns, Post.scheduled_at.label("at")).where(
        col(Post.state).in_(SCHEDULED_STATES), col(Post.scheduled_at) >= start, col(Post.scheduled_at) < end, *where,
    ).order_by(col(Post.scheduled_at)).limit(MAX_POSTS + 1)
    # By the time alone (ix_post_sent_at / ix_post_account_sent), the state checked here: with
    # "state = sent" in SQL, SQLite walks every sent post through ix_post_due instead.
    sent = select(*shown_columns, Post.sent_at.label("at")).where(
        col(Post.sent_at) >= start, col(Post.sent_at) < end, *where,
    ).order_by(col(Post.sent_at)).limit(MAX_POSTS + 1)
    # Core rows through the session's connection: the ORM's per-row bookkeeping is not needed for plain columns.
    connection = session.connection()
    rows = [(_aware(p.at), p) for p in connection.execute(pending).all()]
    sent_rows = connection.execute(sent).all()
    rows += [(_aware(p.at), p) for p in sent_rows if p.state == PostState.sent]
    rows.sort(key=lambda pair: (pair[0], pair[1].id))
    more = 0
    if len(rows) > MAX_POSTS or len(sent_rows) > MAX_POSTS:  # the reads stopped early: count what they left
        more = _count_in_view(session, start, end, where) - MAX_POSTS
    rows = rows[:MAX_POSTS]

    gaps = {a.name: timedelta(minutes=a.min_gap_minutes) for a in shown if a.min_gap_minutes}
    previous: dict[str, tuple[datetime, int]] = {}
    hours = [hour for d in days for hour in d.hours]  # in time order, each [start, next start)
    day_of = [d for d in days for _ in d.hours]
    starts = [hour.start.astimezone(UTC) for hour in hours]
    for at, post in rows:
        state = PostState(post.state)
        entry = Entry(post, at.astimezone(zone), movable=state in EDITABLE)
        if state not in (PostState.draft, PostState.failed):
            gap = gaps.get(post.account)
            last = previous.get(post.account)
            if gap and last and at - last[0] < gap:
                minutes = int((at - last[0]).total_seconds() // 60)
                entry.too_close = (f"{minutes} min after #{last[1]} (min gap {int(gap.total_seconds() // 60)} min): "
                                   "it will wait")
            previous[post.account] = (at, post.id)
        # The last hour starting at or before the post (a binary search: local hours need not
        # start on a UTC hour, as in Kolkata or Adelaide).
        index = bisect_right(starts, at) - 1
        hours[index].entries.append(entry)
        day_of[index].entries.append(entry)
    return Calendar(view, days[0].day, days, more)
