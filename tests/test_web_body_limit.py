"""A request body past the desk's ceiling is refused with 413, before any login, and never read whole.

FastAPI reads a route's body before it checks the login or the token, so
without a ceiling an anonymous client made the desk hold any body it sent.
"""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from distributor.web import MAX_BODY_BYTES, create_app
from tests.helpers.desk import make_settings, seed_people, served_desk

OVER = b"x" * (MAX_BODY_BYTES + 1)


@pytest.fixture
def client(engine):
    seed_people(engine)
    return TestClient(create_app(make_settings(), engine), raise_server_exceptions=False)


def test_an_anonymous_huge_json_body_is_413_with_a_message(client):
    response = client.post("/api/posts", content=OVER, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.text.lower()


def test_an_anonymous_huge_login_form_is_413(client):
    response = client.post("/login", content=b"email=a&password=" + OVER,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "too large" in response.text.lower()


def test_a_huge_chunked_body_is_413_in_the_apis_json(client):
    """No Content-Length: the body is counted as it arrives."""
    response = client.post("/api/posts", content=iter([OVER[:MAX_BODY_BYTES], b"xx"]),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"].lower()


def test_a_huge_multipart_upload_is_413(client):
    response = client.post("/login", files={"email": ("big.bin", OVER)})
    assert response.status_code == 413


def test_a_body_under_the_ceiling_is_answered_as_before(client):
    response = client.post("/api/posts", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 401  # no token: the usual answer


def test_the_real_server_answers_413_without_waiting_for_a_gigabyte(engine):
    """The client announces 1 GB and sends a little: the answer comes at once, the rest is never awaited."""
    with served_desk(engine) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"POST /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 1000000000\r\n\r\n" + b"x" * 65536)
            answer = connection.recv(4096)  # times out (10 s) if the server waits for the whole body
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
