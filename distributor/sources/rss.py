"""Feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) to FeedItems, through feedparser; JSON Feed
(``jsonfeed.py``) through the same doors.

feedparser is lenient ("bozo"): it recovers items from feeds with a stray
``&`` or a wrong encoding label, and we keep those. We refuse, with one
FeedError line, what is not a feed at all (an HTML page, JSON, binary, an
empty body) and a document that stops early: a truncated feed's last item
may carry a link cut in half, and posting that is worse than waiting for the
next poll.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from distributor.errors import FeedError
from distributor.fetch import Fetcher
from distributor.sources.items import FeedItem, is_http_url, item_key, normalise_url, without_shared_guids
from distributor.sources.jsonfeed import looks_like_json, parse_json_feed

log = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.8, */*;q=0.1"
)
# expat's words for a document that ends before its root element is closed
_TRUNCATED = ("no element found", "unclosed token")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
_SPACE = re.compile(r"\s+")
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|blockquote|figure|figcaption|section)\b", re.I)
_MARKUP = re.compile(r"<[A-Za-z/!]|&#?\w+;")
ELLIPSIS = "…"


@dataclass
class FeedPoll:
    not_modified: bool  # the server said 304: nothing was downloaded or parsed
    etag: str | None  # send back next time
    last_modified: str | None  # send back next time
    items: list[FeedItem] = field(default_factory=list)
    final_url: str = ""  # after redirects; the base for relative links
    hub: str | None = None  # the WebSub hub the feed announces (Link header or <link rel="hub">)
    topic: str | None = None  # the URL the hub knows the feed by (rel="self"), else the feed's own


def poll_feed(
    fetcher: Fetcher, url: str, *, etag: str | None = None, last_modified: str | None = None
) -> FeedPoll:
    """Conditional GET of a feed; parses only when the server sends a new body.

    FetchError (HTTP errors, timeouts, refused private addresses) propagates.
    """
    result = fetcher.get(url, etag=etag, last_modified=last_modified, accept=ACCEPT)
    new_etag, new_modified = result.etag, result.last_modified  # header names read case-insensitively
    if result.not_modified:
        # A 304 may omit the validators; the ones we sent stay valid.
        return FeedPoll(True, new_etag or etag, new_modified or last_modified, [], result.url)
    from distributor.sources.websub import find_hub

    if looks_like_json(result.content):
        items, json_hub, json_topic = parse_json_feed(result.content, result.url)
        hub, topic = find_hub(b"", result.headers, result.url)  # Link headers first, as for XML feeds
        return FeedPoll(False, new_etag, new_modified, items, result.url, hub or json_hub,
                        topic if hub else json_topic)
    if is_sitemap(result.content):
        # a (Google News) sitemap configured as a feed works the same way
        from distributor.sources.sitemap import parse_sitemap

        items = parse_sitemap(result.content, result.url)
    else:
        items = parse_feed(result.content, result.url, result.content_type or None)
    hub, topic = find_hub(result.content, result.headers, result.url)
    return FeedPoll(False, new_etag, new_modified, items, result.url, hub, topic)


def is_sitemap(content: bytes) -> bool:
    """A sitemap (plain, gzipped, or an index) rather than RSS/Atom, judged from its first bytes."""
    head = content[:2048].lstrip()
    return head.startswith(b"\x1f\x8b") or b"<urlset" in head or b"<sitemapindex" in head


def parse_feed(content: bytes, base_url: str, content_type: str | None = None) -> list[FeedItem]:
    """The items of a feed document, in feed order, one per distinct key.

    Relative links resolve against xml:base, else ``base_url`` (the URL the
    feed was finally fetched from). Items with neither a link nor a permalink
    guid are skipped: there is nothing to post.
    """
    if not content or not content.strip():
        raise FeedError(f"{base_url} is not a feed: the response body is empty")
    if looks_like_json(content):  # a JSON Feed (a WebSub push of one comes here too)
        return parse_json_feed(content, base_url)[0]
    content = without_entity_declarations(content, base_url, content_type)
    parsed = feedparser.parse(
        io.BytesIO(content),  # never a bare bytes/str: feedparser would try it as a file name
        response_headers=_headers(content, base_url, content_type),
        resolve_relative_uris=False,  # we only read links, not the HTML of the body
        sanitize_html=False,  # summaries are reduced to plain text below
    )
    _check_usable(parsed, content, base_url, content_type)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _to_item(entry, base_url)
        if item is None:
            log.debug("skipping an item of %s with no link and no permalink guid", base_url)
            continue
        if item.key in seen:  # the same article twice in one document: keep the first
            continue
        seen.add(item.key)
        items.append(item)
    return without_shared_guids(items)


# "ENTITY" as it is spelt in the encodings feedparser reads (ASCII-compatible ones and UTF-7 alike, UTF-16/32, EBCDIC)
_ENTITY_WORDS = tuple("ENTITY".encode(e) for e in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037"))
_ENTITY_DECLARATION = re.compile(rb"""<!ENTITY(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")  # possessive: no backtracking


def _opens_root(data: bytes, start: int, end: int) -> bool:
    """Whether an element's start tag (the root) stands in data[start:end], comments and
    processing instructions aside: declarations after it are an item's text, not the DTD's.
    (A loop of finds rather than one regex: an unclosed comment is looked past once, not
    once for every "<!--" after it.)"""
    pos = start
    while (i := data.find(b"<", pos, end)) >= 0:
        mark = data[i + 1 : i + 2]
        if mark.isalpha() or mark in (b"_", b":"):
            return True
        closer = b"-->" if data.startswith(b"<!--", i) else b"?>" if mark == b"?" else None
        if closer is None:
            pos = i + 1
            continue
        j = data.find(closer, i + 2, end)
        if j < 0:
            return False  # the comment runs on past `end`: no root in it
        pos = j + len(closer)
    return False


def without_entity_declarations(content: bytes, url: str, content_type: str | None = None) -> bytes:
    """``content`` without the entities it declares (``<!ENTITY ...>``), in UTF-8 when it had any.

    A declared entity can expand a few bytes into megabytes (entities made of
    entities: a "billion laughs"); expat stops only past 8 MiB and 100 times the
    input, which is a title of megabytes, or seconds of CPU per poll. feedparser
    takes declarations out only where one starts a line. With them gone, a
    reference to one is read by feedparser's lenient parser: HTML's named
    characters (&nbsp;, &mdash;) as those characters, any other name as written.
    Feeds that declare nothing (nearly all) are passed on untouched. Written by
    hand: no feed or XML library offers to drop declarations, only to refuse the
    whole document (defusedxml).
    """
    if not any(word in content for word in _ENTITY_WORDS):
        return content
    from feedparser.encodings import convert_to_utf8

    data = convert_to_utf8({"content-type": _xml_content_type(content, content_type)}, content, {})  # as feedparser reads it
    kept, at = [], 0
    while (start := data.find(b"<!ENTITY", at)) >= 0:
        if _opens_root(data, at, start):
            break  # past the prolog: "<!ENTITY" in an item's text is text (expat takes declarations only before the root)
        declaration = _ENTITY_DECLARATION.match(data, start)
        if declaration is None:  # never closed: nothing after it can be a declaration expat would take
            raise FeedError(f"{url} is not a feed: it declares an entity (<!ENTITY ...>) that is never closed")
        kept.append(data[at:start])
        at = declaration.end()
    return content if not kept else b"".join(kept) + data[at:]


def _headers(content: bytes, base_url: str, content_type: str | None) -> dict[str, str]:
    headers = {"content-type": _xml_content_type(content, content_type)}
    # Given a base, feedparser re-resolves every element's URL: parsing takes half as
    # long again. Without one it mis-scopes xml:base (an item's base leaks into the
    # next item), so the base is only given to documents that use xml:base. Links
    # left relative are joined to base_url when items are built.
    if b"xml:base" in content:
        headers["content-location"] = base_url
    return headers


def _xml_content_type(content: bytes, content_type: str | None) -> str:
    """The media type we let feedparser see, chosen to get the encoding right.

    Servers mislabel charsets far more often than documents do, and bytes that
    decode as UTF-8 are, in practice, UTF-8 whatever the label says (latin-1
    text is almost never valid UTF-8). Otherwise the XML declaration decides,
    then the HTTP charset, then feedparser's fallbacks (windows-1252, ...).
    """
    if b"\x00" not in content[:1024]:  # UTF-16/32 have NULs; leave them to the BOM sniffing
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "application/xml; charset=utf-8"
    if _XML_ENCODING.match(content[:512]):
        return "application/xml"
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type or "", re.I)
    return f"application/xml; charset={charset.group(1)}" if charset else "application/xml"


