"""Signed cookie sessions whose Secure flag follows the request's scheme.

Starlette's SessionMiddleware fixes ``Secure`` once at start-up; we serve both
plain http on 127.0.0.1 and https behind a proxy, so the flag is decided per
response instead. The cookie is HttpOnly and SameSite=Lax, signed (not
encrypted) with itsdangerous: it holds only a user id, a password fingerprint
and the CSRF token, never anything secret from the database.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from http.cookies import SimpleCookie

import itsdangerous
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "distributor_session"
MAX_AGE_SECONDS = 12 * 3600  # one working day; then log in again


class CookieSessions:
    """ASGI middleware filling ``scope["session"]`` (so ``request.session`` works)."""

    def __init__(self, app: ASGIApp, secret_key: str, *, cookie_name: str = COOKIE_NAME, max_age: int = MAX_AGE_SECONDS):
        self.app = app
        self.signer = itsdangerous.TimestampSigner(secret_key, salt="distributor.session")
        self.cookie_name = cookie_name
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["session"] = self._load(scope)
        initial = json.dumps(scope["session"], sort_keys=True)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["session"]
                if json.dumps(session, sort_keys=True) != initial:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", self._cookie(session, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, scope: Scope) -> dict:
        for name, value in scope.get("headers", []):
            if name != b"cookie":
                continue
            cookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is just no session
                return {}
            if self.cookie_name not in cookie:
                continue
            try:
                data = self.signer.unsign(cookie[self.cookie_name].value, max_age=self.max_age)
                loaded = json.loads(b64decode(data))
            except (itsdangerous.BadSignature, ValueError):
                return {}
            return loaded if isinstance(loaded, dict) else {}
        return {}

    def _cookie(self, session: dict, secure: bool) -> str:
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if not session:
            return f"{self.cookie_name}=null; Max-Age=0{flags}"
        payload = b64encode(json.dumps(session).encode("utf-8"))
        value = self.signer.sign(payload).decode("ascii")
        return f"{self.cookie_name}={value}; Max-Age={self.max_age}{flags}"
