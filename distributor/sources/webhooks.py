"""Signed webhooks from a CMS: check the signature, read the payload. Pure functions, no database.

Three formats (``[[webhooks]] kind``):

- ``generic``: JSON ``{"url", "event"?}``, header ``X-Distributor-Signature:
  sha256=<hex HMAC-SHA256 of the raw body>``. A replay is caught by the digest
  of what was accepted (the web route keeps it a month).
- ``ghost``: Ghost's post webhooks, header ``X-Ghost-Signature: sha256=<hex>,
  t=<milliseconds>``, the HMAC taken over the raw body followed by ``t``; a
  ``t`` older than ``max_age_seconds`` is a replay. Ghost does not name the
  event in the body: it is read from ``post.current`` / ``post.previous``.
- ``wordpress``: the WP Webhooks plugin's post triggers, header
  ``x-wp-webhook-signature: <base64 HMAC-SHA256 of the raw body>``; the
  story's address is ``post_permalink`` and its state ``post.post_status``.

A signed time, for ``generic`` and ``wordpress`` (Ghost signs its own): a
sender that adds ``X-Distributor-Timestamp: <unix seconds>`` signs
``<timestamp>.<raw body>`` instead of the body, in the same header and
encoding, and a time more than ``max_age_seconds`` away is a replay, however
long ago the request was captured. Senders that sign only the body (the
interface as first published, the WP Webhooks plugin) keep working unless the
hook sets ``require_timestamp``. A captured timestamped request cannot be
turned into an untimestamped one: its signature covers the time.

Signatures are compared with ``hmac.compare_digest`` (constant time), always
over the exact bytes received, never over re-serialised JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from distributor.sources.items import is_http_url

EVENTS = ("published", "edited", "unpublished")
GENERIC_HEADER = "x-distributor-signature"
GHOST_HEADER = "x-ghost-signature"
WORDPRESS_HEADER = "x-wp-webhook-signature"
TIMESTAMP_HEADER = "x-distributor-timestamp"
MAX_URL_LENGTH = 2048


class WebhookRefused(Exception):
    """A request we do not act on: ``status`` is the HTTP answer, the message says why (for the log too)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class PushedArticle:
    """What a push source says about one story: the same article event as a feed item."""

    url: str
    event: str = "published"  # published | edited | unpublished
    title: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # the payload's top-level scalars (breaking rules)


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _signed(body: bytes, timestamp: int | str | None) -> bytes:
    """What the HMAC covers: the body, or ``<timestamp>.<body>`` when the sender signs a time."""
    return body if timestamp is None else str(timestamp).encode("ascii") + b"." + body


