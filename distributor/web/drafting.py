"""Compose drafts for the web: article URL -> stored Article + one draft per account.

The fetching, extraction and article bookkeeping are ``manual.py``'s (shared
with the CLI's `queue add`); this module adds what only an editor at a screen
needs: drafts they can change before anything is queued, and the length check
the server applies to whatever they typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distributor.compose import text_length, text_limit
from distributor.config import AccountSettings
from distributor.extract.model import Extracted
from distributor.manual import compose_for, read_article
from distributor.pipeline import Runtime
from distributor.platforms.specs import SPECS, spec_for

PLATFORM_LABELS = {name: spec.label for name, spec in SPECS.items()}


def counter_attributes(platform: str, limit: int | None = None) -> dict[str, str]:
    """What the desk's live counter (compose.js) needs to count as the server does, from the registry."""
    rule = spec_for(platform).text
    return {"data-platform": platform, "data-counting": rule.counting,
            "data-url-length": "" if rule.url_length is None else str(rule.url_length),
            "data-max-bytes": "" if rule.max_bytes is None else str(rule.max_bytes),
            "data-limit": str(limit if limit is not None else rule.max_length)}


@dataclass
class Draft:
    account: str
    platform: str
    text: str = ""
    link: str = ""
    image_choice: str = "article"  # article | none | custom
    image_custom: str = ""
    include: bool = True
    image_alt: str = ""  # the editor's alt text for the chosen image (empty: the image's own)
    error: str | None = None
    max_length: int | None = None  # the account's own limit (a Mastodon instance's max_characters)
    extra_images: list[dict] = field(default_factory=list)  # after the chosen image, each {"url", "alt"}
    first_comment: str = ""  # Facebook: posted under the post once it is out
    thread: list[str] = field(default_factory=list)  # X: the replies after the post

    @property
    def limit(self) -> int:
        return self.max_length or spec_for(self.platform).text.max_length

    @property
    def hint(self) -> str:
        return spec_for(self.platform).text.hint


def drafts_from_article(runtime: Runtime, url: str, accounts: list[AccountSettings]) -> tuple[int, Extracted, list[Draft]]:
    """Fetch and extract ``url`` (recording its Article), then compose each account's draft."""
    article_id, extracted = read_article(runtime, url)
    drafts = []
    for account in accounts:
        composed = compose_for(runtime, extracted, account)
        drafts.append(Draft(account.name, account.platform, composed.text, composed.link or "",
                            "article" if composed.image_url else "none", max_length=text_limit(account)))
    return article_id, extracted, drafts


def blank_drafts(accounts: list[AccountSettings]) -> list[Draft]:
    return [Draft(account.name, account.platform, image_choice="none", max_length=text_limit(account))
            for account in accounts]


def length_error(platform: str, text: str, limit: int | None = None) -> str | None:
    """Why ``text`` cannot be posted on ``platform`` (counted as the platform counts), or None.

    ``limit``: the account's own (``lengths.text_limit``: a Mastodon instance's
    max_characters), the composer's limit too, so the desk never refuses a draft it composed.
    """
    if not text.strip():
        return "the post has no text"
    rule = spec_for(platform).text
    length, limit = text_length(platform, text), limit or rule.max_length
    label = PLATFORM_LABELS.get(platform, platform)
    if length > limit:
        return f"{length} characters as {label} counts them; the limit is {limit}"
    size = len(text.encode("utf-8"))
    if rule.max_bytes is not None and size > rule.max_bytes:
        return f"{size:,} bytes in UTF-8; {label} allows {rule.max_bytes:,}"
    return None
