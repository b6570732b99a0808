"""The desk's live counter counts as the server does, on every platform (a real browser).

The counting rule and the limit come from the server's platform spec (data
attributes on each text box); here the page's own numbers are compared with
``distributor.compose.text_length`` and with the server's verdict on submit.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from distributor import users
from distributor.compose import text_length
from distributor.config import AccountSettings, Settings
from distributor.platforms.specs import SPECS
from tests.helpers.desk_server import logged_in_page, playwright_browser, served_desk_app  # noqa: F401 - the fixture
from tests.test_web_browser import COUNTER_SAMPLES

pytestmark = pytest.mark.browser

ACCOUNTS = {
    "twitter": dict(name="x-main"),
    "facebook": dict(name="fb-main", page_id="1001"),
    "bluesky": dict(name="bsky-main", handle="newsroom.bsky.social"),
    "mastodon": dict(name="masto-main"),
    "threads": dict(name="threads-main", user_id="17841400000000001"),
}
SAMPLES = COUNTER_SAMPLES + [
    "e\u0301 combining, Hangul 한국어, Devanagari नमस्ते, Thai สวัสดี",  # graphemes differ from code points
    "two links https://news.example.com/a and http://b.example.org/very/long/path?x=1 end",
]


@pytest.fixture
def desk(engine, sandbox, monkeypatch):
    settings = Settings(
        accounts=[AccountSettings(platform=p, api_base_url=sandbox, **fields) for p, fields in ACCOUNTS.items()],
        fetch={"allow_private_networks": True},
    )
    with Session(engine) as session:
        users.add_user(session, "ana@coastaltimes.example", "harbour-bridge-2026", "editor")
        session.commit()
    with served_desk_app(settings, engine) as url:
        yield url


def test_the_counter_agrees_with_the_server_on_every_platform(playwright_browser, desk):  # noqa: F811
    from playwright.sync_api import expect

    context, page = logged_in_page(playwright_browser, desk, "ana@coastaltimes.example", "harbour-bridge-2026")
    page.goto(desk + "/compose")
    for box in page.locator("input[name=accounts]").all():  # every account, free text (no article URL)
        box.check()
    page.click("button:has-text('Fetch and compose')")

    for platform, fields in ACCOUNTS.items():
        box = page.locator(f"#text_{fields['name']}")
        counter = page.locator(f"#count_{fields['name']}")
        limit = SPECS[platform].text.max_length
        for sample in SAMPLES:
            box.fill(sample)
            expect(counter).to_have_text(f"{text_length(platform, sample)} / {limit}")
        # one past the limit, as this platform counts: the page says so and will not submit
        over = "a" * (limit + 1) if limit < 100_000 else ""
        if over:
            box.fill(over)
            expect(counter).to_have_text(re.compile(rf"^{limit + 1} / {limit} — 1 over$"))
            expect(page.locator("#queue-button")).to_be_disabled()
            box.fill("ok")
            expect(page.locator("#queue-button")).to_be_enabled()
    context.close()


def test_the_counter_refuses_a_bluesky_post_over_3000_bytes(playwright_browser, desk):  # noqa: F811
    """100 graphemes of a letter with 20 accents: well within 300 graphemes, 4,100 bytes (Bluesky allows 3,000)."""
    from playwright.sync_api import expect

    context, page = logged_in_page(playwright_browser, desk, "ana@coastaltimes.example", "harbour-bridge-2026")
    page.goto(desk + "/compose")
    page.locator("input[name=accounts][value=bsky-main]").check()
    page.click("button:has-text('Fetch and compose')")

    box, counter = page.locator("#text_bsky-main"), page.locator("#count_bsky-main")
    box.fill(("a" + "\u0301" * 20) * 100)
    expect(counter).to_have_text("100 / 300 — 4100 bytes, 1100 over")
    expect(page.locator("#queue-button")).to_be_disabled()
    box.fill("ok")
    expect(page.locator("#queue-button")).to_be_enabled()
    context.close()
