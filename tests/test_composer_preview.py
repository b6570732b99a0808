"""The composer's live preview in a real browser matches what reaches the sandbox platforms.

Chromium (/usr/bin/chromium) through Playwright, the desk on real uvicorn, the
article and its photo on 127.0.0.1, the real tweepy / facebook-sdk code. With
DISTRIBUTOR_DOCS_SCREENSHOTS=DIR the preview is also saved as DIR/composer-preview.png
(the README's picture).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlmodel import Session

from distributor import users
from distributor.config import Settings
from tests.newsroom import Site
from tests.helpers.desk_server import logged_in_page, playwright_browser, served_desk_app  # noqa: F401 - the fixture
from tests.test_web_browser import SECRETS

pytestmark = pytest.mark.browser

CANONICAL = "https://news.example.com/2026/12/01/night-ferries"
UTM = "utm_source={platform}&utm_medium=social"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 675), (30, 90, 140)).save(out, "JPEG")
    return out.getvalue()


def _story(base: str) -> bytes:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Night ferries return to the harbour</title>'
        f'<link rel="canonical" href="{CANONICAL}"><meta property="og:image" content="{base}/photo.jpg">'
        '<meta property="og:image:alt" content="A ferry at the quay at dusk"></head><body><article>'
        "<h1>Night ferries return to the harbour</h1>"
        "<p>The night ferries return on Monday after two years, the harbour authority said on Tuesday.</p>"
        "</article></body></html>"
    ).encode()


@pytest.fixture
def desk(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        accounts=[
            {"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "utm": UTM},
            {"name": "fb-main", "platform": "facebook", "page_id": "1001", "api_base_url": sandbox, "utm": UTM},
        ],
        fetch={"allow_private_networks": True},
    )
    with Session(engine) as session:
        users.add_user(session, "ana@news.example.com", "harbour-bridge-2026", "editor")
        session.commit()
    with served_desk_app(settings, engine) as url:
        yield type("Desk", (), {"url": url, "settings": settings, "engine": engine, "sandbox": sandbox})


def _composer(browser, desk):
    """A logged-in editor's browser on the compose page."""
    context, page = logged_in_page(browser, desk.url, "ana@news.example.com", "harbour-bridge-2026", timeout=20_000,
                                   viewport={"width": 1280, "height": 1000})
    page.goto(desk.url + "/compose")
    return context, page


def test_the_preview_shows_what_the_platforms_receive(playwright_browser, desk):  # noqa: F811
    from playwright.sync_api import expect

    with Site() as site:
        site.pages["/story"] = ("text/html; charset=utf-8", _story(site.base))
        site.pages["/photo.jpg"] = ("image/jpeg", _photo())
        context, page = _composer(playwright_browser, desk)
        page.fill("input[name=url]", site.url("/story"))
        page.click("button:has-text('Fetch and compose')")

        x_preview = page.locator('.post-preview[data-preview="x-main"]')
        fb_preview = page.locator('.post-preview[data-preview="fb-main"]')
        expect(x_preview.locator(".pv-text")).to_contain_text("Night ferries return to the harbour")
        # X: the link in the text, with the account's utm, and the photo; Facebook: a link card
        expect(x_preview.locator(".pv-text")).to_contain_text(CANONICAL + "?utm_source=twitter&utm_medium=social")
        expect(x_preview.locator(".pv-photo")).to_be_visible()
        expect(fb_preview.locator(".pv-card")).to_be_visible()
        expect(fb_preview.locator(".pv-card-title")).to_have_text("Night ferries return to the harbour")
        expect(fb_preview.locator(".pv-card-domain")).to_have_text("news.example.com")

        # the editor rewrites the X text and its alt text: the preview follows as they type
        page.fill("#text_x-main", "Night ferries are back from Monday")
        page.fill('textarea[name="alt_x-main"]', "The night ferry leaving the quay")
        expect(x_preview.locator(".pv-alt")).to_have_text("Alt text: The night ferry leaving the quay")
        x_shown = x_preview.locator(".pv-text").text_content()
        assert x_shown == "Night ferries are back from Monday " + CANONICAL + "?utm_source=twitter&utm_medium=social"
        fb_shown = fb_preview.locator(".pv-text").text_content()
        fb_link = fb_preview.locator(".pv-card-link").text_content()
        if os.environ.get("DISTRIBUTOR_DOCS_SCREENSHOTS"):
            target = Path(os.environ["DISTRIBUTOR_DOCS_SCREENSHOTS"]) / "composer-preview.png"
            page.locator(".drafts").screenshot(path=str(target))

        page.click("#queue-button")
        expect(page.locator(".flash-success")).to_contain_text("2 posts created")

        from distributor.dispatch import dispatch_due
        from distributor.fetch import Fetcher
        from distributor.platforms import build_adapter

        adapters = {a.name: build_adapter(a, Fetcher(desk.settings.fetch)) for a in desk.settings.accounts}
        dispatch_due(desk.engine, desk.settings, adapters, worker_id="preview-test")
        context.close()
    sent = {p["platform"]: p for p in requests.get(desk.sandbox + "/_sandbox/posts", timeout=5).json()}
    tweet = sent["twitter"]
    # X shows links as t.co in the text; the sandbox, like X, gives the expanded one beside it
    assert re.sub(r"https://t\.co/\S+", tweet["link"], tweet["text"]) == x_shown
    assert [m["alt_text"] for m in tweet["media"]] == ["The night ferry leaving the quay"]
    assert sent["facebook"]["text"] == fb_shown
    assert sent["facebook"]["link"] == fb_link == CANONICAL + "?utm_source=facebook&utm_medium=social"


