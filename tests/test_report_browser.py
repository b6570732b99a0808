"""The HTML engagement report as a person sees it: opened in headless Chromium.

DISTRIBUTOR_UPDATE_DOCS=1 also saves the screenshot shown in the README (docs/report.png).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from distributor.models import Account, Article, EngagementSnapshot, Post, PostState, utcnow
from distributor.reports import build_report, render_html
from tests.helpers.desk_server import playwright_browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
DOCS = Path(__file__).parent.parent / "docs"


def _seed(session) -> int:
    now = utcnow()
    session.add(Account(name="x-main", platform="twitter"))
    session.add(Account(name="fb-main", platform="facebook"))
    article = Article(url="https://news.example/a", canonical_url="https://news.example/a",
                      title="Harbour <script>alert(1)</script> bridge to close")
    session.add(article)
    session.flush()
    for n in range(24):
        account, platform = (("x-main", "twitter"), ("fb-main", "facebook"))[n % 2]
        sent = now - timedelta(hours=n * 5 + 1)
        post = Post(account=account, platform=platform, article_id=article.id, text=f"post {n}",
                    state=PostState.sent, sent_at=sent, external_id=str(n), template=f"{platform}.j2")
        session.add(post)
        session.flush()
        for step, minutes in enumerate((10, 60, 360)):
            session.add(EngagementSnapshot(post_id=post.id, collected_at=sent + timedelta(minutes=minutes),
                                           likes=(n + 1) * (step + 1) * 3, shares=n + step, comments=step,
                                           # X counts impressions, Facebook Page views
                                           **{"views" if platform == "facebook" else "impressions":
                                              (n + 1) * 100 * (step + 1)}))
    session.commit()
    return 24


def test_the_html_report_renders_its_charts(session, playwright_browser, tmp_path):  # noqa: F811
    posts = _seed(session)
    report = build_report(session, since=timedelta(days=7), by="platform", charts=True)
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")

    page = playwright_browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(page_file.as_uri())
        charts = page.locator("svg")
        assert charts.count() >= 3
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box and box["width"] > 200 and box["height"] > 30  # drawn, not collapsed
            assert charts.nth(index).locator("rect, path, polyline, circle").count() > 0
        assert page.locator("script").count() == 0  # self-contained, and the title stayed text
        text = page.inner_text("body")
        assert "twitter" in text and "facebook" in text and str(posts // 2) in text
        assert "impressions" in text and "views" in text  # side by side, never added together
        if os.environ.get("DISTRIBUTOR_UPDATE_DOCS") == "1":
            page.screenshot(path=str(DOCS / "report.png"), full_page=True)
    finally:
        page.close()
