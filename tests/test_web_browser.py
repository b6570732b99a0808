"""An editor's morning in a real browser: log in, compose from an article, hit the
X limit, schedule, approve, see it published on the sandbox, cancel another.

Needs Chromium (/usr/bin/chromium) and Playwright's Python package; skipped
cleanly without them. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlmodel import Session, select

from distributor import users
from distributor.compose import text_length
from distributor.config import AccountSettings, Settings
from distributor.models import Post, PostState
from tests.helpers.desk_server import playwright_browser, served_desk_app, submit_login  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures" / "web"
ZONE = "Europe/Paris"
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "pat",
}
# Strings on which the page's JS counter must agree with twitter-text.
COUNTER_SAMPLES = [
    "Harbour bridge to close https://coastaltimes.com/2026/11/25/harbour-bridge-repairs",
    "东京 and 北京 — “quotes” … done", "Family 👨‍👩‍👧 flag 🇫🇷 thumbs 👍🏽 heart ❤️ keycap 1️⃣ ©",
    "Trailing https://x.com/a). and example.com and news.bbc.co.uk/x end", "café naïve Ωmega Привет",
    "U.S. e.g. Mr.Smith word...word", "tabs\tand\nnewlines",
]


@pytest.fixture
def desk(engine, sandbox, monkeypatch):
    """The web app served by uvicorn on 127.0.0.1, accounts aimed at the sandbox."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        accounts=[
            AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox, require_approval=True),
            AccountSettings(name="fb-main", platform="facebook", page_id="1001", api_base_url=sandbox),
        ],
        web={"timezone": ZONE},
        fetch={"allow_private_networks": True},
    )
    with Session(engine) as session:
        users.add_user(session, "ana@coastaltimes.example", "harbour-bridge-2026", "editor")
        session.commit()
    with served_desk_app(settings, engine) as url:
        yield type("Desk", (), {"url": url, "settings": settings, "engine": engine, "sandbox": sandbox})


def _post_for(engine, account: str) -> Post:
    with Session(engine) as session:
        return session.exec(select(Post).where(Post.account == account).order_by(Post.id.desc())).first()


def test_compose_schedule_approve_publish_and_cancel(playwright_browser, desk, article_site):
    from playwright.sync_api import expect

    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)

    # log in
    page.goto(desk.url + "/queue")
    expect(page).to_have_url(re.compile(r"/login\?next=/queue$"))
    submit_login(page, "ana@coastaltimes.example", "harbour-bridge-2026")
    expect(page).to_have_url(desk.url + "/queue")

    # compose from the article URL, for both accounts
    page.click("a:has-text('Compose')")
    page.fill("input[name=url]", f"{article_site}/harbour.html")
    page.click("button:has-text('Fetch and compose')")
    x_text = page.locator("#text_x-main")
    expect(x_text).to_contain_text("Harbour bridge to close for six months of repairs")
    expect(page.locator("#text_fb-main")).to_contain_text("Maria Okafor")
    composed = x_text.input_value()
    counter = page.locator("#count_x-main")
    expect(counter).to_have_text(f"{text_length('twitter', composed)} / 280")

    # the JS counter counts as twitter-text does
    for sample in COUNTER_SAMPLES:
        assert page.evaluate("t => window.weightedLength(t)", sample) == text_length("twitter", sample), sample

    # past 280 the counter says so and the form will not submit
    too_long = composed + " Buses will be rerouted over the inland road, adding about twenty minutes to most " \
                          "journeys, and ferries will run every ten minutes at peak times during the works."
    x_text.fill(too_long)
    over = text_length("twitter", too_long) - 280
    assert over > 0
    expect(counter).to_have_text(f"{over + 280} / 280 — {over} over")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#queue-button")).to_be_disabled()
    x_text.fill(composed)
    expect(page.locator("#queue-button")).to_be_enabled()

    # schedule both for a time in the editor's zone, a little ahead
    local_time = (datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    page.check("input[name=when][value=at]")
    page.fill("input[name=at]", local_time.strftime("%Y-%m-%dT%H:%M"))
    page.click("#queue-button")
    expect(page.locator(".flash-success")).to_contain_text("2 posts created; 1 awaiting approval")

    x_post, fb_post = _post_for(desk.engine, "x-main"), _post_for(desk.engine, "fb-main")
    assert x_post.state == PostState.awaiting_approval and fb_post.state == PostState.queued
    assert x_post.text == composed
    assert x_post.scheduled_at == local_time.astimezone(UTC)

    # approve the X post from its page; its history names the editor
    page.click(f"a.post-id:has-text('#{x_post.id}')")
    page.click("button:has-text('Approve')")
    expect(page.locator(".flash-success")).to_contain_text("Approved")
    expect(page.locator("ol.history")).to_contain_text("ana@coastaltimes.example")
    expect(page.locator("ol.history")).to_contain_text("approved it")

    # cancel the Facebook one
    page.goto(f"{desk.url}/posts/{fb_post.id}")
    page.click("summary:has-text('Cancel post')")  # it asks first
    expect(page.locator("h1 .badge")).to_have_text("queued")
    page.click("button:has-text('Yes, cancel this post')")
    expect(page.locator("h1 .badge")).to_have_text("cancelled")

    # the dispatcher reaches the scheduled time: only the approved post goes out
    from distributor.dispatch import dispatch_due
    from distributor.fetch import Fetcher
    from distributor.platforms import build_adapter

    adapters = {a.name: build_adapter(a, Fetcher(desk.settings.fetch)) for a in desk.settings.accounts}
    dispatch_due(desk.engine, desk.settings, adapters, worker_id="browser-test",
                 now=local_time.astimezone(UTC) + timedelta(seconds=1))
    published = requests.get(desk.sandbox + "/_sandbox/posts", timeout=5).json()
    assert [(p["platform"], p["text"]) for p in published] == [("twitter", composed)]

    page.goto(f"{desk.url}/posts/{x_post.id}")
    expect(page.locator("h1 .badge")).to_have_text("sent")
    expect(page.locator("a:has-text('on the platform')")).to_be_visible()
    context.close()
