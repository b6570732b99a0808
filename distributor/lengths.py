"""How long a post is as each platform counts it, and whether it fits.

Apart from the composer so that checking a typed text (``queue add --text``,
the API, the desk's counter) loads no template engine: Jinja2 and the Unicode
text libraries cost a CLI start more than the check itself. Each counting rule
loads what it needs on first use: twitter-text for X, ``regex`` and ICU's
grapheme rules (``distributor.text``) for Bluesky and Threads; a platform
counting plain characters loads nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from distributor.config import AccountSettings
from distributor.platforms.specs import spec_for

# What a URL is to the platforms that give links a fixed weight (Mastodon): the same rule the desk's counter uses.
_URL = re.compile(r"https?://[^\s]+")


def text_length(platform: str, text: str, url_length: int | None = None) -> int:
    """The length of ``text`` as ``platform`` counts it (its spec's counting rule).

    ``url_length`` overrides the spec's weight of a link (a Mastodon instance's own).
    """
    rule = spec_for(platform).text
    if rule.counting == "x_weighted":
        return _x_weighted_length(text)
    if rule.counting == "graphemes":
        from distributor.text import grapheme_count  # regex and ICU: only for platforms that count graphemes

        return grapheme_count(text)
    if rule.counting == "emoji_bytes":
        return emoji_bytes_length(text)
    weight = url_length if url_length is not None else rule.url_length
    if weight is None:
        return len(text)
    total, position = 0, 0
    for match in _URL.finditer(text):
        total += match.start() - position + weight
        position = match.end()
    return total + len(text) - position


def text_limit(account: AccountSettings) -> int:
    """How long the account's posts may be: the instance's own limit where the account names one."""
    return account.max_characters or spec_for(account.platform).text.max_length


def within_bytes(platform: str, text: str) -> bool:
    """Some platforms also cap the UTF-8 size (Bluesky: 3,000 bytes)."""
    limit = spec_for(platform).text.max_bytes
    return limit is None or len(text.encode("utf-8")) <= limit


def fits(platform: str, text: str, limit: int) -> bool:
    """``text`` is within ``limit`` as ``platform`` counts it, and within its byte cap where it has one.

    300 graphemes can be far over Bluesky's 3,000 bytes (a family emoji is 25
    bytes, a letter with stacked accents more), so both are checked.
    """
    return text_length(platform, text) <= limit and within_bytes(platform, text)


@functools.cache
def _emoji_patterns():
    """A grapheme cluster, and one that is (or holds) an emoji: pictographs, flags (regional indicator
    pairs), keycaps. ``regex`` is imported and the patterns compiled on first use."""
    import regex

    return regex.compile(r"\X"), regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def emoji_bytes_length(text: str) -> int:
    """Threads' count: each code point is one, except an emoji, which counts its UTF-8 bytes (one pass)."""
    grapheme, emoji = _emoji_patterns()
    total = 0
    for match in grapheme.finditer(text):
        cluster = match.group()
        total += len(cluster.encode("utf-8")) if emoji.search(cluster) else len(cluster)
    return total


# Below U+2100 only these can begin an emoji (tests check it against twitter-text's own regex).
_LOW_EMOJI_STARTS = frozenset("\u00a9\u00ae\u203c\u2049")
_LOW_RANGE_END = 0x2100


@dataclass(frozen=True)
class _XCounter:
    """twitter-text's counting pieces, loaded on first measurement (see ``_x_counter``)."""

    parse_tweet: Any
    extract_urls_with_indices: Any
    options: dict[str, Any]
    low_weights: list[int]


@functools.cache
def _x_counter() -> _XCounter:
    """Import twitter-text only when a text is measured.

    Importing it compiles its regexes (about a second), which every CLI command
    that merely imports this module (``queue add``, ``queue list``) would pay.
    """
    from twitter_text import parse_tweet
    from twitter_text.config import config as twitter_text_config
    from twitter_text.extract_urls import extract_urls_with_indices
    from twitter_text.get_character_weight import get_character_weight

    options = twitter_text_config["defaults"]
    low_weights = [get_character_weight(chr(c), options) for c in range(_LOW_RANGE_END)]
    return _XCounter(parse_tweet, extract_urls_with_indices, options, low_weights)


@functools.lru_cache(maxsize=4096)
def _x_weighted_length(text: str) -> int:
    """X's weighted length, exactly as twitter-text's ``parse_tweet`` counts it.

    ``parse_tweet`` scans every text with a huge emoji regex (about 4 ms for a
    post, more than extracting the whole article). A text with no character
    at or above U+2100 and none of the four emoji starters below it cannot hold
    an emoji, so for it we add up twitter-text's own URL entities and character
    weights; anything else goes through ``parse_tweet`` itself. Cached, because
    several accounts and the trimming search measure the same texts.
    """
    counter = _x_counter()
    normalised = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if any(ord(ch) >= _LOW_RANGE_END or ch in _LOW_EMOJI_STARTS for ch in normalised):
        return counter.parse_tweet(text).weightedLength
    scale = counter.options["scale"]
    total, index = 0, 0
    urls = {entity["indices"][0]: entity["url"] for entity in counter.extract_urls_with_indices(normalised)}
    while index < len(normalised):
        if index in urls:
            total += counter.options["transformed_url_length"] * scale
            index += len(urls[index])
            continue
        total += counter.low_weights[ord(normalised[index])]
        index += 1
    return int(total / scale)
