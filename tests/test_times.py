"""Times people type mean one thing everywhere (issue 19, item 9).

A past time is refused with a clear message by the CLI, the API and the web
(compose already did; `queue add --at`, the API and reschedule sent at once);
"now" is said explicitly (`--at now`, `"at": "now"`, or nothing). Dates on the
command line and in the API are read in the editors' zone ([web] timezone),
like naive `--at` times already were.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import inputs, posts, users
from distributor.config import Settings
from distributor.errors import InvalidInput
from distributor.models import Post
from distributor.web import create_app

ZONE = "Asia/Tokyo"  # UTC+9 all year: no DST to reason about
NOW = datetime(2026, 12, 1, 9, 30, 20, tzinfo=UTC)


# --- the one parser -------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("now", NOW),
    ("NOW ", NOW),
    (None, NOW),
    ("2026-12-01T18:30", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),  # this minute, in Tokyo: still now
    ("2026-12-02T09:00", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # naive: Tokyo
    ("2026-12-01T12:00:00+01:00", datetime(2026, 12, 1, 11, 0, tzinfo=UTC)),  # an offset wins
    ("2026-12-01T10:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
])
def test_parse_time(text, expected):
    assert inputs.parse_time(text, ZONE, now=NOW) == expected


@pytest.mark.parametrize("text, words", [
    ("2026-12-01T18:29", "has passed"),  # a minute ago in Tokyo
    ("2026-12-01T09:00:00+00:00", "has passed"),
    ("9999-12-31T23:59:59-12:00", "out of range"),
    ("tomorrow", "ISO 8601"),
    ("2026-12-01T10:00\x00", "NUL"),
])
def test_parse_time_refuses(text, words):
    with pytest.raises(InvalidInput, match=words):
        inputs.parse_time(text, ZONE, now=NOW)


def test_the_past_message_says_what_time_it_is_and_how_to_post_now():
    with pytest.raises(InvalidInput) as caught:
        inputs.parse_time("2026-12-01T08:00", ZONE, now=NOW)
    assert "it is 2026-12-01 18:30 Asia/Tokyo" in str(caught.value) and "now" in str(caught.value)


def test_since_dates_are_midnight_in_the_editors_zone():
    assert inputs.parse_since("2026-11-01", ZONE) == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)
    assert inputs.parse_since("2026-11-01T00:00+00:00", ZONE) == datetime(2026, 11, 1, tzinfo=UTC)
    assert inputs.parse_since("36d", ZONE) == timedelta(days=36)


# --- the CLI ----------------------------------------------------------------------------------

def cli(*args, config) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    return subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def config(tmp_path, database_url):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n[web]\ntimezone = "{ZONE}"\n'
                    '[[accounts]]\nname = "desk"\nplatform = "dryrun"\n')
    return file


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(ZoneInfo(ZONE))


def aware(when: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware times."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def test_cli_refuses_a_past_time_and_takes_now_said_explicitly(config):
    past = (local_now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    refused = cli("queue", "add", "--account", "desk", "--text", "Late", "--at", past, config=config)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "has passed" in refused.stderr and "now" in refused.stderr
    assert json.loads(cli("queue", "list", "--json", config=config).stdout) == []

    before = datetime.now(UTC)
    now_id = cli("queue", "add", "--account", "desk", "--text", "Now", "--at", "now", config=config)
    assert now_id.returncode == 0, now_id.stderr
    later = (local_now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    naive = cli("queue", "add", "--account", "desk", "--text", "Later", "--at", later.strftime("%Y-%m-%dT%H:%M"),
                config=config)
    assert naive.returncode == 0, naive.stderr
    rows = {p["text"]: p for p in json.loads(cli("queue", "list", "--json", config=config).stdout)}
    sent_at_once = datetime.fromisoformat(rows["Now"]["scheduled_at"])
    assert before - timedelta(seconds=1) <= sent_at_once <= datetime.now(UTC)
    assert datetime.fromisoformat(rows["Later"]["scheduled_at"]) == later.astimezone(UTC)  # 10:00 Tokyo


def test_cli_report_since_a_date_starts_at_midnight_in_the_editors_zone(config):
    result = cli("report", "--since", "2026-11-01", "--format", "json", config=config)
    assert result.returncode == 0, result.stderr
    assert datetime.fromisoformat(json.loads(result.stdout)["since"]) == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


# --- the API and the desk ------------------------------------------------------------------------

@pytest.fixture
def settings():
    return Settings(accounts=[{"name": "desk", "platform": "dryrun"}], web={"timezone": ZONE})


@pytest.fixture
def clients(settings, engine):
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        token = users.create_token(session, "desk@example.com")
        session.commit()
    app = create_app(settings, engine)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    page = TestClient(app)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text).group(1)
    page.post("/login", data={"email": "desk@example.com", "password": "a long password", "csrf_token": csrf})
    page.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/compose").text).group(1)
    return api, page


def test_api_refuses_a_past_time_and_takes_now(clients, engine):
    api, _page = clients
    past = api.post("/api/posts", json={"account": "desk", "text": "Late", "at": "2026-01-01T09:00"})
    assert past.status_code == 422 and "has passed" in past.json()["detail"]
    assert api.get("/api/posts").json() == []
    before = datetime.now(UTC)
    now = api.post("/api/posts", json={"account": "desk", "text": "Now", "at": "now"})
    assert now.status_code == 201
    assert datetime.fromisoformat(now.json()["scheduled_at"]) >= before - timedelta(seconds=1)
    report = api.get("/api/report", params={"since": "2026-11-01"}).json()
    assert datetime.fromisoformat(report["since"]) == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


def test_web_reschedule_refuses_a_past_time_and_keeps_the_old_one(clients, engine, settings):
    _api, page = clients
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("desk"), text="Ferries", at=tomorrow)
        session.commit()
        post_id = post.id
    past = (local_now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = page.post(f"/posts/{post_id}/reschedule", data={"csrf_token": page.csrf, "at": past})
    assert response.status_code == 400 and "has passed" in response.text
    with Session(engine) as session:
        kept = session.get(Post, post_id).scheduled_at
    assert aware(kept) == tomorrow
    later = (local_now() + timedelta(days=2)).replace(second=0, microsecond=0)
    moved = page.post(f"/posts/{post_id}/reschedule", data={"csrf_token": page.csrf, "at": later.strftime("%Y-%m-%dT%H:%M")},
                      follow_redirects=False)
    assert moved.status_code == 303
    with Session(engine) as session:
        stored = session.get(Post, post_id).scheduled_at
    assert aware(stored) == later.astimezone(UTC)
