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
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from distributor.config import AccountSettings, Settings
from distributor.extract.model import Extracted
from distributor.models import Article, ArticleState, Feed, FeedEntry
from distributor.sources import FeedItem, normalise_url


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
    ours, theirs = _segments(wanted.path), _segments(item.path)
    if not ours and not wanted.query:
        return "the canonical URL is the site's home page"
    if len(ours) < len(theirs) and (theirs[: len(ours)] == ours or ours[-1:] != theirs[-1:]):
        return "the canonical URL looks like a section front"
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
    """What templates see: the page's findings, the feed item's title and summary where
    the page has none, and the story URL as the link (never an untrusted canonical)."""
    return dataclasses.replace(
        extracted,
        title=extracted.title or article.title,
        description=extracted.description or article.summary,
        canonical_url=story,
    )


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
    item: FeedItem, *, first_poll: bool, backfill: set[str], now: datetime, max_age_hours: float
) -> str | None:
    """Why a feed does not post an item it lists for the first time, or None when it does."""
    if first_poll and item.key not in backfill:
        return "backlog when the feed was first seen"
    if item.published_at and now - item.published_at > timedelta(hours=max_age_hours):
        return f"older than {max_age_hours:g} hours"
    return None


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


def same_guid_entry(session: Session, feed_id: int, guid: str | None) -> FeedEntry | None:
    """This feed's earlier entry with the same stable guid (the item under another link)."""
    if not guid:
        return None
    return session.exec(
        select(FeedEntry).where(FeedEntry.feed_id == feed_id, FeedEntry.guid == guid,
                                col(FeedEntry.article_id).is_not(None)).limit(1)
    ).first()
