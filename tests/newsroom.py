"""A tiny local news site for end-to-end tests: the seed article, its image and its feed.

The feed starts empty and the test "publishes" the article by adding its item,
as a newsroom's CMS would. Item links and image URLs point at this server;
the page keeps its real canonical URL (https://hypeline.example/...).
"""

from __future__ import annotations

import re
import threading
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SEED = Path(__file__).parent / "fixtures" / "seed"
ARTICLE_PATH = "/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"
CANONICAL_URL = "https://hypeline.example" + ARTICLE_PATH


class NewsSite:
    def __init__(self):
        self.published = False
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.feed_url = self.base + "/feed/"
        self.article_url = self.base + ARTICLE_PATH

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def feed(self) -> bytes:
        xml = (SEED / "feed.xml").read_text(encoding="utf-8")
        if not self.published:
            return re.sub(r"<item>.*</item>", "", xml, flags=re.S).encode()
        now = format_datetime(datetime.now(timezone.utc))
        xml = re.sub(r"<link>https://hypeline\.example/2016[^<]*</link>", f"<link>{self.article_url}</link>", xml)
        return re.sub(r"<pubDate>[^<]*</pubDate>", f"<pubDate>{now}</pubDate>", xml).encode()

    def page(self) -> bytes:
        html = (SEED / "article.html").read_text(encoding="utf-8")
        return html.replace("https://hypeline.example/wp-content/", self.base + "/wp-content/").encode()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                if self.path == "/feed/":
                    return self._send("application/rss+xml", site.feed())
                if self.path == ARTICLE_PATH:
                    return self._send("text/html; charset=utf-8", site.page())
                if self.path.endswith("aleppo-children.jpg"):
                    return self._send("image/jpeg", (SEED / "aleppo-children.jpg").read_bytes())
                self.send_error(404)

            def _send(self, content_type, body):
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
