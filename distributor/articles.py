"""Article lifecycle: which URL names a story, what extraction stored, who gets it.

A page's canonical URL is the best name for a story (AMP copies, tracking
tags and syndicated links all point at it), but CMSs get it wrong in two
common ways: every page names the home page or its section front, or names
another site. Trusting those makes every later story a "duplicate" of the
first, or sends our link elsewhere. So a canonical URL names the story only
when ``trusted_canonical`` says so; otherwise the item's own link does.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from distributor.config import AccountSettings, Settings
from distributor.extract.model import Extracted, Image
from distributor.models import Article, ArticleState, Feed, FeedEntry
from distributor.sources import FeedItem, normalise_url
from distributor.sources.items import earlier_forms, other_spellings

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _suffixes():
    # The Public Suffix List (bundled with the package, no download): "bbc.co.uk"
    # and "example.com" are sites, "co.uk" and "github.io" are not.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_site(host: str | None) -> str | None:
    """``www.news.example.co.uk`` -> ``example.co.uk``; an IP address or a single label stays as it is."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def canonical_distrust(
    canonical: str, link: str, extra_sites: list[str] | tuple[str, ...] = (), page_url: str | None = None
) -> str | None:
    """Why ``canonical`` cannot name the story the item ``link`` points at, or None when it can.

    ``page_url`` is where fetching the link ended (after redirects), when known.
    Refused: a canonical on another site (registrable domain) than the link's
    or the page's, unless that site is listed in ``extra_sites``; the site's
    home page; a section front: a path that is a leading part of the page's
    path (``/politics/`` for ``/politics/ferry-vote``), or a shorter path that
    does not end in the page's slug (``/news/`` for ``/2024/03/12/ferry-vote``;
    ``/amp/politics/ferry-vote`` -> ``/politics/ferry-vote`` stays trusted).
    """
    try:
        wanted, item = urlsplit(canonical), urlsplit(page_url or link)
        wanted_host = wanted.hostname
        wanted.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return "the canonical URL is not a valid URL"
    if wanted.scheme not in ("http", "https") or not wanted_host:
        return "the canonical URL is not an http(s) URL"
    allowed = {registrable_site(urlsplit(u).hostname) for u in (link, page_url) if u}
    allowed |= {registrable_site(s.strip()) for s in extra_sites if s.strip()}
    if registrable_site(wanted_host) not in allowed:
        return f"the canonical URL is on another site ({wanted_host})"
    front = front_page(wanted, item)
    return None if front is None else f"the canonical URL {front}"


HOME_PAGE = "is the site's home page"


def front_page(url, story) -> str | None:
    """"is the site's home page" or "looks like a section front" when ``url`` (a split URL) is one of
    those rather than the page of the story at ``story``; None otherwise (see ``canonical_distrust``)."""
    ours, theirs = _segments(url.path), _segments(story.path)
    if not ours and not url.query:
        return HOME_PAGE
    if len(ours) < len(theirs) and (theirs[: len(ours)] == ours or ours[-1:] != theirs[-1:]):
        return "looks like a section front"
    return None


def story_url(extracted: Extracted, link: str, page_url: str, extra_sites: list[str] | tuple[str, ...] = ()) -> str:
    """The normalised URL that names the story: a trusted canonical, else the page's own address.

    ``link`` is the item's (normalised) link; ``page_url`` where fetching it
    ended after redirects, used when it stays on the link's site.
    """
    if extracted.canonical_url and canonical_distrust(extracted.canonical_url, link, extra_sites, page_url) is None:
        return normalise_url(extracted.canonical_url)
    same_site = registrable_site(urlsplit(page_url).hostname) == registrable_site(urlsplit(link).hostname)
    return normalise_url(page_url) if same_site else link


