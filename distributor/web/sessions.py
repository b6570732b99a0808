"""Login sessions: a row per logged-in browser, and the signed cookie that names it.

Being logged in is a row in ``websession``. The cookie carries only a random
id (``sid``), whose sha256 is the row's key, so ending a session is deleting
its row: logout, a password change, removing the user or an admin's "sign out
everywhere" take effect on the next request, even for a copy of the cookie.
A session also ends after ``IDLE`` without a request and ``ABSOLUTE`` after
login, whatever happens.

Before login the cookie holds the login form's CSRF token; flash messages ride
in it for one redirect. The logged-in CSRF token is derived from the session id
(HMAC), so it changes with every login and is never stored.

The cookie itself: Starlette's SessionMiddleware fixes ``Secure`` once at
start-up; we serve both plain http on 127.0.0.1 and https behind a proxy, so
the flag is decided per response instead. HttpOnly, SameSite=Lax, signed (not
encrypted) with itsdangerous.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from base64 import b64decode, b64encode
from datetime import datetime, timedelta
from http.cookies import SimpleCookie

import itsdangerous
from sqlmodel import Session, col, delete, func, select
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from distributor.models import User, WebSession, utcnow

COOKIE_NAME = "distributor_session"
ABSOLUTE = timedelta(hours=12)  # one working day; then log in again
IDLE = timedelta(hours=2)  # a desk left alone this long is logged out
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
MAX_AGE_SECONDS = int(ABSOLUTE.total_seconds())


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def start(session: Session, request: Request, user: User, address: str | None) -> WebSession:
    """Log this browser in as ``user`` with a fresh id (an id set before login is never kept)."""
    sid = secrets.token_urlsafe(32)
    row = WebSession(token_hash=_hash(sid), user_id=user.id, address=address[:320] if address else None)
    session.add(row)
    session.exec(delete(WebSession).where(col(WebSession.created_at) < utcnow() - ABSOLUTE))  # tidy up
    request.session.clear()
    request.session["sid"] = sid
    return row


def current(session: Session, request: Request, now: datetime | None = None) -> tuple[WebSession, User] | None:
    """The live session and its user, or None (an ended or expired one also leaves the cookie)."""
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        return None
    now = now or utcnow()
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(sid))).first()
    if row is not None and (now - row.created_at > ABSOLUTE or now - row.last_seen_at > IDLE):
        session.delete(row)
        session.commit()
        row = None
    user = session.get(User, row.user_id) if row is not None else None
    if user is None:
        request.session.pop("sid", None)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return row, user


def end(session: Session, request: Request) -> WebSession | None:
    """Log this browser out: its row goes, so a copy of the cookie opens nothing either."""
    sid = request.session.get("sid")
    row = None
    if isinstance(sid, str):
        row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(sid))).first()
        if row is not None:
            session.delete(row)
    request.session.clear()
    return row


def csrf_for(sid: str) -> str:
    """The CSRF token of a logged-in session: bound to its id, new at every login."""
    return hmac.new(sid.encode("utf-8"), b"distributor.csrf", hashlib.sha256).hexdigest()[:32]


def active_counts(session: Session, now: datetime | None = None) -> dict[int, int]:
    """user id -> how many of their sessions are still alive."""
    now = now or utcnow()
    query = (select(WebSession.user_id, func.count()).where(col(WebSession.created_at) > now - ABSOLUTE,
                                                              col(WebSession.last_seen_at) > now - IDLE)
             .group_by(WebSession.user_id))
    return {user_id: count for user_id, count in session.exec(query)}


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