def _check_usable(parsed: feedparser.FeedParserDict, content: bytes, url: str, content_type: str | None) -> None:
    error = parsed.get("bozo_exception")
    if isinstance(error, xml.sax.SAXParseException) and parsed.get("version"):
        message = error.getMessage()
        if message in _TRUNCATED:
            raise FeedError(
                f"{url} is not a feed: the document stops early at line {_line(error, content)} (truncated?)"
            )
        if not parsed.entries:
            raise FeedError(f"{url} is not a feed: XML error at line {_line(error, content)}: {message}")
    if parsed.entries or parsed.get("version"):
        return
    raise FeedError(f"{url} is not a feed: {_what_it_is(content, url, content_type, error)}")


def _line(error: xml.sax.SAXParseException, content: bytes) -> int:
    # feedparser adds an XML declaration line to documents that have none
    declared = content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml")
    return max(1, error.getLineNumber() - (0 if declared else 1))


def _what_it_is(content: bytes, url: str, content_type: str | None, error: Exception | None) -> str:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    media_type = (content_type or "").split(";")[0].strip().lower()
    if head[:1] in (b"{", b"["):
        return "it is JSON, not RSS or Atom"
    if media_type == "text/html" or head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        feed = _advertised_feed(content, url)
        if feed:
            return f"it is an HTML page, not RSS or Atom; the page names its feed: {feed}"
        return "it is an HTML page, not RSS or Atom"
    if isinstance(error, xml.sax.SAXParseException):
        return f"it is not XML ({error.getMessage()} at line {_line(error, content)})"
    tag = _FIRST_TAG.search(re.sub(rb"<[?!][^>]*>", b"", head))
    if tag:
        return f"its root element is <{tag.group(1).decode('ascii', 'replace')}>, not RSS or Atom"
    return "it is not RSS or Atom"


