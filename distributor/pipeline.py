"""The steps of post-on-publish, one plain function each, over the database.

    discover  poll due feeds, record new items as Article rows
    extract   read each pending article's page, compose a Post per account
    dispatch  publish due posts (distributor.dispatch)
    collect   take engagement snapshots (distributor.engagement)

Each step commits per item, so a crash between two steps loses nothing: the
next run picks up from the rows. The CLI (`run --once`), the scheduler and the
tests call these same functions.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from distributor import posts
from distributor.compose import Composer
from distributor.config import AccountSettings, FeedSettings, Settings
from distributor.db import session_scope
from distributor.dispatch import RetryPolicy, dispatch_due
from distributor.engagement import collect_due, progress_ticker
from distributor.errors import ComposeError, DistributorError, ExtractError, FetchError, FetchRefused, PageTooLarge
from distributor.extract import extract_page
from distributor.extract.deadline import within_deadline
from distributor.extract.model import Extracted
from distributor.fetch import Fetcher
from distributor.models import Account, Article, ArticleState, Feed, FeedEntry, utcnow
from distributor.sources import FeedItem, normalise_url, poll_feed

log = logging.getLogger(__name__)

FEED_LEASE = timedelta(minutes=2)
EXTRACT_LEASE = timedelta(minutes=2)
MAX_EXTRACT_ATTEMPTS = 5
# Permanent page failures: retrying will not help.
PERMANENT_FETCH_ERRORS = (FetchRefused, PageTooLarge)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Runtime:
    """What every step needs, built once by the entry point."""

    settings: Settings
    engine: Engine
    worker_id: str = field(default_factory=new_worker_id)
    fetcher: Fetcher | None = None

    def __post_init__(self) -> None:
        if self.fetcher is None:
            self.fetcher = Fetcher(self.settings.fetch)

    @cached_property
    def composer(self) -> Composer:
        return Composer.from_settings(self.settings)

    @cached_property
    def adapters(self):
        """One adapter per configured account, built on first use (secrets checked then)."""
        from distributor.platforms import build_adapter

        metrics = self.settings.engagement.facebook_insights_metrics
        return {
            account.name: build_adapter(account, self.fetcher, insights_metrics=metrics)
            for account in self.settings.accounts
        }


@dataclass
class StepReport:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def sync_configuration(runtime: Runtime) -> None:
    """Make sure every configured feed and account has its row."""
    with session_scope(runtime.engine) as session:
        for feed in runtime.settings.feeds:
            if session.exec(select(Feed).where(Feed.url == feed.url)).first() is None:
                session.add(Feed(url=feed.url))
        for account in runtime.settings.accounts:
            if session.get(Account, account.name) is None:
                session.add(Account(name=account.name, platform=account.platform))


# --- discover -----------------------------------------------------------------


def discover(runtime: Runtime, *, force: bool = False, now: datetime | None = None) -> StepReport:
    """Poll every due feed (every feed with ``force``) and record its new items."""
    report = StepReport()
    for feed_settings in runtime.settings.feeds:
        now_ = now or utcnow()
        feed_id = _claim_feed(runtime, feed_settings.url, now_, force)
        if feed_id is None:
            report.skipped += 1
            continue
        try:
            added = _poll_one(runtime, feed_id, feed_settings, now_)
            report.done += added
        except Exception as exc:  # noqa: BLE001 - one broken feed must not stop the others
            if not isinstance(exc, DistributorError):
                log.exception("feed %s: unexpected error", feed_settings.url)
            report.failed += 1
            report.errors.append(f"{feed_settings.url}: {exc}")
            log.warning("feed %s: %s", feed_settings.url, exc)
            _release_feed(runtime, feed_id, feed_settings, now_, error=str(exc))
    return report


def _claim_feed(runtime: Runtime, url: str, now: datetime, force: bool) -> int | None:
    """Take a short lease on a due feed, so several processes never poll it at once."""
    with session_scope(runtime.engine) as session:
        feed = session.exec(select(Feed).where(Feed.url == url)).first()
        if feed is None:
            return None
        conditions = [Feed.id == feed.id, or_(Feed.lease_until.is_(None), Feed.lease_until < now)]
        if not force:
            conditions.append(Feed.next_poll_at <= now)
        result = session.execute(
            update(Feed).where(*conditions).values(lease_owner=runtime.worker_id, lease_until=now + FEED_LEASE)
        )
        return feed.id if result.rowcount == 1 else None


def _release_feed(runtime, feed_id, feed_settings: FeedSettings, now, *, error=None, status=None, etag=None, last_modified=None):
    with session_scope(runtime.engine) as session:
        feed = session.get(Feed, feed_id)
        feed.lease_owner = None
        feed.lease_until = None
        feed.last_polled_at = now
        feed.next_poll_at = now + timedelta(seconds=feed_settings.poll_seconds)
        feed.last_error = error
        if status is not None:
            feed.last_status = status
        if etag is not None or last_modified is not None:
            feed.etag, feed.last_modified = etag, last_modified


def _poll_one(runtime: Runtime, feed_id: int, feed_settings: FeedSettings, now: datetime) -> int:
    with Session(runtime.engine) as session:
        feed = session.get(Feed, feed_id)
        etag, last_modified, initialized = feed.etag, feed.last_modified, feed.initialized
    poll = poll_feed(runtime.fetcher, feed_settings.url, etag=etag, last_modified=last_modified)
    if poll.not_modified:
        _release_feed(runtime, feed_id, feed_settings, now, status=304, etag=etag, last_modified=last_modified)
        return 0
    added = record_items(runtime, feed_id, feed_settings, poll.items, first_poll=not initialized, now=now)
    _release_feed(runtime, feed_id, feed_settings, now, status=200, etag=poll.etag, last_modified=poll.last_modified)
    return added


def record_items(
    runtime: Runtime, feed_id: int, feed_settings: FeedSettings, items: list[FeedItem], *, first_poll: bool, now: datetime
) -> int:
    """Record unseen items; return how many articles will be posted.

    On a feed's first poll its current items are the backlog: recorded as seen,
    not posted, except the newest ``backfill``. Items older than
    ``max_age_hours`` are recorded, not posted. An item is new only if neither
    its key in this feed nor its normalised link was seen before, so re-bumped,
    re-ordered or edited items never make a second article.
    """
    max_age = timedelta(hours=feed_settings.max_age_hours)
    newest_first = sorted(items, key=lambda i: i.published_at or now, reverse=True) if first_poll else items
    backfill_keys = {i.key for i in newest_first[: feed_settings.backfill]} if first_poll else set()
    added = 0
    with session_scope(runtime.engine) as session:
        for item in items:
            if not item.link:
                continue
            if session.exec(select(FeedEntry).where(FeedEntry.feed_id == feed_id, FeedEntry.key == item.key)).first():
                continue
            url = normalise_url(item.link)
            article = session.exec(select(Article).where(Article.url == url)).first()
            is_new = article is None
            if is_new:
                state, reason = ArticleState.pending, None
                if first_poll and item.key not in backfill_keys:
                    state, reason = ArticleState.skipped, "backlog when the feed was first seen"
                elif item.published_at and now - item.published_at > max_age:
                    state, reason = ArticleState.skipped, f"older than {feed_settings.max_age_hours:g} hours"
                article = Article(
                    url=url,
                    feed_id=feed_id,
                    guid=item.guid,
                    title=item.title,
                    image_url=item.image_url,
                    published_at=item.published_at,
                    state=state,
                    error=reason,
                )
                session.add(article)
                session.flush()
                added += state is ArticleState.pending
            elif article.state is ArticleState.extracted and not first_poll and not (
                item.published_at and now - item.published_at > max_age
            ):
                # Already posted for another feed's accounts: read it again so this
                # feed's accounts get theirs too (auto keys stop any second post).
                article.state, article.next_attempt_at = ArticleState.pending, None
                added += 1
            session.add(FeedEntry(feed_id=feed_id, key=item.key, article_id=article.id))
            session.flush()
        feed = session.get(Feed, feed_id)
        feed.initialized = True
    return added


# --- extract and compose --------------------------------------------------------


def extract_pending(runtime: Runtime, *, now: datetime | None = None, limit: int | None = None, progress=None) -> StepReport:
    """Read every pending article's page and compose its posts (``progress``: a rich Progress)."""
    report = StepReport()
    with Session(runtime.engine) as session:
        query = select(Article.id).where(
            Article.state == ArticleState.pending,
            or_(Article.next_attempt_at.is_(None), Article.next_attempt_at <= (now or utcnow())),
        ).order_by(Article.id)
        ids = list(session.exec(query.limit(limit) if limit else query))
    tick = progress_ticker(progress, len(ids), "reading new articles")
    for article_id in ids:
        tick(1)
        now_ = now or utcnow()
        if not _claim_article(runtime, article_id, now_):
            report.skipped += 1
            continue
        try:
            if process_article(runtime, article_id, now=now_):
                report.done += 1
            else:
                report.skipped += 1
        except DistributorError as exc:
            report.failed += 1
            report.errors.append(str(exc))
            log.warning("article %s: %s", article_id, exc)
        except Exception as exc:  # noqa: BLE001 - one strange page must not stop the others
            log.exception("article %s: unexpected error", article_id)
            _record_failure(runtime, article_id, exc, now_)
            report.failed += 1
            report.errors.append(f"article {article_id}: unexpected {exc.__class__.__name__}: {exc}")
    return report


