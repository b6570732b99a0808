"""What every source returns, and how an item is recognised across polls.

Feeds re-bump, re-order, edit and re-publish items, and their GUIDs are not
reliable (some change on every edit, some are missing), so an item's identity
is its link in a canonical form: the same article reached with another
tracking tag, letter case in the host, default port or fragment is the same
article. ``normalise_url`` is also what the pipeline uses for article identity.
A guid the feed declares stable (``stable_guid``) also recognises an item
whose link changed (an edited slug) within the same feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Query parameters that only say where a click came from, never which page it is (names compared
# in lower case): click ids (Facebook, Google, Microsoft, Instagram, TikTok, X), Mailchimp, Marketo,
# Google Analytics linkers, AT Internet (xtor, at_*), the Guardian's CMP, the Daily Mail's ITO, Webtrends (WT.mc_id).
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "igshid", "ttclid", "twclid", "yclid",
    "mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl", "ocid", "cmpid", "cmp", "ito", "xtor", "wt.mc_id",
    "at_medium", "at_campaign", "at_source", "at_platform", "at_format", "at_link", "at_ptr_name",
    "at_bbc_team", "at_campaign_type", "at_creation", "at_emailtype", "at_link_id", "at_link_origin",
    "at_link_type", "at_send_date", "at_type",
})
TRACKING_PREFIXES = ("utm_", "ns_", "at_custom")  # Google campaigns, comScore (ns_mchannel, ns_source, ...)
# What counted as tracking before 2026-12 (utm_* and six names): articles and feed entries
# stored then are keyed on that rule, and are still found under it (``earlier_forms``).
_EARLIER_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # stable identity across polls: normalised link, else guid, else a content hash
    link: str | None  # absolute http(s) URL as the feed gives it (tracking tags kept)
    guid: str | None
    title: str | None
    published_at: datetime | None  # tz-aware UTC; published, else updated
    image_url: str | None
    summary: str | None  # plain text
    tags: list[str] = field(default_factory=list)
    # the guid when it is an id that stays with the item while its link may change
    # (RSS isPermaLink="false", an Atom tag: id); None when the guid is just the link
    stable_guid: str | None = None


def without_shared_guids(items: list[FeedItem]) -> list[FeedItem]:
    """The items of one document, a stable guid that several of its articles carry taken off them.

    A guid stands for one item (its link may change when the slug is edited); a
    generator that gives every item the same id ("1", the site's name) would make
    each new story look like an edit of the first one seen, and none be posted.
    ``items`` holds one item per key, so two items sharing a guid are two articles.
    """
    first_key: dict[str, str] = {}
    shared: set[str] = set()
    for item in items:
        if item.stable_guid and first_key.setdefault(item.stable_guid, item.key) != item.key:
            shared.add(item.stable_guid)
    if not shared:
        return items
    return [replace(item, stable_guid=None) if item.stable_guid in shared else item for item in items]


def _is_tracking(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def _was_tracking(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in _EARLIER_TRACKING or name.startswith("utm_")


def normalise_url(url: str) -> str:
    """The canonical form of an http(s) URL, used as the identity of an article.

    Lower-cases scheme and host, drops the default port, the fragment and
    tracking parameters (``TRACKING_PARAMETERS``, ``TRACKING_PREFIXES``),
    and sorts what remains of the query. Percent-encoding is left as written,
    so two URLs only collide when a browser would load the same page. Anything
    that is not an http(s) URL comes back stripped of surrounding space.
    """
    return _normalise(url, _is_tracking)


def earlier_forms(url: str) -> list[str]:
    """The identities ``url`` had under earlier normalisation rules, when they differ from today's.

    Rows stored before a rule changed keep their key; looking them up under
    both forms means an upgrade never makes a known story new (no re-keying
    migration, which could merge two rows into one unique key).
    """
    earlier = _normalise(url, _was_tracking)
    return [] if earlier == _normalise(url, _is_tracking) else [earlier]


def other_spellings(url: str) -> list[str]:
    """The other spellings of a normalised story URL that lead to the same page: the other
    scheme (a site moving to https rewrites every link in its feed) and the path with or
    without its trailing slash (a CMS's permalink setting, a redirect). Never the home page's.

    Looked up beside the URL itself, never stored: a story keeps the identity it was first
    seen under, and the feed that lists it again under another spelling does not post it again.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return []
    other_scheme = "https" if parts.scheme == "http" else "http"
    paths = [parts.path]
    if parts.path not in ("", "/"):
        paths.append(parts.path[:-1] if parts.path.endswith("/") else parts.path + "/")
    forms = [urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))
             for scheme in (parts.scheme, other_scheme) for path in paths]
    return [form for form in forms if form != url]


def _normalise(url: str, is_tracking) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return url
        port = parts.port
    except ValueError:  # e.g. an unparseable port or IPv6 literal
        return url
    host = parts.hostname.rstrip(".")  # urlsplit lower-cases it already
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    pairs = [p for p in parts.query.split("&") if p and not is_tracking(p.split("=", 1)[0])]
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(sorted(pairs)), ""))


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.netloc)


def item_key(link: str | None, guid: str | None, title: str | None, summary: str | None) -> str:
    """Identity of an item: normalised link, else guid, else a hash of what it says."""
    if link:
        return normalise_url(link)
    if guid and guid.strip():
        return guid.strip()
    text = f"{(title or '').strip()}\n{(summary or '').strip()}"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
