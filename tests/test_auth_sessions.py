"""A login is a row on the server: whatever ends it (logout, a new password, removing the
user, "sign out everywhere", time) also ends every copy of the cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from distributor import users
from distributor.models import WebSession
from distributor.web import create_app
from tests.helpers.desk import ADMIN, EDITOR, PASSWORD, csrf_of, log_in, make_settings, seed_people, try_login

COOKIE = "distributor_session"


@pytest.fixture
def app(engine):
    seed_people(engine)
    return create_app(make_settings(), engine)


def copy_of(client: TestClient, app) -> TestClient:
    """Another browser holding the same cookie (copied, stolen, or a second tab)."""
    thief = TestClient(app)
    thief.cookies.set(COOKIE, client.cookies.get(COOKIE))
    return thief


def refused(client: TestClient) -> bool:
    response = client.get("/queue", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_cookie_copied_before_logout_is_refused_after_it(app):
    editor = TestClient(app)
    token = log_in(editor, EDITOR)
    thief = copy_of(editor, app)
    assert thief.get("/queue").status_code == 200  # the copy works while the session lives
    assert editor.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert refused(thief)
    assert refused(editor)
    assert thief.post("/posts/1/cancel", data={"csrf_token": token}, follow_redirects=False).headers["location"].startswith("/login")


def test_changing_the_password_on_the_web_ends_every_other_session(app, engine):
    laptop, phone = TestClient(app), TestClient(app)
    token = log_in(laptop, EDITOR)
    log_in(phone, EDITOR)
    thief = copy_of(laptop, app)
    response = laptop.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                      "new_password": "a brand new phrase",
                                                      "confirm_password": "a brand new phrase"})
    assert response.status_code == 200 and "Password changed" in response.text
    assert refused(thief) and refused(phone)
    assert laptop.get("/queue").status_code == 200  # the browser that changed it stays in, with a new session
    assert try_login(TestClient(app), EDITOR, PASSWORD).status_code == 401
    assert try_login(TestClient(app), EDITOR, "a brand new phrase").status_code == 303


@pytest.mark.parametrize("form, message", [
    ({"current_password": "not my password", "new_password": "a brand new phrase", "confirm_password": "a brand new phrase"},
     "The current password is not right."),
    ({"current_password": PASSWORD, "new_password": "a brand new phrase", "confirm_password": "a brand new phrasE"},
     "The two new passwords differ."),
    ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, "at least 8 characters"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(app, form, message):
    editor = TestClient(app)
    token = log_in(editor, EDITOR)
    other = TestClient(app)
    log_in(other, EDITOR)
    response = editor.post("/account/password", data={"csrf_token": token, **form})
    assert response.status_code == 400 and message in response.text
    assert other.get("/queue").status_code == 200
    assert try_login(TestClient(app), EDITOR, PASSWORD).status_code == 303


def test_a_password_set_from_the_cli_side_ends_the_sessions(app, engine):
    editor = TestClient(app)
    log_in(editor, EDITOR)
    with Session(engine) as session:
        users.set_password(session, EDITOR, "set by an admin", actor="cli")
        session.commit()
    assert refused(editor)


def test_removing_a_user_on_the_web_ends_their_sessions_at_once(app, engine):
    editor, admin = TestClient(app), TestClient(app)
    log_in(editor, EDITOR)
    thief = copy_of(editor, app)
    token = log_in(admin, ADMIN)
    with Session(engine) as session:
        editor_id = users.get_user(session, EDITOR).id
    assert admin.post(f"/users/{editor_id}/delete", data={"csrf_token": token}).status_code == 200
    assert refused(editor) and refused(thief)


def test_an_admin_signs_a_user_out_everywhere(app, engine):
    laptop, phone, admin = TestClient(app), TestClient(app), TestClient(app)
    log_in(laptop, EDITOR)
    log_in(phone, EDITOR)
    thief = copy_of(laptop, app)
    token = log_in(admin, ADMIN)
    with Session(engine) as session:
        editor_id = users.get_user(session, EDITOR).id
    page = admin.get("/users").text
    assert f'action="/users/{editor_id}/signout"' in page
    response = admin.post(f"/users/{editor_id}/signout", data={"csrf_token": token})
    assert response.status_code == 200 and "Signed editor@example.com out everywhere (2 session(s) ended)" in response.text
    assert refused(laptop) and refused(phone) and refused(thief)
    assert admin.get("/users").status_code == 200  # the admin's own session is untouched
    log_in(laptop, EDITOR)  # and the editor can simply log in again


def test_an_editor_cannot_sign_others_out_but_can_sign_out_everywhere_themselves(app, engine):
    editor, admin, phone = TestClient(app), TestClient(app), TestClient(app)
    token = log_in(editor, EDITOR)
    log_in(admin, ADMIN)
    log_in(phone, EDITOR)
    with Session(engine) as session:
        admin_id = users.get_user(session, ADMIN).id
    assert editor.post(f"/users/{admin_id}/signout", data={"csrf_token": token}).status_code == 403
    assert admin.get("/users").status_code == 200
    response = editor.post("/account/signout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert refused(editor) and refused(phone)
    assert admin.get("/users").status_code == 200


@pytest.mark.parametrize("column, age", [("last_seen_at", timedelta(hours=2, minutes=1)),  # idle
                                         ("created_at", timedelta(hours=12, minutes=1))])  # absolute
def test_sessions_expire_when_idle_and_after_a_working_day(app, engine, column, age):
    editor = TestClient(app)
    log_in(editor, EDITOR)
    with Session(engine) as session:
        row = session.exec(WebSession.__table__.select()).one()
        session.exec(update(WebSession).values({column: getattr(row, column) - age}))
        session.commit()
    assert refused(editor)
    with engine.connect() as connection:  # the expired row is gone, not just ignored
        assert connection.exec_driver_sql("SELECT count(*) FROM websession").scalar() == 0


def test_an_active_session_is_kept_alive(app, engine):
    editor = TestClient(app)
    log_in(editor, EDITOR)
    with Session(engine) as session:
        row = session.exec(WebSession.__table__.select()).one()
        session.exec(update(WebSession).values(last_seen_at=row.last_seen_at - timedelta(hours=1, minutes=50)))
        session.commit()
    assert editor.get("/queue").status_code == 200  # within the idle limit: it counts as activity
    with Session(engine) as session:
        row = session.exec(WebSession.__table__.select()).one()
        session.exec(update(WebSession).values(last_seen_at=row.last_seen_at - timedelta(hours=1, minutes=50)))
        session.commit()
    assert editor.get("/queue").status_code == 200


def test_the_cookie_holds_only_a_random_id_and_the_database_only_its_hash(app, engine):
    import json
    from base64 import b64decode

    editor = TestClient(app)
    log_in(editor, EDITOR)
    payload = editor.cookies.get(COOKIE).strip('"').rsplit(".", 2)[0]
    content = json.loads(b64decode(payload))
    assert set(content) == {"sid"} and len(content["sid"]) >= 40
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM websession"))
    assert content["sid"] not in dump and dump


def test_every_login_gets_a_new_id_and_a_new_csrf_token(app):
    client = TestClient(app)
    first_token = log_in(client, EDITOR)
    first_sid = client.cookies.get(COOKIE)
    client.post("/logout", data={"csrf_token": first_token})
    second_token = log_in(client, EDITOR)
    assert client.cookies.get(COOKIE) != first_sid and second_token != first_token
    assert client.post("/posts/1/cancel", data={"csrf_token": first_token}).status_code == 403


def test_a_stolen_session_cannot_guess_the_password_on_the_password_form(app, engine):
    """The current-password box is a password check like the login: counted, held, and in the audit log."""
    from tests.helpers.desk import audit_rows

    editor = TestClient(app)
    log_in(editor, EDITOR)
    thief = copy_of(editor, app)
    token = csrf_of(thief.get("/account/password").text)

    def guess(password: str):
        return thief.post("/account/password", data={"csrf_token": token, "current_password": password,
                                                     "new_password": "the thief's phrase",
                                                     "confirm_password": "the thief's phrase"})

    assert [guess(f"guess number {i}").status_code for i in range(5)] == [400] * 5
    held = guess(PASSWORD)  # even the right one, once held: the thief cannot tell a hit
    assert held.status_code == 429 and "Try again in" in held.text and held.headers["Retry-After"]
    with Session(engine) as session:
        assert users.authenticate(session, EDITOR, PASSWORD) is not None  # the password did not change
    assert sum(row.action == "login_failed" and row.target == EDITOR for row in audit_rows(engine)) == 5
