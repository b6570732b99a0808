"""Screenshots of the editors' desk for the docs: docs/queue.png and docs/compose.png.

    .venv/bin/python docs/screenshots.py

Builds a throwaway SQLite database with realistic posts, serves the desk with
uvicorn and the article page and its images from 127.0.0.1, and drives
Debian's Chromium with Playwright at laptop width. Nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import socket
import struct
import sys
import tempfile
import threading
import zlib
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import uvicorn
from sqlmodel import Session

from distributor import posts, users
from distributor.config import AccountSettings, Settings
from distributor.db import make_engine, upgrade
from distributor.models import Account, Article, ArticleState, EngagementSnapshot, PostState, utcnow
from distributor.sandbox.server import serving_in_thread
from distributor.web import create_app

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
CHROMIUM = os.environ.get("DISTRIBUTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars"]
VIEWPORT = {"width": 1366, "height": 900}

# (slug, headline, section, sky colours, pull quote, speaker)
STORIES = [
    ("harbour-bridge", "Harbour bridge to close for six months of repairs", "Local", ("#f6b26b", "#3d5a80"),
     "We cannot keep patching a structure that carries forty thousand cars a day", "Maria Okafor"),
    ("school-meals", "Free school meals extended to every primary pupil from September", "Education",
     ("#a8dadc", "#457b9d"), "No child should sit an afternoon lesson hungry", "Priya Natarajan"),
    ("storm-ciara", "Storm warning: coastal roads shut as gusts reach 90 mph", "Weather", ("#8d99ae", "#2b2d42"),
     "Stay away from the sea front until the tide turns tonight", "Inspector Dan Reyes"),
    ("stadium-vote", "Council backs new stadium after nine-hour debate", "Politics", ("#b7e4c7", "#2d6a4f"),
     "This is the biggest decision this chamber has made in a generation", "Cllr Helen Marsh"),
    ("library-reopens", "Central library reopens with rooftop reading garden", "Culture", ("#ffd6a5", "#9c6644"),
     "People queued round the block before the doors opened", "Sam Whitfield"),
]


def picture(colours: tuple[str, str], seed: int, width: int = 600, height: int = 315) -> bytes:
    """A small landscape PNG (sky, sun, hills, sea), so previews show a photo-like image offline.

    PNG rather than SVG: the extractor rightly skips SVG lead images (platforms refuse them).
    """
    top, bottom = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours)
    sun_x, sun_y, sun_r = 130 + seed * 80, 80, 34
    rows = []
    for y in range(height):
        t = y / (height - 1)
        sky = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
        row = bytearray(b"\0")
        for x in range(width):
            hill = 175 + 28 * math.sin((x + seed * 97) / 70) + 14 * math.sin((x + seed * 31) / 23)
            sea = 235 + 8 * math.sin(x / 45 + seed)
            if y > sea:
                pixel = (13, 27, 42)
            elif y > hill:
                shade = 0.45 + 0.15 * (y - hill) / max(1.0, sea - hill)
                pixel = tuple(int(c * shade) for c in bottom)
            elif (x - sun_x) ** 2 + (y - sun_y) ** 2 < sun_r ** 2:
                pixel = tuple(min(255, int(c + (255 - c) * 0.45)) for c in sky)
            else:
                pixel = sky
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the browser hung up early: not news
        pass


def _serve_directory(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served_desk(settings: Settings, engine) -> Iterator[str]:
    """The desk on real uvicorn in a thread, on a free 127.0.0.1 port; yields its URL."""
    config = uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=_free_port(),
                            log_level="warning", lifespan="off")
    with serving_in_thread(config, "the desk") as url:
        yield url


def log_in(page, desk: str) -> None:
    """Logs ``page`` in as the seeded editor, through the desk's form."""
    page.goto(desk + "/login")
    page.fill("input[name=email]", "ana@coastaltimes.example")
    page.fill("input[name=password]", "harbour-bridge-2026")
    page.click("button:has-text('Log in')")


