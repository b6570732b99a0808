"""Quote cards: the pull quote, its speaker and the headline as the post's picture.

    maker = CardMaker(settings, fetcher)
    composed = maker.apply(composed, extracted, account)    # the account's `image` setting decides

``render`` draws (Pillow), ``layout`` breaks lines and picks the size,
``fonts`` finds a font per script, ``brand`` reads ``[cards]``, ``store``
keeps each card once per article and style, ``choice`` decides photo or card.
A post carries its card as ``image_url = "card:<file>"``; the adapters read
the file through ``distributor.platforms.images``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from distributor.cards.brand import style_for
from distributor.cards.choice import Picture, choose_picture
from distributor.cards.render import CardError, CardStyle, CardText, open_photo, render_card
from distributor.cards.store import CardStore, StoredCard, card_key, file_digest, is_card_reference, read_card
from distributor.compose import without_leftover_entities as _plain
from distributor.config import AccountSettings, Settings
from distributor.errors import DistributorError

log = logging.getLogger(__name__)

MB = 1024 * 1024
# The picture each platform shows best, and the most it takes (X 5 MB; Facebook 4 MB for a photo).
PLATFORM_CARDS: dict[str, tuple[tuple[int, int], int]] = {
    "twitter": ((1200, 675), 5 * MB),
    "facebook": ((1200, 630), 4 * MB),
    "dryrun": ((1200, 675), 5 * MB),
    "bluesky": ((1200, 630), 950_000),  # the PDS takes image blobs up to about 1 MB
    "mastodon": ((1200, 675), 8 * MB),
    "threads": ((1080, 1080), 8 * MB),
}
DEFAULT_CARD = ((1200, 675), 4 * MB)
MIN_PHOTO = (600, 315)  # smaller than this, a lead photo is not worth posting or drawing on
MAX_PHOTO_BYTES = 15 * MB
_PHOTOS_KEPT = 8


@dataclass(frozen=True)
class CardSource:
    """What a card is made of, from an extraction or a stored article."""

    quote: str
    speaker: str | None
    headline: str | None
    site_name: str | None
    photo_url: str | None

    @classmethod
    def from_extracted(cls, extracted) -> "CardSource | None":
        quote = extracted.pull_quote
        if not quote or not quote.text or not quote.speaker:
            return None
        url = extracted.canonical_url or extracted.source
        # as the post's text reads them: an entity the CMS escaped twice is its character on the card too
        return cls(_plain(quote.text), _plain(quote.speaker), _plain(extracted.title),
                   _plain(extracted.site_name) or site_from_url(url), extracted.image.url if extracted.image else None)

    @classmethod
    def from_article(cls, article, site_name: str | None = None) -> "CardSource | None":
        if not article.pull_quote or not article.pull_quote_speaker:
            return None
        return cls(_plain(article.pull_quote), _plain(article.pull_quote_speaker), _plain(article.title),
                   _plain(site_name) or site_from_url(article.canonical_url or article.url), article.image_url)


def site_from_url(url: str | None) -> str | None:
    """The site's name when the page gives none: its host without www."""
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.") or None


def alt_text(source: CardSource) -> str:
    """What a screen reader says for a card: the quote, who said it, and the story."""
    text = f"Quote card: “{source.quote}”"
    if source.speaker:
        text += f" — {source.speaker}"
    if source.headline:
        text += f". {source.headline}"
    return text


@dataclass(frozen=True)
class Card:
    stored: StoredCard
    alt: str

    @property
    def reference(self) -> str:
        return self.stored.reference


