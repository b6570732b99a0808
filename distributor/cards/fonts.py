"""Fonts for cards: a fallback chain per script, from fonts installed on the machine.

Cards use the Noto families Debian ships (fonts-noto-core, fonts-noto-cjk) and
DejaVu (fonts-dejavu-core) as the last resort; nothing is downloaded. For each
text the first font of its script's chain that has a glyph for every character
wins, so an Arabic quote gets Naskh, a Japanese one the Japanese cut of Noto
CJK, and a Latin name inside either still finds its glyphs (or the font that
covers the most of them). "Has a glyph" is judged the way a reader would see
it: the character does not render as the font's .notdef box. Pillow has no
cmap query, and fontTools would be a dependency for this one question.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont, features

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"))
MISSING_GLYPH = "\U0010fffd"  # a private-use code point no font here maps: renders .notdef
_PROBE_SIZE = 24

# Roles: "quote" (the big words), "label" (speaker, site name), "body" (headline).
# Each entry: (file name, index inside a .ttc collection).
_LATIN = {
    "quote": [("NotoSerif-Bold.ttf", 0), ("DejaVuSerif-Bold.ttf", 0)],
    "label": [("NotoSans-Bold.ttf", 0), ("DejaVuSans-Bold.ttf", 0)],
    "body": [("NotoSans-Regular.ttf", 0), ("DejaVuSans.ttf", 0)],
}
_ARABIC = {
    "quote": [("NotoNaskhArabic-Bold.ttf", 0), ("NotoSansArabic-Bold.ttf", 0)],
    "label": [("NotoSansArabic-Bold.ttf", 0), ("NotoNaskhArabic-Bold.ttf", 0)],
    "body": [("NotoSansArabic-Regular.ttf", 0), ("NotoNaskhArabic-Regular.ttf", 0)],
}
_HEBREW = {
    "quote": [("NotoSerifHebrew-Bold.ttf", 0), ("NotoSansHebrew-Bold.ttf", 0)],
    "label": [("NotoSansHebrew-Bold.ttf", 0), ("NotoSerifHebrew-Bold.ttf", 0)],
    "body": [("NotoSansHebrew-Regular.ttf", 0), ("NotoSerifHebrew-Regular.ttf", 0)],
}
# Noto CJK collections hold JP, KR, SC, TC, HK in this order.
_CJK_INDEX = {"ja": 0, "ko": 1, "zh": 2}


def _cjk(language: str) -> dict[str, list[tuple[str, int]]]:
    index = _CJK_INDEX[language]
    return {
        "quote": [("NotoSerifCJK-Bold.ttc", index), ("NotoSansCJK-Bold.ttc", index)],
        "label": [("NotoSansCJK-Bold.ttc", index), ("NotoSerifCJK-Bold.ttc", index)],
        "body": [("NotoSansCJK-Regular.ttc", index), ("NotoSerifCJK-Regular.ttc", index)],
    }


CHAINS = {"latin": _LATIN, "arabic": _ARABIC, "hebrew": _HEBREW,
          "ja": _cjk("ja"), "ko": _cjk("ko"), "zh": _cjk("zh")}
RTL_SCRIPTS = frozenset({"arabic", "hebrew"})
CJK_SCRIPTS = frozenset({"ja", "ko", "zh"})


def script_of(text: str) -> str:
    """The script a text is set in: the first non-Latin script among its letters decides."""
    han = False
    for ch in text:
        code = ord(ch)
        if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
            return "arabic"
        if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
            return "hebrew"
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
            return "ja"
        if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            return "ko"
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han = True
    return "zh" if han else "latin"


@functools.cache
def _installed() -> dict[str, str]:
    """Font file name -> path, for every font under the usual directories (read once)."""
    found: dict[str, str] = {}
    for directory in FONT_DIRS:
        for root, _dirs, files in os.walk(directory):
            for name in files:
                if name.lower().endswith((".ttf", ".otf", ".ttc")):
                    found.setdefault(name, os.path.join(root, name))
    return found


def layout_engine():
    """raqm (bidi, shaping, CJK line metrics) when Pillow has it, else the basic layout."""
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, size)


@functools.lru_cache(maxsize=512)
def _load(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=layout_engine())


@functools.lru_cache(maxsize=65536)
def has_glyph(face: FontFace, ch: str) -> bool:
    """Whether ``ch`` renders as something other than this font's .notdef box."""
    if ch.isspace() or not ch.isprintable():
        return True
    font = face.at(_PROBE_SIZE)
    return _mask(font, ch) != _mask(font, MISSING_GLYPH)


def _mask(font: ImageFont.FreeTypeFont, text: str) -> tuple:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


def chain(script: str, role: str, preferred: list[FontFace] = ()) -> list[FontFace]:
    """The fonts to try for ``role`` in ``script``: the brand's first, then ours, then every other script's."""
    installed = _installed()
    names = list(CHAINS[script][role])
    for other, roles in CHAINS.items():
        if other != script:
            names.extend(roles[role])
    faces = list(preferred)
    for name, index in names:
        if name in installed and FontFace(installed[name], index) not in faces:
            faces.append(FontFace(installed[name], index))
    return faces


def face_for(text: str, role: str, preferred: list[FontFace] = ()) -> FontFace:
    """The first font of the chain that draws every character of ``text``, else the one drawing the most."""
    candidates = chain(script_of(text), role, preferred)
    if not candidates:
        raise LookupError("no fonts found: install fonts-noto-core, fonts-noto-cjk or fonts-dejavu-core")
    characters = set(text)
    best, best_missing = candidates[0], None
    for face in candidates:
        missing = sum(1 for ch in characters if not has_glyph(face, ch))
        if missing == 0:
            return face
        if best_missing is None or missing < best_missing:
            best, best_missing = face, missing
    return best
