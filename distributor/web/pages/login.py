"""Logging in and out, with failed attempts throttled per email and address."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor.users import authenticate
from distributor.web.auth import audit, check_csrf, db, start_session

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
    views, limiter = request.app.state.views, request.app.state.limiter
    ip = request.client.host if request.client else "?"
    context = {"next": _safe_next(next), "email": email}
    wait = limiter.retry_after(email, ip)
    if wait:
        audit.warning("login throttled for %s from %s", email, ip)
        context["error"] = f"Too many failed attempts. Try again in {max(1, wait // 60)} minutes."
        response = views.page(request, session, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(session, email, password)
    if user is None:
        limiter.failed(email, ip)
        audit.warning("failed login for %s from %s", email, ip)
        context["error"] = "Wrong email or password."
        return views.page(request, session, "login.html", context, status_code=401)
    session.commit()  # a rehashed password, if any
    limiter.succeeded(email, ip)
    start_session(request, user)
    audit.info("%s logged in from %s", user.email, ip)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