def _advertised_feed(content: bytes, url: str) -> str | None:
    """The feed a page advertises with <link rel="alternate" type="application/rss+xml">."""
    tree = HTMLParser(content.decode("utf-8", "replace"))
    for link in tree.css('link[rel~="alternate"][href]'):
        kind = (link.attributes.get("type") or "").lower()
        if kind in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
            return _absolute(url, link.attributes["href"] or "")
    return None


def _to_item(entry: feedparser.FeedParserDict, base_url: str) -> FeedItem | None:
    # Plain dict.get: FeedParserDict.get resolves legacy aliases and costs a third of our time.
    entry = dict(entry)
    guid = (entry.get("id") or "").strip() or None
    link = _link(entry, base_url)
    if link is None:
        return None
    title = _text(entry.get("title"), entry.get("title_detail"))
    summary = without_furniture(_text(_WORDPRESS_FOOTER.sub("", entry.get("summary") or ""), entry.get("summary_detail")))
    return FeedItem(
        key=item_key(link, guid, title, summary),
        link=link,
        guid=guid,
        title=title,
        published_at=_date(entry),
        image_url=_image(entry, base_url),
        summary=summary,
        tags=_tags(entry),
        stable_guid=_stable_guid(entry, guid, link),
    )


def _stable_guid(entry: dict, guid: str | None, link: str) -> str | None:
    """The guid, when it is an id of its own (isPermaLink="false", a tag: URI), not the item's link."""
    if not guid:
        return None
    if is_http_url(guid) and (entry.get("guidislink") or normalise_url(guid) == normalise_url(link)):
        return None
    return guid


def _link(entry: feedparser.FeedParserDict, base_url: str) -> str | None:
    """The article's address: the alternate link, else a permalink guid."""
    # FeedBurner rewrites links to a redirector and keeps the real one here.
    original = entry.get("feedburner_origlink")
    if is_http_url(original):
        return original.strip()
    for link in entry.get("links", ()):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            href = _absolute(base_url, link["href"])
            if is_http_url(href):
                return href
    # feedparser sets link from the guid only when it is a permalink
    # (RSS isPermaLink absent or "true"); an Atom id counts when no link exists.
    if entry.get("guidislink") and is_http_url(entry.get("link")):
        return entry["link"].strip()
    return None


