"""The composer's "best time" in a real browser: with enough of the account's own engagement it
suggests the next start of its best hour and says why, "Use it" fills the schedule, and the post is
queued at that slot in the desk's time zone; with too little data it says so and offers nothing.

Chromium (/usr/bin/chromium) through Playwright, the desk on real uvicorn, the article on 127.0.0.1.
The browser runs in another zone than the desk (New York against Paris), so a slot read in the
browser's zone would be six hours off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from distributor import users
from distributor.config import Settings
from distributor.models import EngagementSnapshot, Post, PostState
from distributor.posts import ensure_account
from tests.newsroom import Site
from tests.helpers.desk_server import logged_in_page, playwright_browser, served_desk_app  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")
STORY = ("<!doctype html><html><head><meta charset='utf-8'><title>Night ferries return to the harbour</title>"
         "<link rel='canonical' href='https://news.example.com/2026/12/01/night-ferries'></head><body><article>"
         "<h1>Night ferries return to the harbour</h1><p>The night ferries return on Monday after two years, "
         "the harbour authority said on Tuesday.</p></article></body></html>").encode()


def _history(engine, *, dull: int, good: int) -> None:
    """x-main's measured posts of the last weeks: ``dull`` at 09:00 Paris (10 likes each), ``good`` at
    18:00 Paris (100 likes each)."""
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}])
    today = datetime.now(PARIS).date()
    with Session(engine) as session:
        ensure_account(session, settings.account("x-main"))
        for n, (hour, likes) in enumerate([(9, 10)] * dull + [(18, 100)] * good):
            day = today - timedelta(days=n % 25 + 1)
            sent_at = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)
            post = Post(account="x-main", platform="twitter", text=f"An older post {n}", state=PostState.sent,
                        sent_at=sent_at, scheduled_at=sent_at, external_id=f"old-{n}")
            session.add(post)
            session.flush()
            session.add(EngagementSnapshot(post_id=post.id, collected_at=sent_at + timedelta(hours=2), likes=likes))
        users.add_user(session, "ana@news.example.com", "harbour-bridge-2026", "editor")
        session.commit()


@pytest.fixture
def desk(engine):
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}], web={"timezone": "Europe/Paris"},
                        fetch={"allow_private_networks": True})
    with served_desk_app(settings, engine) as url:
        yield url


def _compose(browser, desk_url: str, site: Site):
    """Log in (from a browser in New York) and compose the story: the page with its timing section."""
    site.pages["/story"] = ("text/html; charset=utf-8", STORY)
    context, page = logged_in_page(browser, desk_url, "ana@news.example.com", "harbour-bridge-2026", timeout=20_000,
                                   viewport={"width": 1280, "height": 1000}, timezone_id="America/New_York")
    page.goto(desk_url + "/compose")
    page.fill("input[name=url]", site.url("/story"))
    page.click("button:has-text('Fetch and compose')")
    return context, page


def _next_six_pm_in_paris() -> datetime:
    now = datetime.now(PARIS)
    slot = now.replace(hour=18, minute=0, second=0, microsecond=0)
    return slot if slot > now else (now + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)


def test_the_best_time_is_suggested_explained_and_used(playwright_browser, desk, engine):  # noqa: F811
    from playwright.sync_api import expect

    _history(engine, dull=17, good=4)
    slot = _next_six_pm_in_paris()
    with Site() as site:
        context, page = _compose(playwright_browser, desk, site)
        suggestion = page.locator(".best-time", has_text="x-main")
        expect(suggestion).to_contain_text("Best time for x-main")
        expect(suggestion).to_contain_text("18:00 is when this account's posts did best: a median of 100")
        expect(suggestion).to_contain_text("for the 4 posts sent then, against 10 over all 21 measured posts")
        assert page.locator('input[name="when"][value="at"]').is_checked() is False
        suggestion.locator("button.use-best").click()
        expect(page.locator('input[name="at"]')).to_have_value(slot.strftime("%Y-%m-%dT%H:%M"))
        assert page.locator('input[name="when"][value="at"]').is_checked()
        page.click("#queue-button")
        expect(page.locator(".flash-success")).to_contain_text("1 post")
        context.close()
    if slot - datetime.now(PARIS) < timedelta(minutes=2):
        pytest.skip("18:00 in Paris came while the test ran")  # the slot is then already past
    with Session(engine) as session:
        queued = session.exec(select(Post).where(Post.state == PostState.queued)).one()
    at = queued.scheduled_at if queued.scheduled_at.tzinfo else queued.scheduled_at.replace(tzinfo=UTC)
    assert at == slot.astimezone(UTC)
    assert "Night ferries return to the harbour" in queued.text


def test_too_little_data_says_so_and_offers_no_time(playwright_browser, desk, engine):  # noqa: F811
    from playwright.sync_api import expect

    _history(engine, dull=15, good=4)  # 19 measured posts: one short of saying anything
    with Site() as site:
        context, page = _compose(playwright_browser, desk, site)
        suggestion = page.locator(".best-time", has_text="x-main")
        expect(suggestion).to_contain_text("Best time for x-main: not enough data yet")
        expect(suggestion).to_contain_text("it needs 20 measured posts of the account, 3 in an hour")
        expect(page.locator("button.use-best")).to_have_count(0)
        context.close()