def with_fallbacks(extracted: Extracted, article: Article, story: str) -> Extracted:
    """What templates see: the page's findings, the feed item's title, summary and image
    (media:content, media:thumbnail, an image enclosure) where the page has none, and the
    story URL as the link (never an untrusted canonical)."""
    image = extracted.image
    if image is None and article.image_url:
        image = Image(article.image_url, article.image_alt)
    return dataclasses.replace(
        extracted,
        title=extracted.title or article.title,
        description=extracted.description or article.summary,
        image=image,
        canonical_url=story,
    )


def apply_extraction(article: Article, extracted: Extracted, canonical: str, now: datetime) -> None:
    article.canonical_url = canonical
    article.title = extracted.title or article.title
    article.section = extracted.section
    if extracted.image:  # else the feed item's image, if it had one, stays the story's (``with_fallbacks``)
        article.image_url, article.image_alt = extracted.image.url, extracted.image.alt
    if extracted.pull_quote:
        article.pull_quote, article.pull_quote_speaker = extracted.pull_quote.text, extracted.pull_quote.speaker
    article.extracted_at = now
    article.error = None
    article.data = extracted.to_json()


def record_skip(article: Article, account: str, reason: str | None) -> None:
    """Remember (or, with None, forget) why ``account`` got no automatic post of ``article``."""
    skips = dict(article.skipped_accounts or {})  # a new dict: JSON columns see assignment only
    if reason is None:
        skips.pop(account, None)
    else:
        skips[account] = reason
    article.skipped_accounts = skips or None


def listing_feeds(session: Session, article: Article) -> tuple[set[str], bool]:
    """URLs of the feeds that list ``article`` as new, and whether any feed lists it at all."""
    rows = session.exec(
        select(Feed.url, FeedEntry.skipped).join(FeedEntry, FeedEntry.feed_id == Feed.id)
        .where(FeedEntry.article_id == article.id)
    ).all()
    return {url for url, skipped in rows if skipped is None}, bool(rows)


def accounts_for(settings: Settings, article: Article, session: Session) -> list[AccountSettings]:
    """The union of the accounts of every configured feed that lists the article as new.

    A feed that recorded it as backlog or too old adds nobody, and takes nobody
    away from another feed. An article no feed lists (pushed, or read by an
    editor) goes to every account.
    """
    urls, listed = listing_feeds(session, article)
    if not listed:
        return list(settings.accounts)
    chosen: dict[str, AccountSettings] = {}
    for feed_settings in settings.feeds:  # a feed removed from the configuration posts nowhere
        if feed_settings.url in urls:
            chosen.update((a.name, a) for a in settings.feed_accounts(feed_settings))
    for hook in settings.webhooks:  # a webhook is recorded as a source of its own (push_source_url)
        if push_source_url(hook.name) in urls:
            chosen.update((a.name, a) for a in settings.feed_accounts(hook))
    return list(chosen.values())


def canonical_sites_for(settings: Settings, session: Session, article: Article) -> list[str]:
    """The extra canonical sites configured on any feed that lists the article."""
    urls = set(session.exec(
        select(Feed.url).join(FeedEntry, FeedEntry.feed_id == Feed.id).where(FeedEntry.article_id == article.id)
    ).all())
    return [site for feed in settings.feeds if feed.url in urls for site in feed.canonical_sites]


# States of an existing article that a feed listing it as new sends back to be read.
REREAD_FOR_ANOTHER_FEED = (ArticleState.extracted, ArticleState.skipped, ArticleState.duplicate)
# A feed's clock may run a little ahead of ours; an item dated further ahead is not out yet.
FUTURE_TOLERANCE = timedelta(minutes=10)


def why_this_feed_skips(
    item: FeedItem, *, first_poll: bool, backfill: set[str], now: datetime, max_age_hours: float,
    answered_empty_at: datetime | None = None,
) -> str | None:
    """Why a feed does not post an item it lists for the first time, or None when it does.

    ``answered_empty_at``: the previous poll, when it answered but listed nothing. On the
    baseline poll only an item dated after it (``FUTURE_TOLERANCE`` for clocks and caches)
    is new; the rest is the back catalogue the empty answer hid.
    """
    if first_poll and item.key not in backfill and not published_since(item, answered_empty_at):
        return "backlog when the feed was first seen"
    if item.published_at and now - item.published_at > timedelta(hours=max_age_hours):
        return f"older than {max_age_hours:g} hours"
    return None


