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

import dataclasses
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
from sqlmodel import Session, col, select

from distributor import links, posts, quote_policy, subscriptions
from distributor.articles import (
    BREAKING_PRIORITY,
    REREAD_FOR_ANOTHER_FEED,
    baseline_rule,
    breaking_account,
    judge_breaking,
    mark_edited,
    PUSH_SOURCE_PREFIX,
    accounts_for,
    apply_extraction,
    backfill_keys,
    canonical_sites_for,
    record_items as record_feed_items,
    record_skip,
    same_guid_entry,
    story_url,
    why_this_feed_skips,
    with_fallbacks,
)
from distributor.compose import Composer, ComposedPost, fits, text_limit
from distributor.config import AccountSettings, FeedSettings, Settings
from distributor.db import session_scope
from distributor.dispatch import LeaseKeeper, RetryPolicy, dispatch_due, paced_past_max_delay
from distributor.engagement import collect_due, progress_ticker
from distributor.errors import (DistributorError, ExtractError, FeedError, FetchError, FetchRefused, HttpStatusError,
                               PageTooLarge)
from distributor.extract import extract_page
from distributor.extract.deadline import within_deadline
from distributor.extract.model import Extracted
from distributor.fetch import Fetcher
from distributor.models import Account, Article, ArticleState, Feed, FeedEntry, PostState, utcnow
from distributor.runtime import Runtime, new_worker_id  # noqa: F401 - re-exported for the entry points
from distributor.posts import EmptyPost
from distributor.sources import FeedItem, normalise_url, poll_feed
from distributor.sources.items import other_spellings

log = logging.getLogger(__name__)

FEED_LEASE = timedelta(minutes=2)
EXTRACT_LEASE = timedelta(minutes=2)
MAX_EXTRACT_ATTEMPTS = 5
# Permanent page failures: retrying will not help.
PERMANENT_FETCH_ERRORS = (FetchRefused, PageTooLarge)


@dataclass
class StepReport:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def sync_configuration(runtime: Runtime) -> None:
    """Make sure every configured feed and account has its row; a feed removed from the
    configuration is forgotten as a baseline (``forget_baseline``)."""
    with session_scope(runtime.engine) as session:
        configured = {feed.url for feed in runtime.settings.feeds}
        for feed in runtime.settings.feeds:
            if session.exec(select(Feed).where(Feed.url == feed.url)).first() is None:
                session.add(Feed(url=feed.url))
        for feed in session.exec(select(Feed).where(Feed.initialized == True)):  # noqa: E712 - SQL
            if feed.url not in configured and not feed.url.startswith(PUSH_SOURCE_PREFIX):
                forget_baseline(feed)
                log.info("feed %s is not in this configuration: if it comes back after more than max_age_hours "
                         "without being polled, what it lists then is its back catalogue (not posted)", feed.url)
        for account in runtime.settings.accounts:
            if session.get(Account, account.name) is None:
                session.add(Account(name=account.name, platform=account.platform))


def forget_baseline(feed: Feed) -> None:
    """A feed left the configuration: if it comes back, its first poll is a baseline again.

    What it lists then (whatever it published while it was away) is its back catalogue,
    recorded and not posted (except ``backfill``), as on a feed seen for the first time;
    its items seen before stay seen. Its validators go too, so that poll reads the feed
    in full rather than taking a 304 as the baseline. ``last_polled_at`` stays: a feed
    another process still polls was never away (``articles.baseline_rule``).
    """
    feed.initialized = False
    feed.etag = feed.last_modified = None


# --- discover -----------------------------------------------------------------


POLL_WORKERS = 8  # feeds polled at once by `run --once` (the scheduler keeps its own pool)


