"""Links: UTM parameters on every post's link (never on the canonical URL), and tracked clicks.

End to end: a feed and an article on 127.0.0.1, the real pipeline and the
real tweepy / facebook-sdk code against the sandbox, the desk's redirect
through FastAPI's client, the report as the CLI prints it.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import links
from distributor.config import Settings
from distributor.models import Article, Post
from distributor.pipeline import Runtime, run_cycle
from distributor.web import create_app
from tests.newsroom import Site, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token",
}
UTM = "utm_source={platform}&utm_medium=social&utm_campaign={section}"
CANONICAL = "https://news.example.com/2026/budget"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>Council passes the budget</title>'
    f'<link rel="canonical" href="{CANONICAL}">'
    '<meta property="article:section" content="Politics"></head><body><article>'
    "<h1>Council passes the budget</h1>"
    "<p>The council passed next year's budget on Tuesday night after a long debate in the chamber.</p>"
    "</article></body></html>"
).encode()


@pytest.mark.parametrize("link, template, values, expected", [
    ("https://n.example/a", UTM, {"platform": "twitter", "account": "x", "section": "Politics"},
     "https://n.example/a?utm_source=twitter&utm_medium=social&utm_campaign=Politics"),
    # no section: that parameter is left out, the others stay
    ("https://n.example/a", UTM, {"platform": "facebook", "account": "x", "section": ""},
     "https://n.example/a?utm_source=facebook&utm_medium=social"),
    # the link's own query is kept as it was (even its encoding), its fragment stays last
    ("https://n.example/a?id=7&q=a%20b#top", "utm_source={account}", {"platform": "t", "account": "x-main", "section": ""},
     "https://n.example/a?id=7&q=a%20b&utm_source=x-main#top"),
    # applied twice, or over an older utm_source, the template's value wins once
    ("https://n.example/a?utm_source=old&x=1", "utm_source={platform}", {"platform": "twitter", "account": "", "section": ""},
     "https://n.example/a?x=1&utm_source=twitter"),
    # a section with spaces and '&' is encoded, not a new parameter
    ("https://n.example/a", "utm_campaign={section}", {"platform": "t", "account": "", "section": "Arts & Life"},
     "https://n.example/a?utm_campaign=Arts%20%26%20Life"),
    ("https://n.example/a", None, {"platform": "t", "account": "", "section": ""}, "https://n.example/a"),
])
def test_utm_parameters(link, template, values, expected):
    assert links.with_utm(link, template, values) == expected


@pytest.mark.parametrize("agent, bot", [
    (BROWSER, False),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", False),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
    ("Twitterbot/1.0", True),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36", True),
    ("curl/8.5.0", True),
    ("", True),
    (None, True),
    ("Mozilla/5.0 " + "x" * 100_000 + " bot", False),  # judged on its first 512 characters, quickly
])
def test_bots_are_told_from_people_by_user_agent(agent, bot):
    assert links.is_bot(agent) is bot


def test_a_bad_utm_template_is_refused_at_start_up_in_words():
    with pytest.raises(ValueError, match=r"\{campaign\} is not one of"):
        Settings(accounts=[{"name": "x", "platform": "twitter", "utm": "utm_campaign={campaign}"}])
    with pytest.raises(ValueError, match="redirect_base"):
        Settings(links={"redirect_base": "https://social.example"})  # no path to answer on


def _settings(database_url, sandbox, site, **links_section) -> Settings:
    return Settings(
        database={"url": database_url},
        fetch={"allow_private_networks": True},
        feeds=[{"url": site.url("/feed/"), "canonical_sites": ["news.example.com", "example.com"]}],
        accounts=[
            {"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "utm": UTM},
            {"name": "fb-main", "platform": "facebook", "page_id": "1234567890", "api_base_url": sandbox, "utm": UTM},
        ],
        links=links_section,
    )


def _publish(engine, settings, site, monkeypatch) -> Runtime:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    runtime = Runtime(settings, engine)
    site.pages["/feed/"] = ("application/rss+xml", rss())
    run_cycle(runtime, collect=False)  # first sight of the feed: its (empty) backlog
    site.pages["/budget"] = ("text/html; charset=utf-8", PAGE)
    site.pages["/feed/"] = ("application/rss+xml", rss(("Council passes the budget", site.url("/budget"))))
    report = run_cycle(runtime, collect=False)
    assert report.dispatched.sent == 2, report
    return runtime


def test_every_post_carries_its_accounts_utm_and_the_canonical_url_is_unchanged(engine, database_url, sandbox,
                                                                                 monkeypatch):
    with Site() as site:
        _publish(engine, _settings(database_url, sandbox, site), site, monkeypatch)
    sent = {p["platform"]: p for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()}
    assert sent["twitter"]["link"] == CANONICAL + "?utm_source=twitter&utm_medium=social&utm_campaign=Politics"
    assert sent["facebook"]["link"] == CANONICAL + "?utm_source=facebook&utm_medium=social&utm_campaign=Politics"
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.canonical_url == CANONICAL  # what stories are deduplicated by
        assert sorted(p.link for p in session.exec(select(Post))) == [
            CANONICAL + "?utm_source=facebook&utm_medium=social&utm_campaign=Politics",
            CANONICAL + "?utm_source=twitter&utm_medium=social&utm_campaign=Politics",
        ]


def test_a_tracked_link_leads_to_the_posts_link_counts_a_persons_click_once_and_shows_in_the_report(
        engine, database_url, sandbox, monkeypatch, tmp_path):
    from distributor.cli import app
    from typer.testing import CliRunner

    with Site() as site:
        settings = _settings(database_url, sandbox, site, redirect_base="https://trk.example.com/l")
        _publish(engine, settings, site, monkeypatch)
    sent = {p["platform"]: p for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()}
    tweet_link = sent["twitter"]["link"]  # the sandbox, like X, shows the URL of the text expanded here
    assert tweet_link.startswith("https://trk.example.com/l/")
    assert sent["facebook"]["link"].startswith("https://trk.example.com/l/")
    assert CANONICAL not in sent["twitter"]["text"]  # the tracked link stands in for it

    desk = TestClient(create_app(settings, engine))
    path = tweet_link.removeprefix("https://trk.example.com")
    answer = desk.get(path, headers={"User-Agent": BROWSER}, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == CANONICAL + "?utm_source=twitter&utm_medium=social&utm_campaign=Politics"
    for agent in ("Twitterbot/1.0", "facebookexternalhit/1.1", ""):  # the platforms' unfurlers are not readers
        assert desk.get(path, headers={"User-Agent": agent}, follow_redirects=False).status_code == 302
    assert desk.head(path, headers={"User-Agent": BROWSER}, follow_redirects=False).status_code == 302
    # an unknown code, or a URL where a code should be, leads nowhere
    assert desk.get("/l/nope", headers={"User-Agent": BROWSER}, follow_redirects=False).status_code == 404
    assert desk.get("/l/https:%2F%2Fevil.example", headers={"User-Agent": BROWSER},
                    follow_redirects=False).status_code == 404

    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "x-main"\nplatform = "twitter"\n'
                      f'[[accounts]]\nname = "fb-main"\nplatform = "facebook"\npage_id = "1"\n')
    runner = CliRunner()
    by_post = runner.invoke(app, ["--config", str(config), "report", "--by", "post", "--format", "json"])
    assert by_post.exit_code == 0, by_post.output
    rows = {r["platform"]: r for r in json.loads(by_post.stdout)["rows"]}
    assert rows["twitter"]["clicks"] == 1 and rows["facebook"]["clicks"] == 0
    assert rows["twitter"]["article_url"] == CANONICAL
    assert rows["twitter"]["headline"] == "Council passes the budget"
    assert rows["twitter"]["cost_usd"] == 0.2  # the ledger's: X bills a post with a link $0.20
    by_platform = runner.invoke(app, ["--config", str(config), "report", "--by", "platform", "--format", "json"])
    assert {r["key"]: r["clicks"] for r in json.loads(by_platform.stdout)["rows"]} == {"twitter": 1, "facebook": 0}
    csv_out = runner.invoke(app, ["--config", str(config), "report", "--by", "post", "--format", "csv"])
    header = csv_out.stdout.splitlines()[0]
    assert header == ("post_id,account,platform,article_url,headline,text,sent_at,likes,shares,comments,"
                      "impressions,views,clicks,cost_usd")


def _tracked(engine, link: str = "https://news.example.com/budget") -> str:
    """A sent post whose link is tracked; its code."""
    from distributor.posts import ensure_account

    with Session(engine) as session:
        ensure_account(session, Settings(accounts=[{"name": "x-main", "platform": "twitter"}]).account("x-main"))
        post = Post(account="x-main", platform="twitter", text="Council passes the budget", link=link)
        session.add(post)
        session.flush()
        links.track(session, post, "https://trk.example.com/l")
        session.commit()
        return post.link.rsplit("/", 1)[1]


def _clicks(engine, code: str) -> int:
    from distributor.models import TrackedLink

    with Session(engine) as session:
        return session.exec(select(TrackedLink.clicks).where(TrackedLink.code == code)).one()


def test_a_browsers_repeated_clicks_and_its_prefetches_are_not_counted_again(engine):
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}],
                        links={"redirect_base": "https://trk.example.com/l"})
    code = _tracked(engine)
    reader = TestClient(create_app(settings, engine))
    for purpose in ({"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"}, {"X-Moz": "prefetch"}):
        answer = reader.get(f"/l/{code}", headers={"User-Agent": BROWSER, **purpose}, follow_redirects=False)
        assert answer.status_code == 302 and answer.headers["location"] == "https://news.example.com/budget"
    assert _clicks(engine, code) == 0  # the browser only guessed the reader might click
    for _ in range(5):  # the same reader, clicking again and again
        assert reader.get(f"/l/{code}", headers={"User-Agent": BROWSER}, follow_redirects=False).status_code == 302
    assert _clicks(engine, code) == 1
    another = TestClient(create_app(settings, engine))  # a second reader is a second click
    assert another.get(f"/l/{code}", headers={"User-Agent": BROWSER}, follow_redirects=False).status_code == 302
    assert _clicks(engine, code) == 2


def test_an_editor_changing_a_tracked_posts_link_sends_its_readers_to_the_new_link(engine):
    import re

    from distributor import posts, users

    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter", "utm": UTM}],
                        links={"redirect_base": "https://trk.example.com/l"})
    account = settings.account("x-main")
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "correct horse battery", "editor")
        tracked = posts.create_post(session, account, text="Council passes the budget https://news.example.com/budget",
                                    link="https://news.example.com/budget", at=datetime(2030, 5, 1, 9, 0))
        links.track(session, tracked, settings.links.redirect_base)
        plain = posts.create_post(session, account, text="Council passes the budget", at=datetime(2030, 5, 1, 10))
        session.commit()
        tracked_id, tracked_link, tracked_text, plain_id = tracked.id, tracked.link, tracked.text, plain.id
    desk = TestClient(create_app(settings, engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get("/login").text).group(1)
    desk.post("/login", data={"email": "desk@example.com", "password": "correct horse battery", "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get("/compose").text).group(1)
    corrected = "https://news.example.com/budget-corrected"
    for post_id in (tracked_id, plain_id):
        edited = desk.post(f"/posts/{post_id}/edit", follow_redirects=False,
                           data={"csrf_token": token, "text": tracked_text, "link": corrected})
        assert edited.status_code == 303, edited.text
    with_utm = corrected + "?utm_source=twitter&utm_medium=social"
    answer = desk.get(tracked_link.removeprefix("https://trk.example.com"), headers={"User-Agent": BROWSER},
                      follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == with_utm
    with Session(engine) as session:
        post = session.get(Post, tracked_id)
        assert post.link == tracked_link and tracked_link in post.text  # still through our redirect, counted
        assert session.get(Post, plain_id).link == with_utm  # an untracked post's new link carries the utm too


def test_one_sender_flooding_a_link_without_cookies_is_counted_a_bounded_number_of_times(engine, monkeypatch):
    import time

    monkeypatch.setattr(time, "monotonic", lambda: 600.0)  # all within one minute, however slow the machine
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}],
                        links={"redirect_base": "https://trk.example.com/l"})
    code = _tracked(engine)
    flooder = TestClient(create_app(settings, engine))
    for _ in range(45):
        flooder.cookies.clear()  # a script that throws the cookie away each time
        answer = flooder.get(f"/l/{code}", headers={"User-Agent": BROWSER}, follow_redirects=False)
        assert answer.status_code == 302 and answer.headers["location"] == "https://news.example.com/budget"
    assert _clicks(engine, code) == 30  # 30 a minute from one address, not 45


def test_one_ipv6_sender_flooding_a_link_from_every_address_of_its_network_is_one_sender(engine, monkeypatch):
    import time

    monkeypatch.setattr(time, "monotonic", lambda: 600.0)
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}],
                        links={"redirect_base": "https://trk.example.com/l"})
    code = _tracked(engine)
    app = create_app(settings, engine)
    for n in range(45):  # a new address of its own /64 for every click
        answer = TestClient(app, client=(f"2001:db8:7:8::{n + 1:x}", 40000)).get(
            f"/l/{code}", headers={"User-Agent": BROWSER}, follow_redirects=False)
        assert answer.status_code == 302
    assert _clicks(engine, code) == 30


def test_a_desk_edit_is_counted_with_the_link_the_platform_will_add(engine):
    import re

    from distributor import posts, users

    settings = Settings(accounts=[{"name": "bsky-main", "platform": "bluesky", "handle": "news.bsky.social"}])
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "correct horse battery", "editor")
        post = posts.create_post(session, settings.account("bsky-main"), text="Budget night",
                                 link="https://news.example.com/2031/05/04/council-budget-vote-runs-late",
                                 at=datetime(2030, 5, 1, 9, 0))
        session.commit()
        post_id = post.id
    desk = TestClient(create_app(settings, engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get("/login").text).group(1)
    desk.post("/login", data={"email": "desk@example.com", "password": "correct horse battery", "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get("/compose").text).group(1)
    # 280 graphemes fit Bluesky's 300 alone, not with the link Bluesky's post carries below them
    edited = desk.post(f"/posts/{post_id}/edit", follow_redirects=False,
                       data={"csrf_token": token, "text": "a" * 280,
                             "link": "https://news.example.com/2031/05/04/council-budget-vote-runs-late"})
    assert edited.status_code == 400 and "the limit is 300" in edited.text
    with Session(engine) as session:
        assert session.get(Post, post_id).text == "Budget night"
