"""Corrections: a story changed or gone after we posted it is noticed, told, and edited or deleted once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.corrections import next_check, what_to_do
from distributor.models import Article, Notification, Post, PostAction, PostEvent, utcnow
from distributor.pipeline import Runtime, corrections_step, run_cycle
from distributor.sources.webhooks import sign_generic
from distributor.web import create_app
from tests.newsroom import Site, article_page, rss

SECRETS = {"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
           "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
           "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "pt", "DISTRIBUTOR_WEBHOOK_CMS_SECRET": "k"}


@pytest.fixture
def world(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5},
            feeds=[{"url": site.url("/feed")}],
            webhooks=[{"name": "cms"}],
            accounts=[
                {"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "on_change": "edit",
                 "on_unpublish": "delete", "quote_policy": "auto"},
                {"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox,
                 "on_change": "edit", "on_unpublish": "delete", "quote_policy": "auto"},
            ],
        )
        runtime = Runtime(settings, engine)
        run_cycle(runtime)  # first sight of the empty feed
        path = "/news/ferry"
        site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry service to stop", site.url(path)))
        site.pages["/feed"] = ("application/rss+xml", rss(("Ferry service to stop", site.url(path))))
        run_cycle(runtime)
        yield site, path, runtime


def live(sandbox) -> dict[str, dict]:
    return {p["platform"]: p for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()}


def edits(sandbox) -> int:
    """Graph API edit calls the sandbox took (POST /{version}/{post_id} message=...)."""
    return requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"].get("POST /{version}/{id}", 0)


def history(engine) -> list[str]:
    with Session(engine) as session:
        return [e.reason or "" for e in session.exec(select(PostEvent).order_by(PostEvent.id))]


def test_a_changed_headline_is_noticed_told_and_the_facebook_post_edited_once(world, sandbox, engine):
    site, path, runtime = world
    before = live(sandbox)
    assert "Ferry service to stop" in before["facebook"]["text"] and edits(sandbox) == 0
    site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry service to continue", site.url(path)))
    report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert report.changed == 1
    after = live(sandbox)
    assert "Ferry service to continue" in after["facebook"]["text"] and edits(sandbox) == 1
    assert after["twitter"]["text"] == before["twitter"]["text"]  # X has no edit: it is only told
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.changes[0]["field"] == "headline"
        assert (article.changes[0]["before"], article.changes[0]["after"]) == ("Ferry service to stop",
                                                                              "Ferry service to continue")
        [note] = session.exec(select(Notification).where(Notification.kind == "article_changed")).all()
        assert "Ferry service to continue" in note.line
        states = {a.kind + ":" + a.state for a in session.exec(select(PostAction))}
        assert states == {"edit:done", "edit:unsupported"}
    assert any("edited on the platform" in line for line in history(engine))
    assert any("edit not done: X cannot edit" in line for line in history(engine))
    # the next scheduled re-reads find nothing new: nothing is edited or told again
    corrections_step(runtime, now=utcnow() + timedelta(minutes=61))
    assert edits(sandbox) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Notification).where(Notification.kind == "article_changed")).all()) == 1


def test_a_page_turned_410_deletes_the_posts_once(world, sandbox, engine):
    site, path, runtime = world
    assert set(live(sandbox)) == {"twitter", "facebook"}
    # the CMS takes the story down "gone for good": 410
    original = site.server.RequestHandlerClass.do_GET

    def do_get(handler):
        if handler.path == path:
            return handler.send_error(410)
        return original(handler)

    site.server.RequestHandlerClass.do_GET = do_get
    report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert report.gone == 1 and report.actions == 2
    assert live(sandbox) == {}
    stats = requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"]
    assert stats.get("DELETE /2/tweets/{id}") == 1 and stats.get("DELETE /{version}/{id}") == 1
    corrections_step(runtime, now=utcnow() + timedelta(minutes=400))
    stats = requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"]
    assert stats.get("DELETE /2/tweets/{id}") == 1 and stats.get("DELETE /{version}/{id}") == 1
    with Session(engine) as session:
        assert all(p.deleted_at is not None for p in session.exec(select(Post)))
        assert session.exec(select(Article)).one().gone_at is not None
    assert sum("deleted on the platform" in line for line in history(engine)) == 2


def test_an_edited_webhook_reads_the_story_again_at_once(world, sandbox, engine):
    site, path, runtime = world
    site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry to run on weekends", site.url(path)))
    client = TestClient(create_app(runtime.settings, engine, runtime=runtime))
    body = json.dumps({"url": site.url(path), "event": "edited"}).encode()
    answer = client.post("/hooks/cms", content=body, headers={"X-Distributor-Signature": sign_generic("k", body)})
    assert answer.status_code == 202 and answer.json()["status"] == "edited"
    corrections_step(runtime)  # now, not ten minutes later
    assert "Ferry to run on weekends" in live(sandbox)["facebook"]["text"]


@pytest.mark.parametrize("changed, gone, on_change, on_unpublish, by_editor, expected", [
    (True, False, "edit", "alert", False, "edit"), (True, False, "alert", "delete", False, None),
    (True, False, "edit", "alert", True, None),  # an editor's own words are not rewritten from the template
    (False, True, "edit", "delete", False, "delete"), (False, True, "edit", "delete", True, "delete"),
    (False, True, "edit", "alert", False, None), (False, False, "edit", "delete", False, None),
])
def test_what_to_do_is_a_table(changed, gone, on_change, on_unpublish, by_editor, expected):
    assert what_to_do(changed=changed, gone=gone, on_change=on_change, on_unpublish=on_unpublish,
                      written_by_editor=by_editor) == expected


def test_the_recheck_schedule():
    start = utcnow()
    assert next_check(start, [10, 60, 360], start) == (0, start + timedelta(minutes=10))
    assert next_check(start, [10, 60, 360], start + timedelta(minutes=61)) == (2, start + timedelta(minutes=360))
    assert next_check(start, [10, 60, 360], start + timedelta(minutes=361)) == (3, None)


def test_an_unpublished_webhook_deletes_the_posts_where_the_policy_says_so(world, sandbox, engine):
    site, path, runtime = world
    client = TestClient(create_app(runtime.settings, engine, runtime=runtime))
    body = json.dumps({"url": site.url(path), "event": "unpublished"}).encode()
    answer = client.post("/hooks/cms", content=body, headers={"X-Distributor-Signature": sign_generic("k", body)})
    assert answer.status_code == 202 and answer.json()["status"] == "unpublished"
    corrections_step(runtime)
    assert live(sandbox) == {}
    with Session(engine) as session:
        [note] = session.exec(select(Notification).where(Notification.kind == "article_changed")).all()
        assert "gone" in note.line


def test_a_changed_pull_quote_is_a_difference_and_a_quote_no_longer_found_is_not():
    from distributor.articles import differences
    from distributor.extract.model import Extracted, Quote

    article = Article(url="https://n.example/a", title="Ferry vote", pull_quote="We will keep it running")
    fixed = Extracted(source="x", title="Ferry vote", pull_quote=Quote("We will keep the ferry running", "Jane Doe"))
    assert differences(article, fixed) == [{"field": "pull quote", "before": "We will keep it running",
                                            "after": "We will keep the ferry running"}]
    assert differences(article, Extracted(source="x", title="Ferry vote")) == []
    assert differences(article, Extracted(source="x", title="Ferry vote ", pull_quote=Quote("We will keep it running", None))) == []


def test_a_headline_changed_back_and_again_leaves_the_post_saying_what_the_page_says(world, sandbox, engine):
    """A -> B -> A -> B: each re-read that finds a new headline edits the post to it, even one seen before."""
    site, path, runtime = world
    now = utcnow()
    for minutes, headline in ((11, "Ferry service to continue"), (61, "Ferry service to stop"),
                              (361, "Ferry service to continue")):
        site.pages[path] = ("text/html; charset=utf-8", article_page(headline, site.url(path)))
        corrections_step(runtime, now=now + timedelta(minutes=minutes))
        assert headline in live(sandbox)["facebook"]["text"], minutes
    assert edits(sandbox) == 3


def _hook(client, url: str, event: str):
    body = json.dumps({"url": url, "event": event}).encode()
    return client.post("/hooks/cms", content=body, headers={"X-Distributor-Signature": sign_generic("k", body)})


@pytest.mark.parametrize("read_first", [True, False], ids=["posts waiting", "page not read yet"])
def test_a_story_unpublished_before_its_posts_went_out_is_never_posted(world, sandbox, engine, read_first):
    """Published by mistake and taken down a minute later: the posts still waiting are cancelled."""
    from distributor.pipeline import extract_pending

    site, path, runtime = world
    slip = "/news/embargoed"
    site.pages[slip] = ("text/html; charset=utf-8", article_page("Embargoed results leak", site.url(slip)))
    client = TestClient(create_app(runtime.settings, engine, runtime=runtime))
    assert _hook(client, site.url(slip), "published").json()["status"] == "created"
    if read_first:
        extract_pending(runtime)  # composed and queued, not sent yet
    assert _hook(client, site.url(slip), "unpublished").json()["status"] == "unpublished"
    run_cycle(runtime)
    texts = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
    assert texts and not any("Embargoed" in t for t in texts)
    with Session(engine) as session:
        article = session.exec(select(Article).where(Article.url == site.url(slip))).one()
        waiting = session.exec(select(Post).where(Post.article_id == article.id)).all()
        assert all(p.state == "cancelled" for p in waiting)
        assert len(waiting) == (2 if read_first else 0)


def test_a_story_taken_down_deletes_the_x_thread_replies_too(world, sandbox, engine):
    """X keeps a thread's replies when its first post is deleted: a take-down must delete them as well."""
    from distributor import manual

    site, path, runtime = world
    replies = ["\u201cThe last ferry leaves on Friday,\u201d said the operator.",
               "\u201cWe will miss it,\u201d said a islander."]
    manual.queue(runtime, runtime.settings.account("x-main"), article_url=site.url(path), again=True,
                 text="Ferry service to stop: the thread", thread=replies, actor="desk@example.com")
    run_cycle(runtime)
    texts = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
    assert all(reply in texts for reply in replies)  # the thread went out
    original = site.server.RequestHandlerClass.do_GET

    def do_get(handler):
        if handler.path == path:
            return handler.send_error(410)
        return original(handler)

    site.server.RequestHandlerClass.do_GET = do_get
    corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert requests.get(sandbox + "/_sandbox/posts", timeout=5).json() == []  # nothing of the story stays live
    with Session(engine) as session:
        thread_post = session.exec(select(Post).where(Post.text == "Ferry service to stop: the thread")).one()
        assert thread_post.deleted_at is not None
    assert any("and its 2 thread replies" in line for line in history(engine))
    # the deletes are in the cost ledger as on X's bill ($0.01 each)
    from distributor.delivery import costs
    from distributor.models import ApiCall

    with Session(engine) as session:
        rows = costs.cost_rows(session, utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
        deletes = session.exec(select(ApiCall).where(ApiCall.endpoint == "DELETE /2/tweets/{id}")).all()
    assert len(deletes) == 4  # the automatic post, the thread's first post and its two replies
    bill = requests.get(sandbox + "/_sandbox/costs", timeout=5).json()["total_usd"]
    assert round(sum(r.cost_micros for r in rows) / 1e6, 6) == pytest.approx(bill)


def test_a_changed_page_does_not_rewrite_a_post_its_account_has_editors_approve(engine, sandbox, monkeypatch):
    """fb-desk requires approval: an editor read and approved what went out. Whoever changes the article
    page afterwards (a CMS user with no say on the desk, a hijacked page) must not have the live post
    rewritten unread; the desk is told instead."""
    from distributor import posts
    from distributor.models import PostState

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTRIBUTOR_FB_DESK_PAGE_ACCESS_TOKEN", "pt")
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5}, feeds=[{"url": site.url("/feed")}],
            accounts=[{"name": "fb-desk", "platform": "facebook", "page_id": "42", "api_base_url": sandbox,
                       "on_change": "edit", "quote_policy": "auto", "require_approval": True}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        path = "/news/ferry"
        site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry service to stop", site.url(path)))
        site.pages["/feed"] = ("application/rss+xml", rss(("Ferry service to stop", site.url(path))))
        run_cycle(runtime)
        with Session(engine) as session:
            [post] = session.exec(select(Post)).all()
            assert PostState(post.state) is PostState.awaiting_approval
            posts.approve(session, post.id, "ben@desk")
            session.commit()
        run_cycle(runtime)
        assert "Ferry service to stop" in live(sandbox)["facebook"]["text"]
        site.pages[path] = ("text/html; charset=utf-8", article_page("Buy ferry tickets at evil.example", site.url(path)))
        assert corrections_step(runtime, now=utcnow() + timedelta(minutes=11)).changed == 1
        assert "Ferry service to stop" in live(sandbox)["facebook"]["text"] and edits(sandbox) == 0
        with Session(engine) as session:
            assert session.exec(select(PostAction)).all() == []
            [note] = session.exec(select(Notification).where(Notification.kind == "article_changed")).all()
            assert "Buy ferry tickets" in note.line and "approval" in note.line


def test_a_changed_page_whose_new_quote_would_be_held_for_an_editor_is_not_edited_into_the_post(engine, sandbox,
                                                                                                 monkeypatch):
    """Under review_if_unsure + hold, a quote with an uncertain speaker waits for an editor in a new post; an
    edit that brings one in (a page changed after posting) must wait for them too, not go out unread."""
    from tests.test_quotes_policy_pipeline import SURE, page

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    unsure = ("<p>Mayor Helen Brooks toured the building site with the architects on Monday.</p>"
              "<p>“We will sell the old market hall to a developer next year,” she said.</p>")
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5}, feeds=[{"url": site.url("/feed")}],
            accounts=[{"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox,
                       "on_change": "edit"}])  # quote_policy review_if_unsure, unsure_quote hold: the defaults
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        site.pages["/lib"] = ("text/html; charset=utf-8", page("Library opens", site.url("/lib"), SURE))
        site.pages["/feed"] = ("application/rss+xml", rss(("Library opens", site.url("/lib"))))
        run_cycle(runtime)
        assert "We will open the new library in March" in live(sandbox)["facebook"]["text"]
        site.pages["/lib"] = ("text/html; charset=utf-8", page("Library opens", site.url("/lib"), unsure))
        assert corrections_step(runtime, now=utcnow() + timedelta(minutes=11)).changed == 1
        assert "sell the old market hall" not in live(sandbox)["facebook"]["text"] and edits(sandbox) == 0
        with Session(engine) as session:
            assert session.exec(select(PostAction)).all() == []


