"""`/api/accounts`: the accounts as `distributor accounts list --json` shows them; check, pause, resume.

Any token may list the accounts; only an admin's checks, pauses or resumes one (as on the desk's
accounts page): a check calls the platform, and X bills those calls."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from sqlmodel import Session

from distributor import accounts
from distributor.errors import NotFound
from distributor.models import User
from distributor.web.auth import api_user, db

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(api_user)])


@router.get("/accounts", summary="Every account: state, queue depth, last post, rate limits")
def list_accounts(request: Request, session: Session = Depends(db)) -> list[dict]:
    return [a.as_json() for a in accounts.overview(session, request.app.state.settings)]


@router.post("/accounts/{name}/{action}", summary="check | pause | resume an account (resume checks first)")
def account_action(name: str, action: str, request: Request, body: dict | None = Body(None),
                   session: Session = Depends(db), user: User = Depends(api_user)) -> dict:
    if action not in ("check", "pause", "resume"):
        raise HTTPException(404, f"unknown action {action!r}: check, pause or resume")
    if user.role != "admin":  # a check spends billed platform calls (X bills every read): the desk's rule too
        raise HTTPException(403, f"only admins {action} accounts")
    reason = str((body or {}).get("reason", "")) if isinstance(body, dict) else ""
    try:
        result = accounts.act(request.app.state.settings, session, name, action, actor=user.email, reason=reason)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    session.commit()
    if action == "resume" and not result.ok:
        raise HTTPException(409, f"{name} stays paused: {result.detail}")
    return result.as_json()
