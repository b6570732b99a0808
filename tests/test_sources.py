"""Feed sources: what the pipeline gets out of a feed, and what it costs to poll one."""

from __future__ import annotations

import gzip
import re
import threading
import time
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from distributor.config import FetchSettings
from distributor.errors import FeedError, FetchError, FetchRefused
from distributor.fetch import Fetcher
from distributor.sources import item_key, normalise_url, parse_feed, parse_sitemap, poll_feed
from distributor.sources import rss

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
FEED_URL = "https://feeds.example.com/city/feed.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- flavours -------------------------------------------------------------------------


def test_rss20_items_carry_link_date_image_summary_and_tags():
    items = parse_feed(fixture("rss20.xml"), FEED_URL)
    assert [i.title for i in items] == [
        "Council approves new harbour bridge",
        "Storm warning for the coast",
        "Ferry timetable changes",
    ]
    bridge, storm, ferry = items
    assert bridge.link == "https://news.example.org/local/harbour-bridge?utm_source=rss&utm_medium=feed"
    assert bridge.key == "https://news.example.org/local/harbour-bridge"
    assert bridge.guid == "gazette-1001"
    assert bridge.published_at == utc(2026, 11, 24, 7, 30)  # +0100 converted to UTC
    assert bridge.image_url == "https://img.example.org/bridge-large.jpg"  # the widest media:content
    assert bridge.summary == "The vote was 7 to 2 after a long night."  # HTML reduced to text
    assert bridge.tags == ["Local", "Transport"]
    assert storm.published_at == utc(2026, 11, 24, 6, 0)  # dc:date
    assert storm.image_url == "https://img.example.org/storm-thumb.jpg"  # media:thumbnail
    assert ferry.image_url == "https://img.example.org/ferry.png"  # image enclosure
    assert ferry.summary is None


def test_rss091_without_dates():
    items = parse_feed(fixture("rss091.xml"), FEED_URL)
    assert [i.link for i in items] == [
        "http://bulletin.example.net/library-sundays.html",
        "http://bulletin.example.net/school-fair.html",
    ]
    assert all(i.published_at is None for i in items)


def test_rss10_rdf():
    items = parse_feed(fixture("rss10.xml"), FEED_URL)
    assert [i.title for i in items] == ["Food for fungi", "Why the tides are late"]
    assert items[0].published_at == utc(2026, 11, 21, 0, 29, 47)
    assert items[0].tags == ["Botany"]


def test_atom03_resolves_links_against_xml_base():
    [item] = parse_feed(fixture("atom03.xml"), FEED_URL)
    assert item.link == "https://blog.example.org/archives/000042.html"
    assert item.published_at == utc(2026, 11, 21, 8, 0)  # issued, not modified
    assert item.summary == "Our method, explained."


def test_atom10_relative_links_xml_base_dates_and_entries_without_links():
    items = parse_feed(fixture("atom10.xml"), FEED_URL)
    by_title = {i.title: i for i in items}
    # no xml:base: relative to the feed's own URL
    assert by_title["Mayor resigns"].link == "https://feeds.example.com/city/stories/mayor-resigns"
    assert by_title["Mayor resigns"].image_url == "https://feeds.example.com/img/mayor.jpg"
    # entry-scoped xml:base, and it does not leak into the next entry
    assert by_title["Market reopens"].link == "https://other.example.com/sections/market-reopens"
    assert by_title["Sports roundup"].link == "https://feeds.example.com/city/stories/sports-roundup"
    # published wins over updated; updated when there is no published; else None
    assert by_title["Mayor resigns"].published_at == utc(2026, 11, 24, 8, 15)
    assert by_title["Market reopens"].published_at == utc(2026, 11, 23, 8, 0)
    assert by_title["Sports roundup"].published_at is None
    # the entry with neither link nor date is skipped, the order is kept
    assert list(by_title) == ["Mayor resigns", "Market reopens", "Sports roundup"]


