"""Evergreen re-shares and the "best time" to post, both from an account's own engagement.

- Evergreen: a post that did well (``[[accounts]] evergreen``: at least
  ``min_engagement`` likes + shares + comments in its latest snapshot) is
  shared again ``after_days`` after it went out, with a different quote: the
  runner-up among the article's quotes. Once per article and account ever
  (the new post's ``auto_key`` is ``evergreen:<id of the account's first
  post of the article>``, unique even across workers). A re-share is an
  automatic post: the account's ``quote_policy`` holds it for an editor when
  the runner-up's speaker is unsure, and keeps it out when quotes may not go. ``should_reshare`` is the rule as a
  pure function; ``reshare_due`` applies it.
- Best time: the local hour whose posts earned the highest median
  engagement, once the account has ``MIN_POSTS`` measured posts and the hour
  ``MIN_POSTS_IN_HOUR`` of them; else None (too little data to say).
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from distributor import links, posts, quote_policy
from distributor.config import AccountSettings, EvergreenSettings
from distributor.errors import ComposeError
from distributor.extract.model import Extracted, Image, Quote
from distributor.models import Article, EngagementSnapshot, Post, PostState, utcnow

log = logging.getLogger(__name__)
MIN_POSTS = 20  # measured posts of the account before its hours say anything
MIN_POSTS_IN_HOUR = 3
HISTORY_DAYS = 90  # how far back "the account's own engagement" looks


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _latest_engagement(session: Session, post_ids: list[int]) -> dict[int, int]:
    """likes + shares + comments of each post's latest snapshot (posts never measured are absent)."""
    if not post_ids:
        return {}
    newest = (select(EngagementSnapshot.post_id, func.max(EngagementSnapshot.collected_at).label("at"))
              .where(col(EngagementSnapshot.post_id).in_(post_ids)).group_by(EngagementSnapshot.post_id).subquery())
    rows = session.execute(
        select(EngagementSnapshot.post_id,
               EngagementSnapshot.likes + EngagementSnapshot.shares + EngagementSnapshot.comments)
        .join(newest, (newest.c.post_id == EngagementSnapshot.post_id) & (newest.c.at == EngagementSnapshot.collected_at))
    )
    return {post_id: int(total) for post_id, total in rows}


# --- best time ---------------------------------------------------------------------


@dataclass(frozen=True)
class BestTime:
    hour: int  # local hour, 0-23
    at: datetime  # the next start of that hour, aware UTC
    posts: int  # measured posts behind the figure
    posts_in_hour: int
    median: float  # median engagement of the posts sent in that hour
    overall_median: float

    def explain(self) -> str:
        return (f"{self.hour:02d}:00 is when this account's posts did best: a median of {self.median:g} "
                f"likes, shares and comments for the {self.posts_in_hour} posts sent then, against "
                f"{self.overall_median:g} over all {self.posts} measured posts of the last {HISTORY_DAYS} days")


def pick_hour(by_hour: dict[int, list[int]]) -> int | None:
    """The hour with the highest median engagement among hours with enough posts; None without enough data."""
    total = sum(len(v) for v in by_hour.values())
    if total < MIN_POSTS:
        return None
    ranked = [(statistics.median(v), -hour, hour) for hour, v in by_hour.items() if len(v) >= MIN_POSTS_IN_HOUR]
    return max(ranked)[2] if ranked else None


def next_at_hour(hour: int, zone: ZoneInfo, now: datetime) -> datetime:
    """The next time the local clock in ``zone`` shows ``hour``:00, after ``now``."""
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate.astimezone(UTC)


def best_time(session: Session, account: AccountSettings, zone_name: str, now: datetime | None = None) -> BestTime | None:
    """The account's best hour and its next slot, or None while there is too little data."""
    now = now or utcnow()
    zone = ZoneInfo(account.timezone or zone_name)
    sent = session.exec(select(Post.id, Post.sent_at).where(
        Post.account == account.name, col(Post.sent_at).is_not(None), Post.sent_at >= now - timedelta(days=HISTORY_DAYS),
    )).all()
    engagement = _latest_engagement(session, [post_id for post_id, _ in sent])
    by_hour: dict[int, list[int]] = {}
    for post_id, sent_at in sent:
        if post_id in engagement:
            by_hour.setdefault(_aware(sent_at).astimezone(zone).hour, []).append(engagement[post_id])
    hour = pick_hour(by_hour)
    if hour is None:
        return None
    every = [v for values in by_hour.values() for v in values]
    return BestTime(hour, next_at_hour(hour, zone, now), len(every), len(by_hour[hour]),
                    statistics.median(by_hour[hour]), statistics.median(every))


# --- evergreen ---------------------------------------------------------------------


