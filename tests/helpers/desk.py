"""The editors' desk for auth tests: settings, seeded people, logging in through the real form."""

from __future__ import annotations

import contextlib
import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import users
from distributor.config import Settings
from distributor.models import AuditEvent
from tests.helpers.sandbox_process import free_port

PASSWORD = "correct horse battery"
EDITOR, ADMIN = "editor@example.com", "admin@example.com"


def make_settings(**web) -> Settings:
    return Settings(
        accounts=[
            {"name": "x-main", "platform": "twitter", "require_approval": True},
            {"name": "fb-main", "platform": "facebook", "page_id": "123", "require_approval": True},
        ],
        web={"timezone": "Europe/London", **web},
        fetch={"allow_private_networks": True},
    )


def seed_people(engine) -> None:
    """An editor and an admin, both with PASSWORD."""
    with Session(engine) as session:
        users.add_user(session, EDITOR, PASSWORD, "editor")
        users.add_user(session, ADMIN, PASSWORD, "admin")
        session.commit()


def csrf_of(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def try_login(client: TestClient, email: str, password: str = PASSWORD, headers: dict | None = None):
    """One attempt through the login form (with its CSRF token); the response, not followed."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers or {}, follow_redirects=False)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token for later forms."""
    response = try_login(client, email, password)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/compose").text)


def editor_client(settings: Settings, engine, email: str, password: str = PASSWORD) -> TestClient:
    """The desk for ``settings`` with one new editor, ``email``, logged in; ``client.csrf`` is the
    session's token for forms."""
    from distributor.web import create_app

    with Session(engine) as session:
        users.add_user(session, email, password, "editor")
        session.commit()
    client = TestClient(create_app(settings, engine))
    client.csrf = log_in(client, email, password)
    return client


def audit_rows(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


@contextlib.contextmanager
def served_desk(engine, **web):
    """The desk served by real uvicorn exactly as `distributor run` configures it, on a free
    127.0.0.1 port, in a thread; yields the port."""
    from distributor.sandbox.server import serving_in_thread
    from distributor.service import web_server_config
    from distributor.web import create_app

    settings = make_settings(host="127.0.0.1", port=free_port(), **web)
    with serving_in_thread(web_server_config(create_app(settings, engine), settings.web), "the web app"):
        yield settings.web.port
