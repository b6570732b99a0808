"""Characters a reader never sees, taken out of what a post shows and what quotes are read from.

CMSs and copy desks leave soft hyphens (U+00AD: "Verfassungs&shy;gericht"),
zero-width spaces, byte-order marks and word joiners in headlines and body
text; kept, they break a post's words for search and screen readers, and a
name with one inside ("Hol&shy;loway") is no longer the name the article
introduced. Zero-width (non-)joiners are only dropped after Latin text,
punctuation or at the start: after an emoji (a family sequence) or a letter
or sign of another script they change how the text renders, also at a word's
end (Malayalam's old chillu "അവന്\u200d" is a different letter without it).
One compiled regex: linear in the text.
"""

from __future__ import annotations

import re

_INVISIBLE_RE = re.compile(
    r"[\u00ad\u200b\ufeff\u2060]+"
    # after ASCII, Latin letters and their accents, spaces and punctuation, or at the start
    r"|(?<![^\x00-\u036f\u1e00-\u1eff\u2000-\u206f])[\u200c\u200d]+"
)


_INVISIBLE = "\u00ad\u200b\ufeff\u2060\u200c\u200d"  # every character _INVISIBLE_RE can take out


def visible(text: str | None) -> str | None:
    """``text`` without invisible formatting characters (None stays None)."""
    # (Most texts hold none: a few C-speed membership tests answer for them, where the
    # regex would try its three branches at every character.)
    if (
        not text
        or text.isascii()
        or not (
            "\u00ad" in text
            or "\u200b" in text
            or "\ufeff" in text
            or "\u2060" in text
            or "\u200c" in text
            or "\u200d" in text
        )
    ):
        return text  # (the six tests spelt out: a generator over _INVISIBLE costs more than they do)
    return _INVISIBLE_RE.sub("", text)
