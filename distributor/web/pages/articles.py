"""Articles: what extraction found, and every post made from it with its latest engagement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlmodel import Session

from distributor import posts
from distributor.models import Article, User
from distributor.web.auth import check_csrf, db, page_user
from distributor.web.queries import latest_engagement, recent_articles
from distributor.web.schemas import RowId

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/articles")
def article_list(request: Request, page: int = Query(1, ge=1, le=100_000), user: User = Depends(page_user),
                 session: Session = Depends(db)):
    rows = recent_articles(session, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return request.app.state.views.page(request, session, "articles.html", {
        "articles": rows[:PAGE_SIZE], "page": page, "more": len(rows) > PAGE_SIZE,
    })


@router.get("/articles/{article_id}")
def article_detail(request: Request, article_id: RowId, user: User = Depends(page_user), session: Session = Depends(db)):
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"no article with id {article_id}")
    made = posts.list_posts(session, article_id=article_id, limit=500)
    data = article.data or {}
    return request.app.state.views.page(request, session, "article.html", {
        "article": article, "posts": made, "engagement": latest_engagement(session, [p.id for p in made]),
        "quotes": data.get("quotes") or [], "tags": data.get("tags") or [],
    })