def test_guid_is_the_link_only_when_it_is_an_http_permalink():
    items = parse_feed(fixture("rss20-guids.xml"), FEED_URL)
    assert [(i.title, i.link) for i in items] == [
        ("Guid explicitly a permalink", "https://guids.example.org/explicit-permalink"),
        ("Guid permalink by default", "https://guids.example.org/default-permalink"),
        ("Link wins over guid", "https://guids.example.org/the-link"),
    ]
    assert items[2].guid == "https://guids.example.org/the-guid"


def test_latin1_declared_feed_reads_its_accents():
    items = parse_feed(fixture("rss20-latin1.xml"), FEED_URL)
    assert items[0].title == "Mãe de utente é a nova presidente da associação"
    assert items[1].tags == ["Política"]


def test_mislabelled_encodings_still_read_correctly():
    original = fixture("rss20-latin1.xml")
    utf8_says_latin1 = original.decode("iso-8859-1").encode("utf-8")  # declaration still says ISO-8859-1
    latin1_says_utf8 = original.replace(b'encoding="ISO-8859-1"', b'encoding="utf-8"')
    for body, header in [
        (utf8_says_latin1, "application/rss+xml; charset=iso-8859-1"),
        (latin1_says_utf8, "text/xml; charset=utf-8"),
        (original, "text/html; charset=utf-8"),
    ]:
        items = parse_feed(body, FEED_URL, header)
        assert items[0].title == "Mãe de utente é a nova presidente da associação", header


# --- identity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://News.Example.ORG:443/a/b?utm_source=x&id=3#comments", "https://news.example.org/a/b?id=3"),
        ("http://news.example.org:80", "http://news.example.org/"),
        ("http://news.example.org:8080/x", "http://news.example.org:8080/x"),
        ("https://n.example/p?b=2&a=1&fbclid=Z&gclid=Y&mc_cid=1&mc_eid=2&ocid=3&cmpid=4", "https://n.example/p?a=1&b=2"),
        ("https://n.example/p?UTM_Campaign=spring&q=caf%C3%A9", "https://n.example/p?q=caf%C3%A9"),
        ("https://n.example/Case/Path?utm_medium=rss", "https://n.example/Case/Path"),
        ("  https://n.example/p?flag  ", "https://n.example/p?flag"),
        ("urn:uuid:1234", "urn:uuid:1234"),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_rebumped_reordered_edited_items_keep_their_keys():
    first = parse_feed(fixture("rss20.xml"), FEED_URL)
    edited = (
        fixture("rss20.xml")
        .replace(b"Council approves new harbour bridge", b"UPDATED: Council approves harbour bridge")
        .replace(b"Tue, 24 Nov 2026 08:30:00 +0100", b"Wed, 25 Nov 2026 09:00:00 +0100")  # re-bumped
        .replace(b"gazette-1001", b"gazette-1001-rev2")  # a CMS that changes guids on edit
        .replace(b"utm_source=rss&amp;utm_medium=feed", b"utm_source=newsletter")
        .replace(b"https://news.example.org/weather", b"HTTPS://NEWS.example.org:443/weather")
    )
    # and the feed now lists the items in reverse order
    blocks = re.findall(rb"<item>.*?</item>", edited, re.S)
    start, end = edited.index(blocks[0]), edited.index(blocks[-1]) + len(blocks[-1])
    reordered = edited[:start] + b"\n".join(reversed(blocks)) + edited[end:]
    second = parse_feed(reordered, FEED_URL)
    assert [i.title for i in second][-1] == "UPDATED: Council approves harbour bridge"
    assert sorted(i.key for i in second) == sorted(i.key for i in first)


def test_same_article_twice_in_one_feed_is_one_item():
    body = fixture("rss20.xml").replace(
        b"https://news.example.org/transport/ferry-timetable", b"https://news.example.org/weather/storm-warning#x"
    )
    items = parse_feed(body, FEED_URL)
    assert [i.title for i in items] == ["Council approves new harbour bridge", "Storm warning for the coast"]


