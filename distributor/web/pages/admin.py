"""API tokens and the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import audit, users
from distributor.errors import NotFound
from distributor.models import User
from distributor.web.auth import admin_user, check_csrf, client_address, db
from distributor.web.render import flash

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
AUDIT_PAGE = 100


def _render_tokens(request, session, *, new_token=None, owner=None, error=None, status_code=200):
    return request.app.state.views.page(request, session, "tokens.html", {
        "tokens": users.list_tokens(session), "users": users.list_users(session), "new_token": new_token,
        "owner": owner, "error": error, "nav": "users",
    }, status_code=status_code)


@router.get("/tokens")
def token_list(request: Request, admin: User = Depends(admin_user), session: Session = Depends(db)):
    return _render_tokens(request, session)


@router.post("/tokens")
def create_token(request: Request, email: str = Form(""), admin: User = Depends(admin_user),
                 session: Session = Depends(db)):
    """The token is shown once, on this page (never in a flash: the cookie is signed, not encrypted)."""
    try:
        token = users.create_token(session, email, actor=admin.email, address=client_address(request))
    except NotFound as exc:
        session.rollback()
        return _render_tokens(request, session, error=str(exc), status_code=400)
    session.commit()
    return _render_tokens(request, session, new_token=token, owner=users.normalise_email(email))


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: Annotated[int, Path(ge=1, le=users.MAX_ID)],
                 admin: User = Depends(admin_user), session: Session = Depends(db)):
    try:
        owner = users.revoke_token(session, token_id, actor=admin.email, address=client_address(request))
    except NotFound as exc:
        flash(request, f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "error")
        return RedirectResponse("/tokens", status_code=303)
    session.commit()
    flash(request, f"Revoked token {token_id} of {owner.email}: it no longer opens the API.", "success")
    return RedirectResponse("/tokens", status_code=303)


@router.get("/audit")
def audit_log(request: Request, before: Annotated[int | None, Query(ge=1, le=users.MAX_ID)] = None,
              admin: User = Depends(admin_user), session: Session = Depends(db)):
    events = audit.recent(session, limit=AUDIT_PAGE, before_id=before)
    older = events[-1].id if len(events) == AUDIT_PAGE else None
    return request.app.state.views.page(request, session, "audit.html", {
        "events": events, "actions": audit.ACTIONS, "older": older, "nav": "users",
    })
