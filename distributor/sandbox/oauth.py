"""The platforms' authorisation flows, for `distributor accounts connect` against the sandbox.

X: OAuth 1.0a out-of-band (request token -> authorise page showing a PIN ->
access token). Graph: the long-lived token exchange and `/me/accounts`, which
lists the Pages the person manages (the demo's and the example configuration's,
plus any registered with `POST /_sandbox/pages {"id", "name"}`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from html import escape
from urllib.parse import unquote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

DEFAULT_PAGES = {"100000000000001": "HYPELINE demo", "1234567890": "Example Page"}


def _oauth_params(request: Request) -> dict[str, str]:
    header = request.headers.get("authorization", "")
    return {k: unquote(v) for k, v in re.findall(r'(oauth_[a-z_]+)="([^"]*)"', header)}


class OAuthFlows:
    def __init__(self):
        self._lock = threading.Lock()
        self._request_tokens: dict[str, str] = {}  # request token -> consumer key
        self.pages = dict(DEFAULT_PAGES)
        self._key = secrets.token_bytes(16)

    def reset(self) -> None:
        with self._lock:
            self._request_tokens.clear()
            self.pages = dict(DEFAULT_PAGES)

    def pin(self, request_token: str) -> str:
        return str(int(hmac.new(self._key, request_token.encode(), hashlib.sha256).hexdigest()[:10], 16) % 10**7)

    async def request_token(self, request: Request) -> Response:
        params = _oauth_params(request)
        if not params.get("oauth_consumer_key") or "oauth_signature" not in params:
            return PlainTextResponse("Failed to validate oauth signature and token", 401)
        token = "req-" + secrets.token_hex(8)
        with self._lock:
            self._request_tokens[token] = params["oauth_consumer_key"]
        return PlainTextResponse(urlencode({"oauth_token": token, "oauth_token_secret": secrets.token_hex(12),
                                            "oauth_callback_confirmed": "true"}))

    async def authorize(self, request: Request) -> Response:
        token = request.query_params.get("oauth_token", "")
        with self._lock:
            known = token in self._request_tokens
        if not known:
            return HTMLResponse("<!doctype html><p>This authorisation request is not valid.</p>", 400)
        return HTMLResponse(f"<!doctype html><title>Authorise app (sandbox)</title><h1>Authorise the app</h1>"
                            f"<p>You authorised the app. Your PIN: <code id=pin>{escape(self.pin(token))}</code></p>")

    async def access_token(self, request: Request) -> Response:
        params = _oauth_params(request)
        token, verifier = params.get("oauth_token", ""), params.get("oauth_verifier", "")
        with self._lock:
            consumer = self._request_tokens.pop(token, None)  # one try per request token, as on X
        if consumer is None or not hmac.compare_digest(verifier, self.pin(token)):
            return PlainTextResponse("Invalid request token or PIN", 401)
        access = f"{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
        digest = hashlib.sha256(access.encode()).hexdigest()
        return PlainTextResponse(urlencode({"oauth_token": access, "oauth_token_secret": secrets.token_hex(16),
                                            "user_id": str(1_000_000_000 + int(digest[:8], 16)),
                                            "screen_name": "sandbox_" + digest[:8]}))

    async def exchange(self, request: Request) -> Response:
        q = request.query_params
        if q.get("grant_type") != "fb_exchange_token" or not all(
                q.get(k) for k in ("client_id", "client_secret", "fb_exchange_token")):
            return JSONResponse({"error": {"message": "Missing client_id, client_secret or fb_exchange_token",
                                           "type": "OAuthException", "code": 101}}, 400)
        return JSONResponse({"access_token": "long-" + secrets.token_hex(16), "token_type": "bearer",
                             "expires_in": 5_183_944})

    async def my_pages(self, request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if not token.startswith("long-"):
            return JSONResponse({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                           "code": 190}}, 400)
        with self._lock:
            pages = dict(self.pages)
        return JSONResponse({"data": [{"id": page_id, "name": name, "category": "Newspaper",
                                       "access_token": "page-" + secrets.token_hex(16),
                                       "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MODERATE"]}
                                      for page_id, name in pages.items()]})

    async def add_page(self, request: Request) -> Response:
        try:
            spec = await request.json()
            page_id, name = str(spec["id"]), str(spec.get("name", "Sandbox Page"))
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'give {"id", "name"}'}, 400)
        if not page_id.isdigit():
            return JSONResponse({"error": "a Page id is digits"}, 400)
        with self._lock:
            self.pages[page_id] = name
        return JSONResponse({"pages": len(self.pages)}, 201)

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/request_token", self.request_token, methods=["POST"]),
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/access_token", self.access_token, methods=["POST"]),
            Route("/{version}/oauth/access_token", self.exchange, methods=["GET"]),
            Route("/{version}/me/accounts", self.my_pages, methods=["GET"]),
            Route("/_sandbox/pages", self.add_page, methods=["POST"]),
        ]