def baseline_rule(session: Session, feed: Feed, max_age_hours: float, now: datetime) -> tuple[bool, datetime | None]:
    """(``first_poll``, ``answered_empty_at``) for what this feed lists now (``record_items``).

    A feed that never listed anything: the first poll that does is its baseline, and when
    the poll before answered with nothing, what is dated after that answer is new. A feed
    whose baseline was forgotten (``pipeline.forget_baseline``: a process started with a
    configuration that lacks it) is a baseline again only if nobody polled it for longer
    than ``max_age_hours``: it really was away. One polled since was never away: a second
    process or a ``run --once`` with another configuration forgot it while this one kept
    it, and its new stories are new as ever (else they would all be taken for backlog).
    """
    if feed.initialized:
        return False, None
    last = feed.last_polled_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    had_baseline = session.exec(select(FeedEntry.id).where(FeedEntry.feed_id == feed.id).limit(1)).first()
    if had_baseline is None:
        return True, last if feed.last_error is None else None
    if last is not None and now - last <= timedelta(hours=max_age_hours):
        return False, None
    log.info("feed %s: back after more than %g hours unpolled: what it lists now is its back catalogue (not posted)",
             feed.url, max_age_hours)
    return True, None


def published_since(item: FeedItem, when: datetime | None) -> bool:
    """Whether the item is dated after ``when`` (within ``FUTURE_TOLERANCE``); undated items never are."""
    return when is not None and item.published_at is not None and item.published_at >= when - FUTURE_TOLERANCE


def backfill_keys(items: list[FeedItem], count: int, now: datetime) -> set[str]:
    """The keys of the ``count`` newest items that are really out: dated, and not in the future.

    A feed lists an embargoed or scheduled story with a future date, and an
    undated item could be anything; the newest dated items come first. Only
    a feed with no dates at all is taken in its own order (newest first, as
    feeds list them).
    """
    if count <= 0:
        return set()
    dated = [i for i in items if i.published_at is not None]
    if not dated:
        return {i.key for i in items[:count]}
    out = [i for i in dated if i.published_at <= now + FUTURE_TOLERANCE]
    return {i.key for i in sorted(out, key=lambda i: i.published_at, reverse=True)[:count]}


def publication_order(items: list[FeedItem]) -> list[FeedItem]:
    """Oldest first: dated items by date, then undated ones, each in reverse feed order.

    Feeds list newest first, or in an order of their own (edited items bumped
    up); a breaking-news burst taken in feed order would go out backwards, the
    latest update before the first report. An undated item is taken as newer
    than every dated one (it is appearing now).
    """
    return sorted(reversed(items), key=lambda i: (i.published_at is None, i.published_at or _EPOCH))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _add_article(session: Session, article: Article) -> tuple[Article, bool]:
    """Insert a new article, or (False) take the one another feed's poll inserted meanwhile.

    Feeds are polled side by side: two that list the same new story race to
    insert it, and the loser's whole poll would fail on the unique URL."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(article)
            session.flush()
        return article, True
    except IntegrityError:
        return session.exec(select(Article).where(Article.url == article.url)).one(), False


def article_by_link(session: Session, link: str) -> Article | None:
    """The article a link names: under today's normalised form, else under an earlier rule's
    (``earlier_forms``: rows stored before the tracking list grew keep their key), else under
    another spelling of it (``other_spellings``: http/https, a trailing slash)."""
    url = normalise_url(link)
    article = session.exec(select(Article).where(Article.url == url)).first()
    forms = earlier_forms(link) + other_spellings(url)
    if article is None and forms:
        article = session.exec(select(Article).where(col(Article.url).in_(forms)).order_by(Article.id)).first()
    return article


def same_guid_entry(session: Session, feed_id: int, guid: str | None) -> FeedEntry | None:
    """This feed's earlier entry with the same stable guid (the item under another link)."""
    if not guid:
        return None
    return session.exec(
        select(FeedEntry).where(FeedEntry.feed_id == feed_id, FeedEntry.guid == guid,
                                col(FeedEntry.article_id).is_not(None)).limit(1)
    ).first()


