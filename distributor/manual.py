"""Editors' manual posts: compose from an article URL or free text, then queue.

The one door for manual posts: the CLI (`queue add`), the JSON API
(`POST /api/posts`) and the compose page all call ``prepare`` then
``create`` (or ``queue_manual_post``, both at once), so one set of rules
decides images, templates, time zones, lengths and warnings:

- text: the editor's when given, else the account's template over the article;
  empty or longer than the platform counts is refused;
- link: the editor's, else the article's; the account's utm parameters added
  (links.py), then through our redirect when ``[links] redirect_base`` is set;
- image: ``image_url=None`` takes the account's picture of the article (photo
  or quote card, with its alt text); ``""`` means none; a URL is the editor's,
  with the alt text they give (a warning when there is none);
- more images (``extra_images``, each ``{"url", "alt"}``): up to the platform's
  ``max_images`` with the first, each with its alt text (a warning when none);
- a first comment (platforms whose spec says ``first_comment``: Facebook) and a
  thread (``max_thread_posts``: X, up to 2 replies), each part counted as the
  platform counts a post; dispatch sends them once the post is out (delivery/parts.py);
- time: ISO 8601, naive means ``[web] timezone``; a past time is refused;
  ``at`` and ``next_slot`` exclude each other;
- an article the account already has is refused unless ``again``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from distributor import inputs, links, posts
from distributor.config import AccountSettings
from distributor.db import session_scope
from distributor.errors import ComposeError, InvalidInput
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


ALT_TEXT_LIMIT = posts.ALT_TEXT_LIMIT


def length_problem(account: AccountSettings, text: str) -> str | None:
    """Why ``text`` cannot be posted to ``account`` (counted as its platform counts, within the account's own
    limit, such as a Mastodon instance's max_characters, and the platform's byte cap), or None."""
    from distributor.lengths import text_length, text_limit  # not compose: no Jinja2 for a typed text
    from distributor.platforms.specs import spec_for

    if not text or not text.strip():
        return "the post has no text"
    spec = spec_for(account.platform)
    limit, length = text_limit(account), text_length(account.platform, text)
    if length > limit:
        return f"the text is {length} characters as {spec.label} counts them; the limit is {limit}"
    size = len(text.encode("utf-8"))
    if spec.text.max_bytes is not None and size > spec.text.max_bytes:
        return f"the text is {size:,} bytes in UTF-8; {spec.label} allows {spec.text.max_bytes:,}"
    return None


def _with_link(text: str, old: str, new: str) -> str:
    """``text`` with each whole copy of ``old`` (not a longer URL it begins) replaced by ``new``; linear."""
    import re

    return re.sub(re.escape(old) + r"(?=\s|$)", lambda _: new, text)


def as_sent(platform: str, text: str, link: str | None, redirect_base: str | None) -> str:
    """``text`` as the platform will get it: through our redirect when tracking, the link added when absent.

    The adapters add a link the text does not carry (X after a space, the
    others after a blank line); the tracked URL's length is known before its
    code is drawn (links.track). Counting this, not the bare text, keeps a
    post the door took from failing at the platform.
    """
    if link and redirect_base:
        tracked = f"{redirect_base.rstrip('/')}/{'x' * links.CODE_LENGTH}"
        text, link = text.replace(link, tracked), tracked
    if link and link not in text:
        text = f"{text}{' ' if platform == 'twitter' else chr(10) * 2}{link}".strip()
    return text


@dataclass
class Prepared:
    """A manual post checked and ready to be created (nothing written yet but the article)."""

    account: AccountSettings
    text: str
    link: str | None
    image_url: str | None
    image_alt: str | None
    article_id: int | None
    template: str | None
    at: datetime | None
    next_slot: bool
    approve: bool
    warnings: list[str] = field(default_factory=list)
    extra_images: list[dict[str, str | None]] = field(default_factory=list)  # after image_url, {"url", "alt"}
    first_comment: str | None = None
    thread: list[str] = field(default_factory=list)  # the replies after the first post


def _clean(value: str | None, what: str, max_length: int = inputs.MAX_TEXT) -> str | None:
    return inputs.clean_text(value, what, max_length=max_length) if value is not None else None


def parse_at(runtime: Runtime, at: str | datetime | None) -> datetime | None:
    """The editor's time: ISO 8601 (naive: ``[web] timezone``), "now" or nothing; a past time is refused."""
    if at is None or (isinstance(at, str) and not at.strip()):
        return None
    return inputs.parse_time(at, runtime.settings.web.timezone, what="the time")