def seed(engine, settings: Settings, site: str) -> None:
    """Articles and posts in every state a morning desk shows."""
    now = utcnow()
    with Session(engine) as session:
        users.add_user(session, "ana@coastaltimes.example", "harbour-bridge-2026", "admin")
        for index, (slug, title, section, _colours, quote, speaker) in enumerate(STORIES):
            link = f"https://coastaltimes.example/2026/11/25/{slug}"
            article = Article(url=link, canonical_url=link, title=title, section=section,
                              image_url=f"{site}/{slug}.png", image_alt=title, pull_quote=quote,
                              pull_quote_speaker=speaker, state=ArticleState.extracted,
                              discovered_at=now - timedelta(hours=5 - index), extracted_at=now)
            session.add(article)
            session.flush()
            x_text = f"{title}\n\n“{quote}” — {speaker}\n\n{link}"
            fb_text = f"“{quote}” — {speaker}"
            common = dict(link=link, image_url=article.image_url, image_alt=title, article_id=article.id)
            x_post = posts.create_post(session, settings.account("x-main"), text=x_text,
                                       at=now + timedelta(minutes=20 + 25 * index), actor="system", **common)
            fb_post = posts.create_post(session, settings.account("fb-main"), text=fb_text,
                                        at=now + timedelta(minutes=35 + 25 * index), actor="system", **common)
            if index < 2:  # published earlier this morning, with engagement
                for post, minutes in ((x_post, 150 - index * 40), (fb_post, 140 - index * 40)):
                    post.state, post.sent_at = PostState.sent, now - timedelta(minutes=minutes)
                    post.external_id = f"18{index}{post.id:04d}"
                    post.external_url = f"https://x.com/coastaltimes/status/{post.external_id}"
                    session.add(post)
                    session.add(EngagementSnapshot(post_id=post.id, likes=120 + 37 * post.id, shares=18 + post.id,
                                                   comments=9 + post.id,  # Facebook counts Page views
                                                   **{"views" if post.platform == "facebook" else "impressions":
                                                      8400 + 911 * post.id}))
            if index == 2:  # breaking: goes to the approval desk
                posts.create_post(session, settings.account("x-breaking"),
                                  text=f"BREAKING: {title}\n\n{link}", priority=5, **common)
        session.add(Account(name="fb-weekend", platform="facebook",
                            paused_reason="Facebook says the Page token expired (code 190)", paused_at=now))
        session.commit()


def main() -> int:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="distributor-shots-"))
    for index, (slug, *_rest) in enumerate(STORIES):
        (work / f"{slug}.png").write_bytes(picture(STORIES[index][3], index))
    site_server, site = _serve_directory(work)
    article_html = (REPO / "tests" / "fixtures" / "web" / "harbour.html").read_text(encoding="utf-8")
    (work / "article.html").write_text(
        article_html.replace("https://images.coastaltimes.example/2026/11/harbour-bridge.jpg", f"{site}/harbour-bridge.png"),
        encoding="utf-8")

    settings = Settings(
        accounts=[
            AccountSettings(name="x-main", platform="twitter", min_gap_minutes=10),
            AccountSettings(name="fb-main", platform="facebook", page_id="1001"),
            AccountSettings(name="x-breaking", platform="twitter", require_approval=True),
        ],
        web={"timezone": "Europe/London"},
        fetch={"allow_private_networks": True},
    )
    engine = make_engine(f"sqlite:///{work / 'desk.db'}")
    upgrade(engine)
    seed(engine, settings, site)
    try:
        with served_desk(settings, engine) as desk, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            log_in(page, desk)
            page.goto(desk + "/queue?tab=all")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy images load
            page.wait_for_load_state("networkidle")
            page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(DOCS / "queue.png"), full_page=True)

            page.goto(desk + "/compose")
            page.fill("input[name=url]", f"{site}/article.html")
            page.uncheck("input[name=accounts][value=x-breaking]")
            page.click("button:has-text('Fetch and compose')")
            page.wait_for_selector("#text_x-main")
            page.wait_for_load_state("networkidle")
            page.locator(".compose-drafts").scroll_into_view_if_needed()
            page.screenshot(path=str(DOCS / "compose.png"), full_page=True)
            browser.close()
    finally:
        site_server.shutdown()
    print(f"wrote {DOCS / 'queue.png'} and {DOCS / 'compose.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