def test_two_images_and_a_thread_show_in_the_preview_and_reach_x(playwright_browser, desk):  # noqa: F811
    from playwright.sync_api import expect

    headline = "Night ferries are back from Monday"
    reply = "\u201cWe waited two years for this,\u201d said a harbour pilot."
    with Site() as site:
        site.pages["/quay.jpg"] = ("image/jpeg", _photo())
        site.pages["/pilot.jpg"] = ("image/jpeg", _photo())
        context, page = _composer(playwright_browser, desk)
        page.uncheck('input[name=accounts][value="fb-main"]')
        page.click("button:has-text('Fetch and compose')")  # no URL: free text

        draft = page.locator('.draft[data-platform="twitter"]')
        preview = page.locator('.post-preview[data-preview="x-main"]')
        page.fill("#text_x-main", headline)
        draft.locator('input[name="image_custom_x-main"]').fill(site.url("/quay.jpg"))
        page.fill('textarea[name="alt_x-main"]', "The night ferry at the quay")
        page.fill('input[name="extra_image_x-main_2"]', site.url("/pilot.jpg"))
        page.fill('textarea[name="extra_alt_x-main_2"]', "A harbour pilot on the bridge")
        page.fill("#thread_x-main_2", reply)

        expect(preview.locator(".pv-photo")).to_be_visible()
        expect(preview.locator(".pv-alt")).to_have_text("Alt text: The night ferry at the quay")
        expect(preview.locator(".pv-extra")).to_have_count(1)
        expect(preview.locator(".pv-extra-alt")).to_have_text("Alt text: A harbour pilot on the bridge")
        expect(preview.locator(".pv-reply")).to_have_text([reply])
        shown_text = preview.locator(".pv-text").text_content()
        shown_alts = [preview.locator(".pv-photo").get_attribute("alt"), preview.locator(".pv-extra").get_attribute("alt")]
        shown_replies = preview.locator(".pv-reply").all_text_contents()

        page.click("#queue-button")
        expect(page.locator(".flash-success")).to_contain_text("1 post created")

        from distributor.dispatch import dispatch_due
        from distributor.fetch import Fetcher
        from distributor.platforms import build_adapter

        adapters = {a.name: build_adapter(a, Fetcher(desk.settings.fetch)) for a in desk.settings.accounts}
        dispatch_due(desk.engine, desk.settings, adapters, worker_id="preview-test")
        context.close()
    sent = requests.get(desk.sandbox + "/_sandbox/posts", timeout=5).json()
    [tweet] = [p for p in sent if p["in_reply_to"] is None]
    replies = [p for p in sent if p["in_reply_to"] == tweet["id"]]
    assert tweet["text"] == shown_text == headline
    assert [m["alt_text"] for m in tweet["media"]] == shown_alts
    assert [p["text"] for p in replies] == shown_replies == [reply]