@pytest.mark.parametrize("touched", [False, True], ids=["untouched", "edited-by-an-editor"])
def test_a_paced_post_still_queued_when_the_headline_changes_goes_out_with_the_new_one(engine, sandbox, monkeypatch,
                                                                                        touched):
    """fb-main posted at once; x-main's post waits for its slot (min_gap_minutes). The headline is corrected
    meanwhile: the X post, which nobody has read yet, goes out with the corrected headline (X could not
    edit it afterwards). An editor's own edit of the queued post is theirs, and is left as it is."""
    from distributor import posts
    from distributor.models import PostState

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5}, feeds=[{"url": site.url("/feed")}],
            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "min_gap_minutes": 60,
                       "quote_policy": "auto"},
                      {"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox,
                       "on_change": "edit", "quote_policy": "auto"}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        site.pages["/fair"] = ("text/html; charset=utf-8", article_page("Harbour fair opens", site.url("/fair")))
        site.pages["/feed"] = ("application/rss+xml", rss(("Harbour fair opens", site.url("/fair"))))
        run_cycle(runtime)  # x-main's last post: the next one waits an hour
        path = "/news/ferry"
        site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry service to stop", site.url(path)))
        site.pages["/feed"] = ("application/rss+xml", rss(("Ferry service to stop", site.url(path)),
                                                          ("Harbour fair opens", site.url("/fair"))))
        run_cycle(runtime)
        with Session(engine) as session:
            waiting = session.exec(select(Post).where(Post.account == "x-main", Post.state == PostState.queued)).one()
            assert waiting.text.startswith("Ferry service to stop")
            if touched:
                posts.edit(session, waiting.id, text=waiting.text.replace("to stop", "will stop"), actor="ben@desk")
                session.commit()
        site.pages[path] = ("text/html; charset=utf-8", article_page("Ferry service to continue", site.url(path)))
        assert corrections_step(runtime, now=utcnow() + timedelta(minutes=11)).changed == 1
        from distributor.dispatch import dispatch_due

        dispatch_due(engine, settings, runtime.adapters, worker_id="w", now=utcnow() + timedelta(minutes=61))
        tweets = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
                  if p["platform"] == "twitter"]
        assert len(tweets) == 2 and tweets[0].startswith("Harbour fair opens")
        assert tweets[1].startswith("Ferry service will stop" if touched else "Ferry service to continue"), tweets
        assert "Ferry service to continue" in live(sandbox)["facebook"]["text"]
        said = history(engine)
        assert any("composed again before it went out: the story changed" in line for line in said) is not touched
        with Session(engine) as session:
            [note] = session.exec(select(Notification).where(Notification.kind == "article_changed")).all()
            assert ("recompose queued post" in note.line) is not touched


