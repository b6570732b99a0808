"""Accounts page: every account's state and queue; admins check, pause and resume them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import accounts
from distributor.errors import NotFound
from distributor.models import User
from distributor.web.auth import admin_user, check_csrf, db, page_user
from distributor.web.render import flash

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/accounts")
def account_list(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    from distributor.delivery import costs

    settings = request.app.state.settings
    rows = accounts.overview(session, settings)
    configured = {a.name: a for a in settings.accounts}
    spend = {name: costs.account_costs(session, settings, account) for name, account in configured.items()}
    return request.app.state.views.page(request, session, "accounts.html", {"accounts": rows, "spend": spend})


@router.post("/accounts/{name}/{action}")
def account_action(request: Request, name: str, action: str, reason: str = Form(""),
                   admin: User = Depends(admin_user), session: Session = Depends(db)):
    if action not in accounts.ACTIONS:
        raise HTTPException(404, f"unknown action {action!r}: check, pause or resume")
    try:
        result = accounts.act(request.app.state.settings, session, name, action, actor=admin.email,
                              reason=reason)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    session.commit()
    if action == "pause":
        flash(request, f"{name} is paused; its posts wait in the queue.", "success")
    elif result.ok:
        flash(request, f"{name}: {result.detail}" + ("; its posts go out in order." if action == "resume" else "."),
              "success")
    else:
        flash(request, f"{name}: {result.detail}" + (" It stays paused." if action == "resume" else ""), "error")
    return RedirectResponse("/accounts", status_code=303)  # never where a request header says: no open redirect