def test_item_key_falls_back_to_guid_then_content_hash():
    assert item_key("https://a.example/x?utm_source=y", "g", "t", "s") == "https://a.example/x"
    assert item_key(None, " guid-7 ", "t", "s") == "guid-7"
    hashed = item_key(None, None, "Title", "Summary")
    assert hashed.startswith("sha256:")
    assert hashed == item_key(None, "", "Title", "Summary")
    assert hashed != item_key(None, None, "Title", "Other summary")


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, content_type, words",
    [
        (b"", None, "empty"),
        (b"  \n ", None, "empty"),
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>News</p></body></html>", "text/html", "HTML page"),
        (b'{"status": "ok", "stories": []}', "application/json", "it is JSON, not RSS, Atom or JSON Feed"),
        (b'[1, 2, 3]', "application/json", "it is JSON, not RSS, Atom or JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [}', "application/feed+json", "invalid JSON"),
        (b"[" * 100_000, "application/json", "JSON"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png", "not XML"),
        (b'<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>', None, "<urlset>"),
    ],
)
def test_not_a_feed_is_a_one_line_feed_error(body, content_type, words):
    with pytest.raises(FeedError) as raised:
        parse_feed(body, FEED_URL, content_type)
    message = str(raised.value)
    assert message.startswith(f"{FEED_URL} is not a feed: ")
    assert words in message
    assert "\n" not in message


def test_html_page_error_names_the_feed_it_advertises():
    page = (
        b'<!DOCTYPE html><html><head><title>Gazette</title>'
        b'<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed/"></head><body></body></html>'
    )
    with pytest.raises(FeedError, match=r"names its feed: https://feeds\.example\.com/feed/$"):
        parse_feed(page, FEED_URL, "text/html; charset=utf-8")


def test_truncated_feed_is_refused_rather_than_half_read():
    body = fixture("rss20.xml")
    cut = body.index(b"storm-warning</link>")  # mid-link of the second item
    with pytest.raises(FeedError, match="stops early"):
        parse_feed(body[:cut], FEED_URL)


def test_bozo_feed_with_items_is_still_used():
    # an unescaped "&" makes the XML invalid; the items are still clear
    body = fixture("rss20.xml").replace(b"Storm warning for the coast", b"Storm & rain warning")
    items = parse_feed(body, FEED_URL)
    assert [i.title for i in items][1] == "Storm & rain warning"
    assert len(items) == 3


def test_valid_feed_with_no_items_is_empty_not_an_error():
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(body, FEED_URL) == []


def test_ten_thousand_items_all_returned_in_order_quickly():
    items_xml = "".join(
        f"<item><title>Story {n}</title><link>https://big.example/story/{n}?utm_source=rss</link>"
        f"<pubDate>Wed, 25 Nov 2026 10:{n % 60:02d}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Lead {n}&lt;/p&gt;</description></item>"
        for n in range(10_000)
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>{items_xml}</channel></rss>'
    started = time.process_time()  # CPU time: other processes on a loaded machine do not count
    items = parse_feed(body.encode(), FEED_URL)
    elapsed = time.process_time() - started
    assert [i.key for i in items] == [f"https://big.example/story/{n}" for n in range(10_000)]
    assert items[-1].summary == "Lead 9999"
    # ~2.5 s of CPU on the development machine (feedparser is ~80% of it); a generous bound
    # that still catches an accidental quadratic step or the slow loose parser.
    assert elapsed < 20, f"10,000 items took {elapsed:.1f}s of CPU"


# --- polling over HTTP ------------------------------------------------------------------


class FeedServer:
    """A tiny feed host on 127.0.0.1 that honours ETag / Last-Modified and counts requests."""

    def __init__(self):
        self.feeds: dict[str, tuple[bytes, str | None, str | None]] = {}  # path -> body, etag, last-modified
        self.redirects: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                if self.path in server.redirects:
                    self.send_response(301)
                    self.send_header("Location", server.redirects[self.path])
                    self.end_headers()
                    return
                if self.path not in server.feeds:
                    self.send_error(404 if self.path != "/broken" else 500)
                    return
                body, etag, modified = server.feeds[self.path]
                etag_header = "Etag" if self.path.startswith("/go/") else "ETag"  # Go's net/http spelling
                fresh_etag = etag and self.headers.get("If-None-Match") == etag
                fresh_date = modified and self.headers.get("If-Modified-Since") == modified
                self.send_response(304 if (fresh_etag or fresh_date) else 200)
                if etag:
                    self.send_header(etag_header, etag)
                if modified:
                    self.send_header("Last-Modified", modified)
                if fresh_etag or fresh_date:
                    self.end_headers()
                    return
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def fetcher():
    return Fetcher(FetchSettings(allow_private_networks=True, timeout_seconds=5))


@pytest.fixture
def count_parses(monkeypatch):
    calls = []
    real = rss.feedparser.parse
    monkeypatch.setattr(rss.feedparser, "parse", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_second_poll_of_unchanged_feed_is_a_304_and_parses_nothing(feed_server, fetcher, count_parses):
    feed_server.feeds["/feed"] = (fixture("rss20.xml"), '"v1"', None)
    first = poll_feed(fetcher, feed_server.base + "/feed")
    assert not first.not_modified and len(first.items) == 3 and first.etag == '"v1"'
    assert count_parses == [1]

    second = poll_feed(fetcher, feed_server.base + "/feed", etag=first.etag)
    assert second.not_modified and second.items == []
    assert second.etag == '"v1"'
    assert feed_server.requests[1][1].get("If-None-Match") == '"v1"'
    assert count_parses == [1]  # the 304 cost no parsing

    feed_server.feeds["/feed"] = (fixture("rss091.xml"), '"v2"', None)  # the feed changes
    third = poll_feed(fetcher, feed_server.base + "/feed", etag=second.etag)
    assert not third.not_modified and third.etag == '"v2"'
    assert [i.title for i in third.items] == ["Library opens on Sundays", "School fair raises funds"]


def test_etag_header_spelling_does_not_matter(feed_server, fetcher):
    feed_server.feeds["/go/feed"] = (fixture("rss20.xml"), '"go1"', None)
    first = poll_feed(fetcher, feed_server.base + "/go/feed")
    assert first.etag == '"go1"'
    assert poll_feed(fetcher, feed_server.base + "/go/feed", etag=first.etag).not_modified


def test_conditional_poll_with_last_modified_only(feed_server, fetcher):
    stamp = formatdate(1_700_000_000, usegmt=True)
    feed_server.feeds["/feed"] = (fixture("rss10.xml"), None, stamp)
    first = poll_feed(fetcher, feed_server.base + "/feed")
    assert first.etag is None and first.last_modified == stamp
    second = poll_feed(fetcher, feed_server.base + "/feed", last_modified=first.last_modified)
    assert second.not_modified and second.last_modified == stamp
    assert feed_server.requests[1][1].get("If-Modified-Since") == stamp


def test_redirected_feed_resolves_relative_links_against_the_final_url(feed_server, fetcher):
    feed_server.feeds["/city/new/feed.xml"] = (fixture("atom10.xml"), '"a"', None)
    feed_server.redirects["/old-feed"] = "/city/new/feed.xml"
    poll = poll_feed(fetcher, feed_server.base + "/old-feed")
    assert poll.final_url == feed_server.base + "/city/new/feed.xml"
    assert poll.items[0].link == feed_server.base + "/city/new/stories/mayor-resigns"


def test_feed_on_loopback_is_refused_before_connecting(feed_server):
    feed_server.feeds["/feed"] = (fixture("rss20.xml"), '"v1"', None)
    strict = Fetcher(FetchSettings(allow_private_networks=False, timeout_seconds=5))
    with pytest.raises(FetchRefused, match="private or loopback"):
        poll_feed(strict, feed_server.base + "/feed")
    assert feed_server.requests == []


def test_http_errors_propagate_as_fetch_errors(feed_server, fetcher):
    with pytest.raises(FetchError, match="HTTP 500"):
        poll_feed(fetcher, feed_server.base + "/broken")


def test_not_a_feed_over_http_names_the_url(feed_server, fetcher):
    feed_server.feeds["/page"] = (b"<html><body><h1>Home</h1></body></html>", None, None)
    with pytest.raises(FeedError, match=r"/page is not a feed: it is an HTML page"):
        poll_feed(fetcher, feed_server.base + "/page")



# --- sitemaps ---------------------------------------------------------------------------

SITEMAP_URL = "https://news.example.org/sitemap.xml"


def test_google_news_sitemap_gives_title_date_keywords_and_image():
    bridge, storm = parse_sitemap(fixture("news-sitemap.xml"), SITEMAP_URL)
    assert bridge.title == "Council approves new harbour bridge"
    assert bridge.key == "https://news.example.org/local/harbour-bridge"  # utm dropped
    assert bridge.published_at == utc(2026, 11, 24, 7, 30)
    assert bridge.tags == ["Local", "Transport"]
    assert bridge.image_url == "https://img.example.org/bridge-large.jpg"
    assert storm.published_at == utc(2026, 11, 24)  # publication date wins over lastmod
    assert storm.image_url is None


def test_plain_sitemap_uses_lastmod_and_skips_duplicates_and_non_http():
    items = parse_sitemap(fixture("sitemap.xml"), SITEMAP_URL)
    assert [(i.link, i.published_at) for i in items] == [
        ("https://blog.example.org/archives/000042.html", utc(2026, 11, 22, 10, 0)),
        ("https://blog.example.org/about", None),
    ]
    assert all(i.title is None for i in items)


def test_gzipped_sitemap_is_read():
    items = parse_sitemap(gzip.compress(fixture("sitemap.xml")), SITEMAP_URL)
    assert len(items) == 2


def test_sitemap_index_names_a_sitemap_to_configure():
    with pytest.raises(FeedError, match="sitemap index of 2 sitemaps.*https://news.example.org/sitemaps/news.xml"):
        parse_sitemap(fixture("sitemap-index.xml"), SITEMAP_URL)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "empty"),
        (fixture("rss20.xml"), "<rss>"),
        (fixture("news-sitemap.xml")[:600], "line"),
        (b"<html><body>Not here</body></html>", "<html>"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (gzip.compress(fixture("sitemap.xml"))[:-20], "gzip"),
    ],
)
def test_not_a_sitemap_is_a_one_line_feed_error(body, words):
    with pytest.raises(FeedError) as raised:
        parse_sitemap(body, SITEMAP_URL)
    assert str(raised.value).startswith(f"{SITEMAP_URL} is not a sitemap: ")
    assert words in str(raised.value)


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE %(root)s [
<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY xxe SYSTEM "%(secret)s">
]>
"""


def test_entities_neither_explode_nor_read_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    prolog = {b"secret": secret.as_uri().encode()}
    feed = (ENTITY_BOMB % {**prolog, b"root": b"rss"}) + (
        b'<rss version="2.0"><channel><item><title>&h;</title><link>https://a.example/</link>'
        b"<description>&xxe;</description></item></channel></rss>"
    )
    [item] = parse_feed(feed, FEED_URL)
    assert len(item.title or "") < 1000
    assert "TOP-SECRET" not in (item.summary or "")
    sitemap = (ENTITY_BOMB % {**prolog, b"root": b"urlset"}) + (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&h;</loc></url></urlset>'
    )
    with pytest.raises(FeedError, match="is not a sitemap"):
        parse_sitemap(sitemap, SITEMAP_URL)


def test_a_guid_that_is_an_id_not_a_link_is_kept_as_the_items_stable_identity():
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            b'<item><link>https://news.example/a</link><guid isPermaLink="false">story-1</guid></item>'
            b'<item><link>https://news.example/b</link><guid isPermaLink="false">https://news.example/?p=2</guid></item>'
            b'<item><link>https://news.example/c</link><guid>https://news.example/c</guid></item>'
            b'<item><link>https://news.example/d</link><guid>cms-4</guid></item>'
            b'<item><link>https://news.example/e</link></item>'
            b'</channel></rss>')
    assert [i.stable_guid for i in parse_feed(feed, "https://news.example/feed")] == [
        "story-1", "https://news.example/?p=2", None, "cms-4", None,
    ]
    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            b'<entry><id>tag:news.example,2026:7</id><link href="https://news.example/f"/><title>F</title></entry>'
            b'</feed>')
    assert [i.stable_guid for i in parse_feed(atom, "https://news.example/feed")] == ["tag:news.example,2026:7"]


def _entity_bomb(levels: int, encoding: str = "utf-8") -> bytes:
    """A feed of a few hundred bytes whose title entity expands to 10**levels characters (a "billion laughs")."""
    declarations = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels))
    return (f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [{declarations}]><rss version="2.0"><channel>'
            f'<title>Bombs</title><item><title>Storm &a{levels - 1}; warning</title>'
            '<link>https://example.com/storm</link></item></channel></rss>').encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_feed_declaring_entities_that_expand_to_megabytes_is_read_without_expanding_them(encoding):
    """feedparser strips entity declarations only where one starts a line; on the DOCTYPE's own line
    expat expanded them: 700 bytes became a 1 MB title (and, nested deeper, seconds of CPU per poll)."""
    bomb = _entity_bomb(6, encoding)
    assert len(bomb) < 2000
    [item] = parse_feed(bomb, "https://example.com/feed")
    assert item.link == "https://example.com/storm"
    assert len(item.title) < 100 and item.title.startswith("Storm") and item.title.endswith("warning")


def test_entities_a_feed_declares_for_html_characters_still_read_as_those_characters():
    feed = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY nbsp "&#160;"> <!ENTITY mdash "&#8212;">]>'
            b'<rss version="2.0"><channel><title>Old</title><item><title>Bridge&nbsp;reopens &mdash; at last</title>'
            b'<link>https://example.com/bridge</link></item></channel></rss>')
    [item] = parse_feed(feed, "https://example.com/feed")
    assert item.title == "Bridge reopens \u2014 at last"  # (a no-break space reads as a space in a title)


def test_a_feed_whose_item_writes_about_entity_declarations_keeps_its_items_and_their_text():
    """("<!ENTITY" in an item's text was taken for a declaration: never closed, the whole feed failed)"""
    feed = (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Dev notes</title>'
            b'<item><title>XML tips</title><link>https://example.com/xml</link>'
            b"<description><![CDATA[Don't write <!ENTITY in feeds, it is risky. More > here]]></description></item>"
            b'<item><title>Second</title><link>https://example.com/second</link>'
            b'<description><![CDATA[A closed one: <!ENTITY x "y"> stays in the text.]]></description></item>'
            b'</channel></rss>')
    items = parse_feed(feed, "https://example.com/feed")
    assert [i.link for i in items] == ["https://example.com/xml", "https://example.com/second"]
    assert items[0].summary.startswith("Don't write")


def test_entities_declared_after_a_comment_holding_a_tag_are_still_taken_out():
    feed = (b'<?xml version="1.0"?><!-- <b>generated</b> --><!DOCTYPE rss [<!ENTITY a "<x>">'
            b'<!ENTITY lol "lollollollollollollollollollol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<rss version="2.0"><channel><title>T</title><item><title>Storm &lol3; warning</title>'
            b'<link>https://example.com/storm</link></item></channel></rss>')
    [item] = parse_feed(feed, "https://example.com/feed")
    assert len(item.title) < 100
