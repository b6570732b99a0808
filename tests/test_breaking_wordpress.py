"""Breaking news (a rule per source, or an editor's flag) and WordPress REST polling as a source."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlmodel import Session, select

from distributor.articles import flag_breaking
from distributor.config import Settings
from distributor.models import Article, Post, PostState, utcnow
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, rss

SECRETS = {"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
           "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats"}


def page(title: str, url: str, section: str) -> bytes:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="article:section" content="{section}"><link rel="canonical" href="{url}"></head>'
            f"<body><article><h1>{title}</h1><p>The first paragraph of the story says what happened and where "
            f"it happened, at length.</p></article></body></html>").encode()


@pytest.fixture
def secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def test_a_breaking_story_skips_the_gap_goes_first_and_uses_its_own_template(engine, sandbox, secrets, tmp_path):
    (tmp_path / "breaking.j2").write_text("BREAKING: {{ title }} {{ link }}")
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            templates_dir=str(tmp_path), fetch={"allow_private_networks": True},
            feeds=[{"url": site.url("/feed"), "breaking": {"sections": ["Breaking"], "template": "breaking.j2"}}],
            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "min_gap_minutes": 60}],
        )
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        for path, title, section in (("/a", "Council sets the budget", "Politics"),
                                     ("/b", "Bridge closed after crash", "Breaking")):
            site.pages[path] = ("text/html; charset=utf-8", page(title, site.url(path), section))
        site.pages["/feed"] = ("application/rss+xml", rss(("Council sets the budget", site.url("/a")),
                                                          ("Bridge closed after crash", site.url("/b"))))
        run_cycle(runtime)
    texts = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
    assert len(texts) == 1 and texts[0].startswith("BREAKING: Bridge closed after crash")  # first, in its template
    with Session(engine) as session:
        posts = {p.text.split(" ")[0]: p for p in session.exec(select(Post))}
        assert posts["BREAKING:"].state is PostState.sent
        waiting = posts["Council"]
        assert waiting.state is PostState.queued  # the ordinary story keeps to min_gap_minutes
        assert session.exec(select(Article).where(Article.url == site.url("/b"))).one().breaking


def test_an_editors_flag_sends_a_waiting_post_first_and_now(engine, sandbox, secrets):
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(fetch={"allow_private_networks": True}, feeds=[{"url": site.url("/feed")}],
                            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox,
                                       "min_gap_minutes": 60}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        for path, title in (("/a", "First story of the day"), ("/b", "Second story of the day")):
            site.pages[path] = ("text/html; charset=utf-8", page(title, site.url(path), "News"))
        site.pages["/feed"] = ("application/rss+xml", rss(("First", site.url("/a")), ("Second", site.url("/b"))))
        run_cycle(runtime)
        assert len(requests.get(sandbox + "/_sandbox/posts", timeout=5).json()) == 1  # the gap holds the other
        with Session(engine) as session:
            waiting = session.exec(select(Post).where(Post.state == PostState.queued)).one()
            flag_breaking(session, waiting.article_id, utcnow())
            session.commit()
        run_cycle(runtime)
    assert len(requests.get(sandbox + "/_sandbox/posts", timeout=5).json()) == 2


class WordPressSite(Site):
    """A WordPress site's REST API: ``self.posts`` as /wp-json/wp/v2/posts answers them."""

    def __init__(self):
        super().__init__()
        self.posts: list[dict] = []
        self.queries: list[str] = []

    def page(self, path):
        if path.startswith("/wp-json/wp/v2/posts"):
            self.queries.append(path)
            since = None
            if "modified_after=" in path:
                stamp = path.split("modified_after=")[1].split("&")[0].replace("%3A", ":")
                since = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
            chosen = [p for p in self.posts
                      if since is None or datetime.fromisoformat(p["modified_gmt"]).replace(tzinfo=UTC) > since]
            query = parse_qs(urlsplit(path).query)  # WordPress pages its answer: per_page (default 10), page
            size, number = int(query.get("per_page", ["10"])[0]), int(query.get("page", ["1"])[0])
            return "application/json", json.dumps(chosen[(number - 1) * size:number * size]).encode()
        return super().page(path)

    def add(self, number: int, title: str, when: datetime):
        path = f"/?p={number}"
        self.pages[path] = ("text/html; charset=utf-8", page(title, self.url(path), "News"))
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
        self.posts.insert(0, {"id": number, "link": self.url(path), "title": {"rendered": title}, "status": "publish",
                              "date_gmt": stamp, "modified_gmt": stamp})


