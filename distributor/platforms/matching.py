"""Recognise our own post among an account's recent posts (reconciliation).

After a lost response or a "duplicate" refusal we do not know whether a post
went out. The strongest evidence wins: the post's marker in the text, then the
same text, then the same link. (Two posts of one article share a link; that is
why the link only counts when nothing stronger matched.)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from distributor.platforms.base import OutgoingPost


@dataclass(frozen=True)
class Candidate:
    external_id: str
    text: str  # with links expanded to what we sent
    links: tuple[str, ...] = ()


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _norm_link(link: str) -> str:
    return link.strip().rstrip("/")


def best_match(post: OutgoingPost, sent_text: str, candidates: list[Candidate]) -> Candidate | None:
    """The candidate that is most surely ``post`` (sent as ``sent_text``), or None."""
    if post.marker:
        for candidate in candidates:
            if post.marker in candidate.text:
                return candidate
    wanted = _norm(sent_text)
    for candidate in candidates:
        if _norm(candidate.text) == wanted:
            return candidate
    if post.link:
        link = _norm_link(post.link)
        for candidate in candidates:
            if link in {_norm_link(found) for found in candidate.links}:
                return candidate
    return None
