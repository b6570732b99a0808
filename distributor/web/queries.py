"""Read-only queries the pages need that the domain modules do not offer.

They are paged and counted in SQL (never all rows into Python) so the queue
stays fast with tens of thousands of posts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from distributor.models import Account, Article, EngagementSnapshot, Post, PostEvent, PostState

# The queue's tabs: which states each shows, and in what order.
TABS: dict[str, tuple[str, tuple[PostState, ...]]] = {
    "upcoming": ("Upcoming", (PostState.queued, PostState.sending)),
    "approval": ("Awaiting approval", (PostState.awaiting_approval,)),
    "drafts": ("Drafts", (PostState.draft,)),  # sent back to their authors, or not yet submitted
    "sent": ("Sent", (PostState.sent,)),
    "failed": ("Failed", (PostState.failed,)),
    "cancelled": ("Cancelled", (PostState.cancelled,)),
    "all": ("All", ()),
}


def queue_page(
    session: Session,
    *,
    tab: str = "upcoming",
    account: str | None = None,
    article_id: int | None = None,
    headline: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Post], int]:
    """One page of a queue tab and the tab's total count."""
    states = TABS[tab][1]
    conditions = _filters(account, article_id, headline)
    if states:
        conditions.append(col(Post.state).in_(states))
    total = session.exec(select(func.count()).select_from(Post).where(*conditions)).one()
    if tab in ("upcoming", "approval"):
        order = (col(Post.scheduled_at).asc(), col(Post.priority).desc(), col(Post.id).asc())
    elif tab == "sent":
        order = (col(Post.sent_at).desc(), col(Post.id).desc())
    else:
        order = (col(Post.updated_at).desc(), col(Post.id).desc())
    rows = session.exec(select(Post).where(*conditions).order_by(*order).limit(limit).offset(offset)).all()
    return list(rows), int(total)


def _filters(account: str | None, article_id: int | None, headline: str | None) -> list:
    """The queue's filters as SQL conditions; ``headline`` matches words of the article's title, any case."""
    conditions = []
    if account:
        conditions.append(Post.account == account)
    if article_id is not None:
        conditions.append(Post.article_id == article_id)
    if headline and headline.strip():
        escaped = headline.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        titles = select(Article.id).where(col(Article.title).ilike(f"%{escaped}%", escape="\\"))
        conditions.append(col(Post.article_id).in_(titles))
    return conditions


def tab_counts(session: Session, *, account: str | None = None, article_id: int | None = None,
               headline: str | None = None) -> dict[str, int]:
    """How many posts each tab holds (one GROUP BY)."""
    query = select(Post.state, func.count()).group_by(Post.state).where(*_filters(account, article_id, headline))
    by_state = {PostState(state): count for state, count in session.exec(query).all()}
    counts = {name: sum(by_state.get(s, 0) for s in states) for name, (_label, states) in TABS.items() if states}
    counts["all"] = sum(by_state.values())
    return counts


def articles_by_id(session: Session, ids: set[int]) -> dict[int, Article]:
    if not ids:
        return {}
    return {a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(ids)))}


def latest_engagement(session: Session, post_ids: list[int]) -> dict[int, EngagementSnapshot]:
    """Each post's most recent engagement snapshot."""
    if not post_ids:
        return {}
    newest = (
        select(EngagementSnapshot.post_id, func.max(EngagementSnapshot.collected_at).label("at"))
        .where(col(EngagementSnapshot.post_id).in_(post_ids))
        .group_by(EngagementSnapshot.post_id)
        .subquery()
    )
    rows = session.exec(
        select(EngagementSnapshot).join(
            newest,
            (EngagementSnapshot.post_id == newest.c.post_id) & (EngagementSnapshot.collected_at == newest.c.at),
        )
    ).all()
    return {row.post_id: row for row in rows}


def recent_articles(session: Session, *, limit: int = 50, offset: int = 0) -> list[Article]:
    query = select(Article).order_by(col(Article.discovered_at).desc(), col(Article.id).desc())
    return list(session.exec(query.limit(limit).offset(offset)))


def paused_accounts(session: Session) -> list[Account]:
    """Accounts the dispatcher paused (e.g. an expired token): shown on every page."""
    return list(session.exec(select(Account).where(col(Account.paused_reason).is_not(None)).order_by(Account.name)))


def waiting_since(session: Session, post_ids: list[int]) -> dict[int, datetime]:
    """When each post (awaiting approval) last asked for it: its age on the desk."""
    if not post_ids:
        return {}
    rows = session.exec(select(PostEvent.post_id, func.max(PostEvent.at)).where(
        col(PostEvent.post_id).in_(post_ids), PostEvent.to_state == PostState.awaiting_approval.value,
    ).group_by(PostEvent.post_id)).all()
    return {post_id: (at if at.tzinfo else at.replace(tzinfo=UTC)) for post_id, at in rows}


def age(since: datetime | None, now: datetime | None = None) -> str:
    """'waiting 3 h 20 min' style: how long, in the largest two units that matter."""
    if since is None:
        return ""
    now = now or datetime.now(UTC)
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
