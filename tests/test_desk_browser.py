"""The desk of issue 17 in a real browser (Chromium through Playwright, all on 127.0.0.1):
the calendar shows a scheduled post and reschedules it; a post sent back with a reason shows
the reason to its author; at phone width (390 px) no desk page is wider than the screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from distributor import posts, users
from distributor.config import Settings
from distributor.models import Article, ArticleState, EngagementSnapshot, Post, PostState, utcnow
from tests.helpers.desk_server import logged_in_page, playwright_browser, served_desk_app  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

ZONE = "Europe/Paris"
PASSWORD = "harbour-bridge-2026"
ANA, BEN = "ana@coastaltimes.example", "ben@coastaltimes.example"


@pytest.fixture
def desk(engine):
    """The desk served by uvicorn on 127.0.0.1 with two editors and [desk] approval = other_editor."""
    settings = Settings(
        accounts=[{"name": "x-main", "platform": "dryrun", "require_approval": True, "min_gap_minutes": 20,
                   "quiet_hours": [23, 6]},
                  {"name": "fb-main", "platform": "dryrun"}],
        web={"timezone": ZONE}, desk={"approval": "other_editor"}, fetch={"allow_private_networks": True},
    )
    with Session(engine) as session:
        users.add_user(session, ANA, PASSWORD, "editor")
        users.add_user(session, BEN, PASSWORD, "admin")
        session.commit()
    with served_desk_app(settings, engine) as url:
        yield type("Desk", (), {"url": url, "settings": settings, "engine": engine})


def _log_in(browser, desk, email, viewport=None):
    context, page = logged_in_page(browser, desk.url, email, PASSWORD,
                                   viewport=viewport or {"width": 1280, "height": 900})
    page.wait_for_url(re.compile(r"/queue"))
    return context, page


def _add(desk, text, at, account="x-main", actor=ANA, **fields) -> int:
    with Session(desk.engine) as session:
        post = posts.create_post(session, desk.settings.account(account), text=text, at=at, actor=actor, **fields)
        session.commit()
        return post.id


def test_the_calendar_shows_a_scheduled_post_and_reschedules_it(playwright_browser, desk):
    from playwright.sync_api import expect

    zone = ZoneInfo(ZONE)
    tomorrow = (datetime.now(zone) + timedelta(days=1)).replace(hour=9, minute=15, second=0, microsecond=0)
    post_id = _add(desk, "Harbour bridge to close for six months", tomorrow, account="fb-main")
    context, page = _log_in(playwright_browser, desk, ANA)
    page.click("nav a:has-text('Calendar')")
    page.goto(f"{desk.url}/calendar?date={tomorrow.date().isoformat()}&view=day&account=fb-main")
    item = page.locator(f".cal-post[data-post='{post_id}']")
    expect(item).to_contain_text("Harbour bridge to close")
    expect(item.locator("time")).to_have_text("09:15")
    expect(page.locator(".cal-hour", has=item).locator(".cal-hour-label")).to_have_text("09:00")

    # pick a new time from the calendar: the post moves, the page stays the calendar
    item.locator("summary:has-text('Move')").click()
    item.locator("input[name=at]").fill(tomorrow.strftime("%Y-%m-%dT") + "16:40")
    item.locator("button:has-text('Move')").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Post #{post_id} rescheduled")
    assert "/calendar?" in page.url
    moved = page.locator(f".cal-post[data-post='{post_id}']")
    expect(moved.locator("time")).to_have_text("16:40")
    expect(page.locator(".cal-hour", has=moved).locator(".cal-hour-label")).to_have_text("16:00")
    with Session(desk.engine) as session:
        assert session.get(Post, post_id).scheduled_at == tomorrow.replace(hour=16, minute=40).astimezone(UTC)

    # drag it to another hour of the day: the same reschedule
    target = page.locator(".cal-hour[data-at$='T11']")
    moved.drag_to(target)
    expect(page.locator(f".cal-post[data-post='{post_id}'] time")).to_have_text("11:40")
    with Session(desk.engine) as session:
        assert session.get(Post, post_id).scheduled_at == tomorrow.replace(hour=11, minute=40).astimezone(UTC)

    # the week view for all accounts shows it on its day; quiet hours and gaps are visible
    close = _add(desk, "Ferry strike ends", tomorrow.replace(hour=13, minute=0))
    _add(desk, "Storm warning", tomorrow.replace(hour=13, minute=5))
    page.goto(f"{desk.url}/calendar?date={tomorrow.date().isoformat()}&view=week")
    day = page.locator(f".cal-weekday[data-date='{tomorrow.date().isoformat()}']")
    expect(day.locator(f".cal-post[data-post='{post_id}']")).to_be_visible()
    expect(day.locator(".quiet-label")).to_contain_text("x-main")
    expect(day.locator(".cal-post.too-close")).to_contain_text(f"5 min after #{close}")
    context.close()


def test_a_post_sent_back_with_a_reason_shows_it_to_its_author(playwright_browser, desk):
    from playwright.sync_api import expect

    post_id = _add(desk, "Ferry strike ends after three days", utcnow() + timedelta(hours=3))
    # its author may not approve it under other_editor
    context, page = _log_in(playwright_browser, desk, ANA)
    page.goto(f"{desk.url}/posts/{post_id}")
    expect(page.locator(".waiting")).to_contain_text("Waiting for approval for")
    expect(page.locator("button:has-text('Approve')")).to_have_count(0)
    context.close()

    # a colleague sends it back with a reason
    context, page = _log_in(playwright_browser, desk, BEN)
    page.goto(f"{desk.url}/queue?tab=approval")
    expect(page.locator(".post-row .waiting")).to_contain_text("waiting")
    page.goto(f"{desk.url}/posts/{post_id}")
    page.click("summary:has-text('Send back')")
    page.fill("textarea[name=reason]", "Which ferry line? Say so in the first line.")
    page.click("button:has-text('Send back')")
    expect(page.locator(".flash-success")).to_contain_text("Sent back")
    context.close()

    # the author sees it in the drafts tab and on the post, edits and resubmits
    context, page = _log_in(playwright_browser, desk, ANA)
    page.click("nav.tabs a:has-text('Drafts')")
    expect(page.locator(".post-row .sent-back-reason")).to_have_text("Which ferry line? Say so in the first line.")
    page.click(f"a.post-id:has-text('#{post_id}')")
    banner = page.locator(".sent-back")
    expect(banner).to_contain_text(BEN)
    expect(banner.locator(".sent-back-reason")).to_have_text("Which ferry line? Say so in the first line.")
    expect(page.locator("ol.history")).to_contain_text("sent it back to its author")
    page.fill("textarea[name=text]", "Island ferry strike ends after three days")
    page.click("button:has-text('Save changes')")
    expect(page.locator("ol.history .diff ins")).to_have_text("Island ferry")
    expect(page.locator("ol.history .diff del")).to_have_text("Ferry")
    page.click("button:has-text('Send for approval')")
    expect(page.locator("h1 .badge")).to_have_text("awaiting approval")
    context.close()


def test_no_desk_page_is_wider_than_a_phone(playwright_browser, desk, article_site):
    """390 px, as an iPhone 12-15: every page the desk has, with real content in it."""
    with Session(desk.engine) as session:
        article = Article(url="https://news.example/harbour", canonical_url="https://news.example/harbour",
                          title="Harbour bridge to close for six months of repairs, council confirms",
                          state=ArticleState.extracted, image_url="https://img.news.example/harbour.jpg",
                          pull_quote="We cannot keep patching a structure that carries forty thousand cars a day",
                          pull_quote_speaker="Maria Okafor", section="Local",
                          data={"quotes": [{"text": "We cannot keep patching it", "speaker": "Maria Okafor"}]})
        session.add(article)
        session.commit()
        article_id = article.id
    long_link = "https://news.example/2026/12/01/harbour-bridge-to-close-for-six-months-of-repairs-council-confirms"
    queued = _add(desk, "Harbour bridge to close " + long_link, utcnow() + timedelta(hours=1), account="fb-main",
                  article_id=article_id, link=long_link)
    sent = _add(desk, "Sent already", utcnow() - timedelta(hours=5), account="fb-main")
    with Session(desk.engine) as session:
        post = session.get(Post, sent)
        post.state, post.sent_at, post.external_id = PostState.sent, utcnow() - timedelta(hours=5), "1234567890123"
        session.add(post)
        for hours, likes in ((1, 3), (6, 40)):
            session.add(EngagementSnapshot(post_id=sent, collected_at=utcnow() - timedelta(hours=5 - hours),
                                           likes=likes, shares=2, comments=1, impressions=900, raw={}))
        session.commit()
    context, page = _log_in(playwright_browser, desk, BEN, viewport={"width": 390, "height": 844})
    pages = ["/queue", "/queue?tab=all", "/queue?tab=approval", "/queue?tab=drafts", "/compose",
             f"/compose?url={long_link}", "/calendar", "/calendar?view=day", "/articles", f"/articles/{article_id}",
             f"/posts/{queued}", f"/posts/{sent}", "/reports", "/reports?by=article", "/reports?by=hour",
             "/accounts", "/users", "/account/password", "/audit", "/tokens"]
    too_wide = {}
    for path in pages:
        response = page.goto(desk.url + path)
        assert response.status < 500, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    # the composer with an article's drafts in it (where the page used to reach ~500 px)
    page.goto(desk.url + "/compose")
    page.fill("input[name=url]", f"{article_site}/harbour.html")
    page.click("button:has-text('Fetch and compose')")
    page.wait_for_selector("textarea[name^=text]")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 390:
        too_wide["/compose (drafts)"] = width
    # the report's table is readable: no column narrower than a short word
    page.goto(desk.url + "/reports?by=article&since=30d")
    narrowest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('table td, table th')]
        .map(cell => cell.getBoundingClientRect().width).filter(w => w > 0))""")
    assert narrowest >= 40, f"a report column is {narrowest:.0f} px wide: it wraps letter by letter"
    assert page.locator("iframe").count() == 0, "the report must scroll with the page, not inside a frame"
    assert too_wide == {}
    context.close()


def test_swagger_ui_renders_with_nothing_but_the_desk_reachable(playwright_browser, desk):
    from playwright.sync_api import expect

    context = playwright_browser.new_context()
    outside = []

    def only_the_desk(route):
        if route.request.url.startswith(desk.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_desk)
    page = context.new_page()
    page.goto(desk.url + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/posts/{post_id}/reject")).to_be_visible(timeout=15_000)
    assert outside == []
    context.close()