def _claim_article(runtime: Runtime, article_id: int, now: datetime) -> bool:
    with session_scope(runtime.engine) as session:
        result = session.execute(
            update(Article)
            .where(
                Article.id == article_id,
                Article.state == ArticleState.pending,
                or_(Article.next_attempt_at.is_(None), Article.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + EXTRACT_LEASE)
        )
        return result.rowcount == 1


def process_article(runtime: Runtime, article_id: int, *, now: datetime) -> bool:
    """Fetch, extract and compose one article. Returns False when it was a duplicate."""
    with Session(runtime.engine) as session:
        url = session.get(Article, article_id).url
    try:
        page = runtime.fetcher.get(url)
        # under a hard time limit: one hostile page fails alone, the rest of the cycle goes on
        extracted = within_deadline(extract_page, page.content, url=page.url, content_type=page.content_type, source=url)
    except (FetchError, ExtractError) as exc:
        _record_failure(runtime, article_id, exc, now)
        raise
    except Exception:
        raise  # recorded by extract_pending, which logs the traceback
    with session_scope(runtime.engine) as session:
        article = session.get(Article, article_id)
        canonical = normalise_url(extracted.canonical_url or page.url)
        other = session.exec(select(Article).where(Article.canonical_url == canonical, Article.id != article_id)).first()
        if other is not None:
            article.state, article.duplicate_of = ArticleState.duplicate, other.id
            article.error = f"same canonical URL as article {other.id}"
            for account in accounts_for(runtime.settings, article, session):
                # this copy's feed may serve other accounts: they get the story once, keyed on the original
                compose_auto_post(runtime, session, other, extracted, account)
            return False
        apply_extraction(article, extracted, canonical, now)
        for account in accounts_for(runtime.settings, article, session):
            compose_auto_post(runtime, session, article, extracted, account)
        article.state = ArticleState.extracted
        return True


def _record_failure(runtime: Runtime, article_id: int, exc: Exception, now: datetime) -> None:
    with session_scope(runtime.engine) as session:
        article = session.get(Article, article_id)
        article.attempts += 1
        article.error = str(exc)
        if isinstance(exc, (ExtractError, *PERMANENT_FETCH_ERRORS)) or article.attempts >= MAX_EXTRACT_ATTEMPTS:
            article.state = ArticleState.failed
        else:
            article.next_attempt_at = now + timedelta(minutes=2 ** article.attempts)


def apply_extraction(article: Article, extracted: Extracted, canonical: str, now: datetime) -> None:
    article.canonical_url = canonical
    article.title = extracted.title or article.title
    article.section = extracted.section
    if extracted.image:
        article.image_url, article.image_alt = extracted.image.url, extracted.image.alt
    else:
        article.image_url = article.image_alt = None
    if extracted.pull_quote:
        article.pull_quote, article.pull_quote_speaker = extracted.pull_quote.text, extracted.pull_quote.speaker
    article.extracted_at = now
    article.error = None
    article.data = extracted.to_json()


def accounts_for(settings: Settings, article: Article, session: Session) -> list[AccountSettings]:
    """The accounts of every configured feed that listed the article (a story can be in several)."""
    urls = set(session.exec(
        select(Feed.url).join(FeedEntry, FeedEntry.feed_id == Feed.id).where(FeedEntry.article_id == article.id)
    ).all())
    if article.feed_id is not None:
        urls.add(session.get(Feed, article.feed_id).url)
    if not urls:
        return list(settings.accounts)
    chosen: dict[str, AccountSettings] = {}
    for feed_settings in settings.feeds:  # a feed removed from the configuration posts nowhere
        if feed_settings.url in urls:
            chosen.update((a.name, a) for a in settings.feed_accounts(feed_settings))
    return list(chosen.values())


def compose_auto_post(runtime: Runtime, session: Session, article: Article, extracted: Extracted, account: AccountSettings):
    """Queue the automatic post of ``article`` for ``account``, at most once ever."""
    key = posts.automatic_post_key(article.id, account)
    try:
        composed = runtime.composer.compose(extracted, account)
    except ComposeError as exc:
        log.error("article %s, account %s: %s", article.id, account.name, exc)
        article.error = str(exc)
        return None
    try:
        with session.begin_nested():  # a concurrent worker may have queued it already
            return posts.create_post(
                session,
                account,
                text=composed.text,
                link=composed.link,
                image_url=composed.image_url,
                image_alt=composed.image_alt,
                article_id=article.id,
                template=composed.template,
                auto_key=key,
                next_slot=account.min_gap_minutes > 0,
            )
    except IntegrityError:
        log.info("article %s already has its post for %s", article.id, account.name)
        return None


# --- one full cycle -------------------------------------------------------------


@dataclass
class CycleReport:
    discovered: StepReport
    extracted: StepReport
    dispatched: object | None = None
    collected: object | None = None


def run_cycle(
    runtime: Runtime, *, force_poll: bool = True, dispatch: bool = True, collect: bool = True, progress=None
) -> CycleReport:
    """Poll, extract, dispatch and collect once: `distributor run --once`."""
    sync_configuration(runtime)
    report = CycleReport(discover(runtime, force=force_poll), extract_pending(runtime, progress=progress))
    if dispatch:
        report.dispatched = dispatch_step(runtime)
    if collect:
        report.collected = collect_step(runtime, progress=progress)
    return report


def dispatch_step(runtime: Runtime, should_stop=lambda: False):
    scheduler = runtime.settings.scheduler
    policy = RetryPolicy(
        max_attempts=scheduler.max_attempts,
        backoff_base_seconds=scheduler.backoff_base_seconds,
        backoff_max_seconds=scheduler.backoff_max_seconds,
    )
    return dispatch_due(
        runtime.engine, runtime.settings, runtime.adapters,
        worker_id=runtime.worker_id, should_stop=should_stop, policy=policy,
    )


def collect_step(runtime: Runtime, *, all_posts: bool = False, progress=None):
    return collect_due(runtime.engine, runtime.settings, runtime.adapters, all_posts=all_posts, progress=progress)
