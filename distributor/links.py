"""The links posts carry: UTM parameters per account, and click tracking through our own redirect.

- ``with_utm``: the account's ``utm`` template (``utm_source={platform}&...``)
  added to the link a post goes out with. The article's canonical URL (what
  stories are deduplicated by) is never changed: only the post's link is.
- ``track``: with ``[links] redirect_base`` set, a post's link becomes
  ``<redirect_base>/<code>``; the web process answers that path with a
  redirect to the post's own link (``follow``) and counts the click, unless
  the user agent is a bot. The code names a row, never a URL, so the redirect
  cannot be pointed anywhere else (no open redirect).
"""

from __future__ import annotations

import secrets
import string
import threading
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from distributor.models import Post, TrackedLink, utcnow

CODE_LENGTH = 8  # secrets.token_urlsafe(6): 6 bytes in base64
MAX_USER_AGENT = 512  # longer user agents are judged on their start (no real browser sends more)


def utm_values(platform: str, account: str, section: str | None) -> dict[str, str]:
    """What ``{platform}``, ``{account}`` and ``{section}`` stand for in an account's utm template."""
    return {"platform": platform, "account": account, "section": (section or "").strip()}


def with_utm(link: str | None, template: str | None, values: dict[str, str]) -> str | None:
    """``link`` with the template's parameters (placeholders filled in) set; the rest of the URL untouched.

    A parameter whose value comes out empty (no section) is left out. A
    parameter the link already has under the same name is replaced, so
    applying it twice changes nothing. The link's own query is kept byte for
    byte (re-encoding it could change what the newsroom's site sees).
    """
    if not link or not template:
        return link
    pairs = []
    for raw in template.split("&"):
        key, _, value = raw.partition("=")
        key = unquote_plus(key)
        filled = string.Formatter().vformat(unquote_plus(value), (), values).strip()
        if key and filled:
            pairs.append((key, filled))
    if not pairs:
        return link
    parts = urlsplit(link)
    names = {key for key, _ in pairs}
    kept = [raw for raw in parts.query.split("&") if raw and unquote_plus(raw.partition("=")[0]) not in names]
    query = "&".join([*kept, urlencode(pairs, quote_via=quote)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def account_link(link: str | None, account, section: str | None) -> str | None:
    """``link`` as ``account`` posts it (its utm template applied)."""
    return with_utm(link, getattr(account, "utm", None), utm_values(account.platform, account.name, section))


def track(session: Session, post: Post, redirect_base: str | None) -> Post:
    """Send ``post``'s link through our redirect: a new code, the link (and the text's copy of it) replaced.

    Nothing happens without ``redirect_base`` or a link, or when the post is
    already tracked.
    """
    if not redirect_base or not post.link or post.id is None:
        return post
    if session.exec(select(TrackedLink.code).where(TrackedLink.post_id == post.id)).first() is not None:
        return post
    code = secrets.token_urlsafe(6)  # 48 random bits (CODE_LENGTH characters): not guessable from the post id
    tracked = f"{redirect_base.rstrip('/')}/{code}"
    session.add(TrackedLink(code=code, post_id=post.id, target=post.link))
    if post.link in post.text:
        post.text = post.text.replace(post.link, tracked)
    post.link = tracked
    session.add(post)
    session.flush()
    return post


def retarget(session: Session, post: Post, before: str | None) -> Post:
    """After an editor changed a tracked post's link from ``before``: the redirect leads to the new link.

    The post keeps its tracked URL (in its link and its text), so the post
    still goes out through our redirect, counted, and the code's readers land
    on the editor's new link, not the old one. Untracked posts are left as edited.
    """
    row = session.exec(select(TrackedLink).where(TrackedLink.post_id == post.id)).first()
    if row is None or not before or not before.endswith("/" + row.code) or not post.link or post.link == before:
        return post
    row.target = post.link
    if post.link in post.text:
        post.text = post.text.replace(post.link, before)
    post.link = before
    session.add_all([row, post])
    session.flush()
    return post


def target_of(session: Session, post_id: int) -> str | None:
    """Where a tracked post's link leads (its link before tracking), or None when it is not tracked."""
    return session.exec(select(TrackedLink.target).where(TrackedLink.post_id == post_id)).first()


# Substrings of the user agents of crawlers, link unfurlers and scripts (lower case). Written
# here rather than taken from crawlerdetect: its patterns took 0.4 s on a 500-character user
# agent (superlinear), and this test is on every click anyone sends. Each check is a
# substring search, linear in the (bounded) user agent.
_BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "scrap", "preview", "headless", "facebookexternalhit", "facebookcatalog",
    "meta-externalagent", "embedly", "whatsapp", "telegram", "skype", "discord", "vkshare", "pinterest",
    "bitly", "nuzzel", "qwantify", "lighthouse", "pagespeed", "python", "curl", "wget", "httpx", "aiohttp",
    "go-http-client", "java/", "okhttp", "libwww", "axios", "node-fetch", "postman", "insomnia", "monitor",
    "uptime", "pingdom", "feedfetcher", "validator", "ia_archiver", "archive.org",
)


def is_bot(user_agent: str | None) -> bool:
    """Whether a request comes from a crawler, an unfurler or a script (no user agent counts as one)."""
    agent = (user_agent or "").strip()[:MAX_USER_AGENT].lower()
    if not agent or not agent.startswith("mozilla/"):
        return True  # browsers all send Mozilla/5.0 ...; apps' web views too
    return any(marker in agent for marker in _BOT_MARKERS)


PREFETCH_HEADERS = ("sec-purpose", "purpose", "x-purpose", "x-moz")  # Chrome, older Chrome/Safari, Safari, Firefox
SEEN_FOR_SECONDS = 24 * 3600  # a browser's repeated clicks within a day count once (its cookie says it was here)


def is_prefetch(headers) -> bool:
    """Whether a browser fetched the link ahead of a click (prefetch, prerender, preview): not a click."""
    return any(word in (headers.get(name) or "")[:64].lower() for name in PREFETCH_HEADERS
               for word in ("prefetch", "prerender", "preview"))


class ClickLimiter:
    """At most ``per_minute`` counted clicks of one code from one address a minute (this process).

    Bounds both click inflation by one sender ignoring cookies and the
    database writes a flood makes (one UPDATE per counted click), while a
    newsroom's readers behind one address (an office, a carrier's NAT) are
    still counted up to that rate. The memory is bounded too: the oldest
    keys are dropped past ``max_keys``. Written by hand: a dict with a window
    count per key is all it takes.
    """

    def __init__(self, per_minute: int = 30, max_keys: int = 10_000):
        self.per_minute, self.max_keys = per_minute, max_keys
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # key -> (minute, clicks counted in it)
        self._lock = threading.Lock()  # the web process answers clicks on several threads

    def allow(self, code: str, address: str, now: float) -> bool:
        with self._lock:
            return self._allow((code, address), int(now // 60))

    def _allow(self, key: tuple[str, str], minute: int) -> bool:
        seen_minute, counted = self._windows.pop(key, (minute, 0))
        if seen_minute != minute:
            counted = 0
        allowed = counted < self.per_minute
        self._windows[key] = (minute, counted + allowed)  # re-inserted: the dict keeps recent keys last
        if len(self._windows) > self.max_keys:
            del self._windows[next(iter(self._windows))]
        return allowed


def seen_cookie(code: str) -> str:
    """The cookie a browser keeps after its counted click on ``code`` (codes are cookie-name safe)."""
    return f"seen_{code}"


def lookup(session: Session, code: str) -> str | None:
    """Where ``code`` leads, without counting anything (a link checker's HEAD); None when unknown."""
    if not (1 <= len(code) <= 32) or not all(c.isalnum() or c in "-_" for c in code):
        return None
    return session.exec(select(TrackedLink.target).where(TrackedLink.code == code)).first()


def follow(session: Session, code: str, user_agent: str | None) -> str | None:
    """Where ``code`` leads, counting the click when a person made it; None for an unknown code.

    The count is one UPDATE (``clicks = clicks + 1``), so concurrent clicks
    on several web processes are all counted.
    """
    target = lookup(session, code)
    if target is None:
        return None
    if not is_bot(user_agent):
        session.execute(update(TrackedLink).where(col(TrackedLink.code) == code)
                        .values(clicks=TrackedLink.clicks + 1, last_click_at=utcnow()))
    return target


def clicks_by_post(session: Session, post_ids: list[int]) -> dict[int, int]:
    """Counted clicks of the tracked posts among ``post_ids``."""
    if not post_ids:
        return {}
    rows = session.exec(select(TrackedLink.post_id, TrackedLink.clicks).where(col(TrackedLink.post_id).in_(post_ids)))
    return dict(rows.all())