def discover(runtime: Runtime, *, force: bool = False, now: datetime | None = None, pool=None) -> StepReport:
    """Poll every due feed (every feed with ``force``) and record its new items, feeds side by side.

    Without ``pool`` the feeds are polled by a bounded pool of threads and this
    returns when all are done (`run --once`, tests). With ``pool`` (the
    scheduler's) each due feed is handed to it and this returns at once; a feed
    still being polled is not handed over again, so a hung feed holds one
    worker and never delays the others.
    """
    feeds = list(runtime.settings.feeds)
    report = StepReport()
    if pool is not None:
        in_flight = runtime.__dict__.setdefault("_polling", set())
        for feed_settings in feeds:
            if feed_settings.url in in_flight:
                report.skipped += 1
                continue
            in_flight.add(feed_settings.url)
            future = pool.submit(_discover_one, runtime, feed_settings, now, force)
            future.add_done_callback(lambda _f, url=feed_settings.url: in_flight.discard(url))
        return report
    if not feeds:
        return report
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(POLL_WORKERS, len(feeds)), thread_name_prefix="poll") as local:
        for one in local.map(lambda f: _discover_one(runtime, f, now, force), feeds):
            report.done += one.done
            report.skipped += one.skipped
            report.failed += one.failed
            report.errors += one.errors
    return report


def _discover_one(runtime: Runtime, feed_settings: FeedSettings, now: datetime | None, force: bool) -> StepReport:
    report = StepReport()
    now_ = now or utcnow()
    feed_id = _claim_feed(runtime, feed_settings.url, now_, force)
    if feed_id is None:
        report.skipped += 1
        return report
    try:
        with FeedLeaseKeeper(runtime.engine, feed_id, runtime.worker_id):
            report.done += _poll_one(runtime, feed_id, feed_settings, now_)
    except Exception as exc:  # noqa: BLE001 - one broken feed must not stop the others
        if not isinstance(exc, DistributorError):
            log.exception("feed %s: unexpected error", feed_settings.url)
        report.failed += 1
        report.errors.append(f"{feed_settings.url}: {exc}")
        log.warning("feed %s: %s", feed_settings.url, exc)
        # an HTTP answer's own status (404, 500), not the one of the last poll that worked
        _release_feed(runtime, feed_id, feed_settings, now_, error=str(exc),
                      status=exc.status if isinstance(exc, HttpStatusError) else None)
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


class FeedLeaseKeeper(LeaseKeeper):
    """Extends this worker's lease on a feed while it polls it.

    A huge first poll (40,000 items: ~30 s in feedparser alone, then a row per
    item) can outlast ``FEED_LEASE``; another worker would then claim the feed
    and poll it too. As dispatch's keeper does for a post, it renews the lease
    every third of its length from its own connection, only while this worker
    still owns it; if the process dies the renewals stop and the lease expires
    as designed. (A worker that lost its lease anyway, frozen past it, records
    nothing: ``record_items``.)
    """

    what = "feed"

    def __init__(self, engine: Engine, feed_id: int, worker_id: str):
        super().__init__(engine, feed_id, worker_id, FEED_LEASE.total_seconds())

    def renew(self, connection) -> None:
        connection.execute(update(Feed).where(Feed.id == self.post_id, Feed.lease_owner == self.worker_id)
                           .values(lease_until=utcnow() + FEED_LEASE))


def _still_leased(session: Session, feed_id: int, worker_id: str) -> bool:
    """Whether this worker still owns the feed's lease; the UPDATE also locks the feed's row until the
    recording commits, so two workers never record one feed's items at once."""
    result = session.execute(update(Feed).where(Feed.id == feed_id, Feed.lease_owner == worker_id)
                             .values(lease_until=utcnow() + FEED_LEASE))
    return result.rowcount == 1


def _release_feed(runtime, feed_id, feed_settings: FeedSettings, now, *, error=None, status=None, etag=None, last_modified=None):
    with session_scope(runtime.engine) as session:
        feed = session.get(Feed, feed_id)
        if feed.lease_owner not in (None, runtime.worker_id):
            return  # its lease ran out and another worker holds the feed now: that worker releases it
        feed.lease_owner = None
        feed.lease_until = None
        feed.last_polled_at = now
        # longer while a WebSub hub pushes this feed's items (a safety net), the usual otherwise
        interval = subscriptions.poll_seconds(session, runtime.settings, feed_id, feed_settings, now)
        feed.next_poll_at = now + timedelta(seconds=interval)
        feed.last_error = error
        feed.consecutive_failures = feed.consecutive_failures + 1 if error else 0
        feed.failing_since = (feed.failing_since or now) if error else None
        if status is not None or error:  # a failure without an HTTP answer (refused, timed out) has no status:
            feed.last_status = status    # not the 200 of the last poll that worked
        if etag is not None or last_modified is not None:
            feed.etag, feed.last_modified = etag, last_modified


