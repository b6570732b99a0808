"""Download a post's image within a platform's size limit (or read its quote card).

A missing or oversized image must not stop the post: ``load_image`` returns a
note saying why instead of raising, and the adapter posts without it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from distributor.cards.store import is_card_reference, read_card
from distributor.errors import FetchError, PageTooLarge
from distributor.fetch import Fetcher

_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


@dataclass(frozen=True)
class Image:
    content: bytes
    mime: str

    @property
    def filename(self) -> str:
        """tweepy picks the MIME type from the file name, so give it an extension."""
        extension = {"image/jpeg": ".jpg"}.get(self.mime) or mimetypes.guess_extension(self.mime) or ".jpg"
        return "image" + extension


def _mime(content: bytes, declared: str) -> str:
    for signature, mime in _SIGNATURES:
        if content.startswith(signature):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return declared.split(";")[0].strip().lower()


def load_image(fetcher: Fetcher, url: str, max_bytes: int) -> tuple[Image | None, str | None]:
    """(image, None), or (None, a note for the editor saying why there is no image)."""
    if is_card_reference(url):  # a quote card we rendered: read from the card store, never fetched
        content, mime, note = read_card(url, max_bytes)
        return (Image(content, mime), None) if content else (None, note)
    limit_mb = f"{max_bytes / 1_048_576:g} MB"
    try:
        result = fetcher.get(url, max_bytes=max_bytes, accept="image/*")
    except PageTooLarge:
        return None, f"posted without image: {url} is larger than the platform's {limit_mb} limit"
    except FetchError as exc:
        return None, f"posted without image: {exc}"
    mime = _mime(result.content, result.content_type)
    if not mime.startswith("image/"):
        return None, f"posted without image: {url} is not an image ({mime or 'no content type'})"
    if not result.content:
        return None, f"posted without image: {url} is empty"
    return Image(result.content, mime), None
