"""WordPress REST polling (``[[feeds]] kind = "wordpress"``): for sites with no feed or hub. No database.

    GET <site>/wp-json/wp/v2/posts?per_page=20&orderby=modified&order=desc&modified_after=<ISO 8601>

The first poll takes the newest posts (the backlog, as for a feed); later
polls ask only for what was published or modified since the last poll
(``modified_after`` a few minutes back, for clocks that differ), so an edited
post comes back too and can be read again for corrections.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from distributor.errors import FeedError, HttpStatusError
from distributor.fetch import Fetcher
from distributor.sources.items import FeedItem, is_http_url, item_key

PER_PAGE = 20
MAX_PAGES = 10  # later polls follow pages (a busy hour, a bulk edit) up to this many
CLOCK_MARGIN = timedelta(minutes=5)
MAX_BYTES = 5_000_000


@dataclass
class WordPressPoll:
    items: list[FeedItem] = field(default_factory=list)
    modified: dict[str, datetime] = field(default_factory=dict)  # item key -> when WordPress says it changed
    count: int = 0  # posts in the answer, published or not (a full page means there may be another)


def posts_url(site: str, since: datetime | None, page: int = 1) -> str:
    query = {"per_page": PER_PAGE, "orderby": "modified", "order": "desc",
             "_fields": "id,link,title,excerpt,date_gmt,modified_gmt,status"}
    if since is not None:
        query["modified_after"] = (since - CLOCK_MARGIN).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if page > 1:
        query["page"] = page
    return site.rstrip("/") + "/wp-json/wp/v2/posts?" + urlencode(query)


def _gmt(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc) if value else None
    except ValueError:
        return None


def _text(rendered) -> str | None:
    value = rendered.get("rendered") if isinstance(rendered, dict) else rendered
    if not isinstance(value, str) or not value.strip():
        return None
    return html.unescape(HTMLParser(value).text(separator=" ")).strip() or None


def parse_posts(content: bytes) -> WordPressPoll:
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FeedError("the WordPress REST API did not answer JSON") from None
    if not isinstance(data, list):
        raise FeedError("the WordPress REST API did not answer a list of posts")
    poll = WordPressPoll(count=len(data))
    for post in data:
        if not isinstance(post, dict) or post.get("status", "publish") != "publish" or not is_http_url(post.get("link")):
            continue
        link, title = post["link"].strip(), _text(post.get("title"))
        key = item_key(link, None, title, None)
        poll.items.append(FeedItem(key=key, link=link, guid=str(post.get("id", "")) or None, title=title,
                                   published_at=_gmt(post.get("date_gmt")), image_url=None,
                                   summary=_text(post.get("excerpt"))))
        modified = _gmt(post.get("modified_gmt"))
        if modified:
            poll.modified[key] = modified
    return poll


def poll_wordpress(fetcher: Fetcher, site: str, since: datetime | None) -> WordPressPoll:
    """The posts modified since ``since``, page after page while pages come back full (the first
    poll, ``since`` None, takes one page: the backlog is not posted anyway)."""
    poll = WordPressPoll()
    for page in range(1, (MAX_PAGES if since is not None else 1) + 1):
        try:
            result = fetcher.get(posts_url(site, since, page), accept="application/json", max_bytes=MAX_BYTES)
        except HttpStatusError as exc:
            if page > 1 and exc.status == 400:  # WordPress: "rest_post_invalid_page_number", past the last page
                break
            raise
        one = parse_posts(result.content)
        poll.items.extend(one.items)
        poll.modified.update(one.modified)
        if one.count < PER_PAGE:
            break
    return poll
