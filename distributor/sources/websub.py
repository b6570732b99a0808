"""WebSub (W3C, formerly PubSubHubbub): the pure parts. No database, no network.

- ``find_hub``: the hub and topic a feed announces, from its ``Link`` headers
  (``<https://hub>; rel="hub"``) or from the document (``<link rel="hub">`` in
  Atom, ``<atom:link rel="hub">`` in RSS); ``rel="self"`` names the topic.
- ``callback_secret``: each subscription's ``hub.secret``, derived from one
  operator secret and the subscription's random callback token, so it is
  never stored (the database holds only the token).
- ``signature_ok``: ``X-Hub-Signature: <sha1|sha256|sha384|sha512>=<hex>`` over
  the raw body, compared in constant time.

Written by hand rather than with a WebSub library: the few that exist for
Python are servers or unmaintained, and these three functions are all a
subscriber needs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Mapping
from urllib.parse import urljoin

from distributor.sources.items import is_http_url

HEAD_BYTES = 64 * 1024  # the hub link sits in the feed's head; never scan a whole large document
_LINK_TAG = re.compile(rb"<(?:atom:|atom10:)?link\b[^>]{0,2000}>", re.I)
_ATTRIBUTE = re.compile(rb"""([A-Za-z_:-]{1,40})\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})')""")
ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def _rels(value: str) -> set[str]:
    return {r.lower() for r in value.split()}


def _header_links(headers: Mapping[str, str]) -> list[tuple[str, set[str]]]:
    from requests.utils import parse_header_links

    raw = headers.get("Link") or headers.get("link") or ""
    if not raw or len(raw) > 8192:
        return []
    return [(link.get("url", ""), _rels(link.get("rel", ""))) for link in parse_header_links(raw)]


def _document_links(content: bytes) -> list[tuple[str, set[str]]]:
    found = []
    for tag in _LINK_TAG.finditer(content[:HEAD_BYTES]):
        attributes = {m.group(1).lower(): (m.group(2) or m.group(3) or b"") for m in _ATTRIBUTE.finditer(tag.group(0))}
        href, rel = attributes.get(b"href"), attributes.get(b"rel")
        if href and rel:
            found.append((href.decode("utf-8", "replace").strip(), _rels(rel.decode("utf-8", "replace"))))
    return found


def find_hub(content: bytes, headers: Mapping[str, str], feed_url: str) -> tuple[str | None, str]:
    """(hub URL or None, topic URL): headers first (the spec's preference), then the document."""
    hub, topic = None, None
    for links in (_header_links(headers), _document_links(content)):
        for href, rels in links:
            absolute = urljoin(feed_url, href)
            if "hub" in rels and hub is None and is_http_url(absolute):
                hub = absolute
            if "self" in rels and topic is None and is_http_url(absolute):
                topic = absolute
    return hub, topic or feed_url


def callback_secret(master: str, token: str) -> str:
    """The hub.secret of the subscription whose callback token is ``token`` (under 200 bytes, as the spec asks)."""
    return hmac.new(master.encode("utf-8"), b"websub:" + token.encode("ascii"), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """What a hub puts in X-Hub-Signature (tests' hub, and the benchmark's)."""
    return f"{algorithm}={hmac.new(secret.encode('utf-8'), body, ALGORITHMS[algorithm]).hexdigest()}"


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = ALGORITHMS.get(method.lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, digest).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("ascii", "replace"))
