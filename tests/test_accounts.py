"""Accounts that recover: a refused token pauses the account, `accounts check` names the
problem, and `accounts resume` (after a successful check) sends the held posts once each,
in order. The same from the API and the desk's accounts page."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import posts, users
from distributor.config import Settings
from distributor.models import Account, utcnow
from distributor.web import create_app
from tests.helpers.sandbox_process import queue_faults, sandbox_posts
from tests.test_cli import cli

X_SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token-x-main",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
}


@pytest.fixture
def x_config(tmp_path, database_url, sandbox):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n'
                    f'[[accounts]]\nname = "x-main"\nplatform = "twitter"\napi_base_url = "{sandbox}"\n')
    return file


def test_a_refused_token_pauses_then_check_names_it_and_resume_sends_the_held_posts_in_order(x_config, sandbox):
    for n in range(3):
        added = cli("queue", "add", "--account", "x-main", "--text", f"Held post number {n}", config=x_config,
                    env=X_SECRETS)
        assert added.returncode == 0, added.stderr
    queue_faults(sandbox, {"path": "POST /2/tweets", "kind": "expired_token"})

    first = cli("run", "--once", config=x_config, env=X_SECRETS)
    assert first.returncode == 0, first.stderr
    assert "0 sent" in first.stdout
    assert "account x-main is paused" in first.stderr and "accounts resume x-main" in first.stderr
    listed = json.loads(cli("accounts", "list", "--json", config=x_config, env=X_SECRETS).stdout)
    assert [(a["name"], a["state"], a["queued"]) for a in listed] == [("x-main", "paused", 3)]
    assert "credentials" in listed[0]["reason"] and listed[0]["paused_at"]

    # the token is still refused: check says so, resume refuses and the account stays paused
    queue_faults(sandbox, {"path": "GET /2/users/me", "kind": "expired_token", "count": 2})
    checked = cli("accounts", "check", "x-main", config=x_config, env=X_SECRETS)
    assert checked.returncode == 1
    assert "x-main: FAILED" in checked.stdout and "refused the account's credentials" in checked.stdout
    refused = cli("accounts", "resume", "x-main", config=x_config, env=X_SECRETS)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "stays paused" in refused.stderr
    assert cli("run", "--once", config=x_config, env=X_SECRETS).stdout.count("0 sent") == 1
    assert sandbox_posts(sandbox) == []

    # new credentials work: resume, and the three posts go out once each, oldest first
    ok = cli("accounts", "check", "x-main", config=x_config, env=X_SECRETS)
    assert ok.returncode == 0 and "x-main: ok: signed in as @" in ok.stdout
    resumed = cli("accounts", "resume", "x-main", config=x_config, env=X_SECRETS)
    assert resumed.returncode == 0, resumed.stderr
    sent = cli("run", "--once", config=x_config, env=X_SECRETS)
    assert "3 sent" in sent.stdout and "paused" not in sent.stderr
    texts = [p["text"] for p in sorted(sandbox_posts(sandbox), key=lambda p: p["created_at"])]
    assert texts == [f"Held post number {n}" for n in range(3)]
    again = cli("run", "--once", config=x_config, env=X_SECRETS)
    assert "0 sent" in again.stdout and len(sandbox_posts(sandbox)) == 3
    listed = json.loads(cli("accounts", "list", "--json", config=x_config, env=X_SECRETS).stdout)
    assert listed[0]["state"] == "active" and listed[0]["queued"] == 0 and listed[0]["last_post_at"]


def test_check_names_a_missing_secret_and_an_unknown_account_is_one_line(x_config):
    missing = cli("accounts", "check", config=x_config, env={})
    assert missing.returncode == 1
    assert "DISTRIBUTOR_X_MAIN_CONSUMER_KEY" in missing.stdout
    unknown = cli("accounts", "resume", "nobody", config=x_config, env=X_SECRETS)
    assert unknown.returncode == 1 and unknown.stderr.strip().count("\n") == 0
    assert "nobody" in unknown.stderr


def test_pause_by_hand_holds_the_posts_until_resumed(x_config, sandbox):
    cli("queue", "add", "--account", "x-main", "--text", "Wait for the desk", config=x_config, env=X_SECRETS)
    paused = cli("accounts", "pause", "x-main", "--reason", "election blackout", config=x_config, env=X_SECRETS)
    assert paused.returncode == 0, paused.stderr
    assert "0 sent" in cli("run", "--once", config=x_config, env=X_SECRETS).stdout
    listed = json.loads(cli("accounts", "list", "--json", config=x_config, env=X_SECRETS).stdout)
    assert listed[0]["state"] == "paused" and "election blackout" in listed[0]["reason"]
    assert cli("accounts", "resume", "x-main", config=x_config, env=X_SECRETS).returncode == 0
    assert "1 sent" in cli("run", "--once", config=x_config, env=X_SECRETS).stdout
    assert [p["text"] for p in sandbox_posts(sandbox)] == ["Wait for the desk"]


def test_a_pause_reason_with_brackets_shows_as_written_in_the_accounts_table(x_config, sandbox):
    reason = "[b]blackout[/b] until [red]polls close[/]"
    assert cli("accounts", "pause", "x-main", "--reason", reason, config=x_config, env=X_SECRETS).returncode == 0
    table = cli("accounts", "list", config=x_config, env=X_SECRETS | {"COLUMNS": "300"}).stdout
    assert reason in table


# --- the API and the desk ------------------------------------------------------------


@pytest.fixture
def desk(engine):
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        users.add_user(session, "chief@example.com", "a long password", "admin")
        users.add_user(session, "desk@example.com", "a long password", "editor")
        admin_token = users.create_token(session, "chief@example.com")
        editor_token = users.create_token(session, "desk@example.com")
        posts.create_post(session, settings.account("rehearsal"), text="waiting")
        account = session.get(Account, "rehearsal")
        account.paused_reason, account.paused_at = "token refused", utcnow()
        session.commit()
    app = create_app(settings, engine)
    return app, admin_token, editor_token


def test_api_lists_accounts_and_only_admins_check_or_resume(desk, engine):
    app, admin_token, editor_token = desk
    editor = TestClient(app, headers={"Authorization": f"Bearer {editor_token}"})
    rows = editor.get("/api/accounts").json()
    assert [(r["name"], r["state"], r["queued"], r["reason"]) for r in rows] == [
        ("rehearsal", "paused", 1, "token refused")]
    assert editor.post("/api/accounts/rehearsal/resume").status_code == 403
    refused = editor.post("/api/accounts/rehearsal/check")  # a check spends billed platform calls
    assert refused.status_code == 403 and "only admins" in refused.json()["detail"]
    admin = TestClient(app, headers={"Authorization": f"Bearer {admin_token}"})
    assert admin.post("/api/accounts/rehearsal/check").json()["ok"] is True
    assert admin.post("/api/accounts/nobody/resume").status_code == 404
    assert admin.post("/api/accounts/rehearsal/explode").status_code == 404
    assert admin.post("/api/accounts/rehearsal/resume").json()["ok"] is True
    with Session(engine) as session:
        assert session.get(Account, "rehearsal").paused_reason is None
    assert TestClient(app).get("/api/accounts").status_code == 401


def test_an_editors_token_cannot_spend_billed_x_calls_on_a_check(engine, sandbox, monkeypatch):
    """`accounts check` asks X who the account is (a billed read): an editor's token is refused
    before any call; an admin's check reaches the platform."""
    import requests

    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox}])
    with Session(engine) as session:
        users.add_user(session, "chief@example.com", "a long password", "admin")
        users.add_user(session, "desk@example.com", "a long password", "editor")
        tokens = {role: users.create_token(session, email) for role, email in
                  (("admin", "chief@example.com"), ("editor", "desk@example.com"))}
        session.commit()
    app = create_app(settings, engine)

    def calls() -> int:
        return sum(requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"].values())

    editor = TestClient(app, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert editor.post("/api/accounts/x-main/check").status_code == 403
    assert calls() == 0
    admin = TestClient(app, headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert admin.post("/api/accounts/x-main/check").json()["ok"] is True
    assert calls() > 0


def test_the_banner_resume_button_releases_the_account(desk, engine):
    app, _, _ = desk
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "chief@example.com", "password": "a long password", "csrf_token": token})
    page = client.get("/accounts").text
    assert "token refused" in page and 'action="/accounts/rehearsal/resume"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/accounts/rehearsal/resume", data={}).status_code == 403  # no CSRF token
    answer = client.post("/accounts/rehearsal/resume", data={"csrf_token": csrf})
    assert answer.status_code == 200 and "its posts go out in order" in answer.text
    assert "is paused and needs re-authorisation" not in answer.text
    with Session(engine) as session:
        assert session.get(Account, "rehearsal").paused_reason is None


def test_an_account_action_sends_the_browser_back_to_the_desk_only(desk, engine):
    """The action's redirect came from a request header (X-Return-To): whatever sent it (a proxy, an
    extension, a script with the admin's cookie) chose where the admin's browser went next."""
    app, _, _ = desk
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "chief@example.com", "password": "a long password", "csrf_token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/accounts").text).group(1)
    for sent in ("https://evil.example/phish", "//evil.example/", "/\\evil.example"):
        answer = client.post("/accounts/rehearsal/pause", data={"csrf_token": csrf}, headers={"X-Return-To": sent},
                             follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/accounts", sent


def test_queue_add_warns_when_the_article_already_went_to_that_account(tmp_path, database_url, article_site):
    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[fetch]\nallow_private_networks = true\n'
                      '[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n'
                      '[[accounts]]\nname = "other"\nplatform = "dryrun"\n')
    url = f"{article_site}/harbour.html"
    first = cli("queue", "add", "--account", "rehearsal", "--article", url, config=config)
    assert first.returncode == 0, first.stderr
    again = cli("queue", "add", "--account", "rehearsal", "--article", url, config=config)
    assert again.returncode == 1 and again.stderr.count("\n") == 1
    assert f"post {first.stdout.strip()} queued" in again.stderr and "--again" in again.stderr
    assert cli("queue", "add", "--account", "other", "--article", url, config=config).returncode == 0
    forced = cli("queue", "add", "--account", "rehearsal", "--article", url, "--again", config=config)
    assert forced.returncode == 0, forced.stderr
    listed = json.loads(cli("queue", "list", "--json", config=config).stdout)
    assert sorted(p["account"] for p in listed) == ["other", "rehearsal", "rehearsal"]


