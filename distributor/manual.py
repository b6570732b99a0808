"""Editors' manual posts: compose from an article URL or free text, then queue.

Shared by the CLI (`queue add`) and the web UI, so both behave the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from distributor import posts
from distributor.compose import TEXT_LIMITS, ComposedPost, text_length
from distributor.config import AccountSettings
from distributor.db import session_scope
from distributor.errors import ComposeError
from distributor.extract import extract_page
from distributor.extract.model import Extracted
from distributor.models import Article, ArticleState, Post, utcnow
from distributor.pipeline import Runtime, apply_extraction
from distributor.sources import normalise_url


def read_article(runtime: Runtime, url: str) -> tuple[int, Extracted]:
    """Fetch and extract ``url``; store (or refresh) its Article row; return its id."""
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
) -> Post:
    """Queue one post by hand; with ``article_url`` the text is composed from the page."""
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
    if text and account.platform in TEXT_LIMITS and text_length(account.platform, text) > TEXT_LIMITS[account.platform]:
        raise ComposeError(
            f"the text is {text_length(account.platform, text)} characters as {account.platform} counts them; "
            f"the limit is {TEXT_LIMITS[account.platform]}"
        )
    with session_scope(runtime.engine) as session:
        return posts.create_post(
            session, account, text=text, link=link, image_url=image_url, image_alt=image_alt,
            article_id=article_id, template=template, at=at, next_slot=next_slot, approve=approve, actor=actor,
        )