def _poll_one(runtime: Runtime, feed_id: int, feed_settings: FeedSettings, now: datetime) -> int:
    with Session(runtime.engine) as session:
        feed = session.get(Feed, feed_id)
        etag, last_modified = feed.etag, feed.last_modified
        last_polled = feed.last_polled_at if feed.last_error is None else None
        first_poll, answered_empty_at = baseline_rule(session, feed, feed_settings.max_age_hours, now)
    if feed_settings.kind == "wordpress":
        return _poll_wordpress(runtime, feed_id, feed_settings, now, first_poll, answered_empty_at,
                               None if first_poll else last_polled)
    poll = poll_feed(runtime.fetcher, feed_settings.url, etag=etag, last_modified=last_modified)
    if poll.not_modified:
        _release_feed(runtime, feed_id, feed_settings, now, status=304, etag=etag, last_modified=last_modified)
        return 0
    added = record_items(runtime, feed_id, feed_settings, poll.items, first_poll=first_poll, now=now,
                         answered_empty_at=answered_empty_at, leased=True)
    if subscriptions.enabled(runtime.settings, feed_settings):
        with session_scope(runtime.engine) as session:
            subscribe = subscriptions.note_hub(session, feed_id, poll.hub, poll.topic)
        if subscribe:
            runtime.wakeups.notify("subscriptions")
    _release_feed(runtime, feed_id, feed_settings, now, status=200, etag=poll.etag, last_modified=poll.last_modified)
    return added


def _poll_wordpress(runtime: Runtime, feed_id: int, feed_settings: FeedSettings, now: datetime, first_poll: bool,
                    answered_empty_at: datetime | None, modified_since: datetime | None) -> int:
    """A WordPress site through its REST API: new posts are items; a known post modified since is re-read."""
    from distributor.sources.wordpress import poll_wordpress

    poll = poll_wordpress(runtime.fetcher, feed_settings.url, modified_since)
    added = record_items(runtime, feed_id, feed_settings, poll.items, first_poll=first_poll, now=now,
                         answered_empty_at=answered_empty_at, leased=True)
    if not first_poll and poll.modified:
        with session_scope(runtime.engine) as session:
            edited = mark_edited(session, {normalise_url(i.link): poll.modified[i.key] for i in poll.items
                                           if i.key in poll.modified}, now)
        if edited:
            runtime.wakeups.notify("corrections")
    _release_feed(runtime, feed_id, feed_settings, now, status=200)
    return added


def record_items(
    runtime: Runtime, feed_id: int, feed_settings: FeedSettings, items: list[FeedItem], *, first_poll: bool, now: datetime,
    answered_empty_at: datetime | None = None, leased: bool = False,
) -> int:
    """Record a feed's unseen items (``articles.record_items``); wakes extraction when any is new.

    ``leased``: this worker polled the feed under its lease, and records only while it still holds it."""
    with session_scope(runtime.engine) as session:
        if leased and not _still_leased(session, feed_id, runtime.worker_id):
            raise FeedError(f"{feed_settings.url}: another worker took this feed over (its lease ran out); "
                            "that worker records its items")
        added = record_feed_items(session, feed_id, feed_settings, items, first_poll=first_poll, now=now,
                                  answered_empty_at=answered_empty_at)
    if added:
        runtime.wakeups.notify("articles")
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
    if report.done or report.skipped:
        runtime.wakeups.notify("posts")  # new posts may be due now: dispatch need not wait for its tick
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
        story = story_url(extracted, article.url, page.url, canonical_sites_for(runtime.settings, session, article))
        seen = with_fallbacks(extracted, article, story)
        other = session.exec(select(Article).where(  # the story under its URL or another spelling (http/https, a slash)
            col(Article.canonical_url).in_([story, *other_spellings(story)]), Article.id != article_id)
            .order_by(Article.id)).first()
        if other is not None:
            article.state, article.duplicate_of = ArticleState.duplicate, other.id
            article.error = f"same canonical URL as article {other.id}"
            for account in accounts_for(runtime.settings, article, session):
                # this copy's feed may serve other accounts: they get the story once, keyed on the original
                compose_auto_post(runtime, session, other, seen, account)
            return False
        apply_extraction(article, extracted, story, now)
        judge_breaking(runtime.settings, session, article, extracted)
        for account in accounts_for(runtime.settings, article, session):
            compose_auto_post(runtime, session, article, seen, account)
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


