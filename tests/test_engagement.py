"""Engagement collection against the real adapters and the sandbox, on every database.

250 posts per platform are created on the sandbox (``POST /_sandbox/posts``)
with engagement we choose (``POST /_sandbox/metrics``), and matching sent Post
rows are inserted. Assertions read what the sandbox was asked
(``/_sandbox/stats``) and what the database holds afterwards.
"""

from __future__ import annotations

import math
import random
import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlmodel import Session, func, select, update

from distributor.config import AccountSettings, Settings
from distributor.engagement import collect_due, next_collection, schedule_first_collection
from distributor.fetch import Fetcher
from distributor.models import Account, Article, EngagementSnapshot, Post, PostState, utcnow
from distributor.platforms import build_adapter
from distributor.reports import build_report, render_json

PER_PLATFORM = 250
PAGE_ID = "1001"
X_LOOKUP = "GET /2/tweets"
GRAPH_BATCH = "POST /{version}/"
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token",
}
SECTIONS = ["politics", "sport", "culture", "<b>local</b>", "science"]


class Newsroom:
    """Two accounts with 250 published posts each, and the numbers we gave them."""

    def __init__(self, engine, sandbox: str):
        self.engine, self.sandbox = engine, sandbox
        self.settings = Settings(accounts=[
            AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox),
            AccountSettings(name="fb-main", platform="facebook", page_id=PAGE_ID, api_base_url=sandbox),
        ])
        fetcher = Fetcher(self.settings.fetch)
        self.adapters = {a.name: build_adapter(a, fetcher, environ=SECRETS) for a in self.settings.accounts}
        self.sent_at = utcnow() - timedelta(minutes=15)
        self.set: dict[str, dict[str, int]] = {}  # external id -> metrics we set
        self.post_ids: dict[str, int] = {}  # external id -> Post.id
        self.article_of: dict[str, str] = {}  # external id -> article title
        self.rng = random.Random(8)

    def publish(self) -> None:
        x = self._seed("twitter", "x-main")
        fb = self._seed("facebook", PAGE_ID)
        with Session(self.engine) as session:
            articles = [Article(url=f"https://news.example/{i}", title=f"Story {i} <script>alert({i})</script>",
                                section=SECTIONS[i]) for i in range(5)]
            session.add_all([Account(name="x-main", platform="twitter"), Account(name="fb-main", platform="facebook"),
                             *articles])
            session.flush()
            posts = []
            for account, platform, ids in (("x-main", "twitter", x), ("fb-main", "facebook", fb)):
                for n, external_id in enumerate(ids):
                    article = articles[n % 5]
                    post = Post(account=account, platform=platform, article_id=article.id, template=f"{platform}.j2",
                                text=f"post {n}", state=PostState.sent, sent_at=self.sent_at, external_id=external_id)
                    schedule_first_collection(post, self.settings)
                    posts.append(post)
                    self.article_of[external_id] = article.title
            session.add_all(posts)
            session.commit()
            self.post_ids = {p.external_id: p.id for p in posts}
        self.set_metrics(x + fb)

    def _seed(self, platform: str, account: str) -> list[str]:
        answer = requests.post(self.sandbox + "/_sandbox/posts",
                               json={"platform": platform, "account": account, "count": PER_PLATFORM}, timeout=60)
        answer.raise_for_status()
        return answer.json()["ids"]

    def set_metrics(self, external_ids: list[str]) -> None:
        items = []
        for external_id in external_ids:
            values = {name: self.rng.randrange(0, 1000) for name in ("likes", "shares", "comments", "impressions", "views", "clicks")}
            self.set[external_id] = values
            items.append({"id": external_id, **values})
        requests.post(self.sandbox + "/_sandbox/metrics", json=items, timeout=10).raise_for_status()

    def ids(self, platform: str) -> list[str]:
        return [e for e in self.post_ids if (e.startswith(PAGE_ID + "_")) == (platform == "facebook")]

    def collect(self, **kwargs):
        return collect_due(self.engine, self.settings, self.adapters, **kwargs)

    def requests(self) -> dict[str, int]:
        return requests.get(self.sandbox + "/_sandbox/stats", timeout=10).json()["requests"]

    def reset_stats_baseline(self) -> dict[str, int]:
        return dict(self.requests())

    def snapshots(self, external_id: str) -> list[EngagementSnapshot]:
        with Session(self.engine) as session:
            return list(session.exec(select(EngagementSnapshot)
                                     .where(EngagementSnapshot.post_id == self.post_ids[external_id])
                                     .order_by(EngagementSnapshot.collected_at)))

    def post(self, external_id: str) -> Post:
        with Session(self.engine) as session:
            return session.get(Post, self.post_ids[external_id])

    def queue_fault(self, fault: dict) -> None:
        requests.post(self.sandbox + "/_sandbox/faults", json=fault, timeout=10).raise_for_status()


