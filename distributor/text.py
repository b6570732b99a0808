"""Unicode text units for posts: where a text may be cut, and hashtags from tags.

A reader's "character" is a grapheme cluster (an emoji family, a flag, a letter
with its accents, an Indic syllable's vowel sign), and where a line may break
is decided by the Unicode line-breaking rules (UAX #14): between words in
Latin scripts, between most ideographs in Chinese and Japanese, never inside
"state-of-" hyphen runs' letters or before closing punctuation. Both come from
maintained libraries: ``regex``'s ``\\X`` for grapheme clusters and ICU's line
break iterator (``icu4py``, binary wheels with ICU inside) for UAX #14.
"""

from __future__ import annotations

import unicodedata

import regex
from icu4py.breakers import LineBreaker

ELLIPSIS = "…"
SOFT_HYPHEN = "\u00ad"
# left at the end of a cut before the ellipsis: spaces and separating punctuation (Latin and CJK)
_TRAILING = regex.compile(r"[\s,;:.\-–—、，。：；·]+$")
_GRAPHEME = regex.compile(r"\X")
_LOCALE = "und"  # the root locale: the default UAX #14 rules, whatever the site's language


def cut_points(text: str) -> tuple[int, ...]:
    """Indices where ``text`` may be cut, ascending, ending with ``len(text)``.

    Line-break opportunities (UAX #14) that are also grapheme-cluster
    boundaries; before the first opportunity (one long word, a URL), every
    grapheme boundary, so an over-long first word can still be cut without
    splitting a character. Never after a soft hyphen, never inside a URL (UAX #14 breaks after its
    slashes; a cut one is a link to a page that does not exist). Linear in
    the length of ``text``.
    """
    if not text:
        return (0,)
    graphemes = [match.end() for match in _GRAPHEME.finditer(text)]
    boundaries = set(graphemes)
    # a soft hyphen (&shy;) marks where a page may hyphenate a word: a post cut there ends mid-word
    breaks = [end for end in _line_breaks(text) if end in boundaries and text[end - 1] != SOFT_HYPHEN]
    first = breaks[0] if breaks else len(text)
    points = _outside_urls(text, [g for g in graphemes if g < first] + breaks)
    if not points or points[-1] != len(text):
        points.append(len(text))
    return tuple(points)


# A URL as people write one in a headline: with a scheme, from www., or a domain followed by a path.
# Each alternative starts at a word's start and its runs cannot overlap, so a match attempt never backtracks.
_URL_SPAN = regex.compile(r"(?:https?://|(?<![\w.@-])www\.)\S+|(?<![\w.@/-])[\w-]+(?:\.[\w-]+)+/\S*")


def _outside_urls(text: str, points: list[int]) -> list[int]:
    """``points`` (ascending) without those strictly inside a URL of ``text``."""
    spans = [match.span() for match in _URL_SPAN.finditer(text)]
    if not spans:
        return points
    kept, index = [], 0
    for point in points:
        while index < len(spans) and spans[index][1] <= point:
            index += 1
        if index < len(spans) and spans[index][0] < point < spans[index][1]:
            continue
        kept.append(point)
    return kept


def _line_breaks(text: str) -> list[int]:
    """UAX #14 break positions as indices into ``text``.

    ICU counts in UTF-16 code units; a character beyond U+FFFF (most emoji)
    is two of them, so the offsets are mapped back to Python's code points.
    """
    ends = [end for _start, end in LineBreaker(text, _LOCALE).segments()]
    if not ends or ends[-1] == len(text):
        return ends
    unit_to_index, units = {0: 0}, 0
    for index, char in enumerate(text, start=1):
        units += 2 if ord(char) > 0xFFFF else 1
        unit_to_index[units] = index
    return [unit_to_index[end] for end in ends if end in unit_to_index]


def cut_at(text: str, point: int) -> str:
    """``text`` cut at ``point`` (one of ``cut_points``), with an ellipsis when anything was left out.

    A quotation the cut leaves open is closed after the ellipsis (“we will not…”),
    as an editor trims a quote, so the reader sees where the quoted words end.
    """
    if point >= len(text):
        return text
    kept = _TRAILING.sub("", text[:point])
    return kept + ELLIPSIS + unclosed_quotes(kept)


# Quotation marks: an opening mark and the marks that close it, in the languages we
# post in („…“ German, „…” Polish, »…« German, «…» French, ‚…‘, 「…」).
_CLOSERS = {"“": "”", "„": "“”", "«": "»", "»": "«", "‹": "›", "›": "‹", "‘": "’", "‚": "‘’",
            "「": "」", "『": "』", '"': '"', "'": "'"}
