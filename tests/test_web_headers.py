"""Every answer of the desk carries clickjacking protection and the usual security headers:
pages, the API docs (Swagger UI), error pages, the refusals made before any route runs (413),
and an unexpected error (500)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from distributor.web import MAX_BODY_BYTES, create_app
from tests.helpers.desk import ADMIN, log_in, make_settings, seed_people


@pytest.fixture
def client(engine):
    seed_people(engine)
    app = create_app(make_settings(), engine)

    @app.get("/broken-for-this-test")
    def broken():
        raise RuntimeError("a bug")

    return TestClient(app, raise_server_exceptions=False)


def protected(response) -> list[str]:
    """What is missing from ``response``'s headers (empty when nothing is)."""
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    missing = []
    if headers.get("x-frame-options", "").upper() not in ("DENY", "SAMEORIGIN"):
        missing.append("X-Frame-Options")
    if "frame-ancestors 'self'" not in csp and "frame-ancestors 'none'" not in csp:
        missing.append("CSP frame-ancestors")
    if headers.get("x-content-type-options") != "nosniff":
        missing.append("nosniff")
    if not headers.get("referrer-policy"):
        missing.append("Referrer-Policy")
    return missing


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/login", "/no-such-page", "/static/nope.css",
                                  "/openapi.json", "/healthz", "/l/nocode", "/compose"])
def test_every_page_and_answer_refuses_to_be_framed(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code < 500
    assert protected(response) == [], (path, response.status_code)


def test_the_api_docs_still_load_under_their_policy(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/docs/swagger-ui-bundle.js" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp  # its own files only, no CDN


def test_refusals_before_any_route_and_unexpected_errors_carry_them_too(client):
    too_big = client.post("/login", content=b"x" * (MAX_BODY_BYTES + 1),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert too_big.status_code == 413 and protected(too_big) == []
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405 and protected(wrong_method) == []
    log_in(client, ADMIN)
    error = client.get("/broken-for-this-test")
    assert error.status_code == 500 and protected(error) == []
    assert "a bug" not in error.text and "Traceback" not in error.text
