"""Recognise our own post among an account's recent posts (reconciliation).

After a lost response or a "duplicate" refusal we do not know whether a post
went out. Platform posts older than our first attempt, or already owned by
another of our posts, are never candidates. Then the strongest evidence wins:
the post's marker in the text, then the same text, then the same link. The
link counts only when nothing stronger matched and no other post of ours on
this account has the same link (follow-ups of a story share it).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from distributor.platforms.base import OutgoingPost


# Platform clocks and ours differ a little; a candidate may be this much older than our first try.
CLOCK_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class Candidate:
    external_id: str
    text: str  # with links expanded to what we sent
    links: tuple[str, ...] = ()
    created_at: datetime | None = None


def _possible(post: OutgoingPost, candidates: list[Candidate]) -> list[Candidate]:
    """Drop posts that cannot be ours: owned by another of our posts, or older than our first try."""
    kept = [c for c in candidates if c.external_id not in post.taken_ids]
    if post.not_before is not None:
        earliest = post.not_before - CLOCK_SLACK
        kept = [c for c in kept if c.created_at is None or c.created_at >= earliest]
    return kept


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _norm_link(link: str) -> str:
    return link.strip().rstrip("/")


def best_match(post: OutgoingPost, sent_text: str, candidates: list[Candidate]) -> Candidate | None:
    """The candidate that is most surely ``post`` (sent as ``sent_text``), or None."""
    candidates = _possible(post, candidates)
    if post.marker:
        for candidate in candidates:
            if post.marker in candidate.text:
                return candidate
    wanted = _norm(sent_text)
    for candidate in candidates:
        if _norm(candidate.text) == wanted:
            return candidate
    if post.link and not post.link_shared:
        link = _norm_link(post.link)
        for candidate in candidates:
            if link in {_norm_link(found) for found in candidate.links}:
                return candidate
    return None


def parse_platform_time(value: str | None) -> datetime | None:
    """X's "2026-11-25T12:00:00.000Z" or Graph's "2026-11-25T12:00:00+0000"; None if unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