def _absolute(base_url: str, url: str) -> str:
    url = url.strip()
    return url if url.startswith(("https://", "http://")) else urljoin(base_url, url)


def _text(value: str | None, detail: dict | None) -> str | None:
    if not value:
        return None
    # feedparser gives no detail for summaries it copied from Atom content: sniff those
    plain = bool(detail) and detail.get("type") == "text/plain"
    if not plain and _MARKUP.search(value):
        tree = HTMLParser(_BLOCK_TAG.sub(r" \g<0>", value))  # blocks are separated by a space; inline tags are not
        tree.strip_tags(["script", "style"])
        value = tree.text(separator="") if tree.body is None else tree.body.text(separator="")
    value = _SPACE.sub(" ", value).strip()
    return value or None


# What CMSs append to an excerpt, anchored at its end: WordPress's footer paragraph ("The post <a>X</a>
# appeared first on <a>Y</a>.", read in the HTML, so a sentence about a post office is never taken for it),
# a link to the rest ("Continue reading…", "Read more »", "(more…)"), and "[…]" for a cut.
# Each starts at a literal and is bounded, so a search stays linear.
_WORDPRESS_FOOTER = re.compile(
    r"<p>\s*The post <a\b[^>]{0,500}>[^<]{0,500}</a>\s+appeared first on\s+<a\b[^>]{0,500}>[^<]{0,300}</a>\.?\s*</p>\s*$")
_READ_ON = re.compile(r"\s*(?:Continue reading|Read more|Read the full (?:story|article)|\(more(?:…|\.\.\.)\))"
                      r"\s*(?:\.\.\.|…|»|→|›)?\s*$", re.I)
_CUT_MARK = re.compile(r"\s*\[(?:…|\.\.\.)\]\s*$")


def without_furniture(summary: str | None) -> str | None:
    """A feed summary without the CMS's own ending, so it can stand in for the page's description.

    Posted as the story's text, "… [&#8230;] The post … appeared first on …"
    reads as a template artefact. A summary that is nothing but such words stays as it is.
    """
    if not summary:
        return summary
    text = _READ_ON.sub("", summary)
    text = _CUT_MARK.sub(ELLIPSIS, text).strip()
    return text or summary


def _date(entry: feedparser.FeedParserDict) -> datetime | None:
    # feedparser has already converted to UTC struct_time
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # a year the platform cannot represent
        return None


def _image(entry: feedparser.FeedParserDict, base_url: str) -> str | None:
    """The lead image: the widest media:content image, a media:thumbnail, an image enclosure."""
    contents = [m for m in entry.get("media_content", ()) if m.get("url") and _looks_like_image(m)]
    contents.sort(key=lambda m: _int(m.get("width")), reverse=True)
    thumbnails = [m for m in entry.get("media_thumbnail", ()) if m.get("url")]
    thumbnails.sort(key=lambda m: _int(m.get("width")), reverse=True)
    enclosures = [
        {"url": e["href"]}
        for e in entry.get("links", ())
        if e.get("rel") == "enclosure"
        and e.get("href")
        and (e.get("type", "").startswith("image/") or _looks_like_image({"url": e["href"]}))
    ]
    for candidate in contents + thumbnails + enclosures:
        url = _absolute(base_url, candidate["url"])
        if is_http_url(url):
            return url
    return None


def _looks_like_image(media: dict) -> bool:
    kind = media.get("type") or ""
    medium = media.get("medium") or ""
    if kind or medium:
        return kind.startswith("image/") or medium == "image"
    return media["url"].split("?", 1)[0].lower().endswith(_IMAGE_SUFFIXES)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _tags(entry: feedparser.FeedParserDict) -> list[str]:
    tags: list[str] = []
    for tag in entry.get("tags", ()):
        term = _SPACE.sub(" ", (tag.get("term") or tag.get("label") or "")).strip()
        if term and term not in tags:
            tags.append(term)
    return tags
