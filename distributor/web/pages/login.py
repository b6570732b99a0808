"""Logging in and out, throttled per email, per address and per both (web/throttle.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import audit as audit_log
from distributor.models import User
from distributor.users import authenticate, get_user, normalise_email
from distributor.web import sessions
from distributor.web.auth import audit, check_csrf, client_address, db

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/queue"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None, session: Session = Depends(db)):
    return request.app.state.views.page(request, session, "login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login")
def login(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/queue"),
          session: Session = Depends(db)):
    views, throttle = request.app.state.views, request.app.state.limiter
    address = client_address(request)
    email = normalise_email(email)[:audit_log.MAX_FIELD_CHARS]
    context = {"next": _safe_next(next), "email": email}
    wait = throttle.retry_after(session, email, address)
    if wait:
        # Logged, not stored: a locked-out client hammering away must not grow a table.
        # only a user's email is named: people type their password into the email box
        audit.warning("login throttled for %s from %s",
                      email if get_user(session, email) is not None else "(an unknown email)", address)
        context["error"] = f"Too many failed attempts. Try again in {max(1, wait // 60)} minutes."
        response = views.page(request, session, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(session, email, password)
    if user is None:
        throttle.failed(session, email, address)
        # Only a known email is named: people type their password into the email box.
        known = get_user(session, email) is not None
        audit_log.record(session, "login_failed", target=email if known else "(an unknown email)", address=address)
        session.commit()
        context["error"] = "Wrong email or password."
        return views.page(request, session, "login.html", context, status_code=401)
    throttle.succeeded(session, email, address)
    sessions.start(session, request, user, address)
    audit_log.record(session, "login", actor=user.email, target=user.email, address=address)
    session.commit()  # also a rehashed password, if any
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: Session = Depends(db)):
    row = sessions.end(session, request)
    if row is not None:
        user = session.get(User, row.user_id)
        email = user.email if user else None
        audit_log.record(session, "logout", actor=email, target=email, address=client_address(request))
    session.commit()
    return RedirectResponse("/login", status_code=303)