def redirect(site, path: str, to: str) -> None:
    """From now on the site answers ``path`` with a 301 to ``to``."""
    original = site.server.RequestHandlerClass.do_GET

    def do_get(handler):
        if handler.path != path:
            return original(handler)
        handler.send_response(301)
        handler.send_header("Location", to)
        handler.end_headers()
        return None

    site.server.RequestHandlerClass.do_GET = do_get


@pytest.mark.parametrize("where", ["/", "/news/"], ids=["home-page", "section-front"])
def test_a_story_whose_page_now_redirects_to_the_home_page_is_gone_not_retitled(world, sandbox, engine, where):
    """Many CMSs answer a pulled story with a redirect to the home page or its section (a "soft 404"):
    that page's headline is not the story's correction. The posts are deleted as for a 410 (the policy
    says delete), never edited into the home page's headline."""
    site, path, runtime = world
    site.pages[where] = ("text/html; charset=utf-8", article_page("The Gazette: local news", site.url(where)))
    redirect(site, path, site.url(where))
    report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert report.gone == 1 and report.changed == 0
    assert live(sandbox) == {} and edits(sandbox) == 0
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.title == "Ferry service to stop" and article.gone_at is not None
        assert "redirects" in article.changes[-1]["after"] and site.url(where) in article.changes[-1]["after"]