def verdict(rule: EvergreenSettings | None, *, engagement: int | None, sent_at: datetime, now: datetime,
            reshared: bool, has_runner_up: bool) -> str:
    """Why a post is or is not re-shared now: "due", or the first reason it is not (for `evergreen list`)."""
    if rule is None:
        return "no evergreen rule"
    if reshared:
        return "already re-shared"
    age = now - _aware(sent_at)
    if age < timedelta(days=rule.after_days):
        return f"too soon: due in {_days(timedelta(days=rule.after_days) - age)}"
    if age > timedelta(days=rule.max_age_days):
        return f"too old: over {rule.max_age_days:g} days"
    if engagement is None:
        return "not measured yet"
    if engagement < rule.min_engagement:
        return f"did not do well enough: {engagement} < {rule.min_engagement}"
    if not has_runner_up:
        return "no runner-up quote to share it with"
    return "due"


def should_reshare(rule: EvergreenSettings | None, *, engagement: int | None, sent_at: datetime, now: datetime,
                   reshared: bool, has_runner_up: bool) -> bool:
    """The evergreen rule over plain values (tested as a table)."""
    return verdict(rule, engagement=engagement, sent_at=sent_at, now=now, reshared=reshared,
                   has_runner_up=has_runner_up) == "due"


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 1 else f"{span.total_seconds() / 3600:.0f} h"


def evergreen_key(post_id: int) -> str:
    return f"evergreen:{post_id}"


def runner_up(article: Article) -> Quote | None:
    """The article's second-best named quote (the first is the one its post already used)."""
    named = [q for q in (article.data or {}).get("quotes", []) if q.get("speaker") and q.get("text")]
    named.sort(key=lambda q: -float(q.get("score") or 0))
    pulled = article.pull_quote
    others = [q for q in named if q["text"] != pulled]
    if not others:
        return None
    best = others[0]
    return Quote(best["text"], best["speaker"], float(best.get("score") or 0), float(best.get("confidence") or 0))


def quote_kept_out(account: AccountSettings, quote: Quote | None) -> str | None:
    """Why the account's ``quote_policy`` keeps the runner-up quote out of an automatic post (so no re-share:
    the different quote is its point), or None. A re-share is automatic: the same policy as the first post."""
    if quote is None:
        return None
    decision = quote_policy.decide(account.quote_policy, account.unsure_quote, True, quote.confidence)
    return None if decision.use_quote else f"no re-share: the runner-up quote would be {decision.reason}"


def _extracted_with(article: Article, quote: Quote) -> Extracted:
    """The article as the composer takes it, with ``quote`` as its pull quote."""
    data = article.data or {}
    image = Image(article.image_url, article.image_alt) if article.image_url else None
    return Extracted(source=article.url, title=article.title, canonical_url=article.canonical_url, image=image,
                     section=article.section, tags=list(data.get("tags") or []), published_at=data.get("published_at"),
                     pull_quote=quote, quotes=[quote], description=article.summary)


def _reshared(session: Session, post: Post, account: str) -> bool:
    """Whether the post's article was already re-shared to ``account`` (from this post or another of it).

    Per article, not per post: an article posted twice to one account (an
    editor's "again") is still re-shared once, as the project's rule allows.
    """
    return session.exec(select(Post.id).where(
        Post.account == account, Post.article_id == post.article_id, col(Post.auto_key).startswith("evergreen:"),
    )).first() is not None or session.exec(select(Post.id).where(Post.auto_key == evergreen_key(post.id))).first() is not None


def _first_post_of(session: Session, post: Post, account: str) -> int:
    """The account's first sent post of ``post``'s article: what its one re-share is keyed by.

    The same for every post of the article, so two workers re-sharing two of
    them at once collide on the unique key instead of both posting.
    """
    first = session.exec(select(func.min(Post.id)).where(
        Post.account == account, Post.article_id == post.article_id, Post.state == PostState.sent)).one()
    return first if first is not None else post.id


@dataclass(frozen=True)
class Candidate:
    """A sent post of an account with an evergreen rule, and whether (and why not) it is re-shared now."""

    post_id: int
    account: str
    article_id: int
    title: str
    sent_at: datetime  # aware UTC
    age: timedelta
    engagement: int | None  # likes + shares + comments of its latest snapshot; None when never measured
    min_engagement: int
    quote: Quote | None  # the runner-up quote a re-share would use
    status: str  # "due", or why not (``verdict``)

    @property
    def due(self) -> bool:
        return self.status == "due"

    def as_json(self) -> dict:
        return {"post_id": self.post_id, "account": self.account, "article_id": self.article_id, "title": self.title,
                "sent_at": self.sent_at.isoformat(), "age_days": round(self.age.total_seconds() / 86400, 2),
                "engagement": self.engagement, "min_engagement": self.min_engagement,
                "quote": {"text": self.quote.text, "speaker": self.quote.speaker} if self.quote else None,
                "status": self.status}


