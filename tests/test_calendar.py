"""The calendar's days: posts at their local hour, sent ones at the time they went out,
quiet hours and pacing gaps marked, DST days as long as the wall clock says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from distributor import posts
from distributor.config import AccountSettings
from distributor.models import PostState
from distributor.web.calendar import build

PARIS = ZoneInfo("Europe/Paris")
X = AccountSettings(name="x-main", platform="twitter", min_gap_minutes=30, quiet_hours=(23, 6), timezone="Europe/Paris")
FB = AccountSettings(name="fb-main", platform="facebook", page_id="1", timezone="Europe/Paris")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def test_a_day_places_posts_at_their_local_hour_and_marks_gaps_and_quiet_hours(session):
    day = date(2031, 6, 10)
    first = posts.create_post(session, X, text="Ferry strike ends", at=_at(day, 9, 15))
    close = posts.create_post(session, X, text="Bridge shut", at=_at(day, 9, 40))
    other = posts.create_post(session, FB, text="Tide table", at=_at(day, 9, 45))
    gone = posts.create_post(session, FB, text="Never mind", at=_at(day, 10))
    posts.cancel(session, gone.id, "ana")
    sent = posts.create_post(session, FB, text="Went out", at=_at(day, 7))
    sent.state, sent.sent_at = PostState.sent, _at(day, 14, 5).astimezone(UTC)
    session.add(sent)
    session.flush()

    calendar = build(session, view="day", day=day, zone=PARIS, accounts=[X, FB])
    [the_day] = calendar.days
    by_hour = {h.start.hour: [(e.post.id, e.hm) for e in h.entries] for h in the_day.hours if h.entries}
    assert by_hour == {9: [(first.id, "09:15"), (close.id, "09:40"), (other.id, "09:45")], 14: [(sent.id, "14:05")]}
    marks = {e.post.id: e.too_close for e in the_day.entries}
    assert marks[close.id] == f"25 min after #{first.id} (min gap 30 min): it will wait"
    assert marks[first.id] == marks[other.id] == ""  # another account's post is no gap
    quiet = [h.start.hour for h in the_day.hours if h.quiet]
    assert quiet == [0, 1, 2, 3, 4, 5, 23]
    assert the_day.quiet_spans == ["x-main 00:00–06:00, 23:00–00:00"]

    only_fb = build(session, view="day", day=day, zone=PARIS, accounts=[X, FB], account="fb-main")
    assert [e.post.id for e in only_fb.days[0].entries] == [other.id, sent.id]
    assert only_fb.days[0].quiet_spans == []


def test_a_week_runs_monday_to_sunday_and_a_dst_day_has_23_hours(session):
    sunday = date(2031, 3, 30)  # clocks go forward in Paris that night
    post = posts.create_post(session, FB, text="Spring", at=_at(sunday, 12))
    calendar = build(session, view="week", day=date(2031, 3, 26), zone=PARIS, accounts=[FB])
    assert [d.day for d in calendar.days] == [date(2031, 3, 24 + i) for i in range(7)]
    assert len(calendar.days[-1].hours) == 23
    assert [e.post.id for e in calendar.days[-1].entries] == [post.id]
    assert calendar.count == 1


def test_a_crowded_week_says_how_many_posts_it_leaves_out(session, monkeypatch):
    """Past the page's bound the legend counts every post left out, not one or two."""
    import sys

    monkeypatch.setattr(sys.modules[build.__module__], "MAX_POSTS", 3)  # the bound is 2000; ten posts show the rule
    day = date(2031, 6, 10)
    for minute in range(8):
        posts.create_post(session, FB, text=f"Queued {minute}", at=_at(day, 9, minute))
    for minute in range(2):
        sent = posts.create_post(session, FB, text=f"Went {minute}", at=_at(day, 7))
        sent.state, sent.sent_at = PostState.sent, _at(day, 8, minute).astimezone(UTC)
        session.add(sent)
    session.flush()
    calendar = build(session, view="week", day=day, zone=PARIS, accounts=[FB])
    assert calendar.count == 3 and [e.text for e in calendar.days[1].entries] == ["Went 0", "Went 1", "Queued 0"]
    assert calendar.more == 7


@pytest.mark.parametrize("zone_name", ["Asia/Kolkata", "Asia/Kathmandu"])
def test_a_zone_off_the_utc_hour_puts_posts_in_its_own_hours(session, zone_name):
    zone = ZoneInfo(zone_name)  # UTC+5:30 and UTC+5:45
    early, late = (posts.create_post(session, FB, text=t, at=datetime(2031, 6, 10, 9, m, tzinfo=zone))
                   for t, m in (("Monsoon", 0), ("Monsoon ends", 59)))
    [the_day] = build(session, view="day", day=date(2031, 6, 10), zone=zone, accounts=[FB]).days
    assert [(h.start.hour, [e.post.id for e in h.entries]) for h in the_day.hours if h.entries] == \
        [(9, [early.id, late.id])]


def test_the_repeated_hour_of_an_autumn_day_holds_the_post_of_its_second_pass(session):
    day = date(2031, 10, 26)  # Paris: 03:00 becomes 02:00 again
    first, second = (posts.create_post(session, FB, text=t, at=datetime(2031, 10, 26, h, 30, tzinfo=UTC))
                     for t, h in (("first pass", 0), ("second pass", 1)))
    [the_day] = build(session, view="day", day=day, zone=PARIS, accounts=[FB]).days
    assert len(the_day.hours) == 25
    assert [(i, h.start.hour, [e.post.id for e in h.entries]) for i, h in enumerate(the_day.hours) if h.entries] == \
        [(2, 2, [first.id]), (3, 2, [second.id])]
