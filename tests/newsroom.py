"""A tiny local news site for end-to-end tests: the seed article, its image and its feed.

The feed starts empty and the test "publishes" the article by adding its item,
as a newsroom's CMS would. Item links and image URLs point at this server;
the page keeps its real canonical URL (https://hypeline.example/...).
"""

from __future__ import annotations

import hashlib
import re
import threading
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SEED = Path(__file__).parent / "fixtures" / "seed"
ARTICLE_PATH = "/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"
CANONICAL_URL = "https://hypeline.example" + ARTICLE_PATH


class Site:
    """A local web server whose pages the test sets: ``site.pages[path] = (content_type, body)``.

    Answers carry an ETag and honour If-None-Match, as a CMS would.
    """

    def __init__(self):
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        self.not_modified: list[str] = []  # paths answered 304 (the client sent a matching ETag)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str) -> tuple[str, bytes] | None:
        return self.pages.get(path)

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                found = site.page(self.path)
                if found is None:
                    return self.send_error(404)
                content_type, body = found
                etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
                if self.headers.get("If-None-Match") == etag:
                    site.not_modified.append(self.path)
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


class NewsSite(Site):
    """The seed article's site: its feed starts empty until the test sets ``published``."""

    def __init__(self):
        super().__init__()
        self.published = False
        self.feed_url = self.base + "/feed/"
        self.article_url = self.base + ARTICLE_PATH

    def feed(self) -> bytes:
        xml = (SEED / "feed.xml").read_text(encoding="utf-8")
        if not self.published:
            return re.sub(r"<item>.*</item>", "", xml, flags=re.S).encode()
        now = format_datetime(datetime.now(timezone.utc))
        xml = re.sub(r"<link>https://hypeline\.example/2016[^<]*</link>", f"<link>{self.article_url}</link>", xml)
        return re.sub(r"<pubDate>[^<]*</pubDate>", f"<pubDate>{now}</pubDate>", xml).encode()

    def article(self) -> bytes:
        html = (SEED / "article.html").read_text(encoding="utf-8")
        return html.replace("https://hypeline.example/wp-content/", self.base + "/wp-content/").encode()

    def page(self, path: str) -> tuple[str, bytes] | None:
        if path == "/feed/":
            return "application/rss+xml", self.feed()
        if path == ARTICLE_PATH:
            return "text/html; charset=utf-8", self.article()
        if path.endswith("aleppo-children.jpg"):
            return "image/jpeg", (SEED / "aleppo-children.jpg").read_bytes()
        return None


def rss(*items: tuple[str, str], when: datetime | None = None) -> bytes:
    """An RSS 2.0 feed of (title, link) items, all dated ``when`` (default now)."""
    date = format_datetime(when or datetime.now(timezone.utc))
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
        for title, link in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x/</link>'
            f"<description>d</description>{body}</channel></rss>").encode()


def article_page(title: str, canonical: str, quote: str = "", speaker: str = "") -> bytes:
    said = f"<p>“{quote},” said {speaker}.</p>" if quote else ""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{canonical}"></head><body><article><h1>{title}</h1>'
            f"<p>The first paragraph of the story says what happened and where it happened.</p>{said}"
            f"</article></body></html>").encode()
