"""`/api/sources` (feeds, WebSub, webhooks and how each is doing) and `/api/articles/{id}/breaking`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlmodel import Session

from distributor import source_status
from distributor.articles import flag_breaking
from distributor.errors import InvalidInput
from distributor.models import User, utcnow
from distributor.web.auth import api_user, audit, db

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(api_user)])


@router.get("/sources", summary="Every feed and webhook: last poll or delivery, errors, WebSub state, refusals")
def list_sources(request: Request, session: Session = Depends(db)) -> list[dict]:
    rows = source_status.overview(session, request.app.state.settings)
    refusals = request.app.state.webhook_refusals
    for row in rows:
        if row["kind"].startswith("webhook:"):
            row.update(refusals.get(row["name"]))
    return rows


@router.post("/articles/{article_id}/breaking", summary="Mark a story breaking: its waiting posts go first, now")
def mark_breaking(article_id: int, request: Request, session: Session = Depends(db),
                  user: User = Depends(api_user)) -> dict:
    try:
        article = flag_breaking(session, article_id, utcnow(), actor=user.email)
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from exc
    session.commit()
    audit.info("%s marked article %s breaking via the API", user.email, article_id)
    request.app.state.runtime.wakeups.notify("posts")
    return {"id": article.id, "url": article.url, "breaking": True}