def test_a_wordpress_site_is_polled_through_its_rest_api(engine, sandbox, secrets):
    with WordPressSite() as site:
        site.add(1, "Old news from yesterday", utcnow() - timedelta(days=1))
        settings = Settings(fetch={"allow_private_networks": True},
                            feeds=[{"url": site.base, "kind": "wordpress"}],
                            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)  # first sight: the backlog is recorded, not posted
        assert "modified_after" not in site.queries[0]
        site.add(2, "Harbour reopens after storm", utcnow())
        run_cycle(runtime)
        assert "modified_after=" in site.queries[-1]
        texts = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
        assert len(texts) == 1 and "Harbour reopens after storm" in texts[0]
        # WordPress says the post was modified after we read it: it is read again at once for corrections
        site.pages["/?p=2"] = ("text/html; charset=utf-8", page("Harbour stays shut after storm", site.url("/?p=2"),
                                                               "News"))
        site.posts[0]["modified_gmt"] = (utcnow() + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
        run_cycle(runtime)
        with Session(engine) as session:
            article = session.exec(select(Article).where(Article.url == site.url("/?p=2"))).one()
            assert article.changes and article.changes[0]["after"] == "Harbour stays shut after storm"


def test_more_posts_than_one_page_between_two_polls_are_all_seen(engine, sandbox, secrets):
    """A busy hour (or a bulk edit) puts more than one REST page of posts between polls: none is lost."""
    with WordPressSite() as site:
        site.add(1, "Old news from yesterday", utcnow() - timedelta(days=1))
        settings = Settings(fetch={"allow_private_networks": True},
                            feeds=[{"url": site.base, "kind": "wordpress"}],
                            accounts=[{"name": "x-main", "platform": "dryrun"}])
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        for number in range(2, 47):  # 45 new stories
            site.add(number, f"Council story number {number}", utcnow())
        run_cycle(runtime)
        with Session(engine) as session:
            titles = {a.url for a in session.exec(select(Article))}
        assert titles == {site.url(f"/?p={n}") for n in range(1, 47)}


def test_marking_a_story_breaking_through_the_api_leaves_in_each_posts_history_who_moved_it(engine):
    """Breaking news moves a story's embargoed posts to now: whoever did it is in each post's history
    (it moved the time without a word, so an editor's token could lift an embargo unseen)."""
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlmodel import select

    from distributor import posts, users
    from distributor.config import Settings
    from distributor.models import Article, Post, PostEvent
    from distributor.web import create_app

    settings = Settings(accounts=[{"name": "x-main", "platform": "dryrun"}])
    embargo = utcnow() + timedelta(days=1)
    with Session(engine) as session:
        users.add_user(session, "ana@desk", "a long password", "editor")
        token = users.create_token(session, "ana@desk")
        article = Article(url="https://news.example.com/budget", title="Budget")
        session.add(article)
        session.flush()
        post = posts.create_post(session, settings.account("x-main"), text="Budget tomorrow", article_id=article.id,
                                 at=embargo.replace(tzinfo=None), actor="ben@desk")
        session.commit()
        article_id, post_id = article.id, post.id
    api = TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"})
    assert api.post(f"/api/articles/{article_id}/breaking").status_code == 200
    with Session(engine) as session:
        moved = session.get(Post, post_id)
        assert moved.scheduled_at.replace(tzinfo=None) < embargo.replace(tzinfo=None) - timedelta(hours=23)
        last = session.exec(select(PostEvent).where(PostEvent.post_id == post_id).order_by(PostEvent.id.desc())).first()
        assert last.actor == "ana@desk" and "breaking" in last.reason and embargo.isoformat()[:16] in last.reason


def test_a_limited_hooks_section_rule_does_not_make_another_desks_story_breaking(engine, sandbox, secrets,
                                                                                  monkeypatch):
    """The sport CMS's hook (for x-sport only) names the newsroom's "Breaking"-section story as published
    (its secret leaked, or it is wrong): its section rule must not make x-main's post of that story
    breaking news (first in line, past min_gap_minutes). Its own stories it still makes breaking."""
    from fastapi.testclient import TestClient

    from distributor.sources.webhooks import sign_generic
    from distributor.web import create_app

    monkeypatch.setenv("DISTRIBUTOR_WEBHOOK_SPORT_SECRET", "s3cret")
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True},
            feeds=[{"url": site.url("/feed"), "accounts": ["x-main"]}],
            webhooks=[{"name": "sport", "accounts": ["x-sport"], "breaking": {"sections": ["Breaking"]}}],
            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "min_gap_minutes": 60},
                      {"name": "x-sport", "platform": "dryrun"}],
        )
        runtime = Runtime(settings, engine)
        run_cycle(runtime)
        hook = TestClient(create_app(settings, engine, runtime=runtime))
        news, sport = site.url("/bridge"), site.url("/final")
        site.pages["/bridge"] = ("text/html; charset=utf-8", page("Bridge closed after crash", news, "Breaking"))
        site.pages["/final"] = ("text/html; charset=utf-8", page("Late goal wins the final", sport, "Breaking"))
        for url in (news, sport):
            body = json.dumps({"url": url}).encode()
            answer = hook.post("/hooks/sport", content=body,
                               headers={"X-Distributor-Signature": sign_generic("s3cret", body)})
            assert answer.status_code == 202, answer.text
        site.pages["/feed"] = ("application/rss+xml", rss(("Bridge closed after crash", news)))
        run_cycle(runtime)  # the feed lists the newsroom's story; both are read and composed
    with Session(engine) as session:
        articles = {a.url: a for a in session.exec(select(Article))}
        assert articles[sport].breaking is True
        assert articles[news].breaking is False
        main = session.exec(select(Post).where(Post.account == "x-main")).all()
        assert main and all(p.priority == 0 for p in main)
