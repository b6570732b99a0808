"""The desk refuses whoever it should: anonymous visitors, forged forms, editors
managing users, password guessers; and article text cannot inject markup."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import posts, users
from distributor.models import Post, PostState, User
from distributor.web import create_app
from distributor.web.throttle import LoginThrottle
from tests.helpers.desk import PASSWORD, csrf_of, log_in, make_settings

# Written out here, not imported: a route added to the app must be protected or
# deliberately added to this list.
PUBLIC = {"/login", "/logout", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/static",
          "/hooks/{name}", "/websub/{token}",  # these two answer only what their own signatures prove
          "/l/{code}"}  # tracked links: readers click them (tests/test_links.py)


@pytest.fixture
def settings():
    return make_settings()


@pytest.fixture
def seeded(engine, settings):
    """An editor, an admin and one post awaiting approval (id 1)."""
    with Session(engine, expire_on_commit=False) as session:
        users.add_user(session, "editor@example.com", PASSWORD, "editor")
        users.add_user(session, "admin@example.com", PASSWORD, "admin")
        post = posts.create_post(session, settings.account("x-main"), text="Council approves the budget")
        session.commit()
        return post.id


@pytest.fixture
def app(settings, engine, seeded):
    return create_app(settings, engine)


def post_state(engine, post_id: int) -> PostState:
    with Session(engine) as session:
        return PostState(session.get(Post, post_id).state)


def route_table(app):
    """(path, method) of every route, through included routers whatever the FastAPI version."""
    try:
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: app.routes is already flat
        routes = app.routes
    table = []
    for route in routes:
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                table.append((route.path, method))
    return table


def test_every_route_but_the_public_ones_refuses_anonymous_visitors(app, engine, seeded):
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)  # a valid CSRF token, so only authentication can refuse
    checked = 0
    for path, method in route_table(app):
        if path in PUBLIC or path.startswith("/static"):
            continue
        url = re.sub(r"\{[^}]+\}", str(seeded), path)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.request(method, url, data={"csrf_token": token, "text": "hijacked", "at": "2030-01-01T10:00",
                                                         "email": "intruder@example.com", "password": "x" * 12},
                                      follow_redirects=False)
        if path.startswith("/api/") or path == "/metrics":  # bearer tokens only, as Prometheus sends them
            assert response.status_code == 401, (method, path, response.status_code)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login"), (method, path)
        assert "Council approves" not in response.text, (method, path)
        checked += 1
    assert checked >= 20  # the desk's pages and API are all in the table
    assert post_state(engine, seeded) is PostState.awaiting_approval
    with Session(engine) as session:
        assert session.exec(select(User).where(User.email == "intruder@example.com")).first() is None
        assert session.get(Post, seeded).text == "Council approves the budget"


def test_the_api_takes_bearer_tokens_only(app, engine):
    client = TestClient(app)
    log_in(client, "editor@example.com")
    assert client.get("/queue").status_code == 200
    assert client.get("/api/posts").status_code == 401  # a logged-in browser's cookie is not enough
    assert client.get("/api/posts", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/api/posts", headers={"Authorization": "Basic ZWRpdG9yOng="}).status_code == 401
    with Session(engine) as session:
        token = users.create_token(session, "editor@example.com")
        session.commit()
    assert TestClient(app).get("/api/posts", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_tokens_are_stored_only_as_hashes(engine, seeded):
    with Session(engine) as session:
        token = users.create_token(session, "editor@example.com")
        session.commit()
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM apitoken"))
    assert token not in dump


def test_forms_without_the_csrf_token_are_refused(app, engine, seeded):
    client = TestClient(app)
    token = log_in(client, "editor@example.com")
    assert client.post(f"/posts/{seeded}/cancel", follow_redirects=False).status_code == 403
    assert client.post(f"/posts/{seeded}/cancel", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert post_state(engine, seeded) is PostState.awaiting_approval
    # another visitor's token does not work in this session either
    other = csrf_of(TestClient(app).get("/login").text)
    assert client.post(f"/posts/{seeded}/approve", data={"csrf_token": other}, follow_redirects=False).status_code == 403
    assert post_state(engine, seeded) is PostState.awaiting_approval
    response = client.post(f"/posts/{seeded}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert post_state(engine, seeded) is PostState.queued


def test_login_itself_needs_the_csrf_token(app):
    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"email": "editor@example.com", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_an_editor_cannot_manage_users_and_an_admin_can(app, engine):
    editor = TestClient(app)
    token = log_in(editor, "editor@example.com")
    assert "/users" not in editor.get("/queue").text.split("<main")[0]  # no Users link in the menu
    assert editor.get("/users").status_code == 403
    response = editor.post("/users", data={"csrf_token": token, "email": "new@example.com", "password": "x" * 12,
                                           "role": "admin"})
    assert response.status_code == 403
    with Session(engine) as session:
        admin_id = users.get_user(session, "admin@example.com").id
        assert users.get_user(session, "new@example.com") is None
    assert editor.post(f"/users/{admin_id}/delete", data={"csrf_token": token}).status_code == 403
    with Session(engine) as session:
        assert users.get_user(session, "admin@example.com") is not None

    admin = TestClient(app)
    token = log_in(admin, "admin@example.com")
    response = admin.post("/users", data={"csrf_token": token, "email": "New@Example.com", "password": "long enough pw",
                                          "role": "editor"})
    assert response.status_code == 200 and "Added new@example.com as editor" in response.text
    log_in(TestClient(app), "new@example.com", "long enough pw")
    with Session(engine) as session:
        new_id = users.get_user(session, "new@example.com").id
    admin.post(f"/users/{new_id}/delete", data={"csrf_token": token})
    with Session(engine) as session:
        assert users.get_user(session, "new@example.com") is None


def test_a_removed_user_is_logged_out(app, engine):
    client = TestClient(app)
    log_in(client, "editor@example.com")
    with Session(engine) as session:
        users.remove_user(session, "editor@example.com")
        session.commit()
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_is_rate_limited_per_email_and_address(settings, engine, seeded):
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    app = create_app(settings, engine, limiter=LoginThrottle(clock=lambda: now[0]))
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        response = client.post("/login", data={"email": "editor@example.com", "password": "wrong guess",
                                               "csrf_token": token})
        assert response.status_code == 401
    # the sixth try is refused even with the right password
    response = client.post("/login", data={"email": "editor@example.com", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed attempts" in response.text
    # another account from the same address is not locked out
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    now[0] += timedelta(seconds=15 * 60 + 1)
    client = TestClient(app)
    log_in(client, "editor@example.com")


def test_session_cookie_flags(app):
    client = TestClient(app)
    cookie = client.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = TestClient(app, base_url="https://testserver").get("/login").headers["set-cookie"]
    assert "Secure" in secure and "HttpOnly" in secure


def test_a_tampered_session_cookie_is_no_session(app):
    client = TestClient(app)
    log_in(client, "editor@example.com")
    value = client.cookies.get("distributor_session")
    client.cookies.set("distributor_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(app):
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": "editor@example.com", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/phish"}, follow_redirects=False)
    assert response.headers["location"] == "/queue"




def test_a_script_in_an_article_title_is_inert_in_the_desk_and_verbatim_in_the_post(app, engine, article_site):
    client = TestClient(app)
    token = log_in(client, "editor@example.com")
    page = client.post("/compose/article", data={"csrf_token": token, "url": f"{article_site}/script-title.html",
                                                 "accounts": ["x-main"]})
    assert page.status_code == 200
    assert "<script>alert(" not in page.text
    assert "&lt;script&gt;alert(" in page.text
    draft = html.unescape(re.search(r'<textarea id="text_x-main"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))
    assert draft.startswith("<script>alert('owned')</script> Mayor & council")
    article_id = re.search(r'name="article_id" value="(\d+)"', page.text).group(1)
    response = client.post("/compose", data={
        "csrf_token": token, "article_id": article_id, "draft_accounts": "x-main", "include_x-main": "on",
        "text_x-main": draft, "link_x-main": "https://coastaltimes.example/2026/11/25/budget", "image_x-main": "none",
        "when": "now"}, follow_redirects=False)
    assert response.status_code == 303
    with Session(engine) as session:
        post = session.exec(select(Post).where(Post.article_id == int(article_id))).one()
    assert post.text == draft  # stored as the platform will show it: no &lt; or &amp;
    for url in (f"/posts/{post.id}", "/queue?tab=approval", f"/articles/{article_id}", "/articles"):
        body = client.get(url).text
        assert "<script>alert(" not in body, url
        assert "&lt;script&gt;alert(" in body, url
    assert "<script" not in client.get(f"/posts/{post.id}").text.replace('<script src="/static/', "")


def test_every_state_changing_form_refuses_a_logged_in_browser_without_the_csrf_token(app, engine, seeded):
    """A forged cross-site form rides the admin's cookie: every non-GET page route (logout, users, tokens,
    accounts, posts, compose, calendar moves...) must refuse it (403) and change nothing, whatever fields
    it sends. The API (bearer tokens) and the signed doors (/hooks, /websub) are not cookie-driven."""
    client = TestClient(app)
    log_in(client, "admin@example.com")
    checked = []
    for path, method in route_table(app):
        if method == "GET" or path.startswith(("/api/", "/hooks/", "/websub/", "/static")):
            continue
        url = re.sub(r"\{[^}]+\}", str(seeded), path)
        response = client.request(method, url, data={"text": "hijacked", "at": "2030-01-01T10:00", "role": "admin",
                                                     "email": "intruder@example.com", "password": "x" * 12,
                                                     "new_password": "x" * 12, "confirm_password": "x" * 12},
                                  follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        checked.append(path)
    assert "/logout" in checked and "/login" in checked and len(checked) >= 15
    assert client.get("/queue", follow_redirects=False).status_code == 200  # the forged logout did not log out
    assert post_state(engine, seeded) is PostState.awaiting_approval
    with Session(engine) as session:
        assert session.exec(select(User).where(User.email == "intruder@example.com")).first() is None
        assert session.get(Post, seeded).text == "Council approves the budget"