def record_items(
    session: Session, feed_id: int, feed_settings, items: list[FeedItem], *, first_poll: bool, now: datetime,
    answered_empty_at: datetime | None = None,
) -> int:
    """Record unseen items; return how many articles will be (re)read for posting.

    On a feed's first poll that lists items (earlier empty or failed polls do
    not count) its current items are the backlog: recorded as seen, not
    posted, except the newest ``backfill`` (see ``backfill_keys``) and, when
    the poll before answered with nothing (``answered_empty_at``), items
    dated after it. Items older than ``max_age_hours`` are recorded, not posted. An item is new only
    if neither its key in this feed nor its normalised link nor (within this
    feed) its stable guid was seen before, so re-bumped, re-ordered or edited
    items never make a second article. Each feed decides for its own accounts:
    a story another feed skipped (backlog, too old) or already posted is read
    again when this feed lists it as new, so this feed's accounts get it too
    (automatic post keys stop any second post). Items are recorded in the
    order they were published (``publication_order``), so a burst's posts
    are composed, slotted and sent in that order.
    """
    backfill = backfill_keys(items, feed_settings.backfill, now) if first_poll else set()
    added = 0
    for item in publication_order(items):
        if not item.link:
            continue
        # an entry stored under an earlier rule, or under another spelling of the link (http/https,
        # a trailing slash), is this item
        keys = [item.key, *earlier_forms(item.link), *other_spellings(item.key)]
        if session.exec(select(FeedEntry).where(FeedEntry.feed_id == feed_id, col(FeedEntry.key).in_(keys))).first():
            continue
        url = normalise_url(item.link)
        skipped = why_this_feed_skips(item, first_poll=first_poll, backfill=backfill, now=now,
                                      max_age_hours=feed_settings.max_age_hours,
                                      answered_empty_at=answered_empty_at)
        article = article_by_link(session, item.link)
        earlier = None if article is not None else same_guid_entry(session, feed_id, item.stable_guid)
        if earlier is not None:
            # an edited link of an item this feed has already seen: not a new story
            article = session.get(Article, earlier.article_id)
            skipped = f"the same item (guid {item.stable_guid!r}) as {earlier.key}"
        else:
            created = False
            if article is None:
                article, created = _add_article(session, Article(
                    url=url,
                    feed_id=feed_id,
                    guid=item.guid,
                    title=item.title,
                    summary=item.summary,
                    image_url=item.image_url,
                    published_at=item.published_at,
                    state=ArticleState.pending if skipped is None else ArticleState.skipped,
                    error=skipped,
                ))
            if created:
                added += skipped is None
            elif skipped is None and article.state in REREAD_FOR_ANOTHER_FEED:
                # Another feed skipped it, posted it, or found it a duplicate: read it
                # again so this feed's accounts get theirs too.
                if article.state is ArticleState.skipped:
                    article.error = None  # the other feed's reason; this feed posts it
                article.state, article.next_attempt_at = ArticleState.pending, None
                added += 1
        session.add(FeedEntry(feed_id=feed_id, key=item.key, article_id=article.id, guid=item.stable_guid,
                              skipped=skipped))
        session.flush()
    if any(item.link for item in items):
        # Only a poll that lists something is the baseline: an empty answer (a CMS glitch)
        # taken as one would post the whole back catalogue as new on the next poll.
        session.get(Feed, feed_id).initialized = True
    return added


# --- push sources ---------------------------------------------------------------

DELIVERY_MEMORY = timedelta(days=30)
PUSH_MAX_AGE_HOURS = 48.0  # a pushed story carries no date we trust; this bounds nothing today


PUSH_SOURCE_PREFIX = "webhook:"


