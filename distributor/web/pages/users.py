"""Users (admins only): add and remove editors and admins, sign a user out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import users
from distributor.errors import NotFound
from distributor.models import User
from distributor.web import sessions
from distributor.web.auth import admin_user, check_csrf, client_address, db
from distributor.web.render import flash
from distributor.web.schemas import RowId

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
UserId = Annotated[int, Path(ge=1, le=users.MAX_ID)]


@router.get("/users")
def user_list(request: Request, admin: User = Depends(admin_user), session: Session = Depends(db)):
    return _render(request, session)


def _render(request, session, *, error=None, email="", role="editor", status_code=200):
    return request.app.state.views.page(request, session, "users.html", {
        "users": users.list_users(session), "roles": users.ROLES, "error": error, "email": email, "role": role,
        "sessions": sessions.active_counts(session),
    }, status_code=status_code)


@router.post("/users")
def add_user(request: Request, email: str = Form(""), password: str = Form(""), role: str = Form("editor"),
             admin: User = Depends(admin_user), session: Session = Depends(db)):
    try:
        user = users.add_user(session, email, password, role, actor=admin.email, address=client_address(request))
    except users.UserError as exc:
        session.rollback()
        return _render(request, session, error=str(exc), email=email, role=role, status_code=400)
    session.commit()
    flash(request, f"Added {user.email} as {user.role}.", "success")
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/delete")
def remove_user(request: Request, user_id: UserId, admin: User = Depends(admin_user), session: Session = Depends(db)):
    target = session.get(User, user_id)
    if target is None:
        flash(request, "No such user.", "error")
        return RedirectResponse("/users", status_code=303)
    if target.id == admin.id:
        flash(request, "You cannot remove yourself.", "error")
        return RedirectResponse("/users", status_code=303)
    try:
        users.remove_user(session, target.email, actor=admin.email, address=client_address(request))
    except (NotFound, users.UserError) as exc:
        session.rollback()
        flash(request, str(exc), "error")
        return RedirectResponse("/users", status_code=303)
    session.commit()
    flash(request, f"Removed {target.email}; their sessions and API tokens ended with them.", "success")
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/signout")
def sign_out_everywhere(request: Request, user_id: UserId, admin: User = Depends(admin_user),
                        session: Session = Depends(db)):
    """End every session of the user at once (a lost laptop, a shared computer)."""
    target = session.get(User, user_id)
    if target is None:
        flash(request, "No such user.", "error")
        return RedirectResponse("/users", status_code=303)
    ended = users.sign_out_everywhere(session, target.email, actor=admin.email, address=client_address(request))
    session.commit()
    if target.id == admin.id:
        return RedirectResponse("/login", status_code=303)
    flash(request, f"Signed {target.email} out everywhere ({ended} session(s) ended).", "success")
    return RedirectResponse("/users", status_code=303)
