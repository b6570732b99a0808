"""Sitemaps (Google News sitemaps and plain ones) to FeedItems, through lxml.

Many newsrooms publish a Google News sitemap of the last two days' articles
long before (or instead of) a full feed. A sitemap has no summary and usually
no guid; Google News adds a title, publication date and keywords, the image
extension a lead image. Sitemap indexes only list other sitemaps, so they are
refused with a message naming the first one to configure instead.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from urllib.parse import urljoin

from lxml import etree

from distributor.errors import FeedError
from distributor.sources.items import FeedItem, is_http_url, item_key

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
MAX_UNZIPPED_BYTES = 50_000_000  # the sitemap protocol's own limit for one file

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_sitemap(content: bytes, base_url: str) -> list[FeedItem]:
    """The pages a sitemap lists, in its order, one per distinct normalised URL."""
    content = _gunzip(content, base_url)
    if not content.strip():
        raise FeedError(f"{base_url} is not a sitemap: the response body is empty")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{base_url} is not a sitemap: {exc.msg}") from exc
    name = etree.QName(root).localname
    if name == "sitemapindex":
        children = [loc.strip() for loc in root.xpath("./*[local-name()='sitemap']/*[local-name()='loc']/text()")]
        first = f"; the first is {children[0]}" if children else ""
        raise FeedError(
            f"{base_url} is a sitemap index of {len(children)} sitemaps, not a sitemap: configure one of them{first}"
        )
    if name != "urlset":
        raise FeedError(f"{base_url} is not a sitemap: its root element is <{name}>, not <urlset>")
    items: list[FeedItem] = []
    seen: set[str] = set()
    for url in root.iterchildren(f"{{{SITEMAP_NS}}}url", "url"):
        item = _to_item(url, base_url)
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    return items


def _gunzip(content: bytes, base_url: str) -> bytes:
    """Sitemaps are often served as .xml.gz; inflate within a fixed bound."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(content, MAX_UNZIPPED_BYTES)
    except zlib.error as exc:
        raise FeedError(f"{base_url} is not a sitemap: broken gzip data ({exc})") from exc
    if inflater.unconsumed_tail:
        raise FeedError(f"{base_url} is not a sitemap: it inflates to more than {MAX_UNZIPPED_BYTES:,} bytes")
    if not inflater.eof:
        raise FeedError(f"{base_url} is not a sitemap: the gzip data stops early (truncated?)")
    return data


def _child_text(element: etree._Element, *path: str) -> str | None:
    """Text of a namespaced descendant path, e.g. ('news:news', 'news:title')."""
    namespaces = {"sm": SITEMAP_NS, "news": NEWS_NS, "image": IMAGE_NS}
    for step in path:
        prefix, _, local = step.partition(":")
        found = element.find(f"{{{namespaces[prefix]}}}{local}")
        if found is None and prefix == "sm":
            found = element.find(local)  # sitemaps written without the namespace
        if found is None:
            return None
        element = found
    text = (element.text or "").strip()
    return text or None


def _to_item(url: etree._Element, base_url: str) -> FeedItem | None:
    loc = _child_text(url, "sm:loc")
    if not loc:
        return None
    link = urljoin(base_url, loc)
    if not is_http_url(link):
        return None
    title = _child_text(url, "news:news", "news:title")
    published = _date(_child_text(url, "news:news", "news:publication_date") or _child_text(url, "sm:lastmod"))
    keywords = _child_text(url, "news:news", "news:keywords") or ""
    image = _child_text(url, "image:image", "image:loc")
    image_url = urljoin(base_url, image) if image else None
    return FeedItem(
        key=item_key(link, None, title, None),
        link=link,
        guid=None,
        title=title,
        published_at=published,
        image_url=image_url if is_http_url(image_url) else None,
        summary=None,
        tags=list(dict.fromkeys(k.strip() for k in keywords.split(",") if k.strip())),
    )


def _date(value: str | None) -> datetime | None:
    """W3C datetime (a date, or a date and time with an offset) as UTC; no offset means UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