@pytest.fixture
def newsroom(engine, sandbox) -> Newsroom:
    room = Newsroom(engine, sandbox)
    room.publish()
    return room


def test_one_run_batches_to_the_platform_maximum(newsroom):
    report = newsroom.collect()

    asked = newsroom.requests()
    assert asked.get(X_LOOKUP, 0) == math.ceil(PER_PLATFORM / 100)  # 3 lookups of <= 100 ids
    assert asked.get(GRAPH_BATCH, 0) == math.ceil(PER_PLATFORM / 50)  # 5 batches of <= 50
    assert (report.snapshots, report.deleted, report.deferred) == (2 * PER_PLATFORM, 0, 0)
    assert report.by_account["x-main"].snapshots == report.by_account["fb-main"].snapshots == PER_PLATFORM


def test_snapshots_hold_what_the_platform_said(newsroom):
    newsroom.collect()

    for external_id in (newsroom.ids("twitter")[7], newsroom.ids("facebook")[7]):
        [snapshot] = newsroom.snapshots(external_id)
        want = newsroom.set[external_id]
        assert (snapshot.likes, snapshot.comments) == (want["likes"], want["comments"])
        assert snapshot.raw  # the platform's own JSON is kept
    # X counts impressions; Facebook counts Page views (post_media_view) since Meta dropped impressions
    x_id, fb_id = newsroom.ids("twitter")[7], newsroom.ids("facebook")[7]
    [x_snapshot], [fb_snapshot] = newsroom.snapshots(x_id), newsroom.snapshots(fb_id)
    assert (x_snapshot.impressions, x_snapshot.views) == (newsroom.set[x_id]["impressions"], None)
    assert (fb_snapshot.impressions, fb_snapshot.views) == (None, newsroom.set[fb_id]["views"])
    assert x_snapshot.raw["public_metrics"]["like_count"] == newsroom.set[newsroom.ids("twitter")[7]]["likes"]
    assert x_snapshot.clicks is None  # X does not give link clicks in public metrics
    fb_id = newsroom.ids("facebook")[7]
    assert newsroom.snapshots(fb_id)[0].clicks == newsroom.set[fb_id]["clicks"]


def test_next_collection_follows_the_schedule(newsroom):
    newsroom.collect()
    post = newsroom.post(newsroom.ids("twitter")[0])
    assert post.next_collect_at == post.sent_at + timedelta(minutes=60)

    before = newsroom.requests()
    again = newsroom.collect()  # nothing is due until the 1-hour step
    assert again.snapshots == 0
    assert newsroom.requests() == before


def test_snapshots_are_appended_not_overwritten(newsroom):
    first = newsroom.ids("twitter")[3]
    old = dict(newsroom.set[first])
    newsroom.collect()
    newsroom.set_metrics([first])

    later = newsroom.sent_at + timedelta(minutes=61)
    report = newsroom.collect(now=later)

    assert report.snapshots == 2 * PER_PLATFORM
    history = newsroom.snapshots(first)
    assert [s.likes for s in history] == [old["likes"], newsroom.set[first]["likes"]]
    with Session(newsroom.engine) as session:
        assert session.exec(select(func.count()).select_from(EngagementSnapshot)).one() == 4 * PER_PLATFORM
    # X's default schedule is 1 h, 24 h, 7 d (it bills every read): after the 1-hour step comes the 24-hour one
    assert newsroom.post(first).next_collect_at == newsroom.sent_at + timedelta(minutes=1440)


