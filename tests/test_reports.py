"""Engagement reports on every database: groupings, periods, time zones, formats.

The posts and snapshots are written straight into the tables; every expected
number is computed here from those same inputs, never by the report code.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from rich.progress import Progress

from distributor.models import Account, Article, EngagementSnapshot, Post, PostState
from distributor.reports import (
    GROUPINGS,
    InvalidPeriod,
    build_report,
    parse_since,
    render_csv,
    render_html,
    render_json,
    render_table,
)

UNTIL = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EVIL = 'Minister says <script>alert("x")</script> & more'
ARTICLES = [
    ("https://news.example/a", "Flood barrier opens", "local"),
    ("https://news.example/b", EVIL, "politics"),
    ("https://news.example/c", "Cup final tonight", "sport"),
]
# account, platform, article index (None: a manual post), template, sent (minutes before UNTIL),
# snapshots [(minutes after sending, likes, shares, comments, impressions on X / views on Facebook, clicks)]
POSTS = [
    ("x-main", "twitter", 0, "twitter.j2", 60 * 30, [(10, 1, 0, 0, 50, None), (60, 5, 1, 2, 200, None), (1440, 9, 2, 3, 900, None)]),
    ("x-main", "twitter", 1, "twitter.j2", 60 * 5 + 20, [(10, 4, 1, 0, 80, None), (60, 12, 3, 1, 400, None)]),
    ("x-main", "twitter", 2, "breaking.j2", 60 * 50, [(10, 2, 0, 1, 30, None)]),
    ("fb-main", "facebook", 0, "facebook.j2", 60 * 29 + 40, [(10, 3, 1, 1, 70, 4), (60, 7, 2, 2, 300, 9), (360, 10, 4, 5, 500, 20)]),
    ("fb-main", "facebook", 1, "facebook.j2", 60 * 70, [(10, 6, 2, 2, 90, 3), (1440, 30, 9, 8, 2000, 40)]),
    ("fb-main", "facebook", None, None, 60 * 3 + 50, [(60, 8, 0, 1, 120, 5)]),
    ("fb-desk", "facebook", 2, "facebook.j2", 60 * 10, []),  # sent, never collected
    ("x-main", "twitter", 0, "twitter.j2", 60 * 24 * 9, [(10, 100, 100, 100, 100, None)]),  # before the period
]
FIELDS = ("likes", "shares", "comments", "impressions", "clicks")


def seen(platform: str) -> str:
    """X counts impressions; Facebook counts Page views (Meta dropped impressions on 2025-11-15)."""
    return "views" if platform == "facebook" else "impressions"


def sent_time(spec) -> datetime:
    return UNTIL - timedelta(minutes=spec[4])


def in_period(spec, since: timedelta = timedelta(days=7)) -> bool:
    return sent_time(spec) >= UNTIL - since


def latest(spec) -> dict:
    if not spec[5]:
        return {}
    _, *values = max(spec[5], key=lambda s: s[0])
    return dict(zip(FIELDS, values)) | ({"views": values[3], "impressions": None} if seen(spec[1]) == "views" else {})


@pytest.fixture
def newsroom(session):
    session.add_all([Account(name=n, platform=p) for n, p in (("x-main", "twitter"), ("fb-main", "facebook"), ("fb-desk", "facebook"))])
    articles = [Article(url=u, title=t, section=s) for u, t, s in ARTICLES]
    session.add_all(articles)
    session.flush()
    for n, spec in enumerate(POSTS):
        account, platform, article, template, _, snapshots = spec
        sent = sent_time(spec)
        post = Post(account=account, platform=platform, article_id=articles[article].id if article is not None else None,
                    template=template, text=f"post {n}", state=PostState.sent, sent_at=sent, external_id=f"e{n}")
        session.add(post)
        session.flush()
        for minutes, likes, shares, comments, audience, clicks in reversed(snapshots):  # insertion order must not matter
            session.add(EngagementSnapshot(post_id=post.id, collected_at=sent + timedelta(minutes=minutes), likes=likes,
                                           shares=shares, comments=comments, clicks=clicks, raw={"n": n},
                                           **{seen(platform): audience}))
    session.commit()
    return session


def expected_rows(key_of) -> dict[str, dict]:
    """Sums over the latest snapshot of each post in the period, by the key the test gives."""
    rows: dict[str, dict] = {}
    for spec in POSTS:
        if not in_period(spec):
            continue
        row = rows.setdefault(key_of(spec), {"posts": 0, "likes": 0, "shares": 0, "comments": 0,
                                             "impressions": None, "views": None, "clicks": None})
        row["posts"] += 1
        for field, value in latest(spec).items():
            if value is not None:
                row[field] = (row[field] or 0) + value
    return rows


KEYS = {
    "platform": lambda spec: spec[1],
    "account": lambda spec: spec[0],
    "template": lambda spec: spec[3] or "(none)",
    "article": lambda spec: ARTICLES[spec[2]][1] if spec[2] is not None else "(manual posts)",
    "section": lambda spec: ARTICLES[spec[2]][2] if spec[2] is not None else "(none)",
    "hour": lambda spec: f"{sent_time(spec).hour:02d}",
}


@pytest.mark.parametrize("by", GROUPINGS)
def test_each_grouping_sums_the_latest_snapshot_of_each_post(newsroom, by):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by=by)

    got = {row.key: {k: v for k, v in row.as_dict().items() if k != "key"} for row in report.rows}
    assert got == expected_rows(KEYS[by])
    assert report.total.posts == 7  # the post sent nine days ago is outside the period


def test_hours_are_local_to_the_configured_time_zone(newsroom):
    # Kolkata is UTC+5:30: a post sent at 10:40 UTC is in the 16:00 hour there, 10:20 UTC in 15:00
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="hour", timezone="Asia/Kolkata")

    def local_hour(spec):
        return f"{sent_time(spec).astimezone(ZoneInfo('Asia/Kolkata')).hour:02d}"

    assert {row.key: row.posts for row in report.rows} == {k: v["posts"] for k, v in expected_rows(local_hour).items()}
    assert [h.posts for h in report.by_hour] == [
        sum(1 for spec in POSTS if in_period(spec) and local_hour(spec) == f"{hour:02d}") for hour in range(24)
    ]


def test_a_shorter_period_leaves_older_posts_out(newsroom):
    report = build_report(newsroom, since=timedelta(hours=6), until=UNTIL, by="account")
    recent = [spec for spec in POSTS if in_period(spec, timedelta(hours=6))]
    assert sum(row.posts for row in report.rows) == len(recent) == 2
    assert sum(row.likes for row in report.rows) == sum(latest(spec).get("likes", 0) for spec in recent)


def test_medians_are_per_post(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="platform")
    facebook = [latest(spec)["likes"] for spec in POSTS if spec[1] == "facebook" and in_period(spec) and spec[5]]
    assert report.medians["facebook"]["likes"] == statistics.median(facebook)


def test_growth_by_age_follows_the_schedule(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="platform",
                          schedule_minutes=[10, 60, 360, 1440])
    points = {p.minutes: p for p in report.growth}
    # a post's value at a step is its last snapshot before the next step
    at_60 = [s for spec in POSTS if in_period(spec) for s in spec[5] if s[0] == 60]
    assert points[60].posts == len(at_60)
    assert points[60].likes == sum(s[1] for s in at_60)
    at_1440 = [s for spec in POSTS if in_period(spec) for s in spec[5] if s[0] == 1440]
    assert (points[1440].posts, points[1440].comments) == (len(at_1440), sum(s[3] for s in at_1440))


def test_json_has_exactly_the_documented_shape(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="platform", charts=False)
    data = json.loads(render_json(report))

    assert set(data) == {"since", "until", "by", "rows"}
    assert datetime.fromisoformat(data["until"]) == UNTIL
    assert datetime.fromisoformat(data["since"]) == UNTIL - timedelta(days=7)
    assert data["by"] == "platform"
    for row in data["rows"]:
        assert list(row) == ["key", "posts", "likes", "shares", "comments", "impressions", "views", "clicks"]
    twitter = next(r for r in data["rows"] if r["key"] == "twitter")
    facebook = next(r for r in data["rows"] if r["key"] == "facebook")
    assert (twitter["impressions"], twitter["views"]) == (expected_rows(KEYS["platform"])["twitter"]["impressions"], None)
    assert (facebook["impressions"], facebook["views"]) == (None, expected_rows(KEYS["platform"])["facebook"]["views"])
    assert twitter["clicks"] is None  # X never reported clicks: unknown, not zero
    assert twitter["likes"] == expected_rows(KEYS["platform"])["twitter"]["likes"]


def test_csv_reads_back_to_the_same_numbers(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="article", charts=False)
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))

    expected = expected_rows(KEYS["article"])
    assert {r["key"] for r in rows} == set(expected)
    for row in rows:
        want = expected[row["key"]]
        assert int(row["posts"]) == want["posts"] and int(row["likes"]) == want["likes"]
        assert row["clicks"] == ("" if want["clicks"] is None else str(want["clicks"]))


def test_table_shows_groups_and_totals(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="article", charts=False)
    console = Console(record=True, width=240)
    console.print(render_table(report))
    text = console.export_text()

    assert EVIL in text  # shown as written, not eaten as rich markup
    total_likes = sum(v["likes"] for v in expected_rows(KEYS["article"]).values())
    assert re.search(rf"total\s.*\b{total_likes}\b", text)


def test_html_is_self_contained_with_a_chart_each_and_escaped_titles(newsroom):
    report = build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="article")
    html = render_html(report)

    assert html.count("<svg") == 3  # by group, by hour, by age
    assert "<script" not in html  # the title's script is text, not markup
    assert "Minister says &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from the network
    assert "<style>" in html


def test_an_empty_period_still_renders(session):
    report = build_report(session, since=timedelta(days=1), until=UNTIL, by="section")
    assert report.rows == [] and report.total.posts == 0
    assert json.loads(render_json(report))["rows"] == []
    assert render_csv(report).strip() == "key,posts,likes,shares,comments,impressions,views,clicks"
    assert render_html(report).count("<svg") == 3


def test_progress_is_reported(newsroom):
    seen = []
    build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="platform", progress=lambda d, t: seen.append((d, t)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 0


def test_a_rich_progress_bar_is_driven_to_the_end(newsroom):
    with Progress(console=Console(file=io.StringIO())) as progress:
        build_report(newsroom, since=timedelta(days=7), until=UNTIL, by="hour", progress=progress)
    [task] = progress.tasks
    assert task.total and task.completed == task.total


@pytest.mark.parametrize("text,expected", [
    ("7d", timedelta(days=7)),
    ("24h", timedelta(hours=24)),
    ("30d", timedelta(days=30)),
    ("2w", timedelta(weeks=2)),
    ("90m", timedelta(minutes=90)),
    (" 12H ", timedelta(hours=12)),
    ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
    ("2026-11-01T08:30:00+01:00", datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
])
def test_parse_since(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["", "7", "seven days", "7y", "-3d", "0d", "2026-13-01"])
def test_parse_since_refuses_with_a_clear_error(text):
    with pytest.raises(InvalidPeriod, match="7d"):
        parse_since(text)


def test_a_period_that_ends_before_it_starts_is_refused(session):
    with pytest.raises(InvalidPeriod, match="after it ends"):
        build_report(session, since=datetime(2026, 12, 1, tzinfo=UTC), until=UNTIL, by="platform")


# --- by article: one row per article, whatever its headline ------------------------------


@pytest.fixture
def same_titles(session):
    """Two stories share a headline; one is even titled like the manual posts' row."""
    session.add(Account(name="x-main", platform="twitter"))
    letters_a = Article(url="https://news.example/letters/monday", title="Letters to the editor")
    letters_b = Article(url="https://news.example/letters/tuesday", title="Letters to the editor")
    odd = Article(url="https://news.example/odd", title="(manual posts)")
    session.add_all([letters_a, letters_b, odd])
    session.flush()
    sent = UNTIL - timedelta(hours=2)
    for article_id, likes in ((letters_a.id, 3), (letters_b.id, 5), (letters_b.id, 7), (odd.id, 11), (None, 13)):
        post = Post(account="x-main", platform="twitter", article_id=article_id, text="t", state=PostState.sent,
                    sent_at=sent, external_id=f"e{likes}")
        session.add(post)
        session.flush()
        session.add(EngagementSnapshot(post_id=post.id, collected_at=sent + timedelta(minutes=10), likes=likes))
    session.commit()
    return session, {"monday": letters_a.id, "tuesday": letters_b.id, "odd": odd.id}