def push_source_url(hook_name: str) -> str:
    """The Feed row that stands for a webhook, so its articles are listed (and its accounts chosen)
    exactly as a feed's are. Not an http URL: no poll ever reads it."""
    return f"{PUSH_SOURCE_PREFIX}{hook_name}"


def push_source_id(session: Session, hook_name: str) -> int:
    url = push_source_url(hook_name)
    feed = session.exec(select(Feed).where(Feed.url == url)).first()
    if feed is None:
        feed = Feed(url=url, initialized=True)
        session.add(feed)
        session.flush()
    return feed.id


@dataclasses.dataclass(frozen=True)
class _PushRules:
    backfill: int = 0
    max_age_hours: float = PUSH_MAX_AGE_HOURS


def breaking_matches(rule, *, section: str | None = None, tags=(), fields: dict | None = None) -> bool:
    """Whether a breaking-news rule (``BreakingRule``) matches: its section, one of its tags, or a true field."""
    if rule is None:
        return False
    if section and section.strip().casefold() in {s.casefold() for s in rule.sections}:
        return True
    wanted = {t.casefold() for t in rule.tags}
    if wanted and any(tag.strip().casefold() in wanted for tag in tags if isinstance(tag, str)):
        return True
    return bool(rule.field and fields and fields.get(rule.field) is True)


@dataclasses.dataclass(frozen=True)
class PushOutcome:
    status: str  # created | known | edited | unpublished | duplicate
    article_id: int | None = None


class OutOfReach(Exception):
    """A hook spoke of a story posted (or to be posted) by accounts it does not serve; nothing is written."""


def out_of_reach(session: Session, hook, article: Article, settings: Settings | None = None) -> list[str]:
    """The accounts a hook does not serve that hold posts of ``article`` (or, with none yet, would post it).

    A hook limited to some accounts (``[[webhooks]] accounts``) is trusted for those:
    its "unpublished" must not cancel or delete another desk's posts, as it would if
    its secret leaked. A hook for every account reaches everything.
    """
    if hook.accounts is None:
        return []
    from distributor.models import Post

    own = set(hook.accounts)
    holders = set(session.exec(select(Post.account).where(Post.article_id == article.id)))
    if not holders and settings is not None:
        holders = {a.name for a in accounts_for(settings, article, session)}
    return sorted(holders - own)


def receive_push(session: Session, hook, pushed, *, digest: str, now: datetime,
                 settings: Settings | None = None) -> PushOutcome:
    """Record what a verified webhook says, in the caller's transaction.

    ``published``: the story is recorded as a feed item of the hook's own
    source (same identity rules: a story already known is not a new article);
    ``edited``: a posted story is re-read at once (corrections); ``unpublished``:
    it is recorded as gone, unless posts of other accounts than the hook's hold
    it (``OutOfReach``, see ``out_of_reach``). The delivery's digest is stored
    first: the same request again (a replay) changes nothing.
    """
    from sqlalchemy.exc import IntegrityError

    from distributor.models import WebhookDelivery

    try:
        with session.begin_nested():
            session.add(WebhookDelivery(hook=hook.name, digest=digest, received_at=now, url=pushed.url[:2048],
                                        event=pushed.event))
    except IntegrityError:
        return PushOutcome("duplicate")
    # digests are kept a month: a replay older than that meets the article's own identity rules
    # (a known story is not posted again; an old "unpublished" finds it gone already)
    from sqlalchemy import delete

    session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.received_at) < now - DELIVERY_MEMORY))
    url = normalise_url(pushed.url)
    article = article_by_link(session, pushed.url)
    if article is None:
        article = session.exec(select(Article).where(Article.canonical_url == url)).first()
    if pushed.event == "published" or article is None and pushed.event == "edited":
        feed_id = push_source_id(session, hook.name)
        item = FeedItem(key=url, link=pushed.url, guid=None, title=pushed.title, published_at=None, image_url=None,
                        summary=None, tags=list(pushed.tags))
        added = record_items(session, feed_id, _PushRules(), [item], first_poll=False, now=now)
        article = article_by_link(session, pushed.url)
        if article is not None and breaking_matches(hook.breaking, section=pushed.section, tags=pushed.tags,
                                                    fields=pushed.fields):
            # breaking moves posts (no gap, first in line): a limited hook marks only stories of its own accounts
            others = out_of_reach(session, hook, article, settings)
            if others:
                log.warning("webhook %s: not marking %s breaking: it is posted by accounts the hook does not serve "
                            "(%s)", hook.name, article.url, ", ".join(others))
            else:
                article.breaking = True
        return PushOutcome("created" if added else "known", article.id if article else None)
    if article is None:
        return PushOutcome("known")
    if pushed.event == "edited":
        schedule_check(article, now)
        return PushOutcome("edited", article.id)
    others = out_of_reach(session, hook, article, settings)
    if others:
        raise OutOfReach(f"the story is posted by accounts this hook does not serve ({', '.join(others)}); "
                         "only a hook for every account, or for those, can take it down")
    if article.state is ArticleState.pending:  # not read yet: nothing is to be composed from it
        article.state, article.error = ArticleState.skipped, "unpublished before its page was read"
    mark_gone(article, UNPUBLISHED, now)
    cancel_unsent(session, article.id, UNPUBLISHED, now)
    article.next_check_at = now  # corrections acts on it at once (its posts: alert or delete)
    return PushOutcome("unpublished", article.id)


