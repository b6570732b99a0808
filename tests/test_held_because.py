"""``held_because``: why a due post is not going out now, the same in the CLI, the API and the desk.

The decision is a pure function (a table of cases below); the story test takes
an account out of the configuration and puts it back: its post is held with
that reason, shown everywhere, and sent once the account is configured again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import posts, users
from distributor.config import Settings
from distributor.holds import HoldFacts, held_because, holds_for
from distributor.models import Account, Post, PostState, RateLimit
from distributor.pipeline import Runtime, dispatch_step
from distributor.web import create_app

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = NOW - timedelta(minutes=5)
SOON = NOW + timedelta(minutes=30)


@pytest.mark.parametrize("facts, expected", [
    (HoldFacts("queued", DUE, "a"), None),
    (HoldFacts("queued", SOON, "a", account_configured=False), None),  # not due yet: nothing holds it
    (HoldFacts("sent", DUE, "a", account_configured=False), None),
    (HoldFacts("awaiting_approval", DUE, "a", paused_reason="auth expired"), None),
    (HoldFacts("queued", DUE, "a", account_configured=False, paused_reason="x"), "account no longer configured"),
    (HoldFacts("queued", DUE, "a", paused_reason="auth expired: 401"), "paused account: auth expired: 401"),
    (HoldFacts("queued", DUE, "a", budget_reason="5.00 USD a day reached", rate_limited_until=SOON), "budget: 5.00 USD"),
    (HoldFacts("queued", DUE, "a", rate_limited_until=SOON, quiet_until=SOON), "rate limit: the platform accepts posts again at 2026-12-01 12:30 UTC"),
    (HoldFacts("queued", DUE, "a", rate_limited_until=DUE), None),  # an old limit has expired
    (HoldFacts("queued", DUE, "a", quiet_until=SOON, gap_until=SOON), "quiet hours until 2026-12-01 12:30 UTC"),
    (HoldFacts("queued", DUE, "a", gap_until=SOON), "gap: the account's spacing allows the next post at 2026-12-01 12:30 UTC"),
    (HoldFacts("queued", DUE, "a", gap_until=DUE), None),
])
def test_the_decision(facts, expected):
    reason = held_because(facts, NOW)
    assert reason == expected if expected is None else reason.startswith(expected), reason


def desk_settings(database_url: str, *names: str, **extra) -> Settings:
    return Settings(database={"url": database_url}, web={"timezone": "UTC"},
                    accounts=[{"name": n, "platform": "dryrun", **extra.get(n, {})} for n in names])


def cli(*args, config) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    return subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_post_of_an_account_removed_from_the_configuration(engine, database_url, tmp_path):
    both = desk_settings(database_url, "desk", "weekend")
    with Session(engine) as session:
        held_id = posts.create_post(session, both.account("weekend"), text="Saturday supplement").id
        free_id = posts.create_post(session, both.account("desk"), text="Ferry timetable").id
        session.commit()

    # "weekend" leaves the configuration: its post stays queued, with the reason
    without = desk_settings(database_url, "desk")
    dispatch_step(Runtime(without, engine))
    with Session(engine) as session:
        assert session.get(Post, free_id).state == PostState.sent
        assert session.get(Post, held_id).state == PostState.queued

    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "desk"\nplatform = "dryrun"\n')
    listed = {p["id"]: p for p in json.loads(cli("queue", "list", "--json", config=config).stdout)}
    assert listed[held_id]["held_because"].startswith("account no longer configured: 'weekend'")
    assert listed[free_id]["held_because"] is None
    shown = cli("queue", "show", str(held_id), config=config)
    assert "held because: account no longer configured" in shown.stdout
    assert json.loads(cli("queue", "show", str(held_id), "--json", config=config).stdout)["held_because"].startswith(
        "account no longer configured")

    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        token = users.create_token(session, "desk@example.com")
        session.commit()
    app = create_app(without, engine)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    rows = {p["id"]: p for p in api.get("/api/posts").json()}
    assert rows[held_id]["held_because"].startswith("account no longer configured")
    assert api.get(f"/api/posts/{held_id}").json()["held_because"].startswith("account no longer configured")
    page = TestClient(app)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text).group(1)
    page.post("/login", data={"email": "desk@example.com", "password": "a long password", "csrf_token": csrf})
    queue = page.get("/queue").text
    assert "held: account no longer configured: &#39;weekend&#39;" in queue
    assert "account no longer configured" in page.get(f"/posts/{held_id}").text

    # back in the configuration: it goes out, and nothing holds it any more
    dispatch_step(Runtime(both, engine))
    with Session(engine) as session:
        post = session.get(Post, held_id)
        assert post.state == PostState.sent and post.external_id
        assert holds_for(session, both, [post]) == {held_id: None}


def test_paused_rate_limited_and_quiet_accounts_are_explained(engine, database_url):
    settings = desk_settings(database_url, "paused", "limited", "quiet", "free",
                             quiet={"quiet_hours": [11, 14]})  # NOW is 12:00 UTC
    with Session(engine) as session:
        ids = {n: posts.create_post(session, settings.account(n), text=f"{n} post", at=DUE).id
               for n in ("paused", "limited", "quiet", "free")}
        session.get(Account, "paused").paused_reason = "auth expired: 401"
        session.get(Account, "paused").paused_at = DUE
        session.add(RateLimit(account="limited", endpoint="publish", reset_at=SOON))
        session.commit()
        rows = [session.get(Post, i) for i in ids.values()]
        held = holds_for(session, settings, rows, now=NOW)
    assert held[ids["paused"]].startswith("paused account: auth expired: 401")
    assert held[ids["limited"]].startswith("rate limit")
    assert held[ids["quiet"]].startswith("quiet hours until 2026-12-01 14:00 UTC")
    assert held[ids["free"]] is None
