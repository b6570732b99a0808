"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1) to FeedItems.

Written by hand: feedparser 6 reads only XML feeds, and the JSON Feed
libraries on PyPI are small unmaintained projects (or build feeds rather than
read them). The format is a plain JSON object, so ``json.loads`` (linear in
the body, already capped at ``max_page_bytes`` by the fetcher) and a few
field reads are all it takes. Items follow the same identity and date rules
as RSS and Atom: the ``url`` is the link (else an http(s) ``id``), an ``id``
of its own is the item's stable guid (JSON Feed ids must not change when an
item is edited), ``date_published`` else ``date_modified`` (RFC 3339) is its
date, and an item with no http(s) link is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from distributor.errors import FeedError
from distributor.sources.items import FeedItem, is_http_url, item_key, normalise_url, without_shared_guids

VERSION_PREFIX = "https://jsonfeed.org/version/"
MEDIA_TYPES = ("application/feed+json", "application/json")


def looks_like_json(content: bytes) -> bool:
    """Whether a body is JSON (an object or an array), judged from its first byte."""
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def parse_json_feed(content: bytes, base_url: str) -> tuple[list[FeedItem], str | None, str]:
    """(items in feed order, one per key; the WebSub hub it names or None; its topic URL).

    A body that is JSON but not a JSON Feed, or not valid JSON, is a one-line FeedError.
    """
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError(f"{base_url} is not a feed: it is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise FeedError(f"{base_url} is not a feed: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise FeedError(f"{base_url} is not a feed: JSON nested too deeply") from None
    except ValueError:  # an integer past Python's 4,300 digits (int_max_str_digits)
        raise FeedError(f"{base_url} is not a feed: JSON with a number too long to read") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise FeedError(f"{base_url} is not a feed: it is JSON, not RSS, Atom or JSON Feed "
                        f"(no \"version\": \"{VERSION_PREFIX}1.1\")")
    entries = document.get("items")
    if not isinstance(entries, list):
        raise FeedError(f"{base_url} is not a feed: a JSON Feed without an \"items\" list")
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in entries:
        item = _to_item(entry, base_url) if isinstance(entry, dict) else None
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    return without_shared_guids(items), _hub(document, base_url), _topic(document, base_url)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _string(value: object) -> str | None:
    """A JSON string as text the database takes: JSON can escape what XML cannot carry (``\\u0000``,
    a lone surrogate), and PostgreSQL refuses both in a text column. NULs go, a lone surrogate
    becomes U+FFFD."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value.strip() or None


def _storable(text: str) -> bool:
    """Whether ``_string`` keeps this text as it is (a link it had to change would be another address)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return "\x00" not in text


def _absolute(base_url: str, value: object) -> str | None:
    from urllib.parse import urljoin

    text = _string(value)
    if text is None or not _storable(value):
        return None
    url = text if text.startswith(("https://", "http://")) else urljoin(base_url, text)
    return url if is_http_url(url) else None


def _to_item(entry: dict, base_url: str) -> FeedItem | None:
    from distributor.sources.rss import _text, without_furniture

    raw_id = entry.get("id")
    guid = _string(str(raw_id) if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool) else raw_id)
    link = _absolute(base_url, entry.get("url")) or (guid if guid and is_http_url(guid) else None)
    if link is None:
        return None
    title = _text(_string(entry.get("title")), {"type": "text/plain"})
    summary = _string(entry.get("summary")) or _string(entry.get("content_text"))
    plain = {"type": "text/plain"} if summary else None
    summary = without_furniture(_text(summary or _string(entry.get("content_html")), plain))
    tags = {}  # a dict keeps the order, and finding a tag seen before costs nothing however many there are
    for tag in _list(entry.get("tags")):
        text = " ".join((_string(tag) or "").split())
        if text:
            tags.setdefault(text, None)
    stable = guid if guid and not (is_http_url(guid) and normalise_url(guid) == normalise_url(link)) else None
    return FeedItem(
        key=item_key(link, guid, title, summary),
        link=link,
        guid=guid,
        title=title,
        published_at=_date(entry.get("date_published")) or _date(entry.get("date_modified")),
        image_url=_image(entry, base_url),
        summary=summary,
        tags=list(tags),
        stable_guid=stable,
    )


def _date(value: object) -> datetime | None:
    """An RFC 3339 date (else an RFC 822 one) as aware UTC; a date without a zone, or no date, is None (undated)."""
    text = _string(value)
    if text is None or len(text) > 64:
        return None
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    except ValueError:  # generators that format dates as RSS does ("Mon, 30 Nov 2026 09:15:00 +0100")
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    try:
        return when.astimezone(timezone.utc) if when.tzinfo is not None else None
    except OverflowError:  # its UTC is outside years 1 to 9999
        return None


def _image(entry: dict, base_url: str) -> str | None:
    """The item's image, else its banner image, else its first image attachment."""
    for field in ("image", "banner_image"):
        url = _absolute(base_url, entry.get(field))
        if url:
            return url
    for attachment in _list(entry.get("attachments")):
        if isinstance(attachment, dict) and str(attachment.get("mime_type") or "").startswith("image/"):
            url = _absolute(base_url, attachment.get("url"))
            if url:
                return url
    return None


def _hub(document: dict, base_url: str) -> str | None:
    for hub in _list(document.get("hubs")):
        if isinstance(hub, dict) and str(hub.get("type") or "").lower() == "websub":
            url = _absolute(base_url, hub.get("url"))
            if url:
                return url
    return None


def _topic(document: dict, base_url: str) -> str:
    return _absolute(base_url, document.get("feed_url")) or base_url
