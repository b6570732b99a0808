"""`distributor demo`: the whole bot, on this machine, with nothing configured.

Starts the sandbox platforms, serves the bundled sample articles and their
feed on 127.0.0.1 (one new article "published" every few seconds), and runs the
service on a throwaway SQLite database, printing each post as it lands.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from html import unescape
from xml.sax.saxutils import escape

from distributor.demo.stories import story_html, story_path

HERE = Path(__file__).parent
ARTICLES = [  # (slug, file, path on the demo site), in publishing order
    ("syria-ceasefire.html", "/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"),
    ("harbour-ferry.html", "/2026/11/25/harbour-ferry-trial/"),
    ("library-hours.html", "/2026/11/25/library-sunday-opening/"),
]
PUBLISH_EVERY_SECONDS = 8


class DemoSite:
    """A tiny news site: the sample articles, their images and an RSS feed that grows."""

    def __init__(self, publish_every: float = PUBLISH_EVERY_SECONDS):
        self.started = time.monotonic()
        self.publish_every = publish_every
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def published(self) -> list[tuple[str, str]]:
        """(path, page HTML) of every article out so far: the bundled three, then generated stories."""
        count = 1 + int((time.monotonic() - self.started) // self.publish_every)
        pages = [(path, (HERE / file).read_text(encoding="utf-8").replace("{base}", self.base))
                 for file, path in ARTICLES[:count]]
        pages += [(story_path(n), story_html(n, self.base)) for n in range(max(0, count - len(ARTICLES)))]
        return pages

    def feed(self) -> bytes:
        items = []
        now = format_datetime(datetime.now(timezone.utc))
        for path, html in reversed(self.published()[-50:]):
            title = unescape(html.split("<title>", 1)[1].split("</title>", 1)[0].split(" | ")[0])
            items.append(
                f"<item><title>{escape(title)}</title><link>{self.base}{path}</link>"
                f"<guid>{self.base}{path}</guid><pubDate>{now}</pubDate></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>HYPELINE demo</title>'
            f"<link>{self.base}/</link><description>Sample articles</description>{''.join(items)}</channel></rss>"
        ).encode()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path == "/feed.xml":
                    return self._send(200, "application/rss+xml", site.feed())
                if self.path.endswith(".jpg"):
                    image = HERE / self.path.rsplit("/", 1)[-1]
                    if image.parent == HERE and image.is_file():
                        return self._send(200, "image/jpeg", image.read_bytes())
                for path, html in site.published():
                    if self.path.rstrip("/") == path.rstrip("/"):
                        return self._send(200, "text/html; charset=utf-8", html.encode())
                self._send(404, "text/plain", b"not found")

            def _send(self, status, content_type, body):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def demo_settings(site_base: str, sandbox_base: str, directory: Path, web_port: int):
    from distributor.config import Settings

    return Settings(
        database={"url": f"sqlite:///{directory / 'demo.db'}"},
        fetch={"allow_private_networks": True, "timeout_seconds": 5},
        feeds=[{"url": f"{site_base}/feed.xml", "poll_seconds": 2, "backfill": 1}],
        accounts=[
            {"name": "demo-x", "platform": "twitter", "api_base_url": sandbox_base},
            {"name": "demo-fb", "platform": "facebook", "page_id": "100000000000001", "api_base_url": sandbox_base},
            {"name": "demo-bsky", "platform": "bluesky", "handle": "demo.bsky.social", "api_base_url": sandbox_base},
            {"name": "demo-masto", "platform": "mastodon", "api_base_url": sandbox_base},
            {"name": "demo-threads", "platform": "threads", "user_id": "17841400000000001",
             "api_base_url": sandbox_base},
        ],
        web={"host": "127.0.0.1", "port": web_port},
        scheduler={"dispatch_seconds": 1, "collect_seconds": 15},
        config_dir=str(directory),
    )


def _demo_secrets() -> None:
    """The sandbox accepts any non-empty credentials; these never leave this process."""
    from distributor.config import SECRET_KEYS

    for prefix, platform in (("DEMO_X", "twitter"), ("DEMO_FB", "facebook"), ("DEMO_BSKY", "bluesky"),
                             ("DEMO_MASTO", "mastodon"), ("DEMO_THREADS", "threads")):
        for key in SECRET_KEYS[platform]:  # the names the platform registry gives
            os.environ.setdefault(f"DISTRIBUTOR_{prefix}_{key}", "demo-" + secrets.token_hex(4))
    os.environ.setdefault("DISTRIBUTOR_SECRET_KEY", secrets.token_hex(32))  # logins last as long as the demo


def _print_new_posts(sandbox_base: str, console, stopping: threading.Event) -> None:
    seen: set[str] = set()
    while not stopping.wait(1.0):
        try:
            with urllib.request.urlopen(f"{sandbox_base}/_sandbox/posts", timeout=2) as response:
                posts = json.load(response)
        except OSError:
            continue
        for post in posts:
            if post["id"] in seen:
                continue
            seen.add(post["id"])
            media = f" [{len(post.get('media') or [])} image]" if post.get("media") else ""
            console.print(f"[green]posted[/green] to {post['platform']} ({post['account']}){media}:", highlight=False)
            console.print("    " + post["text"].replace("\n", "\n    "), markup=False, highlight=False)
            if post.get("link"):
                console.print(f"    link: {post['link']}", markup=False, highlight=False)


def run_demo(*, duration: float | None = None, web_port: int = 0, console=None) -> None:
    from rich.console import Console

    from distributor.db import make_engine, session_scope, upgrade
    from distributor.pipeline import Runtime
    from distributor.sandbox.server import running_sandbox
    from distributor.service import run_service
    from distributor import users

    console = console or Console()
    _demo_secrets()
    stopping = threading.Event()
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="distributor-demo-")))
        sandbox_base = stack.enter_context(running_sandbox())
        site = stack.enter_context(DemoSite())
        settings = demo_settings(site.base, sandbox_base, directory, web_port)
        engine = make_engine(settings.database.url)
        upgrade(engine)
        password = secrets.token_urlsafe(9)
        with session_scope(engine) as session:
            users.add_user(session, "demo@localhost", password, "admin")
        console.print(f"sandbox platforms: {sandbox_base}/_sandbox/posts")
        console.print(f"sample news site:  {site.base}/feed.xml (a new article every {PUBLISH_EVERY_SECONDS}s)")

        def started(url):
            if url:
                console.print(f"web UI:            {url}  (log in as demo@localhost / {password})")
            console.print("Watching for new articles. Ctrl-C stops the demo.\n")

        printer = threading.Thread(target=_print_new_posts, args=(sandbox_base, console, stopping), daemon=True)
        printer.start()
        timer = None
        if duration is not None:
            timer = threading.Timer(duration, stopping.set)
            timer.daemon = True  # Ctrl-C before the end must not wait for it
            timer.start()
        try:
            run_service(Runtime(settings, engine), web=True, stopping=stopping, on_started=started)
        finally:
            stopping.set()
            if timer is not None:
                timer.cancel()
            printer.join(timeout=3)
            engine.dispose()
    console.print("demo stopped.")
