"""Posts embedded in an article (X/Twitter and Bluesky blockquotes): words of their author.

An embed is a quotation the newsroom chose to show, signed by its author
("— Ilhan Omar (@Ilhan) November 19, 2019"). The body extractor leaves
embeds out of the prose, so they are read here, from the parsed page,
before the body step changes the tree. Whether the author is a person the
article talks about is quotes.py's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from distributor.extract.body import collapse
from distributor.extract.document import page_elements

_SELECTOR = "blockquote.twitter-tweet, blockquote.bluesky-embed, blockquote.x-tweet"
# "— Mario Negri (@marioraulnegri) May 4, 2022": the display name before the handle.
_SIGNATURE_RE = re.compile(r"[—–-]\s*(?P<name>[^()@\n—–]{2,80}?)\s*\(\s*@")
_LINK_RE = re.compile(r"(?:https?://|pic\.twitter\.com/|t\.co/)\S+")
_MAX_EMBEDS = 20
# What a class attribute matching _SELECTOR contains, in any case (selectors may match classes
# without regard to case): a superset test, so no page with an embed is skipped.
_MAY_BE_EMBED_RE = re.compile(r"twitter-tweet|bluesky-embed|x-tweet", re.IGNORECASE)


@dataclass(frozen=True)
class EmbeddedPost:
    text: str
    author: str  # the display name the embed shows


def embedded_posts(tree: LexborHTMLParser) -> list[EmbeddedPost]:
    """The embedded posts of a page, in page order, with their text and author's name."""
    out: list[EmbeddedPost] = []
    # Only a page with a blockquote whose class could name an embed is searched for them
    # (the blockquotes come from the list of blocks the body step reads too).
    if not any(_MAY_BE_EMBED_RE.search(node.attributes.get("class") or "") for node, tag in page_elements(tree).blocks if tag == "blockquote"):
        return out
    for node in tree.css(_SELECTOR)[:_MAX_EMBEDS]:
        body = node.css_first("p")
        if body is None:
            continue
        text = collapse(_LINK_RE.sub(" ", body.text(deep=True, separator=" ")))
        text = re.sub(r"\s+([.,;:!?])", r"\1", text).strip()
        signature = collapse(node.text(deep=True, separator=" "))[len(collapse(body.text(deep=True, separator=" "))) :]
        m = _SIGNATURE_RE.search(signature)
        if text and m:
            out.append(EmbeddedPost(text=text, author=m.group("name").strip()))
    return out