# --- corrections: what changed in a story after we posted it ---------------------

CHECKED_FIELDS = (("title", "headline"), ("pull_quote", "pull quote"))
UNPUBLISHED = "unpublished (the CMS said so)"


def schedule_check(article: Article, now: datetime) -> None:
    """Re-read the story at once (an "edited" event), whatever its schedule said."""
    if article.state in (ArticleState.extracted,) and article.gone_at is None:
        article.next_check_at = now


def first_check_at(posted_at: datetime, minutes: list[int]) -> datetime | None:
    return posted_at + timedelta(minutes=minutes[0]) if minutes else None


def next_check(article: Article, posted_at: datetime, minutes: list[int]) -> datetime | None:
    """The scheduled re-read after ``article.checks_done`` of them (10 min, 1 h, 6 h after posting)."""
    if article.checks_done >= len(minutes):
        return None
    return posted_at + timedelta(minutes=minutes[article.checks_done])


def differences(article: Article, extracted: Extracted) -> list[dict]:
    """What the page says now that differs from what we posted: [{"field", "before", "after"}]."""
    now_values = {"title": extracted.title, "pull_quote": extracted.pull_quote.text if extracted.pull_quote else None}
    found = []
    for name, label in CHECKED_FIELDS:
        before, after = getattr(article, name), now_values[name]
        if after is None and name in ("pull_quote", "title"):
            # a quote the extractor no longer picks is not a correction of it; nor is a page without a
            # headline of its own (the post took the feed item's): the headline did not become nothing
            continue
        if (before or "").strip() != (after or "").strip():
            found.append({"field": label, "before": before, "after": after})
    return found


def record_changes(article: Article, changes: list[dict], now: datetime) -> None:
    """Keep the differences on the article (``changes``) and the new values as its own."""
    history = list(article.changes or [])
    history.extend({**c, "at": now.isoformat()} for c in changes)
    article.changes = history
    for change in changes:
        if change["field"] == "headline":
            article.title = change["after"]
        elif change["field"] == "pull quote":
            article.pull_quote = change["after"]


def cancel_unsent(session: Session, article_id: int, reason: str, now: datetime) -> int:
    """Cancel the story's posts that have not gone out (drafts, waiting for approval, queued, failed):
    a story taken down is not posted. A post already being sent is left to corrections (delete)."""
    from distributor import posts
    from distributor.errors import InvalidTransition
    from distributor.models import Post, PostState

    waiting = (PostState.draft, PostState.awaiting_approval, PostState.queued, PostState.failed)
    cancelled = 0
    for post in session.exec(select(Post).where(Post.article_id == article_id, col(Post.state).in_(waiting))):
        try:
            posts.transition(session, post, PostState.cancelled, reason=f"cancelled: the story is {reason}",
                             actor="system", at=now)
            cancelled += 1
        except InvalidTransition:
            pass  # a worker claimed it meanwhile: it is being sent, corrections deletes it per policy
    return cancelled