def candidates(session: Session, account: AccountSettings, *, now: datetime, due_only: bool = False) -> list[Candidate]:
    """The account's sent posts within its rule's ``max_age_days``, oldest first, each with its verdict.

    ``due_only`` reads only the posts old enough to be due. Of several due posts
    of one article, the first is the one re-shared; the others say so.
    """
    rule = account.evergreen
    if rule is None:
        return []
    newest = now - timedelta(days=rule.after_days) if due_only else now
    sent_posts = session.exec(select(Post).where(
        Post.account == account.name, Post.state == PostState.sent, col(Post.article_id).is_not(None),
        Post.sent_at <= newest, Post.sent_at >= now - timedelta(days=rule.max_age_days),
    ).order_by(col(Post.sent_at), col(Post.id))).all()
    # a re-share is not shared again
    sent_posts = [p for p in sent_posts if not (p.auto_key or "").startswith("evergreen:")]
    engagement = _latest_engagement(session, [p.id for p in sent_posts])
    articles = {a.id: a for a in session.exec(select(Article).where(
        col(Article.id).in_({p.article_id for p in sent_posts})))} if sent_posts else {}
    found: list[Candidate] = []
    due_by_article: dict[int, int] = {}
    for post in sent_posts:
        article = articles.get(post.article_id)
        if article is None:
            continue
        quote = runner_up(article)
        kept_out = quote_kept_out(account, quote)
        if article.gone_at is not None:
            status = "the story was taken down"  # 404/410 or unpublished: not shared again
        elif kept_out:
            status = kept_out
        elif post.article_id in due_by_article:
            status = f"re-shared through post {due_by_article[post.article_id]} of the same article"
        else:
            status = verdict(rule, engagement=engagement.get(post.id), sent_at=post.sent_at, now=now,
                             reshared=_reshared(session, post, account.name), has_runner_up=quote is not None)
        if status == "due":
            due_by_article[post.article_id] = post.id
        if due_only and status != "due":
            continue
        found.append(Candidate(post.id, account.name, article.id, article.title or article.url, _aware(post.sent_at),
                               now - _aware(post.sent_at), engagement.get(post.id), rule.min_engagement, quote, status))
    return found


def reshare_due(runtime, *, now: datetime | None = None, accounts: list[str] | None = None) -> list[Post]:
    """Queue the evergreen re-shares that are due, for every account with an ``evergreen`` rule (or those named)."""
    now = now or utcnow()
    made: list[Post] = []
    for account in runtime.settings.accounts:
        if account.evergreen is None or (accounts is not None and account.name not in accounts):
            continue
        with Session(runtime.engine, expire_on_commit=False) as session:
            for candidate in candidates(session, account, now=now, due_only=True):
                post = session.get(Post, candidate.post_id)
                article = session.get(Article, candidate.article_id)
                decision = quote_policy.decide(account.quote_policy, account.unsure_quote, True,
                                               candidate.quote.confidence)
                poster = account.model_copy(update={"require_approval": True}) if decision.hold else account
                try:
                    composed = runtime.composer.compose(_extracted_with(article, candidate.quote), account)
                except ComposeError as exc:  # a user's template may fail on one story: the others still go
                    log.warning("account %s: the evergreen re-share of article %s (post %s) could not be composed: %s",
                                account.name, article.id, post.id, exc)
                    continue
                try:
                    with session.begin_nested():  # another worker's hourly job may be making this very re-share
                        new = posts.create_post(
                            session, poster, text=composed.text, link=composed.link, image_url=composed.image_url,
                            image_alt=composed.image_alt, article_id=article.id, template=composed.template,
                            auto_key=evergreen_key(_first_post_of(session, post, account.name)), next_slot=True,
                        )
                except IntegrityError:
                    continue  # it did (the key is unique): one re-share, and this job goes on
                posts.record(session, new, new.state, new.state,
                             f"evergreen re-share of post {post.id} ({candidate.engagement} likes, shares and comments)",
                             "system")
                if decision.hold:  # an unsure speaker: an editor reads it first (quote_policy = "review_if_unsure")
                    posts.record(session, new, new.state, new.state, decision.reason, "system")
                links.track(session, new, runtime.settings.links.redirect_base)
                made.append(new)
            session.commit()
    return made


__all__ = ["BestTime", "Candidate", "best_time", "candidates", "next_at_hour", "pick_hour", "reshare_due", "runner_up",
           "should_reshare", "verdict"]
