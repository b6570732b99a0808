"""Signed webhooks (POST /hooks/<name>): every refusal creates nothing and says why; a good one
records the story as a feed item would, once."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, ArticleState, FeedEntry, WebhookDelivery
from distributor.pipeline import Runtime
from distributor.sources.webhooks import sign_generic, sign_ghost, sign_wordpress
from distributor.web import create_app

SECRET = "s3cret-for-tests"


def settings(allow_private: bool = True, **hook) -> Settings:
    return Settings(
        fetch={"allow_private_networks": allow_private},
        webhooks=[{"name": "cms", **hook}, {"name": "ghost", "kind": "ghost"}, {"name": "wp", "kind": "wordpress"},
                  {"name": "sport", "accounts": ["x-sport"], "breaking": {"field": "breaking"}}],
        accounts=[{"name": "x-main", "platform": "dryrun"}, {"name": "x-sport", "platform": "dryrun"}],
    )


@pytest.fixture
def make_client(engine, monkeypatch):
    for name in ("CMS", "GHOST", "WP", "SPORT"):
        monkeypatch.setenv(f"DISTRIBUTOR_WEBHOOK_{name}_SECRET", SECRET)

    def make(**options) -> TestClient:
        config = settings(**options)
        return TestClient(create_app(config, engine, runtime=Runtime(config, engine)))

    return make


@pytest.fixture
def client(make_client):
    return make_client()


def body_of(url="http://127.0.0.1:9/news/ferry-vote", **extra) -> bytes:
    return json.dumps({"url": url, **extra}).encode()


def send(client, body: bytes, *, hook="cms", signature: str | None = None, headers=None):
    headers = dict(headers or {})
    if signature is not None:
        headers["X-Distributor-Signature"] = signature
    return client.post(f"/hooks/{hook}", content=body, headers={"Content-Type": "application/json", **headers})


def articles(engine) -> list[Article]:
    with Session(engine) as session:
        return list(session.exec(select(Article)))


def nothing_written(engine) -> bool:
    with Session(engine) as session:
        return not session.exec(select(Article)).first() and not session.exec(select(WebhookDelivery)).first()


def test_a_signed_generic_webhook_records_the_story_as_a_new_article(client, engine):
    body = body_of()
    response = send(client, body, signature=sign_generic(SECRET, body))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "created"
    [article] = articles(engine)
    assert article.url == "http://127.0.0.1:9/news/ferry-vote" and article.state is ArticleState.pending


def test_the_same_story_twice_is_one_article_and_a_replay_changes_nothing(client, engine):
    first = body_of(id=1)
    assert send(client, first, signature=sign_generic(SECRET, first)).json()["status"] == "created"
    again = send(client, first, signature=sign_generic(SECRET, first))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    second = body_of("http://127.0.0.1:9/news/ferry-vote?utm_source=cms", id=2)  # a tracking tag: the same story
    assert send(client, second, signature=sign_generic(SECRET, second)).json()["status"] == "known"
    assert len(articles(engine)) == 1
    with Session(engine) as session:
        assert len(session.exec(select(WebhookDelivery)).all()) == 2


@pytest.mark.parametrize("case, status", [
    ("unsigned", 401), ("wrong signature", 401), ("signed with another secret", 401), ("oversized", 413),
    ("oversized, chunked", 413), ("unknown hook", 404), ("not JSON", 400), ("no url", 422), ("not http", 422),
    ("unknown event", 422),
])
def test_a_refused_request_creates_nothing_and_is_logged_once(client, engine, caplog, case, status):
    body = body_of()
    good = sign_generic(SECRET, body)
    requests = {
        "unsigned": lambda: send(client, body),
        "wrong signature": lambda: send(client, body, signature="sha256=" + "0" * 64),
        "signed with another secret": lambda: send(client, body, signature=sign_generic("other", body)),
        "oversized": lambda: send(client, b" " * 1_000_001 + body, signature=sign_generic(SECRET, b" " * 1_000_001 + body)),
        "oversized, chunked": lambda: client.post("/hooks/cms", content=iter([b" " * 600_000, b" " * 600_000, body]),
                                                  headers={"X-Distributor-Signature": good}),
        "unknown hook": lambda: send(client, body, hook="nobody", signature=good),
        "not JSON": lambda: send(client, b"url=x", signature=sign_generic(SECRET, b"url=x")),
        "no url": lambda: send(client, b"{}", signature=sign_generic(SECRET, b"{}")),
        "not http": lambda: send(client, body_of("file:///etc/passwd"), signature=sign_generic(SECRET, body_of("file:///etc/passwd"))),
        "unknown event": lambda: send(client, body_of(event="deleted"), signature=sign_generic(SECRET, body_of(event="deleted"))),
    }
    with caplog.at_level(logging.WARNING, logger="distributor.web.hooks"):
        response = requests[case]()
    assert response.status_code == status, response.text
    assert response.json()["detail"]  # says why, in words
    assert nothing_written(engine)
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1
    assert SECRET not in caplog.text


def test_a_url_the_fetcher_would_refuse_is_refused_before_anything_is_written(make_client, engine, caplog):
    client = make_client(allow_private=False)
    for url in ("http://127.0.0.1:9/news/a", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x"):
        body = body_of(url)
        with caplog.at_level(logging.WARNING, logger="distributor.web.hooks"):
            response = send(client, body, signature=sign_generic(SECRET, body))
        assert response.status_code == 422 and "will not be fetched" in response.json()["detail"], url
    assert nothing_written(engine)


def test_a_hook_without_its_secret_in_the_environment_refuses_everything(make_client, engine, monkeypatch):
    monkeypatch.delenv("DISTRIBUTOR_WEBHOOK_CMS_SECRET")
    client = make_client()
    body = body_of()
    assert send(client, body, signature=sign_generic("", body)).status_code == 401
    assert nothing_written(engine)


def ghost_body(url, status="published", previous=None, tags=()):
    return json.dumps({"post": {"current": {"url": url, "title": "Ferry vote", "status": status,
                                            "tags": [{"name": t} for t in tags]},
                                "previous": previous or {}}}).encode()


def test_ghost_signature_is_checked_and_an_old_one_is_a_replay(client, engine):
    body = ghost_body("http://127.0.0.1:9/ghost/ferry", previous={"status": "draft"})
    now = int(time.time() * 1000)
    headers = {"X-Ghost-Signature": sign_ghost(SECRET, body, now)}
    assert client.post("/hooks/ghost", content=body, headers={"X-Ghost-Signature": sign_ghost("x", body, now)}).status_code == 401
    stale = {"X-Ghost-Signature": sign_ghost(SECRET, body, now - 3_600_000)}
    assert client.post("/hooks/ghost", content=body, headers=stale).status_code == 401
    assert nothing_written(engine)
    response = client.post("/hooks/ghost", content=body, headers=headers)
    assert response.status_code == 202 and response.json()["status"] == "created"
    assert [a.url for a in articles(engine)] == ["http://127.0.0.1:9/ghost/ferry"]


def test_wordpress_webhooks_plugin_signature_and_payload(client, engine):
    body = json.dumps({"post_id": 7, "post": {"ID": 7, "post_title": "Ferry vote", "post_status": "publish"},
                       "post_permalink": "http://127.0.0.1:9/?p=7"}).encode()
    assert client.post("/hooks/wp", content=body, headers={"x-wp-webhook-signature": "bm9wZQ=="}).status_code == 401
    response = client.post("/hooks/wp", content=body, headers={"x-wp-webhook-signature": sign_wordpress(SECRET, body)})
    assert response.status_code == 202, response.text
    assert [a.url for a in articles(engine)] == ["http://127.0.0.1:9/?p=7"]


def test_a_hook_posts_to_its_own_accounts_and_its_field_marks_breaking_news(client, engine):
    from distributor.articles import accounts_for

    body = body_of("http://127.0.0.1:9/sport/final", breaking=True)
    assert send(client, body, hook="sport", signature=sign_generic(SECRET, body)).status_code == 202
    config = settings()
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert article.breaking is True
        assert [a.name for a in accounts_for(config, article, session)] == ["x-sport"]
        assert session.exec(select(FeedEntry)).one().article_id == article.id


def test_the_desk_and_the_api_show_a_hook_refusing_and_why(make_client, engine, monkeypatch):
    from tests.helpers.desk import log_in, seed_people

    seed_people(engine)
    client = make_client()
    body = body_of()
    assert send(client, body, signature="sha256=" + "0" * 64).status_code == 401
    monkeypatch.delenv("DISTRIBUTOR_WEBHOOK_WP_SECRET")
    log_in(client, "editor@example.com")
    page = client.get("/sources").text
    assert "1 refused" in page and "401 wrong signature" in page
    assert "DISTRIBUTOR_WEBHOOK_WP_SECRET is not set" in page


def test_a_body_sent_too_slowly_is_refused_and_the_connection_let_go(engine, monkeypatch):
    """A client that declares a body and then trickles it (or stops) is answered 408, not waited for."""
    import socket

    from distributor.web import hooks
    from tests.helpers.service import free_port, serving_web

    monkeypatch.setenv("DISTRIBUTOR_WEBHOOK_CMS_SECRET", SECRET)
    monkeypatch.setattr(hooks, "BODY_SECONDS", 0.5)
    config = settings()
    port = free_port()
    with serving_web(Runtime(config, engine), port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            # signed (an unsigned request is refused before its body is read: tests/test_webhook_door.py)
            sock.sendall(b"POST /hooks/cms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"X-Distributor-Signature: sha256=00\r\nContent-Length: 1000\r\n\r\n{\"url\": ")
            started = time.monotonic()
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert time.monotonic() - started < 4
    assert nothing_written(engine)


def test_a_hook_for_some_accounts_cannot_take_down_the_posts_of_others(client, engine):
    """A hook limited to its accounts (a blog's CMS posting to x-sport) whose secret leaked must not cancel or
    delete the main newsroom's posts by naming its story as "unpublished"; it still takes down its own."""
    from distributor import posts
    from distributor.models import Post, PostState

    config = settings()

    def story_with_a_post(url, hook, account):
        body = body_of(url)
        assert send(client, body, hook=hook, signature=sign_generic(SECRET, body)).status_code == 202
        with Session(engine) as session:
            article = session.exec(select(Article).where(Article.url == url)).one()
            post = posts.create_post(session, config.account(account), text="Ferry vote tonight",
                                     article_id=article.id)
            session.commit()
            return article.id, post.id

    main_article, main_post = story_with_a_post("http://127.0.0.1:9/news/ferry-vote", "cms", "x-main")
    sport_article, sport_post = story_with_a_post("http://127.0.0.1:9/sport/final", "sport", "x-sport")
    takedown = body_of("http://127.0.0.1:9/news/ferry-vote", event="unpublished")
    refused = send(client, takedown, hook="sport", signature=sign_generic(SECRET, takedown))
    assert refused.status_code == 403 and "x-main" in refused.json()["detail"]
    own = body_of("http://127.0.0.1:9/sport/final", event="unpublished")
    assert send(client, own, hook="sport", signature=sign_generic(SECRET, own)).status_code == 202
    with Session(engine) as session:
        assert PostState(session.get(Post, main_post).state) is PostState.queued
        assert session.get(Article, main_article).gone_at is None
        assert PostState(session.get(Post, sport_post).state) is PostState.cancelled
        assert session.get(Article, sport_article).gone_at is not None


def test_a_hook_for_some_accounts_cannot_mark_breaking_a_story_of_others(client, engine):
    """A limited hook (x-sport's) pushing "published" with its breaking field for the main newsroom's
    story must not make it breaking (x-main's posts of it would be composed as breaking news: first in line,
    no gap, the breaking template); x-main's embargoed post stays as it was. Its own stories it still marks."""
    from datetime import timedelta

    from distributor import posts
    from distributor.models import Post, PostState, utcnow

    config = settings()
    url = "http://127.0.0.1:9/news/ferry-vote"
    first = body_of(url)
    assert send(client, first, hook="cms", signature=sign_generic(SECRET, first)).status_code == 202
    embargo = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    with Session(engine) as session:
        article = session.exec(select(Article).where(Article.url == url)).one()
        post = posts.create_post(session, config.account("x-main"), text="Ferry vote tonight", at=embargo,
                                 article_id=article.id)
        session.commit()
        article_id, post_id = article.id, post.id
    push = body_of(url, breaking=True)
    answer = send(client, push, hook="sport", signature=sign_generic(SECRET, push))
    assert answer.status_code in (200, 202), answer.text
    with Session(engine) as session:
        assert session.get(Article, article_id).breaking is False
        held = session.get(Post, post_id)
        assert PostState(held.state) is PostState.queued and held.priority == 0
        assert held.scheduled_at.replace(tzinfo=None) == embargo.replace(tzinfo=None)
    own = body_of("http://127.0.0.1:9/sport/final", breaking=True)
    assert send(client, own, hook="sport", signature=sign_generic(SECRET, own)).status_code == 202
    with Session(engine) as session:
        assert session.exec(select(Article).where(Article.url == "http://127.0.0.1:9/sport/final")).one().breaking
