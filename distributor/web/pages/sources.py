"""Sources page: every feed and webhook, its last poll or delivery, its error, its WebSub hub (`distributor sources`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from distributor import source_status
from distributor.models import User
from distributor.web.auth import check_csrf, db, page_user

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/sources")
def source_list(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    rows = source_status.overview(session, request.app.state.settings)
    for row in rows:
        if row["kind"].startswith("webhook:"):
            row.update(request.app.state.webhook_refusals.get(row["name"]))
    return request.app.state.views.page(request, session, "sources.html", {"sources": rows})