def test_by_article_keeps_articles_that_share_a_headline_apart(same_titles):
    session, ids = same_titles
    report = build_report(session, since=timedelta(days=1), until=UNTIL, by="article")
    rows = {(r.article_id, r.key, r.url): (r.posts, r.likes) for r in report.rows}
    assert rows == {
        (ids["monday"], "Letters to the editor", "https://news.example/letters/monday"): (1, 3),
        (ids["tuesday"], "Letters to the editor", "https://news.example/letters/tuesday"): (2, 12),
        (ids["odd"], "(manual posts)", "https://news.example/odd"): (1, 11),
        (None, "(manual posts)", None): (1, 13),
    }
    assert {r.article_id: report.medians[r.identity]["likes"] for r in report.rows} == {
        ids["monday"]: 3, ids["tuesday"]: 6, ids["odd"]: 11, None: 13}


def test_by_article_json_and_csv_carry_the_article_id_url_and_title(same_titles):
    session, ids = same_titles
    report = build_report(session, since=timedelta(days=1), until=UNTIL, by="article", charts=False)
    data = json.loads(render_json(report))
    for row in data["rows"]:
        assert list(row) == ["key", "posts", "likes", "shares", "comments", "impressions", "views", "clicks",
                             "article_id", "url", "title"]
    manual = [r for r in data["rows"] if r["article_id"] is None]
    assert manual == [{"key": "(manual posts)", "posts": 1, "likes": 13, "shares": 0, "comments": 0,
                       "impressions": None, "views": None, "clicks": None, "article_id": None, "url": None,
                       "title": None}]
    tuesday = next(r for r in data["rows"] if r["article_id"] == ids["tuesday"])
    assert (tuesday["title"], tuesday["url"], tuesday["likes"]) == (
        "Letters to the editor", "https://news.example/letters/tuesday", 12)

    lines = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert sorted((r["article_id"], r["url"], r["likes"]) for r in lines) == sorted([
        (str(ids["monday"]), "https://news.example/letters/monday", "3"),
        (str(ids["tuesday"]), "https://news.example/letters/tuesday", "12"),
        (str(ids["odd"]), "https://news.example/odd", "11"),
        ("", "", "13"),
    ])


