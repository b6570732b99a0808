"""Page views reported as views (issue 14), end to end.

Meta replaced impressions by views on 2025-11-15 (Facebook's ``post_media_view``;
Threads counts ``views``): a Facebook or Threads post's views travel from the
sandbox through engagement collection into the ``views`` column of every
report (table, CSV, JSON, HTML, the per-post export, the API, the CLI), and
never into ``impressions``, which stays X's.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import requests
from fastapi.testclient import TestClient
from rich.console import Console
from sqlmodel import Session, select

from distributor import posts, report_posts, reports, users
from distributor.config import AccountSettings, Settings
from distributor.dispatch import dispatch_due
from distributor.engagement import collect_due
from distributor.fetch import Fetcher
from distributor.models import EngagementSnapshot, Post
from distributor.platforms import build_adapter
from distributor.web import create_app

PAGE_ID = "1001"
THREADS_USER = "17841400000000001"
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token",
    "DISTRIBUTOR_THREADS_MAIN_ACCESS_TOKEN": "threads-token",
}
# what each platform's post is given on the sandbox: the sandbox holds both numbers for every post, and
# each platform answers only the one it counts (X: impression_count; Graph: post_media_view; Threads: views)
GIVEN = {
    "x-main": {"likes": 9, "shares": 2, "comments": 3, "impressions": 900, "views": 111, "clicks": 5},
    "fb-main": {"likes": 30, "shares": 9, "comments": 8, "impressions": 999, "views": 4321, "clicks": 40},
    "threads-main": {"likes": 6, "shares": 1, "comments": 2, "impressions": 555, "views": 77, "clicks": 0},
}
PLATFORM = {"x-main": "twitter", "fb-main": "facebook", "threads-main": "threads"}


@pytest.fixture
def measured(engine, sandbox):
    """One post per account sent through the sandbox, its numbers set there and collected once."""
    settings = Settings(accounts=[
        AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox),
        AccountSettings(name="fb-main", platform="facebook", page_id=PAGE_ID, api_base_url=sandbox),
        AccountSettings(name="threads-main", platform="threads", user_id=THREADS_USER, api_base_url=sandbox),
    ])
    fetcher = Fetcher(settings.fetch)
    adapters = {a.name: build_adapter(a, fetcher, environ=SECRETS) for a in settings.accounts}
    with Session(engine) as session:
        for n, account in enumerate(GIVEN):
            posts.create_post(session, settings.account(account), text=f"Harbour ferry story {n}",
                              link=f"https://news.example.com/ferry/{n}")
        session.commit()
    assert dispatch_due(engine, settings, adapters, worker_id="w1").sent == 3
    with Session(engine) as session:
        sent = {p.account: p for p in session.exec(select(Post))}
    requests.post(sandbox + "/_sandbox/metrics", timeout=10, json=[
        {"id": sent[account].external_id, **values} for account, values in GIVEN.items()]).raise_for_status()
    assert collect_due(engine, settings, adapters, all_posts=True).snapshots == 3
    return settings, {account: post.id for account, post in sent.items()}


def test_views_are_stored_as_views_and_impressions_stay_xs(measured, engine):
    _, ids = measured
    with Session(engine) as session:
        stored = {account: session.exec(select(EngagementSnapshot).where(EngagementSnapshot.post_id == post_id)).one()
                  for account, post_id in ids.items()}
    assert (stored["fb-main"].views, stored["fb-main"].impressions) == (4321, None)
    assert (stored["threads-main"].views, stored["threads-main"].impressions) == (77, None)
    assert (stored["x-main"].impressions, stored["x-main"].views) == (900, None)


def test_every_report_format_shows_facebook_views_as_views(measured, engine):
    with Session(engine) as session:
        report = reports.build_report(session, since=reports.parse_since("1d"), by="platform")
    rows = {row["key"]: row for row in json.loads(reports.render_json(report))["rows"]}
    assert (rows["facebook"]["views"], rows["facebook"]["impressions"]) == (4321, None)
    assert (rows["threads"]["views"], rows["threads"]["impressions"]) == (77, None)
    assert (rows["twitter"]["impressions"], rows["twitter"]["views"]) == (900, None)
    assert (report.total.views, report.total.impressions) == (4321 + 77, 900)  # never added to each other

    lines = {line["key"]: line for line in csv.DictReader(io.StringIO(reports.render_csv(report)))}
    assert (lines["facebook"]["views"], lines["facebook"]["impressions"]) == ("4321", "")
    assert (lines["twitter"]["impressions"], lines["twitter"]["views"]) == ("900", "")

    console = Console(record=True, width=250)
    console.print(reports.render_table(report))
    text = console.export_text()
    header = next(line for line in text.splitlines() if "impressions" in line)
    assert header.index("impressions") < header.index("views") < header.index("clicks")
    assert "4,398" in text  # the views total line: 4,321 + 77

    html = reports.render_html(report)
    assert "<th>impressions</th><th>views</th><th>clicks</th>" in html
    assert "<td>4,321</td>" in html


def test_costs_per_1000_views_stand_beside_costs_per_1000_impressions(measured, engine, sandbox):
    with Session(engine) as session:
        report = reports.build_report(session, since=reports.parse_since("1d"), by="platform", charts=False)
    rows = {row["key"]: row for row in json.loads(reports.render_json(report))["rows"]}
    x_usd = requests.get(sandbox + "/_sandbox/costs", timeout=5).json()["total_usd"]  # X's bill: post + read
    assert x_usd > 0
    assert rows["twitter"]["cost_per_1000_impressions_usd"] == pytest.approx(x_usd * 1000 / 900, abs=1e-6)
    assert rows["twitter"]["cost_per_1000_views_usd"] is None  # X counts no views
    # Graph calls are free: Facebook's views cost nothing, and it has no impressions to divide by
    assert (rows["facebook"]["cost_per_1000_views_usd"], rows["facebook"]["cost_per_1000_impressions_usd"]) == (0.0, None)
    header = reports.render_csv(report).splitlines()[0].split(",")
    assert header.index("cost_per_1000_views_usd") == header.index("cost_per_1000_impressions_usd") + 1


def test_a_group_of_x_and_facebook_posts_divides_each_platforms_cost_by_its_own_count(measured, engine, sandbox):
    """By article the three manual posts are one row: X's $0.205 per 900 impressions, Facebook's free 4,398 views."""
    with Session(engine) as session:
        report = reports.build_report(session, since=reports.parse_since("1d"), by="article", charts=False)
    [row] = json.loads(reports.render_json(report))["rows"]
    x_usd = requests.get(sandbox + "/_sandbox/costs", timeout=5).json()["total_usd"]
    assert (row["key"], row["impressions"], row["views"]) == ("(manual posts)", 900, 4321 + 77)
    assert row["cost_per_1000_impressions_usd"] == pytest.approx(x_usd * 1000 / 900, abs=1e-6)
    assert row["cost_per_1000_views_usd"] == 0.0  # not X's spend spread over Facebook's views


def test_the_per_post_export_and_the_api_show_views(measured, engine, sandbox):
    settings, ids = measured
    with Session(engine) as session:
        start, end = reports.resolve_period(reports.parse_since("1d"), None)
        exported = {row["account"]: row for row in report_posts.post_rows(session, start, end)}
        users.add_user(session, "desk@example.com", "a long password", "editor")
        token = users.create_token(session, "desk@example.com")
        session.commit()
    assert (exported["fb-main"]["views"], exported["fb-main"]["impressions"]) == (4321, None)
    assert (exported["x-main"]["impressions"], exported["x-main"]["views"]) == (900, None)
    # the per-post cost is the ledger's: X's post and its read as the sandbox billed them; Graph calls are free
    assert exported["x-main"]["cost_usd"] == requests.get(sandbox + "/_sandbox/costs", timeout=5).json()["total_usd"]
    assert exported["fb-main"]["cost_usd"] == 0.0
    [fb_line] = [r for r in csv.DictReader(io.StringIO(report_posts.render_csv(list(exported.values()))))
                 if r["account"] == "fb-main"]
    assert (fb_line["views"], fb_line["impressions"]) == ("4321", "")

    api = TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"})
    by_platform = {r["key"]: r for r in api.get("/api/report", params={"since": "1d", "by": "platform"}).json()["rows"]}
    assert (by_platform["facebook"]["views"], by_platform["facebook"]["impressions"]) == (4321, None)
    by_post = {r["post_id"]: r for r in api.get("/api/report", params={"since": "1d", "by": "post"}).json()["rows"]}
    assert (by_post[ids["fb-main"]]["views"], by_post[ids["fb-main"]]["impressions"]) == (4321, None)
    assert (by_post[ids["threads-main"]]["views"], by_post[ids["x-main"]]["impressions"]) == (77, 900)


def test_the_cli_report_shows_views(measured, database_url, tmp_path):
    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}

    def report(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), "report", "--since", "1d",
                               *args], capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    rows = {r["key"]: r for r in json.loads(report("--by", "platform", "--format", "json"))["rows"]}
    assert (rows["facebook"]["views"], rows["facebook"]["impressions"]) == (4321, None)
    lines = {r["account"]: r for r in csv.DictReader(io.StringIO(report("--by", "post", "--format", "csv")))}
    assert (lines["fb-main"]["views"], lines["fb-main"]["impressions"]) == ("4321", "")
    assert (lines["x-main"]["impressions"], lines["x-main"]["views"]) == ("900", "")