def prepare(
    runtime: Runtime,
    account: AccountSettings,
    *,
    article_url: str | None = None,
    article_id: int | None = None,
    extracted: Extracted | None = None,
    section: str | None = None,
    text: str | None = None,
    link: str | None = None,
    image_url: str | None = None,
    image_alt: str | None = None,
    at: str | datetime | None = None,
    next_slot: bool = False,
    approve: bool = False,
    extra_images: Sequence[Mapping[str, str | None]] | None = None,
    first_comment: str | None = None,
    thread: Sequence[str] | None = None,
) -> Prepared:
    """Check one manual post by the rules above; InvalidInput or ComposeError says what is wrong.

    ``article_url`` fetches and reads the page; ``article_id`` with
    ``extracted`` is an article the caller read already; ``article_id`` alone
    (with its ``section``) is one the editor composed from earlier (the
    compose page's second step, whose text the editor wrote).
    """
    text = _clean(text, "the text")
    link = _clean(link, "the link", inputs.MAX_URL)
    image_url = _clean(image_url, "the image URL", inputs.MAX_URL)
    image_alt = _clean(image_alt, "the alt text")
    article_url = _clean(article_url, "the article URL", inputs.MAX_URL)
    if at is not None and next_slot and not (isinstance(at, str) and not at.strip()):
        raise InvalidInput("give a time or the next free slot, not both")
    when = parse_at(runtime, at)
    template = None
    warnings: list[str] = []
    if article_url:
        article_id, extracted = read_article(runtime, article_url)
    if extracted is not None:
        composed = compose_for(runtime, extracted, account)
        text = text if text and text.strip() else composed.text
        link = link or composed.link
        if image_url is None:
            image_url, image_alt = composed.image_url, (composed.image_alt if image_alt is None else image_alt)
        template = composed.template
    elif article_id is not None:
        template = account.template  # the editor's text of an article read before (the compose page)
    given_link = link.strip() if link else None
    link = links.account_link(given_link, account, extracted.section if extracted else section) if given_link else None
    if text and given_link and link != given_link:
        text = _with_link(text, given_link, link)  # the text's copy of the link carries the utm too
    problem = length_problem(account, as_sent(account.platform, text or "", link,
                                                      runtime.settings.links.redirect_base))
    if problem:
        raise ComposeError(problem)
    if image_alt is not None and len(image_alt) > ALT_TEXT_LIMIT:
        raise ComposeError(f"the alt text is {len(image_alt)} characters; the limit is {ALT_TEXT_LIMIT}")
    image_url = image_url or None
    extras = check_extra_images(extra_images)
    if extras and image_url is None:  # the first of the editor's images leads
        first = extras.pop(0)
        image_url, image_alt = first["url"], first["alt"]
    check_image_count(account, (1 if image_url else 0) + len(extras))
    if image_url and not (image_alt or "").strip():
        warnings.append("the image has no alt text: people who use screen readers will not know what it shows")
        image_alt = None
    warnings += [f"image {n} has no alt text: people who use screen readers will not know what it shows"
                 for n, extra in enumerate(extras, start=2) if not extra["alt"]]
    return Prepared(account, text, link, image_url, image_alt, article_id, template, when, next_slot, approve, warnings,
                    extras, check_first_comment(account, first_comment), check_thread(account, thread))


def check_extra_images(images: Sequence[Mapping[str, str | None]] | None) -> list[dict[str, str | None]]:
    """The editor's images after the first, cleaned: rows without a URL are left out; alt texts within the limit."""
    extras: list[dict[str, str | None]] = []
    for n, image in enumerate(images or (), start=2):
        if not isinstance(image, Mapping):
            raise InvalidInput(f"image {n} must be an object with url and alt")
        url = (_clean(image.get("url"), f"image {n}'s URL", inputs.MAX_URL) or "").strip()
        alt = (_clean(image.get("alt"), f"image {n}'s alt text") or "").strip() or None
        if not url:
            if alt:
                raise InvalidInput(f"image {n} has alt text but no URL")
            continue
        if alt is not None and len(alt) > ALT_TEXT_LIMIT:
            raise ComposeError(f"image {n}'s alt text is {len(alt)} characters; the limit is {ALT_TEXT_LIMIT}")
        posts.check_links(url)
        extras.append({"url": url, "alt": alt})
    return extras


def check_image_count(account: AccountSettings, count: int) -> None:
    from distributor.platforms.specs import spec_for

    spec = spec_for(account.platform)
    if count > spec.max_images:
        raise ComposeError(f"{spec.label} takes at most {spec.max_images} image{'s' if spec.max_images != 1 else ''} "
                           f"a post; this one has {count}")