def test_deleted_posts_are_marked_not_failed(newsroom):
    gone = [newsroom.ids("twitter")[5], newsroom.ids("facebook")[9]]
    for external_id in gone:
        requests.delete(f"{newsroom.sandbox}/_sandbox/posts/{external_id}", timeout=10).raise_for_status()

    report = newsroom.collect()

    assert report.deleted == 2
    assert report.snapshots == 2 * PER_PLATFORM - 2
    assert all(outcome.error is None for outcome in report.by_account.values())
    for external_id in gone:
        post = newsroom.post(external_id)
        assert post.deleted_at is not None and post.next_collect_at is None
        assert post.state == PostState.sent
        assert newsroom.snapshots(external_id) == []
    # a deleted post is never asked for again, even with --all
    again = newsroom.collect(all_posts=True)
    assert again.snapshots == 2 * PER_PLATFORM - 2 and again.deleted == 0


def test_rate_limit_defers_the_rest_of_that_account_only(newsroom):
    fb_ids = newsroom.ids("facebook")
    # the 60th Facebook post is in the second batch of 50: the first batch is kept
    newsroom.queue_fault({"path": f"GET /*/{fb_ids[59]}", "kind": "429"})

    report = newsroom.collect()

    fb, x = report.by_account["fb-main"], report.by_account["x-main"]
    assert (fb.snapshots, fb.deferred) == (50, PER_PLATFORM - 50)
    assert "rate limited" in fb.error and fb.retry_at > utcnow()
    assert (x.snapshots, x.deferred, x.error) == (PER_PLATFORM, 0, None)  # the other account carried on
    assert len(newsroom.snapshots(fb_ids[0])) == 1
    assert newsroom.snapshots(fb_ids[59]) == []
    assert newsroom.post(fb_ids[59]).next_collect_at <= utcnow()  # deferred posts stay due


def test_a_rate_limited_account_is_not_called_again_before_its_reset(newsroom):
    newsroom.queue_fault({"path": X_LOOKUP, "kind": "429", "reset_in": 60})
    first = newsroom.collect()
    x = first.by_account["x-main"]
    assert (x.snapshots, x.deferred) == (0, PER_PLATFORM)
    assert first.by_account["fb-main"].snapshots == PER_PLATFORM
    lookups = newsroom.requests()[X_LOOKUP]

    early = newsroom.collect()  # a minute later the scheduler runs again: still limited
    assert early.by_account["x-main"].deferred == PER_PLATFORM
    assert newsroom.requests()[X_LOOKUP] == lookups  # the platform was not asked again

    later = newsroom.collect(now=x.retry_at + timedelta(seconds=1))
    assert later.by_account["x-main"].snapshots == PER_PLATFORM
    assert newsroom.requests()[X_LOOKUP] == lookups + math.ceil(PER_PLATFORM / 100)