class CardMaker:
    """Renders and caches cards for the configured accounts; one per process (thread-safe)."""

    def __init__(self, settings: Settings, fetcher=None, store: CardStore | None = None):
        self.settings = settings
        self.fetcher = fetcher
        self.store = store or CardStore(Path(settings.config_dir) / settings.cards.cache_dir)
        self._photos: OrderedDict[str, bytes | None] = OrderedDict()
        self._lock = threading.Lock()

    # the decision ------------------------------------------------------------------
    def picture_for(self, source: CardSource | None, account: AccountSettings, has_photo: bool,
                    editor: Picture | None = None) -> Picture:
        usable = None
        if account.image == "auto" and source is not None and has_photo and editor is None:
            usable = self.photo(source.photo_url) is not None
        return choose_picture(account.image, has_quote=source is not None, has_photo=has_photo,
                              photo_usable=usable, editor=editor)

    def apply(self, composed, extracted, account: AccountSettings, editor: Picture | None = None):
        """``composed`` with its picture chosen by the account's ``image`` setting (or the editor)."""
        source = CardSource.from_extracted(extracted)
        picture = self.picture_for(source, account, bool(composed.image_url), editor)
        if picture == "none":
            return dataclasses.replace(composed, image_url=None, image_alt=None)
        if picture != "card":
            return composed
        try:
            card = self.card(source, account)
        except (DistributorError, OSError) as exc:
            log.warning("no quote card for %s (%s): %s", account.name, source.quote[:40], exc)
            return composed
        return dataclasses.replace(composed, image_url=card.reference, image_alt=card.alt)

    # the card ----------------------------------------------------------------------
    def card(self, source: CardSource, account: AccountSettings | None = None) -> Card:
        """The card for ``source`` in ``account``'s style: from the store, else rendered and stored."""
        style, cards = style_for(self.settings, account)
        size, max_bytes = PLATFORM_CARDS.get(account.platform if account else "", DEFAULT_CARD)
        text = CardText(source.quote, source.speaker, source.headline, cards.site_name or source.site_name)
        photo_url = source.photo_url if cards.use_photo else None
        key = card_key({
            "text": dataclasses.asdict(text), "style": dataclasses.asdict(style), "size": size,
            "max_bytes": max_bytes, "photo": photo_url, "logo": file_digest(style.logo),
            "fonts": [file_digest(style.quote_font), file_digest(style.label_font)],
        })
        stored = self.store.get(key)
        if stored is None:
            content = self.photo(photo_url) if photo_url else None
            photo = open_photo(content, size) if content else None
            rendered = render_card(text, style, size=size, photo=photo, max_bytes=max_bytes)
            stored = self.store.put(key, rendered.content, rendered.mime)
        return Card(stored, alt_text(source))

    def photo(self, url: str | None) -> bytes | None:
        """The lead photo's bytes when it can be fetched, decoded and is big enough; else None (kept per URL)."""
        if not url or self.fetcher is None:
            return None
        with self._lock:
            if url in self._photos:
                self._photos.move_to_end(url)
                return self._photos[url]
        content = self._fetch_photo(url)
        with self._lock:
            self._photos[url] = content
            while len(self._photos) > _PHOTOS_KEPT:
                self._photos.popitem(last=False)
        return content

    def _fetch_photo(self, url: str) -> bytes | None:
        try:
            content = self.fetcher.get(url, max_bytes=MAX_PHOTO_BYTES, accept="image/*").content
        except DistributorError as exc:
            log.debug("lead photo %s not usable: %s", url, exc)
            return None
        image = open_photo(content, MIN_PHOTO)
        if image is None or image.width < MIN_PHOTO[0] or image.height < MIN_PHOTO[1]:
            return None
        return content


def render_for_source(source: CardSource, style: CardStyle = CardStyle(), *, platform: str = "twitter",
                      photo: bytes | None = None):
    """One card without a store (the CLI and the benchmark): the ``Rendered`` result."""
    size, max_bytes = PLATFORM_CARDS.get(platform, DEFAULT_CARD)
    picture = open_photo(photo, size) if photo else None
    text = CardText(source.quote, source.speaker, source.headline, source.site_name)
    return render_card(text, style, size=size, photo=picture, max_bytes=max_bytes)


def card_for_extracted(settings: Settings, extracted, *, account: AccountSettings | None = None,
                       platform: str = "twitter", fetcher=None, photo: bytes | None = None,
                       use_photo: bool = True, image_format: str | None = None):
    """(Rendered, CardSource) for one article, in ``account``'s style (`distributor card`); raises CardError."""
    source = CardSource.from_extracted(extracted)
    if source is None:
        raise CardError("the article has no pull quote with a named speaker to put on a card")
    style, cards = style_for(settings, account)
    if image_format:
        style = dataclasses.replace(style, format=image_format)
    source = dataclasses.replace(source, site_name=cards.site_name or source.site_name)
    if photo is None and use_photo and cards.use_photo and source.photo_url and fetcher is not None:
        photo = CardMaker(settings, fetcher).photo(source.photo_url)
    rendered = render_for_source(source, style, platform=account.platform if account else platform,
                                 photo=photo if use_photo else None)
    return rendered, source


__all__ = [
    "Card", "CardError", "CardMaker", "CardSource", "CardStore", "CardStyle", "CardText", "PLATFORM_CARDS",
    "alt_text", "card_for_extracted", "choose_picture", "is_card_reference", "read_card", "render_card", "render_for_source",
]
