"""Who is asking: login sessions for pages, bearer tokens for the API, CSRF, the client's address.

Pages and the API are authenticated differently on purpose: the API accepts
only ``Authorization: Bearer`` (so a browser's cookie can never drive it, and it
needs no CSRF token); pages accept only a live server-side session
(``web/sessions.py``), and every form POST must carry the session's CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from distributor.models import User
from distributor.users import user_for_token
from distributor.web import sessions

# Post actions are logged here; logins, users and tokens also go to the audit table (distributor.audit).
audit = logging.getLogger("distributor.audit")
log = logging.getLogger(__name__)


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


def client_address(request: Request) -> str:
    """The address a login is counted against and recorded with.

    The connection's peer, unless that peer is listed in ``[web] trusted_proxies``:
    then uvicorn's ProxyHeadersMiddleware (see ``create_app``) has already put the
    rightmost X-Forwarded-For address that is not a trusted proxy here. A forwarded
    header from anyone else is ignored; when no proxy is trusted, the log says so once.
    """
    address = request.client.host if request.client else "unknown"
    state = request.app.state
    if not state.trusted_proxies and not state.warned_forwarded and "x-forwarded-for" in request.headers:
        state.warned_forwarded = True
        log.warning("ignoring X-Forwarded-For from %s: it is not in [web] trusted_proxies (if it is your proxy, "
                    "list it there, or every client is counted as that one address)", address)
    return address


def page_user(request: Request, session: Session = Depends(db)) -> User:
    """The logged-in editor, or a redirect to the login page."""
    found = sessions.current(session, request)
    if found is None:
        raise LoginRequired()
    request.state.web_session, request.state.user = found
    return found[1]


def admin_user(user: User = Depends(page_user)) -> User:
    if user.role != "admin":
        raise HTTPException(status_code=403, detail="only admins manage users, tokens and the audit log")
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


def _expected_csrf(request: Request) -> str | None:
    sid = request.session.get("sid")
    if isinstance(sid, str):
        return sessions.csrf_for(sid)
    token = request.session.get("csrf")
    return token if isinstance(token, str) else None


def csrf_token(request: Request) -> str:
    """The CSRF token forms must carry: the session's, or before login one kept in the cookie."""
    token = _expected_csrf(request)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse any state-changing form that does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = _expected_csrf(request)
    form = await request.form()
    sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="the form expired or did not come from this site; reload and try again")