def sign_generic(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Distributor-Signature value a sender puts on ``body`` (sent at ``timestamp``, when it
    also sends X-Distributor-Timestamp)."""
    return "sha256=" + _hmac(secret, _signed(body, timestamp)).hex()


def sign_ghost(secret: str, body: bytes, millis: int) -> str:
    return f"sha256={_hmac(secret, body + str(millis).encode()).hex()}, t={millis}"


def sign_wordpress(secret: str, body: bytes, timestamp: int | None = None) -> str:
    return base64.b64encode(_hmac(secret, _signed(body, timestamp))).decode("ascii")


def _timestamp(headers: Mapping[str, str], require: bool) -> str | None:
    """The signed time the request names (digits, unix seconds), None when it names none."""
    given = headers.get(TIMESTAMP_HEADER)
    if given is None:
        if require:
            raise WebhookRefused(401, "no X-Distributor-Timestamp header: this hook requires a signed time")
        return None
    stamp = given.strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise WebhookRefused(401, "X-Distributor-Timestamp is not a time in unix seconds")
    return stamp


def _fresh(stamp: str | None, now_ms: int, max_age_seconds: int) -> None:
    if stamp is not None and abs(now_ms // 1000 - int(stamp)) > max_age_seconds:
        raise WebhookRefused(401, f"X-Distributor-Timestamp is more than {max_age_seconds}s away: a replay")


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8", "replace"))


_SIGNATURE_HEADERS = {"generic": ("X-Distributor-Signature", GENERIC_HEADER), "ghost": ("X-Ghost-Signature", GHOST_HEADER),
                      "wordpress": ("x-wp-webhook-signature", WORDPRESS_HEADER)}


def check_before_body(kind: str, secret: str, headers: Mapping[str, str], *, now_ms: int, max_age_seconds: int,
                      require_timestamp: bool = False) -> None:
    """Raise WebhookRefused for what the headers alone refuse (no secret, no signature, a signed
    time that is malformed or too far away), so that nobody makes us read a body for nothing."""
    if not secret:
        raise WebhookRefused(401, "this webhook has no secret configured, so nothing it receives is trusted")
    if kind not in _SIGNATURE_HEADERS:
        raise WebhookRefused(404, f"unknown webhook kind {kind!r}")
    shown, header = _SIGNATURE_HEADERS[kind]
    given = headers.get(header)
    if not given:
        raise WebhookRefused(401, f"unsigned: no {shown} header")
    if kind == "ghost":
        stamp = dict(p.strip().split("=", 1) for p in given.split(",") if "=" in p).get("t", "")
        if stamp.isascii() and stamp.isdigit() and len(stamp) <= 16 and abs(now_ms - int(stamp)) > max_age_seconds * 1000:
            raise WebhookRefused(401, f"signature timestamp is more than {max_age_seconds}s away: a replay")
        return
    _fresh(_timestamp(headers, require_timestamp), now_ms, max_age_seconds)


def verify(kind: str, secret: str, headers: Mapping[str, str], body: bytes, *, now_ms: int,
           max_age_seconds: int, require_timestamp: bool = False) -> None:
    """Raise WebhookRefused (401) unless ``body`` carries a valid, fresh signature under ``secret``.

    ``headers`` must look names up case-insensitively (Starlette's do).
    """
    if not secret:
        raise WebhookRefused(401, "this webhook has no secret configured, so nothing it receives is trusted")
    if kind == "generic":
        given = headers.get(GENERIC_HEADER)
        if not given:
            raise WebhookRefused(401, "unsigned: no X-Distributor-Signature header")
        stamp = _timestamp(headers, require_timestamp)
        if not _same(sign_generic(secret, body, stamp), given):
            raise WebhookRefused(401, "wrong signature (X-Distributor-Signature)")
        _fresh(stamp, now_ms, max_age_seconds)
        return
    if kind == "ghost":
        given = headers.get(GHOST_HEADER)
        if not given:
            raise WebhookRefused(401, "unsigned: no X-Ghost-Signature header")
        parts = dict(p.strip().split("=", 1) for p in given.split(",") if "=" in p)
        stamp = parts.get("t", "")
        if not stamp.isdigit() or len(stamp) > 16 or "sha256" not in parts:
            raise WebhookRefused(401, "X-Ghost-Signature is not 'sha256=<hex>, t=<milliseconds>'")
        if not _same(_hmac(secret, body + stamp.encode()).hex(), parts["sha256"]):
            raise WebhookRefused(401, "wrong signature (X-Ghost-Signature)")
        if abs(now_ms - int(stamp)) > max_age_seconds * 1000:
            raise WebhookRefused(401, f"signature timestamp is more than {max_age_seconds}s away: a replay")
        return
    if kind == "wordpress":
        given = headers.get(WORDPRESS_HEADER)
        if not given:
            raise WebhookRefused(401, "unsigned: no x-wp-webhook-signature header")
        stamp = _timestamp(headers, require_timestamp)
        if not _same(sign_wordpress(secret, body, stamp), given):
            raise WebhookRefused(401, "wrong signature (x-wp-webhook-signature)")
        _fresh(stamp, now_ms, max_age_seconds)
        return
    raise WebhookRefused(404, f"unknown webhook kind {kind!r}")


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WebhookRefused(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookRefused(400, "the body is not a JSON object")
    return data


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _checked_url(value: Any, where: str) -> str:
    url = _text(value)
    if url is None:
        raise WebhookRefused(422, f"{where} is missing or not a string")
    if len(url) > MAX_URL_LENGTH or not is_http_url(url) or any(ord(c) < 32 for c in url):
        raise WebhookRefused(422, f"{where} is not an http(s) URL")
    return url


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, (str, int, float, bool))}


def _names(values: Any) -> list[str]:
    out = []
    for value in values if isinstance(values, list) else []:
        name = _text(value.get("name") if isinstance(value, dict) else value)
        if name:
            out.append(name)
    return out


def parse(kind: str, body: bytes) -> PushedArticle:
    """The story a (verified) body is about; WebhookRefused (400/422) when it names none."""
    data = _json(body)
    if kind == "generic":
        event = data.get("event", "published")
        if event not in EVENTS:
            raise WebhookRefused(422, f"event must be one of {', '.join(EVENTS)}")
        return PushedArticle(_checked_url(data.get("url"), "url"), event, _text(data.get("title")),
                             _text(data.get("section")), _names(data.get("tags")), _scalars(data))
    if kind == "ghost":
        return _ghost(data)
    return _wordpress(data)


def _ghost(data: dict[str, Any]) -> PushedArticle:
    post = data.get("post")
    if not isinstance(post, dict):
        raise WebhookRefused(422, "a Ghost webhook carries {'post': {'current': ..., 'previous': ...}}")
    current = post.get("current") if isinstance(post.get("current"), dict) else {}
    previous = post.get("previous") if isinstance(post.get("previous"), dict) else {}
    was = previous.get("status")
    now = current.get("status")
    if now == "published":
        event = "edited" if was in (None, "published") and previous else "published"
    elif was == "published" or not current:
        event = "unpublished"
    else:
        raise WebhookRefused(422, f"the Ghost post is {now!r}, not published")
    source = current if current.get("url") else previous
    tags = _names(source.get("tags"))
    primary = source.get("primary_tag")
    section = _text(primary.get("name")) if isinstance(primary, dict) else None
    return PushedArticle(_checked_url(source.get("url"), "post.current.url"), event, _text(source.get("title")),
                         section, tags, _scalars(source))


def _wordpress(data: dict[str, Any]) -> PushedArticle:
    post = data.get("post") if isinstance(data.get("post"), dict) else {}
    status = post.get("post_status")
    url = _checked_url(data.get("post_permalink") or post.get("guid"), "post_permalink")
    if status == "publish":
        # post_update on a published post: WP Webhooks sends "post_before" with the earlier state
        before = data.get("post_before") if isinstance(data.get("post_before"), dict) else {}
        event = "edited" if before.get("post_status") == "publish" else "published"
    elif status in ("trash", "draft", "private", "pending") or data.get("post_delete") or not post:
        event = "unpublished"
    else:
        raise WebhookRefused(422, f"the WordPress post is {status!r}, not published")
    taxonomies = data.get("taxonomies") if isinstance(data.get("taxonomies"), dict) else {}
    tags = [n for tax in ("post_tag", "category") for n in _wp_terms(taxonomies.get(tax))]
    return PushedArticle(url, event, _text(post.get("post_title")), None, tags, _scalars(data) | _scalars(post))


def _wp_terms(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [n for term in value.values() if isinstance(term, dict) for n in [_text(term.get("name"))] if n]
    return _names(value)


def delivery_digest(hook: str, body: bytes) -> str:
    """What a replay of this request has in common with it: the hook and the exact body."""
    return hashlib.sha256(hook.encode("utf-8") + b"\0" + body).hexdigest()
