"""The brand of a card from settings: ``[cards]`` with an account's changes, paths made absolute."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageColor

from distributor.cards.render import CardStyle
from distributor.config import AccountSettings, CardSettings, Settings


def style_for(settings: Settings, account: AccountSettings | None = None) -> tuple[CardStyle, CardSettings]:
    """The drawing style for ``account`` (its own ``cards`` changes over ``[cards]``)."""
    cards = settings.card_settings(account)
    base = Path(settings.config_dir)

    def resolve(path: str | None) -> str | None:
        return str((base / path).resolve()) if path else None

    style = CardStyle(
        background=ImageColor.getrgb(cards.background)[:3],
        text=ImageColor.getrgb(cards.text)[:3],
        accent=ImageColor.getrgb(cards.accent)[:3],
        quote_font=resolve(cards.font),
        label_font=resolve(cards.label_font),
        logo=resolve(cards.logo),
        logo_position=cards.logo_position,
        show_headline=cards.show_headline,
        darken=cards.darken,
        format=cards.format,
    )
    return style, cards
