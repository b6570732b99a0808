"""Costs as X bills them: the ledger, budgets, 24-hour caps and cheap reconciliation, on the sandbox.

Every figure a test expects is X's published price list (docs.x.com, 2026-02)
written here by hand, or what the sandbox (an independent bill) says.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from sqlmodel import Session, select

from distributor import posts
from distributor.config import AccountSettings, Settings
from distributor.delivery import costs
from distributor.dispatch import RetryPolicy, dispatch_due
from distributor.fetch import Fetcher
from distributor.holds import holds_for
from distributor.models import ApiCall, Post, PostState, utcnow
from distributor.platforms import build_adapter
from tests.helpers.sandbox_process import queue_faults, request_count, sandbox_posts
from tests.test_cli import cli

X_SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token-costs-main",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
}
FAST = RetryPolicy(backoff_base_seconds=60, max_attempts=8)


def sandbox_costs(base: str) -> dict:
    return requests.get(base + "/_sandbox/costs", timeout=5).json()


def set_caps(base: str, **caps) -> None:
    requests.post(base + "/_sandbox/limits", json=caps, timeout=5).raise_for_status()


@pytest.fixture
def budget_config(tmp_path, database_url, sandbox):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n'
                    f'[[accounts]]\nname = "x-main"\nplatform = "twitter"\napi_base_url = "{sandbox}"\n'
                    'budget_usd_per_day = 0.50\n')
    return file


def _queue_json(config) -> list[dict]:
    listed = cli("queue", "list", "--json", config=config, env=X_SECRETS)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_a_daily_budget_sends_two_link_posts_holds_three_and_send_anyway_sends_one_more(budget_config, sandbox):
    for n in range(5):
        added = cli("queue", "add", "--account", "x-main", "--text", f"Budget story number {n}",
                    "--link", f"https://news.example.com/budget/{n}", config=budget_config, env=X_SECRETS)
        assert added.returncode == 0, added.stderr

    ran = cli("run", "--once", config=budget_config, env=X_SECRETS)
    assert ran.returncode == 0, ran.stderr
    assert len(sandbox_posts(sandbox)) == 2  # $0.20 each: a third would pass $0.50

    rows = _queue_json(budget_config)
    held = [r for r in rows if r["state"] == "queued"]
    assert len(held) == 3
    for row in held:
        assert row["held_because"].startswith("budget: budget_usd_per_day = 0.50"), row["held_because"]
        assert "0.400 USD spent today" in row["held_because"]

    ours = json.loads(cli("costs", "--format", "json", config=budget_config, env=X_SECRETS).stdout)
    billed = sandbox_costs(sandbox)
    assert round(ours["total_usd"], 2) == round(billed["total_usd"], 2) == 0.40
    assert ours["rows"] == [{"key": "x-main", "calls": ours["rows"][0]["calls"], "cost_usd": 0.4}]
    by_purpose = json.loads(cli("costs", "--by", "purpose", "--format", "json", config=budget_config,
                                env=X_SECRETS).stdout)
    assert {r["key"]: r["cost_usd"] for r in by_purpose["rows"]}["publish"] == 0.4

    # a second run sends nothing more: the budget still holds them, and no request is spent on them
    cli("run", "--once", config=budget_config, env=X_SECRETS)
    assert request_count(sandbox, "POST /2/tweets") == 2

    # an editor sends one anyway
    anyway = cli("queue", "send-anyway", str(held[0]["id"]), config=budget_config, env=X_SECRETS)
    assert anyway.returncode == 0, anyway.stderr
    cli("run", "--once", config=budget_config, env=X_SECRETS)
    assert len(sandbox_posts(sandbox)) == 3
    states = {r["id"]: r["state"] for r in _queue_json(budget_config)}
    assert states[held[0]["id"]] == "sent"
    assert [states[r["id"]] for r in held[1:]] == ["queued", "queued"]
    ours = json.loads(cli("costs", "--format", "json", config=budget_config, env=X_SECRETS).stdout)
    assert round(ours["total_usd"], 2) == round(sandbox_costs(sandbox)["total_usd"], 2) == 0.60


def test_send_anyway_refuses_a_post_that_is_not_queued(budget_config):
    missing = cli("queue", "send-anyway", "999", config=budget_config, env=X_SECRETS)
    assert missing.returncode == 1 and "no post with id 999" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = cli("costs", "--since", "yesterday-ish", config=budget_config, env=X_SECRETS)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1


# --------------------------------------------------------------------------- in-process: caps, reconciliation


@pytest.fixture
def bot(sandbox, engine, monkeypatch):
    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox)])
    fetcher = Fetcher(settings.fetch)
    adapters = {a.name: build_adapter(a, fetcher) for a in settings.accounts}
    return engine, settings, adapters


def _add(engine, settings, text, link=None) -> int:
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("x-main"), text=text, link=link)
        session.commit()
        return post.id


def test_the_24_hour_cap_holds_every_post_until_its_reset_without_a_wasted_request(bot, sandbox):
    engine, settings, adapters = bot
    set_caps(sandbox, user_posts_24h=2)
    ids = [_add(engine, settings, f"Capped story {n}") for n in range(5)]
    report = dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)
    assert report.sent == 2
    assert request_count(sandbox, "POST /2/tweets") == 2  # the third was never tried: no 429 spent
    with Session(engine) as session:
        rows = [session.get(Post, i) for i in ids]
        held = holds_for(session, settings, rows)
    waiting = [held[i] for i in ids[2:]]
    assert all(reason and reason.startswith("rate limit: the platform accepts posts again at ") for reason in waiting)
    # the reset shown is the sandbox's 24-hour reset, a day from now
    shown = waiting[0].removeprefix("rate limit: the platform accepts posts again at ").removesuffix(" UTC")
    day_later = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d %H:")
    assert shown[:14] == day_later[:14] or shown[:11] == day_later[:11]
    # later rounds before the reset spend nothing either
    dispatch_due(engine, settings, adapters, worker_id="w2", policy=FAST)
    assert request_count(sandbox, "POST /2/tweets") == 2
    # after the reset the posts go out
    set_caps(sandbox, user_posts_24h=10)
    later = dispatch_due(engine, settings, adapters, worker_id="w3", policy=FAST, now=utcnow() + timedelta(days=1, minutes=1))
    assert later.sent == 3


def test_a_429_from_the_24_hour_cap_waits_for_the_24_hour_reset(bot, sandbox):
    engine, settings, adapters = bot
    set_caps(sandbox, user_posts_24h=0)
    post_id = _add(engine, settings, "Refused by the daily cap")
    dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)
    with Session(engine) as session:
        reason = holds_for(session, settings, [session.get(Post, post_id)])[post_id]
    day_later = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert reason.startswith("rate limit") and day_later in reason


def test_after_a_lost_response_reconciliation_reads_at_most_five_posts_and_books_it_as_reconcile(bot, sandbox):
    engine, settings, adapters = bot
    # the account already has many posts: a naive reconciliation would read 100 of them
    with Session(engine) as session:
        pass
    for n in range(30):
        _add(engine, settings, f"Older story {n}")
    dispatch_due(engine, settings, adapters, worker_id="w0", policy=FAST)
    lost = _add(engine, settings, "Story whose answer was lost", link="https://news.example.com/lost")
    queue_faults(sandbox, {"path": "POST /2/tweets", "kind": "drop_after"})
    dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)  # maybe posted: queued for a retry
    with Session(engine) as session:
        assert session.get(Post, lost).state is PostState.queued
    dispatch_due(engine, settings, adapters, worker_id="w2", policy=FAST, now=utcnow() + timedelta(minutes=5))
    with Session(engine) as session:
        post = session.get(Post, lost)
        assert post.state is PostState.sent
        reconcile = session.exec(select(ApiCall).where(ApiCall.post_id == lost, ApiCall.purpose == "reconcile")).all()
        history = "\n".join(e.reason or "" for e in posts.history(session, lost))
    read = sum(c.units for c in reconcile if c.price_key == "posts_read")
    assert 1 <= read <= 5
    assert [p["text"].startswith("Story whose answer was lost") for p in sandbox_posts(sandbox)].count(True) == 1
    assert "reconciled" in history and "cost $" in history
    reads = sum(c.cost_micros for c in reconcile if c.price_key == "posts_read")
    assert reads == read * 5_000  # $0.005 a post read
    with Session(engine) as session:
        by_purpose = {r.key: r.cost_micros for r in costs.cost_rows(session, utcnow() - timedelta(days=1),
                                                                    utcnow() + timedelta(days=1), "purpose")}
    assert by_purpose["reconcile"] >= reads


def test_the_ledger_matches_the_sandbox_bill_with_lost_responses(bot, sandbox):
    engine, settings, adapters = bot
    for n in range(4):
        _add(engine, settings, f"Ledger story {n}", link=f"https://news.example.com/ledger/{n}")
    queue_faults(sandbox, {"path": "POST /2/tweets", "kind": "drop_after"})
    dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)
    dispatch_due(engine, settings, adapters, worker_id="w2", policy=FAST, now=utcnow() + timedelta(minutes=5))
    with Session(engine) as session:
        ours = sum(r.cost_micros for r in costs.cost_rows(session, utcnow() - timedelta(days=1),
                                                          utcnow() + timedelta(days=1)))
    assert round(ours / 1e6, 2) == round(sandbox_costs(sandbox)["total_usd"], 2)


@pytest.mark.parametrize("spent_day, price, per_day, expected", [
    (0, 200_000, 0.50, None),
    (200_000, 200_000, 0.50, None),
    (400_000, 200_000, 0.50, "budget_usd_per_day"),
    (400_000, 15_000, 0.50, None),
    (0, 200_000, None, None),
])
def test_budget_verdict_table(spent_day, price, per_day, expected):
    verdict = costs.budget_verdict(costs.Spending(day=spent_day, month=spent_day), price, per_day, None)
    assert (verdict.split(" =")[0] if verdict else None) == expected


def test_thresholds_notify_once_each_at_80_and_100_percent():
    assert costs.thresholds_crossed(0, 390_000, 0.50) == []
    assert costs.thresholds_crossed(390_000, 400_000, 0.50) == [80]
    assert costs.thresholds_crossed(400_000, 600_000, 0.50) == [100]
    assert costs.thresholds_crossed(0, 600_000, 0.50) == [80, 100]


def test_reports_show_what_the_posts_cost(bot, sandbox):
    from distributor import reports

    engine, settings, adapters = bot
    for n in range(2):
        _add(engine, settings, f"Reported story {n}", link=f"https://news.example.com/report/{n}")
    dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)
    with Session(engine) as session:
        report = reports.build_report(session, since=timedelta(days=1), by="account", timezone="UTC")
    [row] = json.loads(reports.render_json(report))["rows"]
    assert row["cost_usd"] == 0.4 and row["cost_per_post_usd"] == 0.2
    assert "cost_per_1000_impressions_usd" in row and "cost_per_interaction_usd" in row
    assert "cost_per_1000_views_usd" in row  # Facebook and Threads count views, not impressions
    assert reports.render_csv(report).splitlines()[0].endswith(
        "cost_usd,cost_per_post_usd,cost_per_1000_impressions_usd,cost_per_1000_views_usd,cost_per_interaction_usd")


def test_a_budget_at_80_percent_is_told_once_in_the_log_without_a_channel(bot, sandbox, caplog):
    from distributor.notify import notify_step

    engine, settings, adapters = bot
    budgeted = settings.model_copy(update={"accounts": [
        settings.accounts[0].model_copy(update={"budget_usd_per_day": 0.50})]})
    for n in range(2):
        _add(engine, budgeted, f"Notified story {n}", link=f"https://news.example.com/notify/{n}")
    dispatch_due(engine, budgeted, adapters, worker_id="w1", policy=FAST)  # $0.40 of $0.50
    with caplog.at_level("WARNING", logger="distributor.notify"):
        notify_step(engine, budgeted)
        notify_step(engine, budgeted)  # told once
    told = [r.getMessage() for r in caplog.records if "budget_usd_per_day" in r.getMessage()]
    assert told == ["x-main: budget_usd_per_day = 0.50 80% spent (0.40 USD spent)"]


def test_a_renamed_insights_metric_costs_only_itself_and_accounts_check_warns(sandbox, monkeypatch):
    from distributor import accounts

    monkeypatch.setenv("DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN", "page-token")
    account = AccountSettings(name="fb-main", platform="facebook", page_id="1001", api_base_url=sandbox,
                              graph_version="v25.0")
    adapter = build_adapter(account, Fetcher(Settings().fetch),
                            insights_metrics=["post_media_view", "post_impressions", "post_clicks"])
    published = adapter.publish(posts_outgoing("Views, not impressions"))
    requests.post(sandbox + "/_sandbox/metrics", json={"id": published.external_id, "views": 321, "clicks": 12,
                                                      "likes": 4}, timeout=5).raise_for_status()
    [metrics] = adapter.fetch_metrics([published.external_id]).values()
    assert (metrics.views, metrics.clicks, metrics.likes) == (321, 12, 4)  # Page views reported as views
    assert metrics.impressions is None  # Facebook counts no impressions any more
    check = accounts.check("fb-main", adapter)
    assert check.ok and "warning: insights metric 'post_impressions' refused by Graph v25.0" in check.detail
    # asked again: the refused metric is no longer asked, nothing fails
    again = adapter.fetch_metrics([published.external_id])
    assert (again[published.external_id].views, again[published.external_id].impressions) == (321, None)


def test_an_expired_graph_version_is_refused_at_start_up():
    with pytest.raises(ValueError, match="graph_version 'v20.0' has expired"):
        AccountSettings(name="fb-main", platform="facebook", page_id="1001", graph_version="v20.0")


def posts_outgoing(text):
    from distributor.platforms.base import OutgoingPost

    return OutgoingPost(text=text, link="https://news.example.com/views")


def test_engagement_reads_stop_first_when_the_budget_is_spent(bot, sandbox):
    from distributor.engagement import collect_due

    engine, settings, adapters = bot
    tight = settings.model_copy(update={"accounts": [
        settings.accounts[0].model_copy(update={"budget_usd_per_day": 0.20})]})
    _add(engine, tight, "The only post today", link="https://news.example.com/only")
    assert dispatch_due(engine, tight, adapters, worker_id="w1", policy=FAST).sent == 1  # exactly $0.20
    # Read an hour after sending, the same budget day at any hour: the post is dated back an
    # hour (a run late in the UTC day would otherwise read it after midnight, on a new budget).
    with Session(engine) as session:
        for post in session.exec(select(Post)).all():
            post.sent_at -= timedelta(hours=1, minutes=1)
            post.next_collect_at -= timedelta(hours=1, minutes=1)
            session.add(post)
        session.commit()
    read_at = utcnow()
    report = collect_due(engine, tight, adapters, now=read_at)
    assert report.snapshots == 0 and report.deferred == 1
    assert report.by_account["x-main"].error.startswith("engagement reads stopped: read_budget_share 0.2")
    assert request_count(sandbox, "GET /2/tweets") == 0
    # without a budget the same collection reads it, and books it under engagement
    collect_due(engine, settings, adapters, now=read_at)
    assert request_count(sandbox, "GET /2/tweets") == 1
    with Session(engine) as session:
        [read] = session.exec(select(ApiCall).where(ApiCall.purpose == "engagement")).all()
    assert (read.units, read.cost_micros) == (1, 5_000)


def test_link_policy_none_keeps_the_link_out_and_costs_a_plain_post(sandbox, engine, monkeypatch):
    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox,
                                                  link_policy="none")])
    adapters = {"x-main": build_adapter(settings.accounts[0], Fetcher(settings.fetch))}
    _add(engine, settings, "Card-only story https://news.example.com/card", link="https://news.example.com/card")
    dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST)
    [shown] = sandbox_posts(sandbox)
    assert shown["text"] == "Card-only story" and shown["link"] is None
    assert sandbox_costs(sandbox)["by_endpoint"] == {"POST /2/tweets": 0.015}


def test_send_anyway_from_the_api_and_the_desk_and_the_accounts_page_shows_spend(engine):
    import re

    from fastapi.testclient import TestClient

    from distributor import users
    from distributor.web import create_app

    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter", "budget_usd_per_day": 0.5}])
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        token = users.create_token(session, "desk@example.com")
        held = posts.create_post(session, settings.account("x-main"), text="Held by the budget",
                                 link="https://news.example.com/held")
        other = posts.create_post(session, settings.account("x-main"), text="Also held",
                                  link="https://news.example.com/other")
        session.add(ApiCall(account="x-main", platform="twitter", purpose="publish", endpoint="POST /2/tweets",
                            status=201, price_key="content_create_with_url", cost_micros=400_000))
        session.commit()
        held_id, other_id = held.id, other.id
    app = create_app(settings, engine)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    [row] = [r for r in api.get("/api/posts").json() if r["id"] == held_id]
    assert row["held_because"].startswith("budget: budget_usd_per_day = 0.50")
    answer = api.post(f"/api/posts/{held_id}/send-anyway")
    assert answer.status_code == 200 and answer.json()["held_because"] is None
    assert api.post("/api/posts/99999/send-anyway").status_code == 404

    client = TestClient(app)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "desk@example.com", "password": "a long password", "csrf_token": csrf})
    page = client.get(f"/posts/{other_id}").text
    assert "Send anyway" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(f"/posts/{other_id}/send-anyway", data={"csrf_token": csrf})
    assert done.status_code == 200 and "Sent anyway" in done.text
    accounts_page = client.get("/accounts").text
    assert "0.400 of 0.50" in accounts_page


def test_the_app_24_hour_cap_holds_every_account_of_the_app(sandbox, engine, monkeypatch):
    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setenv(name.replace("X_MAIN", "X_DESK"), value + "-desk")
    monkeypatch.setenv("DISTRIBUTOR_X_DESK_CONSUMER_KEY", "ck")  # the same X app
    settings = Settings(accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox),
                                  AccountSettings(name="x-desk", platform="twitter", api_base_url=sandbox)])
    adapters = {a.name: build_adapter(a, Fetcher(settings.fetch)) for a in settings.accounts}
    set_caps(sandbox, app_posts_24h=2)
    with Session(engine) as session:
        for n in range(2):
            posts.create_post(session, settings.account("x-main"), text=f"Main story {n}")
        desk = posts.create_post(session, settings.account("x-desk"), text="Desk story", at=utcnow() + timedelta(minutes=1))
        session.commit()
        desk_id = desk.id
    assert dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST).sent == 2
    later = utcnow() + timedelta(minutes=2)
    assert dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST, now=later).sent == 0
    assert request_count(sandbox, "POST /2/tweets") == 2
    with Session(engine) as session:
        reason = holds_for(session, settings, [session.get(Post, desk_id)], now=later)[desk_id]
    assert reason.startswith("rate limit: the platform accepts posts again at")


def test_prices_come_from_the_configuration_over_the_documented_defaults():
    from distributor.errors import ConfigError

    prices = costs.price_table(Settings(costs={"twitter": {"content_create_with_url": 0.25}}), "twitter")
    assert prices["content_create_with_url"] == 0.25 and prices["posts_read"] == 0.005
    with pytest.raises(ConfigError, match=r"\[costs.twitter\]: unknown price content_craete"):
        costs.price_table(Settings(costs={"twitter": {"content_craete": 0.1}}), "twitter")


@pytest.mark.parametrize("line", [
    "[costs.twitter]\ncontent_create_with_url = inf",
    "[costs.twitter]\nposts_read = nan",
    "[costs.twitter]\ncontent_create = -0.01",
    "[costs.twitter]\ncontent_create = 1e300",
    '[[accounts]]\nname = "x-main"\nplatform = "twitter"\nbudget_usd_per_day = inf',
    '[[accounts]]\nname = "x-main"\nplatform = "twitter"\nbudget_usd_per_month = 1e300',
])
def test_hostile_prices_and_budgets_are_refused_at_start_up(tmp_path, line):
    """inf and 1e300 used to load, and then every budget check died with OverflowError mid-dispatch."""
    from distributor.config import load_settings
    from distributor.errors import ConfigError

    file = tmp_path / "c.toml"
    file.write_text(line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    assert "\n" not in str(caught.value)
    assert ("costs.twitter" in str(caught.value)) or ("budget_usd_per" in str(caught.value))


def test_send_anyway_lifts_the_budget_but_keeps_the_posts_time(bot, sandbox):
    """Send anyway on a story scheduled for tomorrow used to move it to now: an embargo broken by one click."""
    engine, settings, adapters = bot
    tomorrow = utcnow() + timedelta(days=1)
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("x-main"), text="Embargoed until tomorrow",
                                 link="https://news.example.com/embargo", at=tomorrow)
        session.commit()
        post_id = post.id
    with Session(engine) as session:
        costs.send_anyway(session, post_id, actor="desk@example.com")
        session.commit()
    assert dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST).sent == 0
    assert request_count(sandbox, "POST /2/tweets") == 0
    later = dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST, now=tomorrow + timedelta(minutes=1))
    assert later.sent == 1


def test_a_worker_that_dies_after_posting_still_has_the_post_billed(bot, sandbox):
    """The meter lives in the worker: a crash after X answered lost the $0.20 from the ledger (and the budget)."""
    from distributor.dispatch import claim_one

    engine, settings, adapters = bot
    post_id = _add(engine, settings, "Posted, then the worker died", link="https://news.example.com/crash")
    claim = claim_one(engine, settings, adapters, worker_id="doomed")
    assert claim is not None and claim.id == post_id
    adapters["x-main"].publish(claim.outgoing)  # X creates it; the worker dies before it writes anything
    later = utcnow() + timedelta(seconds=settings.scheduler.lease_seconds + 60)
    dispatch_due(engine, settings, adapters, worker_id="w2", policy=FAST, now=later)
    with Session(engine) as session:
        assert session.get(Post, post_id).state is PostState.sent
        ours = costs.cost_rows(session, utcnow() - timedelta(days=1), later + timedelta(days=1), "purpose")
    by_purpose = {r.key: r.cost_micros for r in ours}
    assert by_purpose.get("publish") == 200_000  # a post with a URL, as X billed it
    assert round(sum(by_purpose.values()) / 1e6, 3) == round(sandbox_costs(sandbox)["total_usd"], 3)
    assert len(sandbox_posts(sandbox)) == 1


def test_a_refused_connection_is_not_billed_and_does_not_eat_the_budget(engine, monkeypatch):
    """A post that never left the machine (X unreachable) used to be booked at $0.20 per attempt."""
    import socket

    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings = Settings(accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=closed,
                                                  budget_usd_per_day=0.50)])
    adapters = {a.name: build_adapter(a, Fetcher(settings.fetch)) for a in settings.accounts}
    post_id = _add(engine, settings, "Nobody is listening", link="https://news.example.com/refused")
    now = utcnow()
    for attempt in range(3):
        dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST, now=now + timedelta(hours=attempt))
    with Session(engine) as session:
        spent = sum(r.cost_micros for r in costs.cost_rows(session, now - timedelta(days=1), now + timedelta(days=1)))
        post = session.get(Post, post_id)
        reason = holds_for(session, settings, [post], now=now + timedelta(hours=3))[post_id]
    assert spent == 0
    assert post.state is PostState.queued and not (reason or "").startswith("budget")


def test_costs_by_day_counts_the_accounts_local_day_as_its_budget_does(session):
    """A Berlin newsroom's 00:30 call was shown under yesterday (UTC) while the budget counted it today."""
    from datetime import datetime, timezone

    settings = Settings(web={"timezone": "Europe/Berlin"},
                        accounts=[{"name": "x-main", "platform": "twitter", "budget_usd_per_day": 0.5},
                                  {"name": "x-ny", "platform": "twitter", "timezone": "America/New_York"}])
    for account, at in (("x-main", datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)),  # 00:30 in Berlin
                        ("x-ny", datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))):  # 22:00 in New York
        session.add(ApiCall(at=at, account=account, platform="twitter", purpose="publish",
                            endpoint="POST /2/tweets", status=201, price_key="content_create_with_url",
                            cost_micros=200_000))
    session.commit()
    since = datetime(2026, 11, 29, tzinfo=timezone.utc)
    until = datetime(2026, 12, 3, tzinfo=timezone.utc)
    days = {r.key: r.cost_micros for r in costs.cost_rows(session, since, until, "day", settings)}
    assert days == {"2026-12-01": 200_000, "2026-11-30": 200_000}
    berlin_day = costs.spending(session, settings.account("x-main"), datetime(2026, 12, 1, 12, tzinfo=timezone.utc))
    assert berlin_day.day == days["2026-12-01"]


