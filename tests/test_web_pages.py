"""The desk's pages as an editor sees them: queue tabs, filters and paging, times
in the desk's zone, the post page's actions, the article page, the paused banner."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import posts, users
from distributor.config import Settings
from distributor.models import Account, Article, ArticleState, EngagementSnapshot, Post, PostState, utcnow
from distributor.models import PostEvent as PostEventRow
from distributor.web import create_app

PASSWORD = "a long password"


@pytest.fixture
def settings():
    return Settings(
        accounts=[
            {"name": "x-main", "platform": "twitter"},
            {"name": "fb-main", "platform": "facebook", "page_id": "123", "require_approval": True},
        ],
        web={"timezone": "Asia/Tokyo"},  # UTC+9 all year: no DST to reason about
    )


@pytest.fixture
def client(settings, engine):
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", PASSWORD, "editor")
        session.commit()
    client = TestClient(create_app(settings, engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "desk@example.com", "password": PASSWORD, "csrf_token": token})
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/compose").text).group(1)
    return client


def add(engine, settings, account="x-main", **fields) -> int:
    with Session(engine) as session:
        post = posts.create_post(session, settings.account(account), **fields)
        session.commit()
        return post.id


def ids_on(page_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="post-id" href="/posts/(\d+)"', page_html)]


def test_queue_tabs_filters_and_paging(client, engine, settings):
    soon = utcnow() + timedelta(hours=1)
    x_ids = [add(engine, settings, text=f"x {i}", at=soon + timedelta(minutes=i)) for i in range(55)]
    fb_id = add(engine, settings, "fb-main", text="needs a yes", at=soon)
    page1 = client.get("/queue").text
    assert ids_on(page1) == x_ids[:50]  # soonest first, 50 a page
    assert "Page 1 of 2" in page1
    assert ids_on(client.get("/queue?page=2").text) == x_ids[50:]
    assert ids_on(client.get("/queue?tab=approval").text) == [fb_id]
    assert ids_on(client.get("/queue?tab=all&account=fb-main").text) == [fb_id]
    assert ids_on(client.get("/queue?account=fb-main").text) == []
    counts = dict(re.findall(r'>([A-Za-z ]+) <span class="count">(\d+)</span>', page1))
    assert counts["Upcoming"] == "55" and counts["Awaiting approval"] == "1" and counts["All"] == "56"


def test_queue_filters_by_article(client, engine, settings):
    with Session(engine) as session:
        article = Article(url="https://news.example/a", title="Ferry strike ends", state=ArticleState.extracted)
        session.add(article)
        session.commit()
        article_id = article.id
    mine = add(engine, settings, text="about the ferry", article_id=article_id)
    add(engine, settings, text="something else")
    body = client.get(f"/queue?tab=all&article={article_id}").text
    assert ids_on(body) == [mine]
    assert "Ferry strike ends" in body


def test_times_are_shown_and_read_in_the_desk_time_zone(client, engine, settings):
    post_id = add(engine, settings, text="Tokyo time", at=datetime(2031, 3, 4, 1, 30, tzinfo=UTC))
    assert "Tue 04 Mar 2031, 10:30" in client.get(f"/posts/{post_id}").text  # 01:30 UTC is 10:30 in Tokyo
    response = client.post(f"/posts/{post_id}/reschedule", data={"csrf_token": client.csrf, "at": "2031-03-05T08:15"})
    assert "Rescheduled for Wed 05 Mar 2031, 08:15" in response.text
    with Session(engine) as session:
        assert session.get(Post, post_id).scheduled_at == datetime(2031, 3, 4, 23, 15, tzinfo=UTC)


def test_compose_schedules_in_the_desk_time_zone_and_refuses_the_past(client, engine):
    form = {"csrf_token": client.csrf, "draft_accounts": "x-main", "include_x-main": "on", "text_x-main": "Budget day",
            "image_x-main": "none", "when": "at", "at": "2031-01-10T09:00"}
    response = client.post("/compose", data=form, follow_redirects=False)
    assert response.status_code == 303
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    with Session(engine) as session:
        post = session.get(Post, post_id)
        assert post.scheduled_at == datetime(2031, 1, 10, 0, 0, tzinfo=UTC)
        assert post.created_by == "desk@example.com"
    past = client.post("/compose", data=dict(form, at="2020-01-01T09:00"))
    assert past.status_code == 400 and "has passed" in past.text


def test_compose_warns_when_an_account_already_has_the_article(client, engine, settings):
    with Session(engine) as session:
        article = Article(url="https://news.example/a", title="Budget day")
        session.add(article)
        session.commit()
        article_id = article.id
    earlier = add(engine, settings, text="Budget day, first post", article_id=article_id)
    form = {"csrf_token": client.csrf, "article_id": str(article_id), "draft_accounts": "x-main",
            "include_x-main": "on", "text_x-main": "Budget day again", "image_x-main": "none", "when": "now"}
    warned = client.post("/compose", data=form, follow_redirects=False)
    assert warned.status_code == 409
    assert f"x-main: this article already went to x-main or is queued there (post {earlier} queued" in warned.text
    assert 'name="again"' in warned.text
    with Session(engine) as session:
        assert session.exec(select(Post).where(Post.account == "x-main")).all()[-1].id == earlier
    sent = client.post("/compose", data=dict(form, again="on"), follow_redirects=False)
    assert sent.status_code == 303


def test_editing_past_the_x_limit_is_refused_and_keeps_the_post(client, engine, settings):
    post_id = add(engine, settings, text="Short and sweet")
    response = client.post(f"/posts/{post_id}/edit", data={"csrf_token": client.csrf, "text": "word " * 60})
    assert response.status_code == 400
    assert "300 characters as X counts them; the limit is 280" in response.text
    with Session(engine) as session:
        assert session.get(Post, post_id).text == "Short and sweet"
    client.post(f"/posts/{post_id}/edit", data={"csrf_token": client.csrf, "text": "Line one\r\nLine two"})
    with Session(engine) as session:
        assert session.get(Post, post_id).text == "Line one\nLine two"


def test_post_page_offers_what_the_state_allows_and_shows_who_did_what(client, engine, settings):
    post_id = add(engine, settings, "fb-main", text="Needs approval")
    body = client.get(f"/posts/{post_id}").text
    assert f'action="/posts/{post_id}/approve"' in body and f'action="/posts/{post_id}/retry"' not in body
    client.post(f"/posts/{post_id}/approve", data={"csrf_token": client.csrf})
    client.post(f"/posts/{post_id}/cancel", data={"csrf_token": client.csrf})
    body = client.get(f"/posts/{post_id}").text
    assert f'action="/posts/{post_id}/approve"' not in body and f'action="/posts/{post_id}/cancel"' not in body
    history = body.split("<h2>History</h2>")[1]
    assert history.count("desk@example.com") == 2
    assert "approved it" in history and "cancelled it" in history
    # an action the state forbids is explained, not performed
    response = client.post(f"/posts/{post_id}/approve", data={"csrf_token": client.csrf})
    assert "it cannot become queued" in response.text


def test_article_page_shows_extraction_and_the_latest_engagement(client, engine, settings):
    with Session(engine) as session:
        article = Article(url="https://news.example/b", title="Harbour bridge to close", state=ArticleState.extracted,
                          pull_quote="We cannot keep patching it", pull_quote_speaker="Maria Okafor",
                          image_url="https://img.news.example/b.jpg", image_alt="The bridge at dusk",
                          data={"quotes": [{"text": "We cannot keep patching it", "speaker": "Maria Okafor"},
                                           {"text": "Detours are painful", "speaker": "Tom Hale"}]})
        session.add(article)
        session.commit()
        article_id = article.id
    post_id = add(engine, settings, text="Bridge", article_id=article_id)
    with Session(engine) as session:
        session.add(EngagementSnapshot(post_id=post_id, likes=5, collected_at=utcnow() - timedelta(hours=2)))
        session.add(EngagementSnapshot(post_id=post_id, likes=41, shares=3))
        session.commit()
    body = client.get(f"/articles/{article_id}").text
    assert "Maria Okafor" in body and "Tom Hale" in body and "Detours are painful" in body
    assert "The bridge at dusk" in body
    assert "41 likes · 3 shares" in body and "5 likes" not in body


def test_a_paused_account_is_announced_on_every_page(client, engine):
    with Session(engine) as session:
        session.add(Account(name="fb-main", platform="facebook", paused_reason="the Page token expired (code 190)",
                            paused_at=utcnow()))
        session.commit()
    for url in ("/queue", "/compose", "/articles"):
        body = client.get(url).text
        assert "fb-main is paused and needs re-authorisation." in body and "the Page token expired" in body


def test_compose_explains_a_page_that_cannot_be_read(client):
    response = client.post("/compose/article", data={"csrf_token": client.csrf, "url": "http://127.0.0.1:9/nothing",
                                                     "accounts": ["x-main"]})
    assert response.status_code == 422
    assert "Could not compose from that page" in response.text


def test_reports_page_shows_the_html_report_in_the_page(client, engine, settings):
    post_id = add(engine, settings, text="Sent and liked")
    with Session(engine) as session:
        post = session.get(Post, post_id)
        post.state, post.sent_at = PostState.sent, utcnow() - timedelta(hours=1)
        session.add(post)
        session.add(EngagementSnapshot(post_id=post_id, likes=1234, shares=56))
        session.commit()
    page = client.get("/reports?since=2d&by=account").text
    assert "<iframe" not in page  # on a phone a frame scrolls inside the page
    report = page.split('<article class="card report">')[1].split("</article>")[0]
    assert "x-main" in report and "1,234" in report and "<svg" in report
    assert 'href="/reports/frame?since=2d&amp;by=account"' in page  # the standalone document, to save or print
    bad = client.get("/reports?since=whenever")
    assert bad.status_code == 422 and "whenever" in bad.text
    frame = client.get("/reports/frame?since=2d&by=account")
    assert frame.status_code == 200 and "x-main" in frame.text and "1,234" in frame.text
    assert client.get("/reports/frame?since=whenever").status_code == 422


def test_history_speaks_in_words_in_the_desk_zone_and_shows_what_an_edit_changed(client, engine, settings):
    post_id = add(engine, settings, text="Ferry strike ends on Monday", at=datetime(2030, 5, 1, 9, 30))
    client.post(f"/posts/{post_id}/edit", data={"csrf_token": client.csrf, "text": "Ferry strike ends on Tuesday",
                                                "link": "", "image_url": ""})
    client.post(f"/posts/{post_id}/reschedule", data={"csrf_token": client.csrf, "at": "2030-05-02T18:45"})
    with Session(engine) as session:  # the publisher's own words, as dispatch.py writes them
        session.add(PostEventRow(post_id=post_id, at=datetime(2030, 5, 2, 9, 45, 1, 123456, tzinfo=UTC),
                                 from_state="queued", to_state="sending", attempt=1, actor="worker:host-1234",
                                 reason="claimed; lease until 2030-05-02T09:47:01.123456+00:00"))
        session.commit()
    history = client.get(f"/posts/{post_id}").text.split("<h2>History</h2>")[1]
    assert "<del>Monday</del>" in history and "<ins>Tuesday</ins>" in history
    assert "changed the text" in history and "desk@example.com" in history
    assert "moved it to Thu 02 May 2030, 18:45" in history  # Tokyo time, as typed
    assert "started publishing" in history and "Thu 02 May 2030, 18:45" in history  # 09:45 UTC is 18:45 in Tokyo
    for machine_words in ("worker:", "host-1234", "lease", ".123456", "+00:00", "T09:"):
        assert machine_words not in history


def test_history_of_a_long_facebook_post_shows_a_small_edit_and_a_rewrite_readably(client, engine, settings):
    """A 1,500-word post: one word changed is one <del>/<ins> pair; a rewrite of a text of few
    distinct words is the old text struck and the new one added, not hundreds of fragments
    (difflib on the whole of two such texts takes seconds a page view)."""
    body = " ".join(("ferry", "strike", "ends", "today")[i % 4] if i % 7 else "tide" for i in range(1500))
    post_id = add(engine, settings, "fb-main", text="Monday " + body, at=datetime(2030, 5, 1, 9, 30))
    for text in ("Tuesday " + body, " ".join(reversed(body.split()))):
        with Session(engine) as session:
            posts.edit(session, post_id, text=text, actor="ana@desk")
            session.commit()
    history = client.get(f"/posts/{post_id}").text.split("<h2>History</h2>")[1]
    assert history.count("<del>") == 2 and history.count("<ins>") == 2
    assert "<del>Monday</del>" in history and "<ins>Tuesday</ins>" in history


def test_cancel_asks_for_confirmation_first(client, engine, settings):
    post_id = add(engine, settings, text="Bridge closes")
    body = client.get(f"/posts/{post_id}").text
    confirm = body.split('<details class="confirm">')[1].split("</details>")[0]
    assert "Cancel post #%d?" % post_id in confirm and f'action="/posts/{post_id}/cancel"' in confirm
    assert "Yes, cancel this post" in confirm


def test_queue_filters_by_words_of_the_headline(client, engine, settings):
    with Session(engine) as session:
        ferry = Article(url="https://news.example/f", title="Ferry Strike ends after 3 days", state=ArticleState.extracted)
        other = Article(url="https://news.example/g", title="100% turnout_record", state=ArticleState.extracted)
        session.add_all([ferry, other])
        session.commit()
        ferry_id, other_id = ferry.id, other.id
    mine = add(engine, settings, text="about the ferry", article_id=ferry_id)
    theirs = add(engine, settings, text="turnout", article_id=other_id)
    add(engine, settings, text="no article")
    assert ids_on(client.get("/queue?tab=all&q=ferry strike").text) == [mine]
    assert ids_on(client.get("/queue?tab=all&q=100%25").text) == [theirs]
    assert ids_on(client.get("/queue?tab=all&q=_").text) == [theirs]  # a literal underscore, not a wildcard
    assert ids_on(client.get("/queue?tab=all&q=%25").text) == [theirs]
    assert ids_on(client.get("/queue?tab=all&q=nothing like it").text) == []


@pytest.mark.parametrize("query", ["date=2026-02-30", "date=0001-01-01", "date=9999-12-31", "date=%00", "view=month",
                                   "account=nobody", "date=2026-01-01&account=%ED%A0%80"])
def test_the_calendar_refuses_bad_input_with_a_reason(client, query):
    response = client.get(f"/calendar?{query}")
    assert response.status_code == 422
    assert "could not store" not in response.text and "Traceback" not in response.text


def test_a_facebook_posts_page_views_show_as_views_on_the_desk(client, engine, settings):
    """Meta counts Page views, not impressions: the desk says views for Facebook and impressions for X."""
    with Session(engine) as session:
        article = Article(url="https://news.example/views", title="Ferry timetable changes", state=ArticleState.extracted)
        session.add(article)
        session.commit()
        article_id = article.id
    fb_id = add(engine, settings, account="fb-main", text="Ferries every ten minutes", article_id=article_id)
    x_id = add(engine, settings, text="Ferries every ten minutes, on X", article_id=article_id)
    with Session(engine) as session:
        for post_id, seen in ((fb_id, {"views": 4321}), (x_id, {"impressions": 900})):
            post = session.get(Post, post_id)
            post.state, post.sent_at = PostState.sent, utcnow() - timedelta(hours=1)
            session.add(post)
            session.add(EngagementSnapshot(post_id=post_id, likes=7, **seen))
        session.commit()
    assert "4321 views" in client.get(f"/posts/{fb_id}").text
    post_page = client.get(f"/posts/{x_id}").text
    assert "900 impressions" in post_page and "views" not in post_page.split("Engagement")[1].split("</dd>")[0]
    article_page = client.get(f"/articles/{article_id}").text
    assert "4321 views" in article_page and "900 impressions" in article_page
    sent = client.get("/queue?tab=sent").text
    assert "<strong>4,321</strong> views" in sent and "<strong>900</strong> impressions" in sent


def test_changing_a_posts_image_in_the_desk_does_not_keep_the_old_pictures_description(client, engine, settings):
    post_id = add(engine, settings, text="Harbour reopens", image_url="https://news.example/ferry.jpg",
                  image_alt="A ferry leaving the harbour at dawn")
    page = client.get(f"/posts/{post_id}").text
    assert 'value="A ferry leaving the harbour at dawn"' in page  # the editor sees the description and can change it
    form = {"csrf_token": client.csrf, "text": "Harbour reopens", "link": "",
            "image_url": "https://news.example/crane.jpg", "image_alt": "A ferry leaving the harbour at dawn"}
    assert client.post(f"/posts/{post_id}/edit", data=form).status_code == 200
    with Session(engine) as session:
        post = session.get(Post, post_id)
        assert (post.image_url, post.image_alt) == ("https://news.example/crane.jpg", None)
    form.update(image_alt="A crane lifting the new gangway")
    client.post(f"/posts/{post_id}/edit", data=form)
    with Session(engine) as session:
        assert session.get(Post, post_id).image_alt == "A crane lifting the new gangway"
    assert "changed the image description" in client.get(f"/posts/{post_id}").text
    too_long = client.post(f"/posts/{post_id}/edit", data=dict(form, image_alt="x" * 1001))
    assert too_long.status_code == 400 and "the most accepted is 1000" in too_long.text
    with Session(engine) as session:
        assert session.get(Post, post_id).image_alt == "A crane lifting the new gangway"
