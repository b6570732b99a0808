"""What extraction returns: plain data, serialised as INTERFACE.md's JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    url: str
    alt: str | None = None  # alt text or caption, whichever says more


@dataclass
class Quote:
    text: str  # without the surrounding quote marks
    speaker: str | None  # full name as the article gives it; None when unnamed
    score: float = 0.0  # higher is a better pull quote
    # How sure the extractor is that these words are this speaker's (0..1): highest
    # when the attribution names the person right at the quote, lower when the
    # speaker comes from a pronoun, a role, a dropped subject or an earlier paragraph.
    confidence: float = 0.0


@dataclass
class Extracted:
    source: str
    title: str | None = None
    canonical_url: str | None = None
    image: Image | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601
    pull_quote: Quote | None = None
    quotes: list[Quote] = field(default_factory=list)
    description: str | None = None
    site_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `distributor extract --json` object (INTERFACE.md)."""
        return {
            "source": self.source,
            "title": self.title,
            "canonical_url": self.canonical_url,
            "image": asdict(self.image) if self.image else None,
            "section": self.section,
            "tags": list(self.tags),
            "published_at": self.published_at,
            "pull_quote": (
                {
                    "text": self.pull_quote.text,
                    "speaker": self.pull_quote.speaker,
                    "confidence": self.pull_quote.confidence,
                }
                if self.pull_quote
                else None
            ),
            "quotes": [asdict(q) for q in self.quotes],
        }
