"""Post-on-publish on real feeds (issue 19): which stories reach which accounts, under which link.

A local news site (tests/newsroom.py) serves the feeds and pages; the accounts
are dryrun accounts, so what "went out" is what the desk shows: the sent
posts of each account, with their text and link. Every test runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, ArticleState, Post, PostState
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, article_page

NOW = datetime.now(timezone.utc)  # for dates hours or days away; an item's default date is the time the feed is written


def feed(*items: dict) -> tuple[str, bytes]:
    """An RSS 2.0 feed; each item: link, and optionally title, summary, guid, permalink, when (None: undated)."""
    body = []
    for item in items:
        parts = [f"<title>{escape(item.get('title', 'A story'))}</title>", f"<link>{escape(item['link'])}</link>"]
        if item.get("summary"):
            parts.append(f"<description>{escape(item['summary'])}</description>")
        guid = item.get("guid", item["link"])
        permalink = "" if item.get("permalink", True) else ' isPermaLink="false"'
        parts.append(f"<guid{permalink}>{escape(guid)}</guid>")
        # (not NOW: a test run minutes after collection would list a story dated before its feed's empty first poll)
        when = item.get("when", datetime.now(timezone.utc))
        if when is not None:
            parts.append(f"<pubDate>{format_datetime(when)}</pubDate>")
        body.append("<item>" + "".join(parts) + "</item>")
    xml = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x/</link>'
           f"<description>d</description>{''.join(body)}</channel></rss>")
    return "application/rss+xml", xml.encode()


def page(site: Site, path: str, title: str, canonical: str | None = None) -> None:
    site.pages[path] = ("text/html; charset=utf-8", article_page(title, canonical or site.url(path)))


@pytest.fixture
def site():
    with Site() as site:
        for path in ("/a", "/b", "/c"):
            site.pages[path] = feed()
        yield site


@pytest.fixture
def make_runtime(engine, site, tmp_path):
    def make(feeds: list[dict], accounts: list[dict]) -> Runtime:
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5},
            feeds=[{**f, "url": site.url(f["url"])} for f in feeds],
            accounts=[{"platform": "dryrun", **a} for a in accounts],
            templates_dir=str(tmp_path),
            config_dir=str(tmp_path),
        )
        return Runtime(settings, engine)

    return make


def sent(engine) -> list[tuple[str, str, str | None]]:
    """(account, text, link) of every post that went out, in order."""
    with Session(engine) as session:
        rows = session.exec(select(Post).where(Post.state == PostState.sent).order_by(Post.id)).all()
        return [(p.account, p.text, p.link) for p in rows]


def accounts_reached(engine) -> list[str]:
    return sorted(account for account, _, _ in sent(engine))


# --- 4. a story listed by several feeds reaches the accounts of every feed that lists it as new


def test_a_story_under_its_amp_link_in_one_feed_reaches_the_accounts_of_every_feed(make_runtime, site, engine):
    runtime = make_runtime(
        [{"url": "/a", "accounts": ["amp"]}, {"url": "/b", "accounts": ["web"]}, {"url": "/c", "accounts": ["local"]}],
        [{"name": "amp"}, {"name": "web"}, {"name": "local"}],
    )
    run_cycle(runtime)  # first sight of the three (empty) feeds
    page(site, "/amp/story", "Ferry vote passes", site.url("/story"))
    page(site, "/story", "Ferry vote passes")
    site.pages["/a"] = feed({"link": site.url("/amp/story")})
    run_cycle(runtime)
    site.pages["/b"] = feed({"link": site.url("/story")})
    run_cycle(runtime)
    site.pages["/c"] = feed({"link": site.url("/story")})  # the same link as B: already a "duplicate"
    run_cycle(runtime)
    run_cycle(runtime)
    assert accounts_reached(engine) == ["amp", "local", "web"]
    assert {link for _, _, link in sent(engine)} == {site.url("/story")}


def test_a_story_a_new_feed_took_as_backlog_still_reaches_another_feeds_accounts(make_runtime, site, engine):
    runtime = make_runtime(
        [{"url": "/a", "accounts": ["old-feed"]}, {"url": "/b", "accounts": ["new-feed"]}],
        [{"name": "old-feed"}, {"name": "new-feed"}],
    )
    run_cycle(runtime)  # both feeds seen, both empty
    page(site, "/story", "Council budget")
    # feed B is seen for the first time (a fresh database for it): its current item is backlog
    site.pages["/b"] = feed({"link": site.url("/story")})
    from distributor.models import Feed
    with Session(engine) as session:
        feed_b = session.exec(select(Feed).where(Feed.url == site.url("/b"))).one()
        feed_b.initialized, feed_b.last_polled_at = False, None
        session.add(feed_b)
        session.commit()
    run_cycle(runtime)
    assert sent(engine) == []
    site.pages["/a"] = feed({"link": site.url("/story")})  # feed A lists it as new
    run_cycle(runtime)
    assert accounts_reached(engine) == ["old-feed"]  # and the backlog feed's accounts still nothing


def test_a_story_too_old_for_one_feed_still_reaches_another_feeds_accounts(make_runtime, site, engine):
    runtime = make_runtime(
        [{"url": "/a", "accounts": ["strict"], "max_age_hours": 1}, {"url": "/b", "accounts": ["lenient"]}],
        [{"name": "strict"}, {"name": "lenient"}],
    )
    site.pages["/b"] = feed({"link": site.url("/earlier"), "when": NOW - timedelta(hours=5)})  # B's baseline
    run_cycle(runtime)
    page(site, "/story", "Harbour wall repaired")
    three_hours_ago = NOW - timedelta(hours=3)
    site.pages["/a"] = feed({"link": site.url("/story"), "when": three_hours_ago})
    run_cycle(runtime)
    assert sent(engine) == []
    site.pages["/b"] = feed({"link": site.url("/story"), "when": three_hours_ago})
    run_cycle(runtime)
    assert accounts_reached(engine) == ["lenient"]


# --- 5. a canonical URL names the story only when it can be trusted


def test_a_canonical_pointing_at_the_home_page_or_a_section_does_not_merge_stories(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a"}], [{"name": "desk"}])
    run_cycle(runtime)
    page(site, "/2026/12/01/ferry-vote", "Ferry vote passes", site.url("/"))
    page(site, "/2026/12/01/library-hours", "Library opens on Sundays", site.url("/"))
    page(site, "/news/2026/bridge-closed", "Bridge closed", site.url("/news/"))
    site.pages["/a"] = feed({"link": site.url("/2026/12/01/ferry-vote")}, {"link": site.url("/2026/12/01/library-hours")},
                            {"link": site.url("/news/2026/bridge-closed")})
    run_cycle(runtime)
    links = sorted(link for _, _, link in sent(engine))
    assert links == sorted([site.url("/2026/12/01/ferry-vote"), site.url("/2026/12/01/library-hours"),
                            site.url("/news/2026/bridge-closed")])
    with Session(engine) as session:
        assert {a.state for a in session.exec(select(Article))} == {ArticleState.extracted}


def test_a_canonical_on_another_site_does_not_become_our_link_unless_configured(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a", "accounts": ["desk"]}, {"url": "/b", "accounts": ["partner"],
                                                                  "canonical_sites": ["partner.example"]}],
                           [{"name": "desk"}, {"name": "partner"}])
    run_cycle(runtime)
    page(site, "/2026/scraped", "Scraped story", "https://elsewhere.example/2026/scraped")
    page(site, "/2026/syndicated", "Syndicated story", "https://www.partner.example/2026/syndicated")
    site.pages["/a"] = feed({"link": site.url("/2026/scraped")})
    site.pages["/b"] = feed({"link": site.url("/2026/syndicated")})
    run_cycle(runtime)
    assert sorted((account, link) for account, _, link in sent(engine)) == [
        ("desk", site.url("/2026/scraped")),
        ("partner", "https://www.partner.example/2026/syndicated"),
    ]


# --- 6. an edited slug under a stable guid is the same item


def test_an_edited_slug_with_a_stable_guid_is_posted_once(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a"}], [{"name": "desk"}])
    run_cycle(runtime)
    page(site, "/2026/counci-vote", "Counci vote")  # a typo in the slug ...
    site.pages["/a"] = feed({"link": site.url("/2026/counci-vote"), "guid": "story-4711", "permalink": False})
    run_cycle(runtime)
    page(site, "/2026/council-vote", "Council vote")  # ... fixed by the editor
    site.pages["/a"] = feed({"link": site.url("/2026/council-vote"), "guid": "story-4711", "permalink": False})
    run_cycle(runtime)
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/2026/counci-vote")]


def test_a_new_item_with_its_own_guid_is_still_new(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a"}], [{"name": "desk"}])
    run_cycle(runtime)
    page(site, "/2026/one", "One")
    page(site, "/2026/two", "Two")
    site.pages["/a"] = feed({"link": site.url("/2026/one"), "guid": "story-1", "permalink": False})
    run_cycle(runtime)
    site.pages["/a"] = feed({"link": site.url("/2026/two"), "guid": "story-2", "permalink": False},
                            {"link": site.url("/2026/one"), "guid": "story-1", "permalink": False})
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/2026/one"), site.url("/2026/two")]


# --- 9. backfill posts the newest real item


def test_backfill_posts_the_newest_dated_item_not_a_future_or_undated_one(make_runtime, site, engine):
    for path in ("/embargoed", "/undated", "/newest", "/older"):
        page(site, path, path.strip("/").title())
    site.pages["/a"] = feed(
        {"link": site.url("/embargoed"), "when": NOW + timedelta(days=1)},
        {"link": site.url("/undated"), "when": None},
        {"link": site.url("/older"), "when": NOW - timedelta(hours=2)},
        {"link": site.url("/newest"), "when": NOW - timedelta(hours=1)},
    )
    run_cycle(make_runtime([{"url": "/a", "backfill": 1}], [{"name": "desk"}]))
    assert [link for _, _, link in sent(engine)] == [site.url("/newest")]


# --- the automatic post key: article + account, whatever the template


def test_changing_an_accounts_template_does_not_post_a_story_again(make_runtime, site, engine, tmp_path):
    (tmp_path / "short.j2").write_text("{{ title }} {{ link }}")
    (tmp_path / "long.j2").write_text("Read: {{ title }} {{ link }}")
    feeds = [{"url": "/a"}, {"url": "/b"}]
    run_cycle(make_runtime(feeds, [{"name": "desk", "template": "short.j2"}]))
    page(site, "/story", "Tram line opens")
    site.pages["/a"] = feed({"link": site.url("/story")})
    run_cycle(make_runtime(feeds, [{"name": "desk", "template": "short.j2"}]))
    assert len(sent(engine)) == 1
    # the editors change the template; a second feed then lists the story, so it is read again
    site.pages["/b"] = feed({"link": site.url("/story")})
    run_cycle(make_runtime(feeds, [{"name": "desk", "template": "long.j2"}]))
    assert [text for _, text, _ in sent(engine)] == [f"Tram line opens {site.url('/story')}"]


def test_the_migration_rewrites_existing_automatic_keys(database_url):
    """Keys written before 0003 (with the template name) keep stopping a second post."""
    from sqlalchemy import text

    from distributor.db import make_engine, upgrade

    engine = make_engine(database_url)
    from alembic import command
    from alembic.config import Config

    from distributor.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")  # the fixture migrated to head: go back and write old keys
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO account (name, platform) VALUES ('desk', 'dryrun')"))
        connection.execute(text(
            "INSERT INTO article (id, url, state, attempts, discovered_at, data) "
            "VALUES (7, 'https://news.example/a', 'extracted', 0, CURRENT_TIMESTAMP, '{}')"))
        for post_id, key in ((1, "auto:7:desk:twitter.j2"), (2, "auto:7:desk:long.j2")):
            connection.execute(text(
                "INSERT INTO post (id, account, platform, article_id, template, auto_key, text, state, priority, "
                "scheduled_at, attempts, created_at, updated_at) VALUES "
                f"({post_id}, 'desk', 'dryrun', 7, 'x.j2', '{key}', 'old', 'sent', 0, CURRENT_TIMESTAMP, 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(engine)
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT id, auto_key FROM post ORDER BY id")).all())
    engine.dispose()
    assert keys == {1: "auto:7:desk", 2: "auto:7:desk:long.j2"}


# --- 2, 3. a composition failure is one account's, with its reason on the article and in the desk


def test_a_template_that_fails_for_one_account_does_not_stop_the_others(make_runtime, site, engine, tmp_path):
    (tmp_path / "sections.j2").write_text("{% if section %}{{ title }}{% endif %}")  # empty without a section
    (tmp_path / "divide.j2").write_text("{{ title }} {{ (tags|length)/0 }}")  # a Python error
    (tmp_path / "typo.j2").write_text("{{ titel }} {{ link }}")  # a missing variable
    runtime = make_runtime([{"url": "/a"}], [
        {"name": "works"}, {"name": "empty", "template": "sections.j2"},
        {"name": "divide", "template": "divide.j2"}, {"name": "typo", "template": "typo.j2"},
    ])
    run_cycle(runtime)
    page(site, "/story", "Storm closes the harbour")
    site.pages["/a"] = feed({"link": site.url("/story")})
    report = run_cycle(runtime)
    assert report.extracted.done == 1 and report.extracted.failed == 0
    assert sent(engine) == [("works", f"Storm closes the harbour {site.url('/story')}", site.url("/story"))]
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.state is ArticleState.extracted and article.attempts == 0
        skipped = article.skipped_accounts
        article_id = article.id
    assert sorted(skipped) == ["divide", "empty", "typo"]
    assert "empty text" in skipped["empty"]
    assert "ZeroDivisionError" in skipped["divide"]
    assert "titel" in skipped["typo"]
    run_cycle(runtime)
    assert site.requests.count("/story") == 1  # read once, not again every few minutes
    assert len(sent(engine)) == 1

    body = desk_client(runtime.settings, engine).get(f"/articles/{article_id}").text
    assert "Not posted automatically" in body
    for account in ("divide", "empty", "typo"):
        assert f"{account}: {skipped[account]}" in re.sub(r"<[^>]+>", "", html.unescape(body))


def test_the_feed_items_title_and_summary_stand_in_for_a_page_without_them(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a"}], [{"name": "x", "template": "twitter.j2"},
                                             {"name": "fb", "template": "facebook.j2"}])
    run_cycle(runtime)
    site.pages["/bare"] = ("text/html; charset=utf-8",
                           b"<!doctype html><html><body><article><p>The ferry runs again from Monday, "
                           b"the operator said, after the strike ended.</p></article></body></html>")
    site.pages["/a"] = feed({"link": site.url("/bare"), "title": "Ferry strike ends",
                             "summary": "Services resume on Monday after a week-long strike."})
    run_cycle(runtime)
    assert sorted(sent(engine)) == [
        ("fb", "Services resume on Monday after a week-long strike.", site.url("/bare")),
        ("x", f"Ferry strike ends\n\n{site.url('/bare')}", site.url("/bare")),
    ]


def test_a_story_with_no_headline_anywhere_is_not_posted_as_a_bare_link(make_runtime, site, engine):
    """An Atom entry with no title (it happens) for a page with none: X would get the URL alone."""
    runtime = make_runtime([{"url": "/a"}], [{"name": "x", "template": "twitter.j2"}])
    run_cycle(runtime)
    site.pages["/untitled"] = ("text/html; charset=utf-8", b"<!doctype html><html><body><div>"
                               b"<p>Photos from the weekend.</p></div></body></html>")
    site.pages["/a"] = ("application/atom+xml", (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:feed</id>'
        f'<updated>{datetime.now(timezone.utc).isoformat()}</updated>'
        f'<entry><id>urn:e1</id><link href="{site.url("/untitled")}"/>'
        f'<updated>{datetime.now(timezone.utc).isoformat()}</updated></entry></feed>').encode())
    run_cycle(runtime)
    assert sent(engine) == []
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert "nothing but the link" in article.skipped_accounts["x"]


def test_the_feed_items_image_stands_in_for_a_page_without_one(make_runtime, site, engine):
    """News feeds carry the story's photo (media:content, media:thumbnail, an enclosure); a page whose
    photo the extractor cannot find (none, a logo, markup that scripts would render) still posts it."""
    runtime = make_runtime([{"url": "/a"}], [{"name": "x", "template": "twitter.j2"}])
    run_cycle(runtime)
    site.pages["/bare"] = ("text/html; charset=utf-8",
                           b"<!doctype html><html><head><title>Ferry strike ends</title></head><body><article>"
                           b"<h1>Ferry strike ends</h1><p>The ferry runs again from Monday, the operator said, after "
                           b"the strike ended.</p></article></body></html>")
    site.pages["/photo"] = ("text/html; charset=utf-8", b"<!doctype html><html><head>"
        b'<meta property="og:image" content="' + site.url("/ferry.jpg").encode() + b'"><title>Ferry back</title>'
        b"</head><body><article><h1>Ferry back</h1><p>The page names its own photo, which wins over the feed's."
        b"</p></article></body></html>")
    media, when = 'xmlns:media="http://search.yahoo.com/mrss/"', format_datetime(datetime.now(timezone.utc))
    xml = (f'<?xml version="1.0"?><rss version="2.0" {media}><channel><title>T</title><link>http://x/</link>'
           f"<description>d</description>"
           f"<item><title>Ferry strike ends</title><link>{site.url('/bare')}</link><pubDate>{when}</pubDate>"
           f"<media:content url=\"{site.url('/feed-small.jpg')}\" medium=\"image\" width=\"140\"/>"
           f"<media:content url=\"{site.url('/feed-large.jpg')}\" medium=\"image\" width=\"1200\"/></item>"
           f"<item><title>Ferry back</title><link>{site.url('/photo')}</link><pubDate>{when}</pubDate>"
           f"<media:content url=\"{site.url('/feed-other.jpg')}\" medium=\"image\" width=\"1200\"/></item>"
           "</channel></rss>")
    site.pages["/a"] = ("application/rss+xml", xml.encode())
    run_cycle(runtime)
    with Session(engine) as session:
        images = {p.link: p.image_url for p in session.exec(select(Post))}
    assert images == {site.url("/bare"): site.url("/feed-large.jpg"), site.url("/photo"): site.url("/ferry.jpg")}


def desk_client(settings, engine):
    """The web desk, logged in as an editor."""
    from fastapi.testclient import TestClient

    from distributor import users
    from distributor.web import create_app

    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        session.commit()
    client = TestClient(create_app(settings, engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "desk@example.com", "password": "a long password", "csrf_token": token})
    return client


# --- the decisions as tables


@pytest.mark.parametrize(("canonical", "link", "extra", "trusted"), [
    # a feed link through a redirector: the page it ends on decides (see the page_url case below)
    ("https://news.example/2026/ferry-vote", "https://redirect.example/r/abc123", (), False),
    ("https://news.example/2026/ferry-vote", "https://news.example/2026/ferry-vote?utm_source=rss", (), True),
    ("https://news.example/politics/ferry-vote", "https://news.example/amp/politics/ferry-vote", (), True),
    ("https://www.news.example/ferry-vote", "https://news.example/2026/12/01/ferry-vote", (), True),
    ("https://news.example/2026/ferry-vote-passes", "https://news.example/?p=123", (), True),
    ("https://news.example/", "https://news.example/2026/ferry-vote", (), False),  # the home page
    ("https://news.example", "https://news.example/2026/ferry-vote", (), False),
    ("https://news.example/politics/", "https://news.example/politics/ferry-vote", (), False),  # its section
    ("https://news.example/news", "https://news.example/2026/12/01/ferry-vote", (), False),  # a section
    ("https://other.example/2026/ferry-vote", "https://news.example/2026/ferry-vote", (), False),
    ("https://news.example.evil.example/2026/ferry-vote", "https://news.example/2026/ferry-vote", (), False),
    ("https://cdn.co.uk/2026/ferry-vote", "https://news.co.uk/2026/ferry-vote", (), False),  # co.uk is no site
    ("https://www.news.co.uk/2026/ferry-vote", "https://m.news.co.uk/2026/ferry-vote", (), True),
    ("https://main.example/2026/ferry-vote", "https://127.0.0.1:8080/2026/ferry-vote", ("main.example",), True),
    ("https://www.main.example/2026/ferry-vote", "https://cdn.example/2026/ferry-vote", ("main.example",), True),
    ("javascript:alert(1)", "https://news.example/2026/ferry-vote", (), False),
    ("https://news.example:99999/x", "https://news.example/2026/ferry-vote", (), False),
])
def test_which_canonical_urls_name_the_story(canonical, link, extra, trusted):
    from distributor.articles import canonical_distrust

    assert (canonical_distrust(canonical, link, extra) is None) is trusted


def test_a_canonical_on_the_site_a_redirecting_link_ends_on_is_trusted():
    from distributor.articles import canonical_distrust

    redirector, page = "https://redirect.example/r/abc123", "https://www.news.example/2026/12/01/ferry-vote"
    assert canonical_distrust("https://news.example/2026/12/01/ferry-vote", redirector, (), page) is None
    assert canonical_distrust("https://news.example/politics/", redirector, (), page) is not None
    assert canonical_distrust("https://elsewhere.example/2026/12/01/ferry-vote", redirector, (), page) is not None


def test_backfill_takes_the_newest_dated_items_that_are_out():
    from distributor.articles import backfill_keys
    from distributor.sources import FeedItem

    def item(key, when):
        return FeedItem(key=key, link=f"https://news.example/{key}", guid=None, title=key, published_at=when,
                        image_url=None, summary=None)

    items = [item("future", NOW + timedelta(days=1)), item("undated", None), item("skewed", NOW + timedelta(minutes=2)),
             item("hour", NOW - timedelta(hours=1)), item("day", NOW - timedelta(days=1))]
    assert backfill_keys(items, 1, NOW) == {"skewed"}  # a feed clock a little ahead is not the future
    assert backfill_keys(items, 2, NOW) == {"skewed", "hour"}
    assert backfill_keys(items, 9, NOW) == {"skewed", "hour", "day"}
    assert backfill_keys(items, 0, NOW) == set()
    assert backfill_keys([item("a", None), item("b", None)], 1, NOW) == {"a"}  # no dates at all: feed order


@pytest.mark.parametrize(("first_poll", "in_backfill", "age_hours", "reason"), [
    (False, False, 1, None),
    (False, False, None, None),  # undated: new
    (False, False, 49, "older than 48 hours"),
    (True, False, 1, "backlog when the feed was first seen"),
    (True, True, 1, None),
    (True, True, 49, "older than 48 hours"),  # backfill never posts what is too old
])
def test_what_a_feed_decides_about_an_item_it_lists(first_poll, in_backfill, age_hours, reason):
    from distributor.articles import why_this_feed_skips
    from distributor.sources import FeedItem

    when = None if age_hours is None else NOW - timedelta(hours=age_hours)
    item = FeedItem(key="k", link="https://news.example/k", guid=None, title="K", published_at=when,
                    image_url=None, summary=None)
    backfill = {"k"} if in_backfill else set()
    assert why_this_feed_skips(item, first_poll=first_poll, backfill=backfill, now=NOW, max_age_hours=48) == reason


# --- 1. a paced account's automatic post takes the next free slot, not the end of the queue


def test_a_far_future_post_does_not_delay_a_paced_accounts_automatic_post(make_runtime, site, engine):
    from distributor import posts

    runtime = make_runtime([{"url": "/a"}], [{"name": "desk", "min_gap_minutes": 10}])
    run_cycle(runtime)
    with Session(engine) as session:
        posts.create_post(session, runtime.settings.account("desk"), text="Christmas appeal",
                          at=NOW + timedelta(days=20), actor="ana@desk")
        session.commit()
    page(site, "/breaking", "Breaking: bridge closed")
    site.pages["/a"] = feed({"link": site.url("/breaking")})
    run_cycle(runtime)
    assert [text for _, text, _ in sent(engine)] == [f"Breaking: bridge closed {site.url('/breaking')}"]


def test_a_template_that_is_only_the_link_still_posts_a_story_with_a_headline(make_runtime, site, engine, tmp_path):
    """A Mastodon or Bluesky account whose template is `{{ link }}` on purpose (the platform's card shows
    the headline and photo): a story with a headline is posted, as before; only a story with none is not."""
    (tmp_path / "card.j2").write_text("{{ link }}", encoding="utf-8")
    runtime = make_runtime([{"url": "/a"}], [{"name": "cards", "template": "card.j2"}])
    run_cycle(runtime)
    page(site, "/ferry", "Ferry strike ends")
    site.pages["/a"] = feed({"link": site.url("/ferry"), "title": "Ferry strike ends"})
    run_cycle(runtime)
    assert sent(engine) == [("cards", site.url("/ferry"), site.url("/ferry"))]