def test_by_article_table_and_html_show_each_articles_link(same_titles):
    session, _ = same_titles
    report = build_report(session, since=timedelta(days=1), until=UNTIL, by="article")
    console = Console(record=True, width=240)
    console.print(render_table(report))
    text = console.export_text()
    html = render_html(report)
    for url in ("https://news.example/letters/monday", "https://news.example/letters/tuesday"):
        assert re.search(rf"Letters to the editor\s.*{re.escape(url)}", text)
        assert f"<td>Letters to the editor</td><td class=\"url\">{url}</td>" in html


def test_other_groupings_keep_the_documented_json_row(same_titles):
    session, _ = same_titles
    data = json.loads(render_json(build_report(session, since=timedelta(days=1), until=UNTIL, by="account",
                                               charts=False)))
    assert [list(row) for row in data["rows"]] == [["key", "posts", "likes", "shares", "comments", "impressions",
                                                    "views", "clicks"]]


# --- the desk's report page ---------------------------------------------------------------


def test_the_desks_growth_chart_follows_the_configured_schedule(engine):
    """[engagement] schedule_minutes = [15, 45]: the ages drawn are 15 and 45 minutes, not the defaults."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from distributor import users
    from distributor.config import Settings
    from distributor.models import utcnow
    from distributor.web import create_app

    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}], engagement={"schedule_minutes": [15, 45]})
    sent = utcnow() - timedelta(hours=2)
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        session.add(Account(name="x-main", platform="twitter"))
        post = Post(account="x-main", platform="twitter", text="t", state=PostState.sent, sent_at=sent, external_id="1")
        session.add(post)
        session.flush()
        session.add_all([EngagementSnapshot(post_id=post.id, collected_at=sent + timedelta(minutes=m), likes=likes)
                         for m, likes in ((15, 4), (45, 9))])
        session.commit()
    client = TestClient(create_app(settings, engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "desk@example.com", "password": "a long password", "csrf_token": token})

    frame = client.get("/reports/frame?since=1d&by=account")

    assert frame.status_code == 200
    ages = re.findall(r'text-anchor="middle">(\d+ (?:min|h|d))</text>', frame.text)
    assert ages == ["15 min", "45 min"]


def test_the_growth_chart_never_says_no_posts_when_posts_were_sent(engine):
    """A post measured only minutes after it went out (before the schedule's first age) is drawn
    at "first"; a post never measured is said to be unmeasured, not absent."""
    from sqlmodel import Session

    from distributor.models import utcnow
    from distributor.reports import render_html

    sent = utcnow() - timedelta(minutes=30)
    with Session(engine) as session:
        session.add(Account(name="x-main", platform="twitter"))
        early = Post(account="x-main", platform="twitter", text="t", state=PostState.sent, sent_at=sent, external_id="1")
        never = Post(account="x-main", platform="twitter", text="u", state=PostState.sent, sent_at=sent, external_id="2")
        session.add_all([early, never])
        session.flush()
        session.add(EngagementSnapshot(post_id=early.id, collected_at=sent + timedelta(minutes=3), likes=5))
        session.commit()
        report = build_report(session, since=timedelta(days=1), by="platform", schedule_minutes=[10, 60])
        page = render_html(report)
        assert "No posts in this period" not in page
        assert [(p.minutes, p.posts, p.likes) for p in report.growth] == [(0, 1, 5)]
        assert 'text-anchor="middle">first</text>' in page
        session.delete(session.get(EngagementSnapshot, 1))
        session.commit()
        page = render_html(build_report(session, since=timedelta(days=1), by="platform", schedule_minutes=[10, 60]))
        assert "No posts in this period" not in page and "2 posts sent, none measured yet" in page
