"""Admins list, create and revoke API tokens on the web (a revoked token gets 401 at once), and
read the audit log of logins and of changes to people and tokens, which never holds a secret."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import users
from distributor.web import create_app
from tests.helpers.desk import ADMIN, EDITOR, PASSWORD, audit_rows, log_in, make_settings, seed_people, try_login


@pytest.fixture
def app(engine):
    seed_people(engine)
    return create_app(make_settings(), engine)


def api(app, token: str) -> int:
    return TestClient(app).get("/api/posts", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_revoked_on_the_admin_page_gets_401(app, engine):
    with Session(engine) as session:
        token = users.create_token(session, EDITOR)
        kept = users.create_token(session, EDITOR)
        session.commit()
        token_id = users.list_tokens(session, EDITOR)[0][0].id
    assert api(app, token) == 200
    admin = TestClient(app)
    csrf = log_in(admin, ADMIN)
    page = admin.get("/tokens").text
    assert f'action="/tokens/{token_id}/revoke"' in page and EDITOR in page
    assert token not in page and users.hash_token(token) not in page
    response = admin.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 200 and f"Revoked token {token_id} of {EDITOR}" in response.text
    assert api(app, token) == 401
    assert api(app, kept) == 200  # only that one
    again = admin.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert again.status_code == 200 and f"No API token {token_id}." in again.text


def test_a_token_created_on_the_admin_page_is_shown_once_and_works(app):
    admin = TestClient(app)
    csrf = log_in(admin, ADMIN)
    page = admin.post("/tokens", data={"csrf_token": csrf, "email": EDITOR})
    assert page.status_code == 200
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    assert api(app, token) == 200
    assert token not in admin.get("/tokens").text
    assert token not in admin.cookies.get("distributor_session", "")
    unknown = admin.post("/tokens", data={"csrf_token": csrf, "email": "nobody@example.com"})
    assert unknown.status_code == 400 and "no user nobody@example.com" in unknown.text


def test_token_and_audit_pages_are_for_admins_and_their_forms_need_the_csrf_token(app, engine):
    with Session(engine) as session:
        token = users.create_token(session, EDITOR)
        session.commit()
        token_id = users.list_tokens(session)[0][0].id
    editor = TestClient(app)
    csrf = log_in(editor, EDITOR)
    assert editor.get("/tokens").status_code == 403
    assert editor.get("/audit").status_code == 403
    assert editor.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert editor.post("/tokens", data={"csrf_token": csrf, "email": EDITOR}).status_code == 403
    admin = TestClient(app)
    log_in(admin, ADMIN)
    assert admin.post(f"/tokens/{token_id}/revoke", data={"csrf_token": "forged"}).status_code == 403
    assert admin.post(f"/tokens/{token_id}/revoke").status_code == 403
    assert api(app, token) == 200


@pytest.mark.parametrize("url", ["/tokens/99999999999999999999/revoke", "/tokens/0/revoke", "/users/2147483648/signout",
                                 "/users/99999999999999999999/delete"])
def test_out_of_range_ids_are_refused_not_a_server_error(app, url):
    admin = TestClient(app)
    csrf = log_in(admin, ADMIN)
    response = admin.post(url, data={"csrf_token": csrf}, follow_redirects=False)
    assert 400 <= response.status_code < 500


def test_every_action_is_in_the_audit_log_and_the_admin_page_shows_it(app, engine):
    editor, admin = TestClient(app), TestClient(app)
    assert try_login(editor, EDITOR, "wrong password").status_code == 401
    assert try_login(editor, "nobody@example.com", "my secret pw").status_code == 401
    csrf = log_in(editor, EDITOR)
    editor.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                           "new_password": "second long phrase", "confirm_password": "second long phrase"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', editor.get("/compose").text).group(1)
    editor.post("/logout", data={"csrf_token": csrf})
    admin_csrf = log_in(admin, ADMIN)
    admin.post("/users", data={"csrf_token": admin_csrf, "email": "new@example.com", "password": "a long password",
                               "role": "editor"})
    token_page = admin.post("/tokens", data={"csrf_token": admin_csrf, "email": "new@example.com"}).text
    token = re.search(r'<code class="token">([^<]+)</code>', token_page).group(1)
    with Session(engine) as session:
        new = users.get_user(session, "new@example.com")
        token_id = users.list_tokens(session, "new@example.com")[0][0].id
    admin.post(f"/tokens/{token_id}/revoke", data={"csrf_token": admin_csrf})
    log_in(TestClient(app), "new@example.com", "a long password")
    admin.post(f"/users/{new.id}/signout", data={"csrf_token": admin_csrf})
    admin.post(f"/users/{new.id}/delete", data={"csrf_token": admin_csrf})

    rows = [(r.actor, r.action, r.target, r.address) for r in audit_rows(engine) if r.actor or r.action.startswith("login")]
    client = "testclient"  # the address Starlette's test client connects from
    assert rows[-12:] == [
        (None, "login_failed", EDITOR, client),
        (None, "login_failed", "(an unknown email)", client),
        (EDITOR, "login", EDITOR, client),
        (EDITOR, "password_changed", EDITOR, client),
        (EDITOR, "logout", EDITOR, client),
        (ADMIN, "login", ADMIN, client),
        (ADMIN, "user_added", "new@example.com", client),
        (ADMIN, "token_created", f"token {token_id} of new@example.com", client),
        (ADMIN, "token_revoked", f"token {token_id} of new@example.com", client),
        ("new@example.com", "login", "new@example.com", client),
        (ADMIN, "sessions_ended", "new@example.com", client),
        (ADMIN, "user_removed", "new@example.com", client),
    ]
    page = admin.get("/audit").text
    for phrase in ("failed to log in", "logged in", "logged out", "changed the password of", "added user",
                   "created API token", "revoked API token", "signed out everywhere", "removed user"):
        assert phrase in page, phrase
    assert page.index("removed user") < page.index("added user")  # newest first
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM auditevent"))
    for secret in ("wrong password", "my secret pw", PASSWORD, "second long phrase", "a long password", token,
                   "nobody@example.com"):
        assert secret not in dump and secret not in page, secret


def test_the_audit_page_pages_back_through_older_events(app, engine):
    from distributor import audit

    with Session(engine) as session:
        for i in range(130):
            audit.record(session, "login_failed", target=f"user{i}@example.com", address="192.0.2.1")
        session.commit()
    admin = TestClient(app)
    log_in(admin, ADMIN)
    first = admin.get("/audit").text
    assert "user129@example.com" in first and "user0@example.com" not in first
    older = re.search(r'href="/audit\?before=(\d+)"', first).group(1)
    second = admin.get(f"/audit?before={older}").text
    assert "user0@example.com" in second and "user129@example.com" not in second
    assert admin.get("/audit?before=99999999999999999999").status_code == 422


def test_a_password_change_revokes_the_users_api_tokens(app, engine):
    """A password is changed because it may have leaked: a token stolen with it must stop working at once,
    whether the user changes it on the desk or an admin sets it (`distributor users passwd`). Other users'
    tokens keep working; a token made after the change works."""
    with Session(engine) as session:
        stolen = users.create_token(session, EDITOR)
        admins = users.create_token(session, ADMIN)
        session.commit()
    assert api(app, stolen) == 200
    editor = TestClient(app)
    csrf = log_in(editor, EDITOR)
    changed = editor.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                     "new_password": "a brand new phrase",
                                                     "confirm_password": "a brand new phrase"})
    assert changed.status_code == 200 and "API tokens were revoked" in changed.text
    assert api(app, stolen) == 401
    assert api(app, admins) == 200
    with Session(engine) as session:
        fresh = users.create_token(session, EDITOR)
        session.commit()
    assert api(app, fresh) == 200
    with Session(engine) as session:  # an admin resets it (the CLI's door)
        users.set_password(session, EDITOR, "set by an admin", actor="cli")
        session.commit()
    assert api(app, fresh) == 401
    assert any(row.action == "password_changed" and "1 API token(s) revoked" in (row.detail or "")
               for row in audit_rows(engine))
