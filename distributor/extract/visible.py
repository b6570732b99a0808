"""Characters a reader never sees, taken out of what a post shows and what quotes are read from.

CMSs and copy desks leave soft hyphens (U+00AD: "Verfassungs&shy;gericht"),
zero-width spaces, byte-order marks and word joiners in headlines and body
text; kept, they break a post's words for search and screen readers, and a
name with one inside ("Hol&shy;loway") is no longer the name the article
introduced. Zero-width (non-)joiners are only dropped next to ASCII text or
at an edge: between emoji (a family sequence) or in Persian or Indic words
they change how the text renders. One compiled regex: linear in the text.
"""

from __future__ import annotations

import re

_INVISIBLE_RE = re.compile(
    r"[\u00ad\u200b\ufeff\u2060]+"
    r"|(?<![^\x00-\x7f])[\u200c\u200d]+"  # after ASCII or at the start
    r"|[\u200c\u200d]+(?![^\x00-\x7f])"  # before ASCII or at the end
)


_INVISIBLE = "\u00ad\u200b\ufeff\u2060\u200c\u200d"  # every character _INVISIBLE_RE can take out


def visible(text: str | None) -> str | None:
    """``text`` without invisible formatting characters (None stays None)."""
    # (Most texts hold none: a few C-speed membership tests answer for them, where the
    # regex would try its three branches at every character.)
    if not text or text.isascii() or not any(c in text for c in _INVISIBLE):
        return text
    return _INVISIBLE_RE.sub("", text)
