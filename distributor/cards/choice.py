"""Which picture a post gets: the lead photo, the quote card, or none. A pure decision table."""

from __future__ import annotations

from typing import Literal

Mode = Literal["lead", "quote_card", "auto"]
Picture = Literal["lead", "card", "none"]


def choose_picture(mode: Mode, *, has_quote: bool, has_photo: bool, photo_usable: bool | None = None,
                   editor: Picture | None = None) -> Picture:
    """The picture for one post.

    ``photo_usable`` is None when nobody looked (a photo is then taken as
    usable); ``editor`` is what an editor picked in the desk and wins whenever
    it can be had (a card needs a quote, the lead needs a photo).
    """
    usable = has_photo and photo_usable is not False
    if editor == "card" and has_quote:
        return "card"
    if editor == "lead" and has_photo:
        return "lead"
    if editor == "none":
        return "none"
    if mode == "quote_card" and has_quote:
        return "card"
    if mode == "auto" and has_quote and not usable:
        return "card"
    return "lead" if has_photo else "none"
