"""A service that speaks up: /readyz follows the database and the scheduler's jobs,
/metrics counts what a newsroom would alert on."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import posts, users
from distributor.config import Settings
from distributor.db import make_engine, upgrade
from distributor import health
from distributor.health import JobClock
from distributor.models import Account, Article, Feed, Post, PostState, utcnow
from distributor.web import create_app
from tests.helpers.own_postgres import own_postgres, postgres_bin

SETTINGS = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"},
                              {"name": "x-main", "platform": "twitter"}])


def _until(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.mark.skipif(postgres_bin() is None, reason="needs Debian's postgresql package")
def test_readyz_goes_unready_when_postgresql_stops_and_ready_when_it_returns():
    with own_postgres() as cluster:
        engine = make_engine(cluster.url)
        upgrade(engine)
        client = TestClient(create_app(SETTINGS, engine))
        assert client.get("/readyz").status_code == 200
        cluster.stop()
        engine.dispose()
        down = client.get("/readyz")
        assert down.status_code == 503 and "database" in down.json()["problems"][0]
        assert client.get("/healthz").status_code == 200  # alive, but not ready
        cluster.start()
        assert _until(lambda: client.get("/readyz").status_code == 200)
        engine.dispose()


@pytest.fixture
def still_clock(monkeypatch):
    """The job clock's time stands still: an age of "3600 s" stays 3600 s however slow the request."""
    now = time.monotonic()
    monkeypatch.setattr(health, "time", SimpleNamespace(monotonic=lambda: now))


def test_readyz_names_a_job_that_stopped_running_and_a_feed_that_is_overdue(engine, still_clock):
    clock = JobClock()
    clock.expect("dispatch", 1.0)
    clock.finished("dispatch", True)
    client = TestClient(create_app(SETTINGS, engine, clock=clock))
    assert client.get("/readyz").json() == {"ready": True, "problems": []}

    clock._finished["dispatch"] -= 3600  # the dispatch job last finished an hour ago
    late = client.get("/readyz")
    assert late.status_code == 503 and late.json()["problems"] == ["job dispatch has not run for 3600 s"]

    clock.finished("dispatch", True)
    with Session(engine) as session:
        feed = Feed(url="https://news.example/feed?key=cms-secret", next_poll_at=utcnow() - timedelta(hours=1))
        session.add(feed)
        session.commit()
        feed_id = feed.id
    stuck = client.get("/readyz")
    # named by id: /readyz answers anyone, and a feed's URL may carry its CMS key
    assert stuck.status_code == 503 and stuck.json()["problems"] == [f"feed {feed_id} is overdue"]
    assert "cms-secret" not in stuck.text and "news.example" not in stuck.text


def test_readyz_names_a_job_that_fails_every_run(engine, still_clock):
    """A job that raises every time has not done its work: an orchestrator should restart the process."""
    clock = JobClock()
    clock.expect("dispatch", 1.0)
    clock.finished("dispatch", True)
    clock._finished["dispatch"] -= 3600  # the last good run was an hour ago ...
    for _ in range(3):
        clock.finished("dispatch", False)  # ... and every run since has failed
    client = TestClient(create_app(SETTINGS, engine, clock=clock))
    failing = client.get("/readyz")
    assert failing.status_code == 503
    assert failing.json()["problems"] == ["job dispatch has not run for 3600 s (its last 3 runs failed)"]
    clock.finished("dispatch", True)
    assert client.get("/readyz").status_code == 200


def _metric(body: str, name: str, **labels) -> float:
    """One sample's value, whatever order the exposition writes its labels in."""
    for line in body.splitlines():
        match = re.fullmatch(rf"{name}(?:{{(.*)}})? (\S+)", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or "")) == labels:
            return float(match.group(2))
    raise AssertionError(f"{name}{labels} not in metrics")


def test_metrics_after_a_few_posts(engine):
    now = utcnow()
    with Session(engine) as session:
        users.add_user(session, "ops@example.com", "a long password", "editor")
        token = users.create_token(session, "ops@example.com")
        article = Article(url="https://news.example/a", discovered_at=now - timedelta(seconds=90))
        session.add(article)
        session.flush()
        for n in range(3):
            posts.create_post(session, SETTINGS.account("rehearsal"), text=f"queued {n}",
                              at=now - timedelta(minutes=10 - n))
        sent = posts.create_post(session, SETTINGS.account("x-main"), text="sent", article_id=article.id)
        sent.state, sent.sent_at = PostState.sent, now - timedelta(seconds=30)
        sent.scheduled_at = sent.created_at = now - timedelta(seconds=42)  # due 12 s before it went out
        session.add(sent)
        session.get(Account, "x-main").paused_reason = "token refused"
        session.commit()
    app = create_app(SETTINGS, engine)
    assert TestClient(app).get("/metrics").status_code == 401  # not public: it names accounts
    body = TestClient(app, headers={"Authorization": f"Bearer {token}"}).get("/metrics").text
    assert _metric(body, "distributor_posts", state="queued", platform="dryrun") == 3
    assert _metric(body, "distributor_posts", state="sent", platform="twitter") == 1
    assert _metric(body, "distributor_accounts_paused") == 1
    assert 590 <= _metric(body, "distributor_queue_oldest_due_seconds") <= 700
    assert _metric(body, "distributor_detection_to_post_seconds", quantile="0.5") == pytest.approx(60, abs=2)
    assert _metric(body, "distributor_publish_latency_seconds", quantile="0.95") == pytest.approx(12, abs=2)


def test_a_worker_without_the_web_ui_shows_its_health_in_the_heartbeat_file(tmp_path):
    beat = tmp_path / "heartbeat"
    clock = JobClock(heartbeat_file=str(beat))
    clock.expect("dispatch", 5)
    clock.finished("dispatch", False)
    assert not beat.exists()  # a failing job does not look healthy
    clock.finished("dispatch", True)
    assert beat.exists() and time.time() - beat.stat().st_mtime < 5
