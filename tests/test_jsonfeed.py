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
NOW = datetime.now(timezone.utc).replace(microsecond=0)


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
    old = {"id": "urn:1", "url": site.url("/earlier"), "date_published": (NOW - timedelta(hours=3)).isoformat()}
    site.pages["/feed.json"] = ("application/feed+json", json_feed(old))
    run_cycle(runtime)  # the baseline: the back catalogue is not posted
    assert sent(engine) == []
    page(site, "/ferry", "Ferry vote passes")
    story = {"id": "urn:2", "url": site.url("/ferry"), "title": "Ferry vote passes", "date_published": NOW.isoformat()}
    site.pages["/feed.json"] = ("application/json; charset=utf-8", json_feed(story, old))
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/ferry")]
    # edited: a corrected slug under the same id, a new title, a modified date
    page(site, "/ferry-vote", "Ferry vote passes narrowly")
    edited = {**story, "url": site.url("/ferry-vote"), "title": "Ferry vote passes narrowly",
              "date_modified": (NOW + timedelta(minutes=5)).isoformat()}
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