def test_two_runs_at_once_measure_each_post_once(newsroom):
    # the first run stalls on its first Graph batch while a second process runs
    newsroom.queue_fault({"path": GRAPH_BATCH, "kind": "timeout", "seconds": 2})
    first: list = []
    worker = threading.Thread(target=lambda: first.append(newsroom.collect()))
    worker.start()
    deadline = time.monotonic() + 20
    while newsroom.requests().get(GRAPH_BATCH, 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the first run is inside its stalled Graph call, having claimed everything
    second = newsroom.collect()
    worker.join(timeout=120)  # a bound, not a speed test: two test processes share the cores

    assert second.snapshots == 0  # everything due was already taken by the first run
    assert first[0].snapshots == 2 * PER_PLATFORM
    asked = newsroom.requests()
    assert asked.get(X_LOOKUP, 0) == math.ceil(PER_PLATFORM / 100)
    assert asked.get(GRAPH_BATCH, 0) == math.ceil(PER_PLATFORM / 50)
    with Session(newsroom.engine) as session:
        assert session.exec(select(func.count()).select_from(EngagementSnapshot)).one() == 2 * PER_PLATFORM


def test_a_post_the_platform_says_nothing_about_moves_along_its_schedule_and_stops(newsroom):
    """A protected or suspended post: Graph refuses it (code 10), we learn nothing."""
    silent = newsroom.ids("facebook")[:3]
    steps = newsroom.settings.engagement.schedule_minutes

    def collect_at(minutes):
        for external_id in silent:  # the platform keeps refusing these three, on every run
            newsroom.queue_fault({"path": f"GET /*/{external_id}", "kind": "graph_code", "code": 10, "count": 1})
        before = newsroom.requests().get(f"batch GET /{{version}}/{{id}}", 0)
        report = newsroom.collect(now=newsroom.sent_at + timedelta(minutes=minutes, seconds=1))
        return report, newsroom.requests().get(f"batch GET /{{version}}/{{id}}", 0) - before

    first, asked = collect_at(steps[0])
    assert first.snapshots == 2 * PER_PLATFORM - 3 and first.silent == 3
    for external_id in silent:
        assert newsroom.snapshots(external_id) == []
        assert newsroom.post(external_id).next_collect_at == newsroom.sent_at + timedelta(minutes=steps[1])
    again, asked = collect_at(steps[0])  # the next run, a minute later: nothing is due, nobody is asked
    assert (again.snapshots, again.silent, asked) == (0, 0, 0)
    for step in steps[1:]:
        report, asked = collect_at(step)
        assert report.silent == 3 and asked == PER_PLATFORM
    for external_id in silent:
        assert newsroom.post(external_id).next_collect_at is None  # the schedule is over
    after, asked = collect_at(steps[-1] + 60)
    assert (after.snapshots, after.silent, asked) == (0, 0, 0)


def test_a_post_dispatch_sent_is_measured_after_a_long_downtime(engine, sandbox):
    """The collector was down for nine days after the post went out: it still gets its snapshot."""
    from distributor import posts
    from distributor.config import EngagementSettings
    from distributor.dispatch import dispatch_due

    settings = Settings(accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox)],
                        engagement=EngagementSettings(schedule_minutes=[5, 30, 120]))
    adapters = {a.name: build_adapter(a, Fetcher(settings.fetch), environ=SECRETS) for a in settings.accounts}
    with Session(engine) as session:
        post_id = posts.create_post(session, settings.account("x-main"), text="Nine days of silence").id
        session.commit()
    assert dispatch_due(engine, settings, adapters, worker_id="w1").sent == 1
    with Session(engine) as session:
        sent = session.get(Post, post_id)
    assert sent.next_collect_at == sent.sent_at + timedelta(minutes=5)  # the configured first step

    report = collect_due(engine, settings, adapters, now=sent.sent_at + timedelta(days=9))

    assert report.snapshots == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(EngagementSnapshot)
                            .where(EngagementSnapshot.post_id == post_id)).one() == 1
        assert session.get(Post, post_id).next_collect_at is None  # late: the missed steps are skipped


def test_all_posts_collects_what_is_not_due(newsroom):
    newsroom.collect()
    report = newsroom.collect(all_posts=True)
    assert report.snapshots == 2 * PER_PLATFORM


def test_progress_callback_sees_every_post(newsroom):
    seen = []
    newsroom.collect(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 2 * PER_PLATFORM)
    assert seen[-1] == (2 * PER_PLATFORM, 2 * PER_PLATFORM)
    assert len(seen) == 1 + math.ceil(PER_PLATFORM / 100) + math.ceil(PER_PLATFORM / 50)