_QUOTE_MARKS = frozenset(_CLOSERS) | frozenset("".join(_CLOSERS.values()))
_APOSTROPHES_OR_QUOTES = frozenset("'’")
_MAX_NESTING = 4  # deeper nesting is not a headline: ignore it rather than grow without bound


def unclosed_quotes(text: str) -> str:
    """The closing marks of the quotations ``text`` leaves open, innermost first (one pass).

    ' and ’ between two letters are apostrophes (we’re, don't), and a ' that
    opens must come before a letter ('90s is no quotation), so possessives and
    contractions never count as quotation marks.
    """
    stack: list[str] = []
    last = len(text) - 1
    for index, char in enumerate(text):
        if char not in _QUOTE_MARKS:
            continue
        before = text[index - 1] if index else " "
        after = text[index + 1] if index < last else " "
        if char in _APOSTROPHES_OR_QUOTES and before.isalnum() and after.isalnum():
            continue  # an apostrophe inside a word
        if stack and char in stack[-1]:
            stack.pop()
        elif char in _CLOSERS and len(stack) < _MAX_NESTING:
            if char == "'" and not after.isalpha():
                continue
            if char == '"' and not (before.isspace() or before in "([{"):
                continue  # a stray closing mark, or inches ("6"")
            stack.append(_CLOSERS[char])
    return "".join(closers[0] for closers in reversed(stack))


def grapheme_count(text: str) -> int:
    """How many characters a reader sees."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def trim(text: str, max_chars: int) -> str:
    """``text`` cut at the last allowed point that keeps at most ``max_chars`` characters
    (an open quotation's closing mark included), plus an ellipsis."""
    if grapheme_count(text) <= max_chars:
        return text
    points = cut_points(text)
    counts = {end: n for n, end in enumerate((m.end() for m in _GRAPHEME.finditer(text)), start=1)}
    fitting = [p for p in points if counts.get(p, 0) <= max(max_chars, 0)]
    for point in reversed(fitting[-8:]):  # a closing mark or two may take the last point's room
        cut = cut_at(text, point)
        if grapheme_count(cut) - 1 <= max(max_chars, 0):
            return cut
    return cut_at(text, 0)


# --- hashtags -------------------------------------------------------------------

# a word of a tag: letters, combining marks (Indic vowel signs and viramas, accents
# left decomposed) and digits of every script; ZWNJ/ZWJ belong inside Persian and
# Indic words. Apostrophes inside a word are dropped ("women's" -> "womens").
_WORD = regex.compile(r"(?:[^\W_]|\p{M}|[\u200c\u200d])+")
_APOSTROPHES = regex.compile(r"(?<=[^\W_]|\p{M})['’ʼ](?=[^\W_])")
# a symbol stuck to a word carries meaning a hashtag cannot hold ("C++", "C#", "$5m"):
# such a tag gets no hashtag rather than a wrong one ("#C")
_SYMBOL_IN_WORD = regex.compile(r"(?:[^\W_]|\p{M})[\p{S}#@]|[\p{S}#@](?:[^\W_])")


# A tag of ASCII letters, digits, spaces and hyphens only (most tags): the rules below
# then come down to splitting at the spaces and hyphens, read without the regex engine
# (composing counts a post's hashtags for every article).
_PLAIN_TAG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -")


def hashtag(tag: str) -> str:
    """'climate change' -> '#ClimateChange'; 'हिन्दी' -> '#हिन्दी'; '' when nothing usable is left.

    NFC first (a decomposed accent is one letter again); each word keeps every
    letter and mark; a word's first letter is capitalised only where the
    script has case and the capital is one letter ('ß' and 'ﬁ' stay as they are).
    """
    if not tag:
        return ""
    if isinstance(tag, str) and _PLAIN_TAG_CHARS.issuperset(tag):
        joined = "".join(word[0].upper() + word[1:] for word in tag.replace("-", " ").split())
        return "#" + joined if joined and not joined.isdigit() else ""
    text = unicodedata.normalize("NFC", str(tag))
    if _SYMBOL_IN_WORD.search(text):
        return ""
    words = _WORD.findall(_APOSTROPHES.sub("", text))
    if not words:
        return ""
    joined = "".join(_capitalised(word) for word in words)
    return "" if joined.isdigit() else "#" + joined


def _capitalised(word: str) -> str:
    first = word[0]
    upper = first.upper()
    return upper + word[1:] if len(upper) == 1 else word