def test_queue_add_says_when_the_post_really_goes_and_what_holds_it(x_config):
    later = cli("queue", "add", "--account", "x-main", "--text", "Tonight", "--at", "2031-01-10T21:00",
                config=x_config, env=X_SECRETS)
    assert later.returncode == 0 and later.stdout.strip().isdigit()  # stdout stays the id, for scripts
    assert f"post {later.stdout.strip()}: goes at 2031-01-10 21:00 UTC" in later.stderr
    assert cli("accounts", "pause", "x-main", "--reason", "token rotation", config=x_config,
               env=X_SECRETS).returncode == 0
    held = cli("queue", "add", "--account", "x-main", "--text", "Now please", config=x_config, env=X_SECRETS)
    assert "held: " in held.stderr and "token rotation" in held.stderr


def test_pausing_and_resuming_are_in_the_audit_log(desk, engine):
    from distributor import audit

    app, admin_token, _ = desk
    admin = TestClient(app, headers={"Authorization": f"Bearer {admin_token}"})
    assert admin.post("/api/accounts/rehearsal/resume").status_code == 200
    assert admin.post("/api/accounts/rehearsal/pause", json={"reason": "election night"}).status_code == 200
    with Session(engine) as session:
        events = [(e.action, e.actor, e.target) for e in audit.recent(session)][:2]
        details = [e.detail for e in audit.recent(session)][:2]
    assert events == [("account_paused", "chief@example.com", "rehearsal"),
                      ("account_resumed", "chief@example.com", "rehearsal")]
    assert details[0] == "election night" and "token refused" in details[1]


def test_the_audit_page_shows_pausing_and_resuming(desk, engine):
    app, admin_token, _ = desk
    admin = TestClient(app, headers={"Authorization": f"Bearer {admin_token}"})
    assert admin.post("/api/accounts/rehearsal/resume").json()["ok"] is True
    assert admin.post("/api/accounts/rehearsal/pause", json={"reason": "election blackout"}).status_code == 200
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "chief@example.com", "password": "a long password", "csrf_token": token})
    page = client.get("/audit").text
    assert "resumed account" in page and "paused account" in page and "election blackout" in page
    assert page.index("paused account") < page.index("resumed account")  # newest first