def compose_auto_post(runtime: Runtime, session: Session, article: Article, extracted: Extracted, account: AccountSettings):
    """Queue the automatic post of ``article`` for ``account``, at most once ever.

    Composition fails for one account alone: an empty text, a missing
    variable or any error a user template raises skips this account's post,
    with the reason kept on the article (``skipped_accounts``, shown in the
    desk); the other accounts still post.
    """
    key = posts.automatic_post_key(article.id, account)
    if article.breaking:  # no gap, first in line, maybe its own template
        account = breaking_account(runtime.settings, session, article, account)
    pull = extracted.pull_quote
    extracted, quote = with_quote_policy(extracted, account)
    if quote.hold:
        account = account.model_copy(update={"require_approval": True})
    try:
        composed = compose_as_tracked(runtime, extracted, account)
        composed = runtime.cards.apply(composed, extracted, account)  # the account's `image`: photo or card
        if not composed.text.strip():
            raise EmptyPost(f"template {composed.template!r} gave an empty text")
        if not extracted.title and composed.link and not composed.text.replace(composed.link, "").strip():
            # a story with no headline anywhere (page or feed item) and nothing else to say: a bare
            # link reads as a broken post; the desk shows why, and an editor can post it by hand
            # (a story with a headline is posted: a `{{ link }}` template is a choice, the card says it)
            raise EmptyPost(f"template {composed.template!r} gave nothing but the link (the story has no headline)")
    except Exception as exc:  # noqa: BLE001 - a user template may raise anything
        return _skip_account(article, account, exc)
    try:
        with session.begin_nested():  # a concurrent worker may have queued it already
            post = posts.create_post(
                session,
                account,
                text=composed.text,
                link=composed.link,
                image_url=composed.image_url,
                image_alt=composed.image_alt,
                article_id=article.id,
                template=composed.template,
                auto_key=key,
                next_slot=account.min_gap_minutes > 0 or bool(account.quiet_hours),  # never a time inside them
                priority=BREAKING_PRIORITY if article.breaking else 0,
            )
            post.quote_confidence = pull.confidence if quote.use_quote else None
            links.track(session, post, runtime.settings.links.redirect_base)  # through our redirect, when configured
            if quote.reason:
                posts.record(session, post, post.state, post.state, quote.reason, "system")
            too_late = paced_past_max_delay(account, runtime.settings, article.published_at or post.created_at,
                                            post.scheduled_at)
            if too_late and post.state == PostState.queued:
                posts.transition(session, post, PostState.awaiting_approval, reason=too_late, actor="system")
    except IntegrityError:
        log.info("article %s already has its post for %s", article.id, account.name)
        return None
    except DistributorError as exc:  # EmptyPost, BadLink: nothing this account can post
        return _skip_account(article, account, exc)
    record_skip(article, account.name, None)
    return post


def with_quote_policy(extracted: Extracted, account: AccountSettings) -> tuple[Extracted, quote_policy.QuoteDecision]:
    """The account's quote policy (quote_policy.py) applied: what the composer may quote, and whether the post waits.

    Without the quote, or with it and held for an editor. The composer may swap
    in a runner-up quote that fits whole; under ``review_if_unsure`` a post that
    goes without an editor takes only runner-ups as sure as its pull quote had to be.
    """
    pull = extracted.pull_quote
    quote = quote_policy.decide(account.quote_policy, account.unsure_quote, pull is not None, pull and pull.confidence)
    if not quote.use_quote:
        extracted = dataclasses.replace(extracted, pull_quote=None, quotes=[])
    elif account.quote_policy == "review_if_unsure" and not quote.hold:
        extracted = dataclasses.replace(extracted, quotes=[
            q for q in extracted.quotes if q.confidence >= quote_policy.CONFIDENCE_THRESHOLD])
    return extracted, quote


