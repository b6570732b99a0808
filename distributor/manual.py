"""Editors' manual posts: compose from an article URL or free text, then queue.

Shared by the CLI (`queue add`) and the web UI, so both behave the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from distributor import posts
from distributor.config import AccountSettings
from distributor.db import session_scope
from distributor.errors import ComposeError
from distributor.models import Article, ArticleState, Post, PostState, utcnow
from distributor.runtime import Runtime

if TYPE_CHECKING:  # the extractor, the feed parser and the composer load only when a post needs them
    from distributor.compose import ComposedPost
    from distributor.extract.model import Extracted


def read_article(runtime: Runtime, url: str) -> tuple[int, Extracted]:
    """Fetch and extract ``url``; store (or refresh) its Article row; return its id."""
    from distributor.extract import extract_page  # only posts made from an article pay for the extractor
    from distributor.pipeline import apply_extraction
    from distributor.sources import normalise_url

    page = runtime.fetcher.get(url)
    extracted = extract_page(page.content, url=page.url, content_type=page.content_type, source=url)
    canonical = normalise_url(extracted.canonical_url or page.url)
    with session_scope(runtime.engine) as session:
        article = session.exec(select(Article).where(Article.canonical_url == canonical)).first()
        if article is None:
            article = session.exec(select(Article).where(Article.url == normalise_url(url))).first()
        if article is None:
            article = Article(url=normalise_url(url), state=ArticleState.extracted)
            session.add(article)
        # A pending article keeps its state: reading it here must not stop its automatic
        # posts. An editor's post for an account stands in for that account's automatic
        # one when it is created (posts.create_post).
        apply_extraction(article, extracted, canonical, utcnow())
        session.flush()
        return article.id, extracted


def compose_for(runtime: Runtime, extracted: Extracted, account: AccountSettings) -> ComposedPost:
    """The account's post, its picture chosen by the account's `image` setting (photo or quote card)."""
    return runtime.cards.apply(runtime.composer.compose(extracted, account), extracted, account)


LIVE_STATES = (PostState.sent, PostState.sending, PostState.queued, PostState.awaiting_approval)


class AlreadyPosted(ComposeError):
    """The article already went (or is about to go) to this account."""

    def __init__(self, account: str, earlier: list[Post]):
        self.earlier = earlier
        described = "; ".join(f"post {p.id} {p.state.value}" + (f" at {p.sent_at:%Y-%m-%d %H:%M} UTC"
                                                                  if p.sent_at else "") for p in earlier)
        super().__init__(f"this article already went to {account} or is queued there ({described})")


def already_posted(session: Session, article_id: int | None, account: str) -> list[Post]:
    """The account's posts of this article that are out or on their way (not failed or cancelled)."""
    if article_id is None:
        return []
    return list(session.exec(select(Post).where(Post.article_id == article_id, Post.account == account,
                                                col(Post.state).in_(LIVE_STATES)).order_by(col(Post.id))))


def queue_manual_post(
    runtime: Runtime,
    account: AccountSettings,
    *,
    article_url: str | None = None,
    text: str | None = None,
    link: str | None = None,
    image_url: str | None = None,
    at: datetime | None = None,
    next_slot: bool = False,
    approve: bool = False,
    actor: str = "system",
    again: bool = False,
) -> Post:
    """Queue one post by hand; with ``article_url`` the text is composed from the page.

    An article that already went (or is queued) to the account raises
    AlreadyPosted unless ``again`` says the editor means it.
    """
    article_id = None
    image_alt = None
    template = None
    if article_url:
        article_id, extracted = read_article(runtime, article_url)
        composed = compose_for(runtime, extracted, account)
        text = text or composed.text
        link = link or composed.link
        if not image_url:  # an image given by hand keeps no alt text of the article's picture
            image_url, image_alt = composed.image_url, composed.image_alt
        template = composed.template
    from distributor.compose import TEXT_LIMITS, text_length

    if text and account.platform in TEXT_LIMITS and text_length(account.platform, text) > TEXT_LIMITS[account.platform]:
        raise ComposeError(
            f"the text is {text_length(account.platform, text)} characters as {account.platform} counts them; "
            f"the limit is {TEXT_LIMITS[account.platform]}"
        )
    with session_scope(runtime.engine) as session:
        earlier = already_posted(session, article_id, account.name)
        if earlier and not again:
            raise AlreadyPosted(account.name, earlier)
        return posts.create_post(
            session, account, text=text, link=link, image_url=image_url, image_alt=image_alt,
            article_id=article_id, template=template, at=at, next_slot=next_slot, approve=approve, actor=actor,
            approval=runtime.settings.desk.approval,
        )