def test_a_429_with_a_reset_that_is_no_date_still_waits_as_a_rate_limit():
    """A reset header of 10**20 used to turn a 429 into an OverflowError: a traceback, retried as if transient."""
    import tweepy

    from distributor.errors import RateLimited
    from distributor.platforms.twitter import x_errors

    answer = requests.Response()
    answer.status_code = 429
    answer._content = b'{"title": "Too Many Requests", "detail": "Too Many Requests"}'
    answer.headers.update({"content-type": "application/json", "x-rate-limit-remaining": "0",
                           "x-rate-limit-reset": str(10**20), "x-user-limit-24hour-remaining": "0",
                           "x-user-limit-24hour-reset": str(10**20)})
    with pytest.raises(RateLimited) as caught:
        with x_errors("POST /2/tweets"):
            raise tweepy.TooManyRequests(answer)
    assert caught.value.retry_at > utcnow()


def test_posts_held_by_the_daily_budget_keep_the_gap_when_it_resets_at_midnight(sandbox, engine, monkeypatch):
    """A budget that resets must not release its held posts all at once: min_gap_minutes still paces them."""
    from datetime import datetime, time, timezone

    from distributor.dispatch import BREAKING_PRIORITY

    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    account = AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox, timezone="UTC",
                              budget_usd_per_day=0.60, min_gap_minutes=10)
    settings = Settings(accounts=[account])
    adapters = {account.name: build_adapter(account, Fetcher(settings.fetch))}
    with Session(engine) as session:
        for n in range(3):  # breaking news skips the gap: today's budget is spent at once
            posts.create_post(session, account, text=f"Breaking {n}", link=f"https://news.example.com/b{n}",
                              priority=BREAKING_PRIORITY)
        for n in range(3):
            posts.create_post(session, account, text=f"Held {n}", link=f"https://news.example.com/h{n}")
        session.commit()
    assert dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST).sent == 3
    assert dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST).sent == 0  # the budget holds

    midnight = datetime.combine(utcnow().date() + timedelta(days=1), time(0), tzinfo=timezone.utc)
    sent = [dispatch_due(engine, settings, adapters, worker_id="w1", policy=FAST, now=midnight + timedelta(minutes=m)).sent
            for m in (1, 2, 5, 12, 13, 23)]
    assert sent == [1, 0, 0, 1, 0, 1]  # one at a time, min_gap_minutes = 10 apart
    assert [p["text"].split(" https://")[0] for p in sandbox_posts(sandbox)][-3:] == ["Held 0", "Held 1", "Held 2"]
