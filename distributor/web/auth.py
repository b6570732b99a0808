"""Who is asking: login sessions for pages, bearer tokens for the API, CSRF, login throttling.

Pages and the API are authenticated differently on purpose: the API accepts
only ``Authorization: Bearer`` (so a browser's cookie can never drive it, and it
needs no CSRF token); pages accept only the session cookie, and every form
POST must carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from distributor.models import User
from distributor.users import user_for_token

audit = logging.getLogger("distributor.audit")


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to /login."""


def db(request: Request) -> Iterator[Session]:
    """One database session per request; writers commit explicitly."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def password_fingerprint(user: User) -> str:
    """Changes when the password does, so changing it ends every other session."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def start_session(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update(uid=user.id, pw=password_fingerprint(user), csrf=secrets.token_urlsafe(24))


def session_user(request: Request, session: Session) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if user is None or request.session.get("pw") != password_fingerprint(user):
        return None
    return user


def page_user(request: Request, session: Session = Depends(db)) -> User:
    """The logged-in editor, or a redirect to the login page."""
    user = session_user(request, session)
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def admin_user(user: User = Depends(page_user)) -> User:
    if user.role != "admin":
        raise HTTPException(status_code=403, detail="only admins manage users")
    return user


def api_user(request: Request, session: Session = Depends(db)) -> User:
    """The owner of the bearer token; anything else is 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise HTTPException(status_code=401, detail="a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    session.commit()  # keeps last_used_at
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (the login form needs one too)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse any state-changing form that does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    form = await request.form()
    sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="the form expired or did not come from this site; reload and try again")


class LoginLimiter:
    """At most ``max_failures`` failed logins per (email, IP) in ``window`` seconds.

    Kept in memory: per process, forgotten on restart. Enough to stop password
    guessing against one web process; several processes each count their own.
    """

    MAX_KEYS = 10_000

    def __init__(self, max_failures: int = 5, window_seconds: float = 15 * 60, clock=time.monotonic):
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, email: str, ip: str) -> int:
        """Seconds until this pair may try again; 0 when it may now."""
        with self._lock:
            times = self._prune((email.strip().lower(), ip))
            if len(times) < self.max_failures:
                return 0
            return max(1, math.ceil(times[0] + self.window - self.clock()))

    def failed(self, email: str, ip: str) -> None:
        with self._lock:
            self._prune((email.strip().lower(), ip)).append(self.clock())
            if len(self._failures) > self.MAX_KEYS:  # a spray of addresses must not grow memory for ever
                for key in [k for k in self._failures if not self._prune(k)]:
                    del self._failures[key]

    def succeeded(self, email: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((email.strip().lower(), ip), None)

    def _prune(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures[key]
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times
