"""JSON Feed 1 and 1.1 (jsonfeed.org): read with the same identity and date rules as RSS/Atom,
polled and posted end to end from a local site, refused in one line when it is not one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from distributor.errors import FeedError
from distributor.models import Article
from distributor.pipeline import run_cycle
from distributor.sources import parse_feed
from tests.test_post_on_publish_identity import make_runtime, page, sent, site  # noqa: F401 - fixtures

FEED_URL = "https://news.example/feed.json"


def now() -> datetime:
    """The time now (read per test: one read at collection goes stale on a long run, and a story
    dated before its feed's empty first poll is back catalogue)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def json_feed(*items: dict, version: str = "1.1", **top) -> bytes:
    return json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "News",
                       "items": list(items), **top}).encode()


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_a_json_feeds_items_read_like_a_feeds(version):
    body = json_feed(
        {"id": "urn:story:1", "url": "https://news.example/ferry?utm_source=rss", "title": "Ferry  vote",
         "summary": "Councillors voted.", "date_published": "2026-11-30T09:15:00+01:00", "tags": ["Politics", "Ferry"],
         "image": "/img/ferry.jpg"},
        {"id": "https://news.example/harbour", "content_html": "<p>The wall <b>was</b> repaired.</p>",
         "date_modified": "2026-11-30T10:00:00Z",
         "attachments": [{"url": "https://cdn.example/a.png", "mime_type": "image/png"}]},
        {"id": 7, "url": "https://news.example/undated", "content_text": "No date here."},
        {"id": "no-link", "title": "Nothing to post"},
        {"id": "urn:story:1b", "url": "https://news.example/ferry"},  # the same article again: kept once
        "not an item",
        version=version,
    )
    items = parse_feed(body, FEED_URL, "application/feed+json")
    assert [i.link for i in items] == ["https://news.example/ferry?utm_source=rss", "https://news.example/harbour",
                                       "https://news.example/undated"]
    ferry, harbour, undated = items
    assert ferry.key == "https://news.example/ferry" and ferry.stable_guid == "urn:story:1"
    assert ferry.title == "Ferry vote" and ferry.summary == "Councillors voted." and ferry.tags == ["Politics", "Ferry"]
    assert ferry.published_at == datetime(2026, 11, 30, 8, 15, tzinfo=timezone.utc)
    assert ferry.image_url == "https://news.example/img/ferry.jpg"
    assert harbour.summary == "The wall was repaired." and harbour.stable_guid is None
    assert harbour.published_at == datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
    assert harbour.image_url == "https://cdn.example/a.png"
    assert undated.published_at is None and undated.guid == "7"


def test_a_date_without_a_zone_or_not_a_date_leaves_the_item_undated():
    body = json_feed({"id": "1", "url": "https://news.example/a", "date_published": "2026-11-30T09:15:00"},
                     {"id": "2", "url": "https://news.example/b", "date_published": "yesterday"},
                     {"id": "3", "url": "https://news.example/c", "date_published": 1700000000})
    assert [i.published_at for i in parse_feed(body, FEED_URL)] == [None, None, None]


@pytest.mark.parametrize("body, words", [
    (b'{"version": "https://jsonfeed.org/version/1.1"}', 'without an "items" list'),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}}', 'without an "items" list'),
    (b'{"version": 2, "items": []}', "not RSS, Atom or JSON Feed"),
    (b'{"version": "\xff"}', "not UTF-8 JSON"),
])
def test_a_broken_json_feed_is_a_one_line_error(body, words):
    with pytest.raises(FeedError) as raised:
        parse_feed(body, FEED_URL, "application/feed+json")
    assert str(raised.value).startswith(f"{FEED_URL} is not a feed: ") and words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_json_feed_is_polled_and_posted_once_and_an_edited_item_is_not_posted_again(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/feed.json", "accounts": ["web"]}], [{"name": "web"}])
    old = {"id": "urn:1", "url": site.url("/earlier"), "date_published": (now() - timedelta(hours=3)).isoformat()}
    site.pages["/feed.json"] = ("application/feed+json", json_feed(old))
    run_cycle(runtime)  # the baseline: the back catalogue is not posted
    assert sent(engine) == []
    page(site, "/ferry", "Ferry vote passes")
    story = {"id": "urn:2", "url": site.url("/ferry"), "title": "Ferry vote passes", "date_published": now().isoformat()}
    site.pages["/feed.json"] = ("application/json; charset=utf-8", json_feed(story, old))
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/ferry")]
    # edited: a corrected slug under the same id, a new title, a modified date
    page(site, "/ferry-vote", "Ferry vote passes narrowly")
    edited = {**story, "url": site.url("/ferry-vote"), "title": "Ferry vote passes narrowly",
              "date_modified": (now() + timedelta(minutes=5)).isoformat()}
    site.pages["/feed.json"] = ("application/feed+json", json_feed(edited, old, version="1"))
    run_cycle(runtime)
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/ferry")]


def test_a_json_feed_over_the_size_limit_is_refused_and_nothing_recorded(engine, site, tmp_path):
    from distributor.config import Settings
    from distributor.models import Feed
    from distributor.pipeline import Runtime

    big = json_feed(*({"id": str(i), "url": site.url(f"/s{i}"), "content_text": "x" * 200} for i in range(200)))
    site.pages["/feed.json"] = ("application/feed+json", big)
    settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 5, "max_page_bytes": 20_000},
                        feeds=[{"url": site.url("/feed.json")}], accounts=[{"name": "web", "platform": "dryrun"}],
                        templates_dir=str(tmp_path), config_dir=str(tmp_path))
    report = run_cycle(Runtime(settings, engine))
    assert report.discovered.failed == 1 and "over the limit of 20,000" in report.discovered.errors[0]
    with Session(engine) as session:
        assert session.exec(select(Article)).all() == []
        assert session.exec(select(Feed)).one().last_error