def compose_as_tracked(runtime: Runtime, extracted: Extracted, account: AccountSettings) -> ComposedPost:
    """The account's post, fitting its platform with the URL it will really carry.

    With ``[links] redirect_base`` the link in the text becomes our tracked URL
    (links.track), which Bluesky and Threads count as written and which can be
    longer than a short article link: the post is composed again to a limit
    that leaves the tracked URL its room, so it is not refused at sending.
    """
    composed = runtime.composer.compose(extracted, account)
    base = runtime.settings.links.redirect_base
    if not base or not composed.link or composed.link not in composed.text:
        return composed
    tracked = f"{base.rstrip('/')}/{'x' * links.CODE_LENGTH}"  # its length is known before the code is drawn
    limit = text_limit(account)
    for _ in range(3):  # a trim lands on a word boundary: the second try fits
        sent = composed.text.replace(composed.link, tracked)
        if fits(account.platform, sent, text_limit(account)):
            return composed
        limit -= max(1, len(sent) - len(composed.text))
        if limit <= 0:
            break
        composed = runtime.composer.compose(extracted, account.model_copy(update={"max_characters": limit}))
    return composed


def _skip_account(article: Article, account: AccountSettings, exc: Exception) -> None:
    """Record why ``account`` gets no automatic post of ``article``; the traceback of a
    template's own error goes to the log, for whoever maintains the template."""
    unexpected = not isinstance(exc, DistributorError)
    reason = f"template {account.template!r} failed: {type(exc).__name__}: {exc}" if unexpected else str(exc)
    log.error("article %s, account %s: not posted: %s", article.id, account.name, reason, exc_info=exc if unexpected else None)
    record_skip(article, account.name, reason)
    return None


# --- one full cycle -------------------------------------------------------------


@dataclass
class CycleReport:
    discovered: StepReport
    extracted: StepReport
    dispatched: object | None = None
    collected: object | None = None
    corrected: object | None = None
    reshared: list | None = None  # evergreen re-shares queued (None: no account has a rule)


def run_cycle(
    runtime: Runtime, *, force_poll: bool = True, dispatch: bool = True, collect: bool = True, progress=None
) -> CycleReport:
    """Poll, extract, queue evergreen re-shares, dispatch and collect once: `distributor run --once`."""
    sync_configuration(runtime)
    report = CycleReport(discover(runtime, force=force_poll), extract_pending(runtime, progress=progress))
    if dispatch:
        report.reshared = evergreen_step(runtime)  # before dispatch: a re-share due now goes out in this cycle
        report.dispatched = dispatch_step(runtime)
        report.corrected = corrections_step(runtime)  # posted stories whose re-read is due, and their edits
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


def evergreen_step(runtime: Runtime, *, now: datetime | None = None) -> list | None:
    """Queue the evergreen re-shares that are due (distributor.evergreen); None when no account has a rule."""
    if not any(account.evergreen for account in runtime.settings.accounts):
        return None
    from distributor.evergreen import reshare_due

    return reshare_due(runtime, now=now)


def collect_step(runtime: Runtime, *, all_posts: bool = False, progress=None):
    return collect_due(runtime.engine, runtime.settings, runtime.adapters, all_posts=all_posts, progress=progress)


def corrections_step(runtime: Runtime, *, now: datetime | None = None) -> StepReport:
    """Re-read posted stories that are due (distributor.corrections) and act on what changed."""
    from distributor.corrections import check_due

    return check_due(runtime, now=now)


def websub_step(runtime: Runtime, *, now: datetime | None = None):
    """Subscribe to the hubs feeds announce, renew leases, give up on hubs that fail (distributor.subscriptions)."""
    return subscriptions.maintain(runtime, now=now)