def mark_gone(article: Article, reason: str, now: datetime) -> bool:
    """The story is no longer published; True the first time only."""
    if article.gone_at is not None:
        return False
    article.gone_at = now
    article.next_check_at = None
    article.changes = list(article.changes or []) + [{"field": "page", "before": "published", "after": reason,
                                                      "at": now.isoformat()}]
    return True


# --- breaking news ----------------------------------------------------------------

from distributor.models import BREAKING_PRIORITY  # noqa: E402 - a breaking story's posts go first


def source_rules(settings: Settings, session: Session, article: Article) -> list:
    """The breaking-news rules of every configured feed and webhook that lists the article.

    A webhook limited to some accounts brings its rule only to stories of its own accounts: any
    hook can list a story by pushing its URL, and breaking moves every account's posts of it."""
    urls, _ = listing_feeds(session, article)
    rules = [f.breaking for f in settings.feeds if f.url in urls and f.breaking]
    return rules + [h.breaking for h in settings.webhooks if push_source_url(h.name) in urls and h.breaking
                    and not out_of_reach(session, h, article, settings)]


def judge_breaking(settings: Settings, session: Session, article: Article, extracted: Extracted) -> None:
    """Mark the article breaking when a rule of one of its sources matches what the page says.
    A mark already there (a webhook field, an editor) stays."""
    if not article.breaking:
        article.breaking = any(breaking_matches(rule, section=extracted.section, tags=extracted.tags)
                               for rule in source_rules(settings, session, article))


def breaking_account(settings: Settings, session: Session, article: Article, account: AccountSettings) -> AccountSettings:
    """How ``account`` posts a breaking story: no min_gap_minutes, and the rule's own template if it has one."""
    template = next((r.template for r in source_rules(settings, session, article) if r.template), None)
    return account.model_copy(update={"min_gap_minutes": 0.0, "template": template or account.template})


def flag_breaking(session: Session, article_id: int, now: datetime, actor: str = "system") -> Article:
    """An editor's flag: the story is breaking; its posts still waiting go first, now (one door: API and CLI).

    A post moved from a later time (an embargo) says so in its history, naming ``actor``."""
    from distributor.errors import InvalidInput
    from distributor.models import Post, PostState
    from distributor.posts import record

    article = session.get(Article, article_id)
    if article is None:
        raise InvalidInput(f"no article {article_id}")
    article.breaking = True
    for post in session.exec(select(Post).where(Post.article_id == article_id, col(Post.state).in_(
            [PostState.queued, PostState.awaiting_approval, PostState.draft]))):
        post.priority = max(post.priority, BREAKING_PRIORITY)
        scheduled = post.scheduled_at if post.scheduled_at.tzinfo else post.scheduled_at.replace(tzinfo=now.tzinfo)
        if scheduled > now:
            post.scheduled_at = now
            state = PostState(post.state)
            record(session, post, state, state, f"rescheduled for now (was {scheduled.isoformat()}): the story was "
                   "marked breaking", actor, now)
    return article


def mark_edited(session: Session, modified: dict[str, datetime], now: datetime) -> int:
    """Stories a source says were modified (URL -> when): those changed since we read them are re-read at once."""
    count = 0
    for article in session.exec(select(Article).where(col(Article.url).in_(list(modified)),
                                                      Article.state == ArticleState.extracted)):
        read = article.extracted_at
        if read is not None and read.tzinfo is None:
            read = read.replace(tzinfo=modified[article.url].tzinfo)
        if read is not None and modified[article.url] > read and article.gone_at is None:
            schedule_check(article, now)
            count += 1
    return count
