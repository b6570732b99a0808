"""The JSON API as a script uses it: a bearer token, INTERFACE.md's shapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import posts, users
from distributor.config import Settings
from distributor.models import Article, EngagementSnapshot, Post, PostState
from distributor.web import create_app

POST_KEYS = {"id", "account", "platform", "state", "text", "link", "image_url", "scheduled_at", "external_id",
             "external_url", "error", "held_because", "digest"}


@pytest.fixture
def settings():
    return Settings(
        accounts=[
            {"name": "x-main", "platform": "twitter", "require_approval": True},
            {"name": "fb-main", "platform": "facebook", "page_id": "123"},
        ],
        web={"timezone": "America/New_York"},
        fetch={"allow_private_networks": True},
    )


@pytest.fixture
def token(engine):
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        value = users.create_token(session, "desk@example.com")
        session.commit()
    return value


@pytest.fixture
def api(settings, engine, token):
    return TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"})




def test_create_list_approve_cancel(api, engine):
    response = api.post("/api/posts", json={"account": "x-main", "text": "Ferries every ten minutes at peak",
                                            "link": "https://coastaltimes.example/ferries"})
    assert response.status_code == 201
    created = response.json()
    assert POST_KEYS <= set(created)
    assert created["state"] == "awaiting_approval"  # x-main requires approval
    assert created["history"][0]["actor"] == "desk@example.com"

    listed = api.get("/api/posts", params={"state": "awaiting_approval", "account": "x-main"}).json()
    assert [p["id"] for p in listed] == [created["id"]]
    assert set(listed[0]) == POST_KEYS
    assert api.get("/api/posts", params={"account": "fb-main"}).json() == []
    assert [p["id"] for p in api.get("/api/posts?state=&account=").json()] == [created["id"]]  # empty: no filter
    assert api.get("/api/posts?state=nonsense").status_code == 422
    script = api.post("/api/posts", json={"account": "x-main", "text": "Click", "link": "javascript:alert(1)"})
    assert script.status_code == 422 and "http(s)" in script.json()["detail"]

    approved = api.post(f"/api/posts/{created['id']}/approve").json()
    assert approved["state"] == "queued"
    assert [(e["actor"], e["from_state"], e["to_state"]) for e in approved["history"]][-1] == \
        ("desk@example.com", "awaiting_approval", "queued")
    assert api.post(f"/api/posts/{created['id']}/cancel").json()["state"] == "cancelled"
    again = api.post(f"/api/posts/{created['id']}/cancel")
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]
    detail = api.get(f"/api/posts/{created['id']}").json()
    assert [e["to_state"] for e in detail["history"]] == ["awaiting_approval", "queued", "cancelled"]


def test_approve_flag_skips_approval_and_at_is_read_in_the_desk_time_zone(api):
    response = api.post("/api/posts", json={"account": "x-main", "text": "Budget night", "approve": True,
                                            "at": "2030-01-15T10:00"})
    body = response.json()
    assert body["state"] == "queued"
    # 10:00 in New York in January is 15:00 UTC
    assert datetime.fromisoformat(body["scheduled_at"].replace("Z", "+00:00")) == datetime(2030, 1, 15, 15, 0, tzinfo=UTC)
    with_offset = api.post("/api/posts", json={"account": "fb-main", "text": "x", "at": "2030-01-15T10:00:00+01:00"})
    assert with_offset.json()["scheduled_at"].startswith("2030-01-15T09:00:00")


def test_retry_queues_a_failed_post_again(api, engine, settings):
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("fb-main"), text="Bridge closes")
        post.state, post.error = PostState.failed, "rejected: policy"
        session.add(post)
        session.commit()
        post_id = post.id
    assert api.post(f"/api/posts/{post_id}/retry").json()["state"] == "queued"
    assert api.post(f"/api/posts/{post_id}/retry").status_code == 409  # only failed posts


def test_an_x_post_over_280_is_refused_and_not_stored(api, engine):
    text = "Harbour " * 40  # 320 characters
    response = api.post("/api/posts", json={"account": "x-main", "text": text})
    assert response.status_code == 422
    assert "limit is 280" in response.json()["detail"]
    # the same length is fine on Facebook
    assert api.post("/api/posts", json={"account": "fb-main", "text": text}).status_code == 201
    # URLs count 23 as X counts them: 250 letters + a 100-character URL fit
    fits = "a" * 250 + " https://www.coastaltimes.com/" + "p" * 70
    assert api.post("/api/posts", json={"account": "x-main", "text": fits}).status_code == 201
    with Session(engine) as session:
        assert len(session.exec(select(Post).where(Post.account == "x-main")).all()) == 1


def test_create_from_an_article_url(api, engine, article_site):
    response = api.post("/api/posts", json={"account": "fb-main", "article_url": f"{article_site}/harbour.html"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["link"] == "https://coastaltimes.example/2026/11/25/harbour-bridge-repairs"
    assert "We cannot keep patching" in body["text"] and "Maria Okafor" in body["text"]
    assert body["image_url"] == "https://images.coastaltimes.example/2026/11/harbour-bridge.jpg"
    with Session(engine) as session:
        article = session.get(Article, body["article_id"])
        assert article.title == "Harbour bridge to close for six months of repairs"


def test_an_article_the_account_already_has_needs_again(api, engine, article_site):
    url = f"{article_site}/harbour.html"
    first = api.post("/api/posts", json={"account": "fb-main", "article_url": url})
    assert first.status_code == 201 and first.json()["already_posted"] == []
    refused = api.post("/api/posts", json={"account": "fb-main", "article_url": url})
    assert refused.status_code == 409
    assert f"post {first.json()['id']} queued" in refused.json()["detail"] and '"again": true' in refused.json()["detail"]
    again = api.post("/api/posts", json={"account": "fb-main", "article_url": url, "again": True})
    assert again.status_code == 201 and again.json()["already_posted"] == [first.json()["id"]]
    with Session(engine) as session:
        assert len(session.exec(select(Post).where(Post.account == "fb-main")).all()) == 2


def test_bad_requests(api, article_site):
    assert api.post("/api/posts", json={"account": "nope", "text": "x"}).status_code == 422
    assert api.post("/api/posts", json={"account": "x-main"}).status_code == 422
    assert api.post("/api/posts", json={"account": "x-main", "text": "x", "article_url": "http://a.b/"}).status_code == 422
    missing = api.post("/api/posts", json={"account": "x-main", "article_url": f"{article_site}/missing.html"})
    assert missing.status_code == 422 and "404" in missing.json()["detail"]
    assert api.get("/api/posts/999").status_code == 404
    assert api.post("/api/posts/999/approve").status_code == 404
    assert api.get("/api/posts", params={"state": "bogus"}).status_code == 422


def test_report_sums_the_latest_snapshot(api, engine, settings):
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("x-main"), text="Sent one", approve=True)
        post.state, post.sent_at, post.external_id = PostState.sent, datetime.now(UTC), "1890"
        session.add(post)
        session.flush()
        session.add(EngagementSnapshot(post_id=post.id, likes=3, shares=1, collected_at=datetime(2026, 1, 1, tzinfo=UTC)))
        session.add(EngagementSnapshot(post_id=post.id, likes=7, shares=2))
        session.commit()
    report = api.get("/api/report", params={"since": "7d", "by": "platform"}).json()
    assert set(report) == {"since", "until", "by", "rows"}
    assert report["by"] == "platform"
    (row,) = report["rows"]
    assert (row["key"], row["posts"], row["likes"], row["shares"]) == ("twitter", 1, 7, 2)
    assert api.get("/api/report", params={"since": "soon"}).status_code == 422


def test_the_openapi_schema_documents_the_api_not_the_pages(api):
    schema = TestClient(api.app).get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/posts", "/api/posts/{post_id}", "/api/posts/{post_id}/approve", "/api/posts/{post_id}/cancel",
            "/api/posts/{post_id}/retry", "/api/report"} <= paths
    assert all(path.startswith("/api/") for path in paths)
    assert "201" in schema["paths"]["/api/posts"]["post"]["responses"]


def test_docs_load_swagger_ui_from_the_desk_itself(api):
    anonymous = TestClient(api.app)
    page = anonymous.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        asset = anonymous.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source
    assert "cdn" not in page.text.lower()


def test_a_mastodon_post_within_its_instances_own_limit_is_accepted(engine, token):
    """The composer writes up to the account's max_characters: the desk must not refuse what it composed."""
    settings = Settings(accounts=[
        {"name": "masto-big", "platform": "mastodon", "api_base_url": "https://mastodon.example", "max_characters": 1000},
        {"name": "masto-small", "platform": "mastodon", "api_base_url": "https://mastodon.example", "max_characters": 300},
    ])
    api = TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"})
    text = "The council met until late. " * 25  # 700 characters

    assert api.post("/api/posts", json={"account": "masto-big", "text": text}).status_code == 201
    refused = api.post("/api/posts", json={"account": "masto-small", "text": text})
    assert refused.status_code == 422 and "limit is 300" in refused.json()["detail"]