def test_a_json_feed_names_its_websub_hub_and_topic():
    from distributor.sources.jsonfeed import parse_json_feed

    body = json_feed(hubs=[{"type": "rssCloud", "url": "https://cloud.example/"},
                           {"type": "WebSub", "url": "https://hub.example/"}],
                     feed_url="https://news.example/feed.json?v=1")
    assert parse_json_feed(body, FEED_URL)[1:] == ("https://hub.example/", "https://news.example/feed.json?v=1")
    assert parse_json_feed(json_feed(hubs="nonsense"), FEED_URL)[1:] == (None, FEED_URL)


# --- hostile JSON: one line, never a traceback, linear in the body


@pytest.mark.parametrize("body, words", [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": ' + b"9" * 5000 + b"}]}",
     "a number too long"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "nested too deeply"),
])
def test_hostile_json_is_a_one_line_error(body, words):
    with pytest.raises(FeedError) as raised:
        parse_feed(body, FEED_URL, "application/feed+json")
    assert str(raised.value).startswith(f"{FEED_URL} is not a feed: ") and words in str(raised.value)


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_beyond_the_calendar_leaves_the_item_undated(date):
    body = json_feed({"id": "1", "url": "https://news.example/a", "date_published": date})
    assert [i.published_at for i in parse_feed(body, FEED_URL)] == [None]


def test_tags_are_read_in_linear_time_and_kept_once():
    """100,000 distinct tags (~1.2 MB) on one item: a list membership test per tag took minutes."""
    import time

    tags = ["Ferry  vote", "Ferry vote", *(f"t{i}" for i in range(100_000))]
    body = json_feed({"id": "1", "url": "https://news.example/a", "tags": tags})
    started = time.monotonic()
    [item] = parse_feed(body, FEED_URL)
    assert time.monotonic() - started < 20
    assert item.tags[:2] == ["Ferry vote", "t0"] and len(item.tags) == 100_001


def test_nul_and_lone_surrogates_are_not_stored_and_do_not_stop_the_feed(make_runtime, site, engine):
    r"""JSON may escape what XML cannot carry (\u0000, a lone \ud800): PostgreSQL refuses both in text,
    so one such item failed the feed's every poll."""
    runtime = make_runtime([{"url": "/feed.json", "accounts": ["web"]}], [{"name": "web"}])
    site.pages["/feed.json"] = ("application/feed+json", json_feed({"id": "urn:0", "url": site.url("/earlier")}))
    run_cycle(runtime)
    page(site, "/ferry", "Ferry vote passes")
    hostile = ('{"id": "urn:\\u0000x", "url": "%s", "title": "Ferry\\u0000 vote \\ud800passes",'
               ' "summary": "Nul\\u0000 here", "tags": ["a\\u0000b", "\\udfff"]}' % site.url("/ferry"))
    bad_link = '{"id": "urn:3", "url": "%s"}' % site.url("/x\\u0000y")
    body = json_feed().replace(b'"items": []', f'"items": [{hostile}, {bad_link}]'.encode())
    site.pages["/feed.json"] = ("application/feed+json", body)
    report = run_cycle(runtime)
    assert report.discovered.failed == 0, report.discovered.errors
    assert [link for _, _, link in sent(engine)] == [site.url("/ferry")]
    with Session(engine) as session:
        assert sorted(a.url for a in session.exec(select(Article))) == [site.url("/earlier"), site.url("/ferry")]


def test_stories_sharing_one_id_are_each_posted(make_runtime, site, engine):
    """A generator that gives every item the same id ("1", the site's name): the id is no stable
    guid then, and the second story was taken for an edit of the first and never posted."""
    runtime = make_runtime([{"url": "/feed.json", "accounts": ["web"]}], [{"name": "web"}])
    site.pages["/feed.json"] = ("application/feed+json", json_feed({"id": "1", "url": site.url("/earlier")}))
    run_cycle(runtime)
    for path in ("/ferry", "/harbour"):
        page(site, path, f"Story {path}")
    site.pages["/feed.json"] = ("application/feed+json", json_feed(
        {"id": "1", "url": site.url("/harbour"), "date_published": now().isoformat()},
        {"id": "1", "url": site.url("/ferry"), "date_published": (now() - timedelta(minutes=5)).isoformat()},
        {"id": "1", "url": site.url("/earlier")}))
    run_cycle(runtime)
    assert sorted(link for _, _, link in sent(engine)) == [site.url("/ferry"), site.url("/harbour")]


def test_a_date_written_as_rss_writes_it_still_dates_the_item():
    """Some generators format date_published as RSS does: undated, such an item escaped max_age_hours."""
    body = json_feed({"id": "1", "url": "https://news.example/a", "date_published": "Mon, 30 Nov 2026 09:15:00 +0100"},
                     {"id": "2", "url": "https://news.example/b", "date_modified": "Mon, 30 Nov 2026 10:00:00 GMT"})
    assert [i.published_at for i in parse_feed(body, FEED_URL)] == [
        datetime(2026, 11, 30, 8, 15, tzinfo=timezone.utc), datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)]