def check_first_comment(account: AccountSettings, comment: str | None) -> str | None:
    """The first comment, or None when blank; refused where the platform has none (all but Facebook)."""
    from distributor.platforms.specs import spec_for

    comment = (_clean(comment, "the first comment") or "").strip() or None
    if comment is None:
        return None
    spec = spec_for(account.platform)
    if not spec.capabilities.first_comment:
        raise ComposeError(f"a first comment is for Facebook posts only; {spec.label} has none "
                           f"(account {account.name})")
    problem = length_problem(account, comment)
    if problem:
        raise ComposeError(f"the first comment: {problem}")
    return comment


def check_thread(account: AccountSettings, thread: Sequence[str] | None) -> list[str]:
    """The replies after the first post (blank ones left out), each within the platform's length."""
    from distributor.platforms.specs import spec_for

    if thread is not None and (isinstance(thread, (str, bytes)) or not isinstance(thread, Sequence)):
        raise InvalidInput("the thread must be a list of texts")
    parts = []
    for n, part in enumerate(thread or (), start=2):
        if not isinstance(part, str):
            raise InvalidInput(f"thread post {n} must be text")
        part = (_clean(part, f"thread post {n}") or "").strip()
        if part:
            parts.append(part)
    if not parts:
        return []
    spec = spec_for(account.platform)
    if spec.capabilities.max_thread_posts < 2:
        raise ComposeError(f"a thread is for X posts only; {spec.label} posts go out alone (account {account.name})")
    if 1 + len(parts) > spec.capabilities.max_thread_posts:
        raise ComposeError(f"a thread on {spec.label} is at most {spec.capabilities.max_thread_posts} posts: "
                           f"the first and {spec.capabilities.max_thread_posts - 1} replies; this one has {1 + len(parts)}")
    for n, part in enumerate(parts, start=2):
        problem = length_problem(account, part)
        if problem:
            raise ComposeError(f"thread post {n}: {problem}")
    return parts


@dataclass
class Queued:
    post: Post
    warnings: list[str]


def create(runtime: Runtime, session: Session, prepared: Prepared, *, actor: str, again: bool = False) -> Queued:
    """Create the prepared post in ``session`` (the caller commits); AlreadyPosted unless ``again``."""
    account = prepared.account
    earlier = already_posted(session, prepared.article_id, account.name)
    if earlier and not again:
        raise AlreadyPosted(account.name, earlier)
    post = posts.create_post(
        session, account, text=prepared.text, link=prepared.link, image_url=prepared.image_url,
        image_alt=prepared.image_alt, article_id=prepared.article_id, template=prepared.template, at=prepared.at,
        next_slot=prepared.next_slot, approve=prepared.approve, actor=actor,
        approval=runtime.settings.desk.approval,  # [desk] approval = "other_editor": never one's own
    )
    attach_parts(session, post, prepared)
    links.track(session, post, runtime.settings.links.redirect_base)
    return Queued(post, list(prepared.warnings))


def attach_parts(session: Session, post: Post, prepared: Prepared) -> None:
    """The post's extra images, first comment and thread (dispatch sends the last two after the post)."""
    post.extra_images = [dict(image) for image in prepared.extra_images] or None
    post.first_comment = prepared.first_comment
    post.thread = list(prepared.thread) or None
    session.add(post)
    session.flush()


def queue(
    runtime: Runtime,
    account: AccountSettings,
    *,
    article_url: str | None = None,
    text: str | None = None,
    link: str | None = None,
    image_url: str | None = None,
    image_alt: str | None = None,
    at: str | datetime | None = None,
    next_slot: bool = False,
    approve: bool = False,
    actor: str = "system",
    again: bool = False,
    extra_images: Sequence[Mapping[str, str | None]] | None = None,
    first_comment: str | None = None,
    thread: Sequence[str] | None = None,
) -> Queued:
    """Queue one post by hand: ``prepare`` then ``create``, committed."""
    prepared = prepare(runtime, account, article_url=article_url, text=text, link=link, image_url=image_url,
                       image_alt=image_alt, at=at, next_slot=next_slot, approve=approve, extra_images=extra_images,
                       first_comment=first_comment, thread=thread)
    with session_scope(runtime.engine) as session:
        return create(runtime, session, prepared, actor=actor, again=again)


def queue_manual_post(runtime: Runtime, account: AccountSettings, **request) -> Post:
    """``queue``'s post (for callers that need no warnings)."""
    return queue(runtime, account, **request).post
