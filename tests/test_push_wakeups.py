"""No waiting for ticks: new work wakes the loops; feeds are polled side by side."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlmodel import Session, select

from distributor import scheduler
from distributor.config import Settings
from distributor.db import make_engine
from distributor.models import Article
from distributor.pipeline import Runtime, discover
from distributor.sources.webhooks import sign_generic
from distributor.wakeup import Wakeups
from tests.helpers.service import running_service
from tests.newsroom import Site, article_page, rss

SECRET = "wake-secret"
SECRETS = {"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
           "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
           "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "pt", "DISTRIBUTOR_WEBHOOK_CMS_SECRET": SECRET}


class Hang:
    """A feed server that takes the connection and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed"

    def close(self):
        self.sock.close()


@pytest.fixture
def hang():
    h = Hang()
    yield h
    h.close()


def test_a_feed_that_hangs_does_not_delay_the_others(engine, hang):
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 12, "total_seconds": 12},
                            feeds=[{"url": hang.url}, {"url": site.url("/feed")}],
                            accounts=[{"name": "d", "platform": "dryrun"}])
        runtime = Runtime(settings, engine)
        from distributor.pipeline import sync_configuration

        sync_configuration(runtime)
        pool = ThreadPoolExecutor(max_workers=4)
        try:
            discover(runtime, force=True, pool=pool)  # first sight of both feeds: the hung one is still in flight
            site.pages["/feed"] = ("application/rss+xml", rss(("New", site.url("/new"))))
            started = time.monotonic()
            deadline = started + 8
            while time.monotonic() < deadline:
                discover(runtime, force=True, pool=pool)  # the hung feed is not handed over again
                with Session(engine) as session:
                    if session.exec(select(Article)).first():
                        break
                time.sleep(0.1)
            with Session(engine) as session:
                urls = [a.url for a in session.exec(select(Article))]
            assert urls == [site.url("/new")]
            assert time.monotonic() - started < 8  # well before the hung feed's 12 s timeout
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def test_run_once_polls_feeds_side_by_side(engine, hang):
    with Site() as site:
        site.pages["/a"] = ("application/rss+xml", rss())
        site.pages["/b"] = ("application/rss+xml", rss())
        settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 3, "total_seconds": 3},
                            feeds=[{"url": hang.url}, {"url": site.url("/a")}, {"url": site.url("/b")}],
                            accounts=[{"name": "d", "platform": "dryrun"}])
        runtime = Runtime(settings, engine)
        from distributor.pipeline import sync_configuration

        sync_configuration(runtime)
        report = discover(runtime, force=True)
        assert report.failed == 1 and ("timed out" in report.errors[0] or "gave up" in report.errors[0])
        with Session(engine) as session:
            from distributor.models import Feed

            polled = {f.url: f.last_status for f in session.exec(select(Feed))}
        assert polled[site.url("/a")] == 200 and polled[site.url("/b")] == 200


def test_a_wakeup_crosses_connections_on_postgresql(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs one process")
    sender, listener = Wakeups(make_engine(database_url)), Wakeups(make_engine(database_url))
    listener.listen()
    try:
        assert listener.listening.wait(10)
        assert not listener.wait("articles", 0.2)
        sender.notify("articles")
        assert listener.wait("articles", 10)  # another engine's NOTIFY reached this one's LISTEN
        assert not listener.wait("posts", 0.2)  # only the channel that was woken
    finally:
        listener.close()


def test_a_deployment_in_another_schema_does_not_wake_this_one(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs one process")
    # database_url is this deployment's own schema; its neighbour uses the database's default one
    neighbour = Wakeups(make_engine(os.environ["DISTRIBUTOR_TEST_POSTGRES_URL"]))
    ours, listener = Wakeups(make_engine(database_url)), Wakeups(make_engine(database_url))
    listener.listen()
    try:
        assert listener.listening.wait(10)
        neighbour.notify("articles")
        assert not listener.wait("articles", 1.0)  # NOTIFY is database-wide: the neighbour's is not ours
        ours.notify("articles")
        assert listener.wait("articles", 10)
    finally:
        listener.close()


def test_a_webhook_story_is_posted_without_waiting_for_a_tick(engine, sandbox, monkeypatch, database_url):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    # every loop's interval is a minute: only a wake-up can post within seconds
    monkeypatch.setattr(scheduler, "POLL_TICK_SECONDS", 60)
    with Site() as site:
        site.pages["/story"] = ("text/html; charset=utf-8", article_page("Ferry vote passes", site.url("/story")))
        settings = Settings(
            database={"url": database_url},
            fetch={"allow_private_networks": True},
            scheduler={"dispatch_seconds": 60, "collect_seconds": 60},
            webhooks=[{"name": "cms"}],
            web={"port": 0},
            accounts=[{"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox}],
        )
        runtime = Runtime(settings, engine)
        with running_service(runtime) as base:
            time.sleep(1.5)  # the loops' first runs are over: they now sleep for a minute
            body = json.dumps({"url": site.url("/story")}).encode()
            sent = time.monotonic()
            answer = requests.post(f"{base}/hooks/cms", data=body, timeout=10,
                                   headers={"X-Distributor-Signature": sign_generic(SECRET, body)})
            assert answer.status_code == 202, answer.text
            posts = []
            while time.monotonic() - sent < 20 and not posts:
                posts = requests.get(f"{sandbox}/_sandbox/posts", timeout=5).json()
                time.sleep(0.05)
        assert [p["text"] for p in posts if "Ferry vote passes" in p["text"]]
        assert time.monotonic() - sent < 20  # not the minute a tick would have taken
