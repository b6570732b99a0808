"""Your account (every user): change your password, sign yourself out everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import audit as audit_log
from distributor import users
from distributor.models import User
from distributor.web import sessions
from distributor.web.auth import check_csrf, client_address, db, page_user
from distributor.web.render import flash

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _render(request, session, *, error=None, status_code=200):
    return request.app.state.views.page(request, session, "password.html", {
        "error": error, "min_chars": users.MIN_PASSWORD_CHARS, "nav": "account",
    }, status_code=status_code)


@router.get("/account/password")
def password_form(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    return _render(request, session)


@router.post("/account/password")
def change_password(request: Request, current_password: str = Form(""), new_password: str = Form(""),
                    confirm_password: str = Form(""), user: User = Depends(page_user), session: Session = Depends(db)):
    """A new password ends every session of the user, this one too; this browser gets a fresh one."""
    if new_password != confirm_password:
        return _render(request, session, error="The two new passwords differ.", status_code=400)
    address = client_address(request)
    # The current-password box checks a password as the login does: throttled the same way, or a
    # borrowed session could guess the password (which outlives the session) at full speed.
    throttle = request.app.state.limiter
    wait = throttle.retry_after(session, user.email, address)
    if wait:
        response = _render(request, session, status_code=429,
                           error=f"Too many wrong passwords. Try again in {max(1, wait // 60)} minutes.")
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        users.change_own_password(session, user, current_password, new_password, address=address)
    except users.UserError as exc:
        session.rollback()
        if isinstance(exc, users.WrongPassword):
            throttle.failed(session, user.email, address)
            audit_log.record(session, "login_failed", target=user.email, address=address,
                             detail="wrong current password on the password form")
            session.commit()
        message = str(exc)
        return _render(request, session, error=message[:1].upper() + message[1:] + ".", status_code=400)
    sessions.start(session, request, user, address)
    session.commit()
    flash(request, "Password changed. Every other session of yours was signed out, and your API tokens were "
                   "revoked (an admin makes new ones).", "success")
    return RedirectResponse("/account/password", status_code=303)


@router.post("/account/signout")
def sign_out_everywhere(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    """End every session of yours, on every computer, this one included."""
    users.sign_out_everywhere(session, user.email, actor=user.email, address=client_address(request))
    session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
