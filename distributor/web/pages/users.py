"""Users (admins only): add and remove editors and admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import users
from distributor.errors import NotFound
from distributor.models import User
from distributor.web.auth import admin_user, audit, check_csrf, db
from distributor.web.render import flash
from distributor.web.schemas import RowId

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/users")
def user_list(request: Request, admin: User = Depends(admin_user), session: Session = Depends(db)):
    return _render(request, session)


def _render(request, session, *, error=None, email="", role="editor", status_code=200):
    return request.app.state.views.page(request, session, "users.html", {
        "users": users.list_users(session), "roles": users.ROLES, "error": error, "email": email, "role": role,
    }, status_code=status_code)


@router.post("/users")
def add_user(request: Request, email: str = Form(...), password: str = Form(...), role: str = Form("editor"),
             admin: User = Depends(admin_user), session: Session = Depends(db)):
    try:
        user = users.add_user(session, email, password, role)
    except users.UserError as exc:
        session.rollback()
        return _render(request, session, error=str(exc), email=email, role=role, status_code=400)
    session.commit()
    audit.info("%s added user %s (%s)", admin.email, user.email, user.role)
    flash(request, f"Added {user.email} as {user.role}.", "success")
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/delete")
def remove_user(request: Request, user_id: RowId, admin: User = Depends(admin_user), session: Session = Depends(db)):
    target = session.get(User, user_id)
    if target is None:
        flash(request, "No such user.", "error")
        return RedirectResponse("/users", status_code=303)
    if target.id == admin.id:
        flash(request, "You cannot remove yourself.", "error")
        return RedirectResponse("/users", status_code=303)
    try:
        users.remove_user(session, target.email)
    except NotFound:
        pass
    session.commit()
    audit.info("%s removed user %s", admin.email, target.email)
    flash(request, f"Removed {target.email}.", "success")
    return RedirectResponse("/users", status_code=303)
