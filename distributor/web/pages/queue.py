"""The queue: upcoming, awaiting approval, sent, failed; filtered and paged."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor.models import User
from distributor.web.auth import check_csrf, db, page_user
from distributor.web.schemas import OptionalRowId
from distributor import inputs
from distributor.holds import holds_for
from distributor import posts
from distributor.models import PostState
from distributor.web.queries import TABS, articles_by_id, latest_engagement, queue_page, tab_counts, waiting_since

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/")
def home(user: User = Depends(page_user)):
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue(
    request: Request,
    tab: str = "upcoming",
    account: str | None = Query(None, max_length=inputs.MAX_NAME),
    article: OptionalRowId = None,
    q: str | None = Query(None, max_length=200, description="words of the article's headline"),
    page: int = Query(1, ge=1, le=100_000),
    user: User = Depends(page_user),
    session: Session = Depends(db),
):
    if tab not in TABS:
        tab = "upcoming"
    account = inputs.clean_text(account, "account") if account else None
    q = inputs.clean_text(q, "the headline search", max_length=200).strip() if q else ""
    settings = request.app.state.settings
    rows, total = queue_page(session, tab=tab, account=account, article_id=article, headline=q,
                             limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    articles = articles_by_id(session, {p.article_id for p in rows if p.article_id})
    return request.app.state.views.page(request, session, "queue.html", {
        "tabs": TABS, "tab": tab, "counts": tab_counts(session, account=account, article_id=article, headline=q), "q": q,
        "waiting": waiting_since(session, [p.id for p in rows if p.state == PostState.awaiting_approval]),
        "sent_back": posts.last_sent_back(session, [p.id for p in rows if p.state == PostState.draft]),
        "posts": rows, "articles": articles, "held": holds_for(session, settings, rows),
        "engagement": latest_engagement(session, [p.id for p in rows if p.state == "sent"]), "total": total, "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)), "account": account or "", "article": article,
        "accounts": [a.name for a in settings.accounts],
        "filter_article": articles_by_id(session, {article}).get(article) if article else None,
    })
