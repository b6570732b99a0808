"""The pipeline steps over a real database, a local news site and the sandbox platforms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, ArticleState, Feed, Post, PostState
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, article_page, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "pt",
}


@pytest.fixture
def site():
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        yield site


@pytest.fixture
def make_runtime(engine, sandbox, site, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    def make(feed: dict | None = None, **account_options) -> Runtime:
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5},
            feeds=[{"url": site.url("/feed"), **(feed or {})}],
            accounts=[
                {"name": "x-main", "platform": "twitter", "api_base_url": sandbox, **account_options},
                {"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox, **account_options},
            ],
        )
        return Runtime(settings, engine)

    return make


def posted(sandbox) -> list[dict]:
    return requests.get(sandbox + "/_sandbox/posts", timeout=5).json()


def publish(site, path, title, canonical=None, quote="", speaker=""):
    site.pages[path] = ("text/html; charset=utf-8", article_page(title, canonical or site.url(path), quote, speaker))


def test_the_same_story_under_two_links_is_posted_once(make_runtime, site, sandbox, engine):
    runtime = make_runtime(feed={"canonical_sites": ["news.example"]})  # the pages name the main site
    run_cycle(runtime)  # first sight of the (empty) feed
    canonical = "https://news.example/politics/ferry-vote"
    publish(site, "/politics/ferry-vote", "Ferry vote passes", canonical)
    publish(site, "/amp/politics/ferry-vote", "Ferry vote passes", canonical)
    site.pages["/feed"] = ("application/rss+xml", rss(
        ("Ferry vote passes", site.url("/politics/ferry-vote")),
        ("Ferry vote passes", site.url("/politics/ferry-vote?utm_source=rss&utm_medium=feed")),
        ("Ferry vote passes (AMP)", site.url("/amp/politics/ferry-vote")),
    ))
    run_cycle(runtime)
    run_cycle(runtime)
    assert sorted(p["platform"] for p in posted(sandbox)) == ["facebook", "twitter"]
    with Session(engine) as session:
        states = sorted(a.state.value for a in session.exec(select(Article)))
    assert states == ["duplicate", "extracted"]


def test_a_broken_feed_is_reported_and_loses_nothing(make_runtime, site, sandbox, engine):
    runtime = make_runtime()
    run_cycle(runtime)
    publish(site, "/a", "First story")
    site.pages["/feed"] = ("application/rss+xml", rss(("First story", site.url("/a"))))
    run_cycle(runtime)
    assert len(posted(sandbox)) == 2

    site.pages["/feed"] = ("application/rss+xml", b"<?xml version='1.0'?><rss><channel><item><title>cut off")
    report = run_cycle(runtime)
    assert report.discovered.failed == 1 and "not a feed" in report.discovered.errors[0]
    with Session(engine) as session:
        feed = session.exec(select(Feed)).one()
        assert feed.last_error and "not a feed" in feed.last_error
        assert len(session.exec(select(Article)).all()) == 1
        assert {p.state for p in session.exec(select(Post))} == {PostState.sent}


def test_a_page_that_is_not_there_yet_is_retried_later_not_dropped(make_runtime, site, sandbox, engine):
    runtime = make_runtime()
    run_cycle(runtime)
    site.pages["/feed"] = ("application/rss+xml", rss(("Early bird", site.url("/early"))))
    report = run_cycle(runtime)
    assert report.extracted.failed == 1 and "404" in report.extracted.errors[0]
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.state is ArticleState.pending and article.next_attempt_at is not None
        article.next_attempt_at = datetime.now(timezone.utc) - timedelta(seconds=1)  # time passes
        session.add(article)
        session.commit()
    publish(site, "/early", "Early bird")
    run_cycle(runtime)
    assert len(posted(sandbox)) == 2


def test_old_items_are_recorded_not_posted(make_runtime, site, sandbox, engine):
    runtime = make_runtime(feed={"max_age_hours": 6})
    run_cycle(runtime)
    publish(site, "/old", "Old news")
    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    site.pages["/feed"] = ("application/rss+xml", rss(("Old news", site.url("/old")), when=long_ago))
    run_cycle(runtime)
    assert posted(sandbox) == []
    with Session(engine) as session:
        assert session.exec(select(Article)).one().state is ArticleState.skipped


def test_backfill_posts_the_newest_items_of_a_new_feed(make_runtime, site, sandbox):
    now = datetime.now(timezone.utc)
    for n in range(3):
        publish(site, f"/s{n}", f"Story {n}")
    feed = rss(("Story 0", site.url("/s0")), when=now - timedelta(hours=2))[:-len(b"</channel></rss>")]
    feed += rss(("Story 1", site.url("/s1")), when=now - timedelta(hours=1)).split(b"</description>", 1)[1]
    site.pages["/feed"] = ("application/rss+xml", feed)
    run_cycle(make_runtime(feed={"backfill": 1}))
    assert {p["text"].split("\n")[0] for p in posted(sandbox) if p["platform"] == "twitter"} == {"Story 1"}


def test_posts_that_need_approval_wait_for_an_editor(make_runtime, site, sandbox, engine):
    runtime = make_runtime(require_approval=True)
    run_cycle(runtime)
    publish(site, "/b", "Needs a look")
    site.pages["/feed"] = ("application/rss+xml", rss(("Needs a look", site.url("/b"))))
    run_cycle(runtime)
    assert posted(sandbox) == []
    with Session(engine) as session:
        assert {p.state for p in session.exec(select(Post))} == {PostState.awaiting_approval}


def test_an_unchanged_feed_costs_a_conditional_request(make_runtime, site):
    runtime = make_runtime()
    site.pages["/feed"] = ("application/rss+xml", rss())
    run_cycle(runtime)
    run_cycle(runtime)
    run_cycle(runtime)
    assert site.requests.count("/feed") == 3 and site.not_modified == ["/feed", "/feed"]


def test_a_story_in_two_feeds_reaches_the_accounts_of_both(engine, sandbox, site, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    site.pages["/local"] = ("application/rss+xml", rss())
    settings = Settings(
        fetch={"allow_private_networks": True},
        feeds=[{"url": site.url("/feed"), "accounts": ["x-main"], "canonical_sites": ["news.example"]},
               {"url": site.url("/local"), "accounts": ["fb-main"], "canonical_sites": ["news.example"]}],
        accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox},
                  {"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox}],
    )
    runtime = Runtime(settings, engine)
    run_cycle(runtime)
    publish(site, "/s", "Shared story", "https://news.example/shared-story")
    publish(site, "/local/shared-story", "Shared story", "https://news.example/shared-story")
    site.pages["/feed"] = ("application/rss+xml", rss(("Shared story", site.url("/s"))))
    run_cycle(runtime)
    site.pages["/local"] = ("application/rss+xml", rss(("Shared story", site.url("/local/shared-story"))))
    run_cycle(runtime)
    run_cycle(runtime)
    assert sorted(p["platform"] for p in posted(sandbox)) == ["facebook", "twitter"]


def test_a_page_that_breaks_the_extractor_does_not_block_the_others(make_runtime, site, sandbox, engine, monkeypatch):
    import distributor.pipeline as pipeline

    runtime = make_runtime()
    run_cycle(runtime)
    publish(site, "/bad", "Poison")
    publish(site, "/good", "Good story")
    site.pages["/feed"] = ("application/rss+xml", rss(("Poison", site.url("/bad")), ("Good story", site.url("/good"))))
    real = pipeline.extract_page

    def strange(content, **kw):  # a bug on one page shape, as a page with "http://[::1" once caused
        if b"Poison" in content:
            raise ValueError("Invalid IPv6 URL")
        return real(content, **kw)

    monkeypatch.setattr(pipeline, "extract_page", strange)
    report = run_cycle(runtime)
    assert report.extracted.failed == 1 and report.extracted.done == 1
    assert [p["text"].split("\n")[0] for p in posted(sandbox) if p["platform"] == "twitter"] == ["Good story"]
    with Session(engine) as session:
        poison = session.exec(select(Article).where(Article.title == "Poison")).one()
        assert poison.attempts == 1 and "Invalid IPv6 URL" in poison.error


def test_an_editors_post_of_an_article_stands_in_for_that_accounts_automatic_post(make_runtime, site, sandbox, engine):
    from distributor.manual import read_article, queue_manual_post

    runtime = make_runtime()
    run_cycle(runtime)
    publish(site, "/hot", "Hot story")
    site.pages["/feed"] = ("application/rss+xml", rss(("Hot story", site.url("/hot"))))
    from distributor.pipeline import discover

    discover(runtime, force=True)  # the feed has it: pending
    read_article(runtime, site.url("/hot"))  # an editor previews it: nothing changes for the bot
    queue_manual_post(runtime, runtime.settings.account("x-main"), article_url=site.url("/hot"),
                      text="Our take on the hot story", actor="ed@news.example")
    run_cycle(runtime)
    tweets = [p["text"] for p in posted(sandbox) if p["platform"] == "twitter"]
    assert len(tweets) == 1 and tweets[0].startswith("Our take on the hot story")  # not the automatic one too
    assert [p["platform"] for p in posted(sandbox)].count("facebook") == 1  # fb-main still gets its own


def test_a_news_sitemap_works_as_a_feed(make_runtime, site, sandbox):
    def sitemap(*paths: str) -> bytes:
        entries = "".join(
            f"<url><loc>{site.url(p)}</loc><news:news><news:publication_date>"
            f"{datetime.now(timezone.utc).isoformat()}</news:publication_date><news:title>Title</news:title>"
            f"</news:news></url>" for p in paths
        )
        return (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + entries.encode() + b"</urlset>")

    runtime = make_runtime()
    site.pages["/feed"] = ("application/xml", sitemap("/old"))
    run_cycle(runtime)  # first sight: /old is backlog
    publish(site, "/new", "Sitemap story")
    site.pages["/feed"] = ("application/xml", sitemap("/new", "/old"))
    run_cycle(runtime)
    assert {p["text"].split("\n")[0] for p in posted(sandbox) if p["platform"] == "twitter"} == {"Sitemap story"}


def test_a_feed_that_stops_answering_says_since_when_in_the_cli_the_api_and_the_desk(make_runtime, site, engine):
    """A newsroom leaves the bot alone: a feed gone 404 must read as failing, since when and how often,
    not as the 200 of its last good poll; and when it last listed a new story."""
    from fastapi.testclient import TestClient

    from distributor import source_status
    from distributor.web import create_app
    from tests.helpers.desk import log_in, seed_people

    runtime = make_runtime()
    run_cycle(runtime)
    publish(site, "/a", "First story")
    site.pages["/feed"] = ("application/rss+xml", rss(("First story", site.url("/a"))))
    run_cycle(runtime)
    del site.pages["/feed"]  # the CMS moved its feed: 404 from now on
    started = datetime.now(timezone.utc)
    run_cycle(runtime)
    run_cycle(runtime)
    with Session(engine) as session:
        [row] = source_status.overview(session, runtime.settings)  # the door of `sources --json` and /api/sources
    assert row["state"] == "failing" and "HTTP 404" in row["error"] and row["last_status"] == 404
    assert row["failures"] == 2
    assert started - timedelta(seconds=5) <= datetime.fromisoformat(row["failing_since"]) <= started + timedelta(minutes=1)
    assert row["last_new_item_at"] is not None
    seed_people(engine)
    client = TestClient(create_app(runtime.settings, engine, runtime=runtime))
    log_in(client, "editor@example.com")
    page = client.get("/sources").text
    assert "HTTP 404" in page and f"failing since {row['failing_since'][:16]} UTC, 2 polls in a row" in page


def test_a_feed_whose_server_stops_answering_shows_no_stale_http_status(make_runtime, site, engine):
    """The connection is refused (the CMS is down): no HTTP answer, so `sources --json` must not go on
    showing the 200 of the last poll that worked beside the error."""
    from distributor import source_status

    runtime = make_runtime()
    run_cycle(runtime)
    with Session(engine) as session:
        assert source_status.overview(session, runtime.settings)[0]["last_status"] == 200
    site.server.shutdown()
    site.server.server_close()  # nothing listens on the feed's port any more
    run_cycle(runtime)
    with Session(engine) as session:
        [row] = source_status.overview(session, runtime.settings)
    assert row["state"] == "failing" and row["failures"] == 1 and row["last_status"] is None, row