def test_report_equals_the_metrics_set_on_the_platform(newsroom):
    newsroom.collect()
    # a newer value for some posts: the report must use each post's latest snapshot
    newsroom.set_metrics(newsroom.ids("twitter")[:40] + newsroom.ids("facebook")[:40])
    newsroom.collect(now=newsroom.sent_at + timedelta(minutes=61))

    with Session(newsroom.engine) as session:
        by_platform = build_report(session, since=timedelta(days=1), by="platform")
        by_article = build_report(session, since=timedelta(days=1), by="article", charts=False)

    for platform in ("twitter", "facebook"):
        values = [newsroom.set[e] for e in newsroom.ids(platform)]
        [row] = [r for r in by_platform.rows if r.key == platform]
        assert row.posts == PER_PLATFORM
        for metric in ("likes", "comments"):
            assert getattr(row, metric) == sum(v[metric] for v in values), (platform, metric)
    twitter = [r for r in by_platform.rows if r.key == "twitter"][0]
    assert twitter.impressions == sum(newsroom.set[e]["impressions"] for e in newsroom.ids("twitter"))
    assert twitter.views is None  # X counts impressions, not views
    facebook = [r for r in by_platform.rows if r.key == "facebook"][0]
    assert facebook.clicks == sum(newsroom.set[e]["clicks"] for e in newsroom.ids("facebook"))
    assert facebook.views == sum(newsroom.set[e]["views"] for e in newsroom.ids("facebook"))
    assert facebook.impressions is None  # Page views are views, never added to impressions
    assert [r for r in by_platform.rows if r.key == "twitter"][0].clicks is None  # X never reported clicks

    expected: dict[str, int] = {}
    for external_id, title in newsroom.article_of.items():
        expected[title] = expected.get(title, 0) + newsroom.set[external_id]["likes"]
    assert {r.key: r.likes for r in by_article.rows} == expected
    assert f'"posts": {2 * PER_PLATFORM // 5}' in render_json(by_article)


# --- the schedule itself ------------------------------------------------------------


def test_schedule_skips_steps_missed_while_the_bot_was_down():
    sent = utcnow()
    steps = [timedelta(minutes=m) for m in (10, 60, 360, 1440)]
    assert next_collection(sent, sent, steps) == sent + timedelta(minutes=10)
    assert next_collection(sent, sent + timedelta(minutes=10), steps) == sent + timedelta(minutes=60)
    assert next_collection(sent, sent + timedelta(hours=7), steps) == sent + timedelta(minutes=1440)
    assert next_collection(sent, sent + timedelta(days=2), steps) is None  # the schedule is over


def test_first_collection_is_one_step_after_sending():
    settings = Settings()
    post = Post(account="a", platform="twitter", text="t", sent_at=utcnow())
    schedule_first_collection(post, settings)
    assert post.next_collect_at == post.sent_at + timedelta(minutes=settings.engagement.schedule_minutes[0])


@pytest.mark.parametrize("bad", [3_000_000_000, -5])
def test_a_count_no_database_column_can_hold_is_dropped_not_a_crashed_run(engine, sandbox, bad):
    """A platform answering an absurd count (beyond PostgreSQL's 32-bit integer, or negative) for one post:
    that count is left out of the snapshot (the raw answer keeps it), the other posts and counts are stored."""
    room = Newsroom(engine, sandbox)
    fb = room._seed("facebook", PAGE_ID)[:2]
    with Session(engine) as session:
        session.add(Account(name="fb-main", platform="facebook"))
        posts = [Post(account="fb-main", platform="facebook", template="facebook.j2", text=f"post {n}",
                      state=PostState.sent, sent_at=room.sent_at, external_id=external_id)
                 for n, external_id in enumerate(fb)]
        for post in posts:
            schedule_first_collection(post, room.settings)
        session.add_all(posts)
        session.commit()
        room.post_ids = {p.external_id: p.id for p in posts}
    requests.post(sandbox + "/_sandbox/metrics", timeout=10, json=[
        {"id": fb[0], "likes": bad, "shares": 2, "comments": 3, "views": bad, "clicks": 4},
        {"id": fb[1], "likes": 10, "shares": 20, "comments": 30, "views": 400, "clicks": 50},
    ]).raise_for_status()

    report = collect_due(engine, room.settings, {"fb-main": room.adapters["fb-main"]})

    assert report.snapshots == 2
    [odd], [fine] = room.snapshots(fb[0]), room.snapshots(fb[1])
    assert (odd.likes, odd.shares, odd.comments, odd.views, odd.clicks) == (0, 2, 3, None, 4)
    assert (fine.likes, fine.shares, fine.comments, fine.views, fine.clicks) == (10, 20, 30, 400, 50)