def test_a_story_whose_page_now_redirects_to_its_corrected_slug_is_a_correction(world, sandbox, engine):
    site, path, runtime = world
    moved = "/news/ferry-service-to-continue"
    site.pages[moved] = ("text/html; charset=utf-8", article_page("Ferry service to continue", site.url(moved)))
    redirect(site, path, site.url(moved))
    report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert report.changed == 1 and report.gone == 0
    assert "Ferry service to continue" in live(sandbox)["facebook"]["text"]


@pytest.mark.parametrize("page, story", [
    ("dated", True), ("same-headline", True), ("a-front-dated-months-ago", False)])
def test_a_story_moved_to_a_shorter_url_is_not_taken_for_a_section_front(world, sandbox, engine, page, story):
    """A site dropping its section folders redirects /news/ferry to /ferry-service-to-stop: a shorter URL,
    the shape of a section front, but the page is the story (its publication time, or its very headline).
    Taken for a soft 404, every post of a story that is still up would be deleted. A front stating a
    time of its own (a WebPage's datePublished, months ago) under another headline is still a soft 404."""
    site, path, runtime = world
    moved = "/ferry-service-to-stop"
    headline = {"dated": "Ferry service to stop in May", "same-headline": "Ferry service to stop",
                "a-front-dated-months-ago": "Ferries: all our coverage"}[page]
    when = {"dated": datetime.now(timezone.utc).isoformat(), "a-front-dated-months-ago": "2026-01-05T08:00:00+00:00"}
    body = article_page(headline, site.url(moved))
    if page in when:
        body = body.replace(b"<title>", f'<meta property="article:published_time" content="{when[page]}">'
                                        "<title>".encode())
    site.pages[moved] = ("text/html; charset=utf-8", body)
    redirect(site, path, site.url(moved))
    report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
    assert report.gone == (not story) and report.changed == (page == "dated")
    if story:
        assert headline in live(sandbox)["facebook"]["text"]
    else:
        assert live(sandbox) == {}
    with Session(engine) as session:
        assert (session.exec(select(Article)).one().gone_at is None) is story


def test_a_page_without_a_headline_of_its_own_is_not_a_correction_to_none(engine, sandbox, monkeypatch):
    """The post took its headline from the feed item (the page has none the extractor finds): reading the
    page again finds no headline, which is not the story's headline changed to nothing (posts edited to
    a bare link, the story's headline lost)."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5}, feeds=[{"url": site.url("/feed")}],
            accounts=[{"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox,
                       "on_change": "edit", "quote_policy": "auto"}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        site.pages["/photos"] = ("text/html; charset=utf-8", b"<!doctype html><html><body><div><p>Photos from the "
                                 b"weekend market on the harbour front, where the stalls stayed open late.</p>"
                                 b"</div></body></html>")
        site.pages["/feed"] = ("application/rss+xml", rss(("Weekend market in pictures", site.url("/photos"))))
        run_cycle(runtime)
        assert "Weekend market in pictures" in live(sandbox)["facebook"]["text"]
        report = corrections_step(runtime, now=utcnow() + timedelta(minutes=11))
        assert report.changed == 0 and edits(sandbox) == 0
        with Session(engine) as session:
            assert session.exec(select(Article)).one().title == "Weekend market in pictures"
