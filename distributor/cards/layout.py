"""Line breaking and font size: the largest size at which a quote fits its box, words whole.

Lines break between words in Latin, Arabic and Hebrew, and where the Unicode
line breaking algorithm (UAX #14, the ``uniseg`` package) allows it in Chinese
and Japanese: between characters, never before a closing bracket or a
full stop. Lines are filled greedily at a size; the size is the largest for which
every line fits the width and all lines fit the height, found by binary
search; then the width is narrowed as far as the line count allows, so the
last line is not a lone word (balanced lines, as a sub-editor would set them).
Widths are measured with the font itself (``textlength``, raqm shaping).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import ImageFont
from uniseg.linebreak import line_break_units

from distributor.cards.fonts import script_of


class DoesNotFit(ValueError):
    """The text does not fit the box at the smallest allowed size."""


@dataclass(frozen=True)
class Wrapped:
    size: int
    lines: tuple[str, ...]  # as drawn, trailing spaces removed
    line_height: int
    width: int  # the widest line
    height: int


@functools.lru_cache(maxsize=256)
def break_units(text: str) -> tuple[str, ...]:
    """The pieces between which a line may break (each keeps its trailing space).

    Text whose script puts spaces between words (Korean too) breaks at the
    spaces only (a hyphenated word stays on one line); Chinese and Japanese go
    through UAX #14, which is slower (pure Python) but knows
    where CJK lines may break.
    """
    normal = " ".join(text.split())
    if script_of(normal) in ("ja", "zh"):  # Korean, like Latin, breaks between words
        return tuple(line_break_units(normal))
    return tuple(word + " " for word in normal.split(" ")) if normal else ()


def wrap(units, font: ImageFont.FreeTypeFont, max_width: float, direction: str | None) -> list[str] | None:
    """Greedy filling; None when a single unit (a word) is wider than ``max_width``."""
    lines: list[str] = []
    current = ""
    for unit in units:
        candidate = current + unit
        if not current or _width(font, candidate.rstrip(), direction) <= max_width:
            if not current and _width(font, unit.rstrip(), direction) > max_width:
                return None
            current = candidate
            continue
        lines.append(current.rstrip())
        if _width(font, unit.rstrip(), direction) > max_width:
            return None
        current = unit
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _width(font: ImageFont.FreeTypeFont, text: str, direction: str | None) -> float:
    return font.getlength(text, direction=direction) if direction else font.getlength(text)


def fit_text(
    text: str,
    font_at,
    *,
    max_width: int,
    max_height: int,
    min_size: int,
    max_size: int,
    leading: float,
    direction: str | None = None,
    max_lines: int | None = None,
) -> Wrapped:
    """The largest size in [min_size, max_size] at which ``text`` fits; raises DoesNotFit.

    Each break unit is measured once, at ``max_size``; at a smaller size its
    width is scaled (a font's advances grow linearly with its size), so the
    search costs one measurement per word instead of one per trial line. The
    chosen lines are then measured exactly, and a size whose lines overflow
    after all (hinting) gives way to the next smaller one.
    """
    units = break_units(text)
    if not units:
        raise DoesNotFit("there is no text to fit")
    reference = font_at(max_size)
    space = _width(reference, " ", direction)
    stripped = [_width(reference, unit.rstrip(), direction) for unit in units]
    full = [w + space if unit.endswith(" ") else w for w, unit in zip(stripped, units)]

    def attempt(size: int, width: float) -> list[int] | None:
        scale = size / max_size
        starts = _greedy([w * scale for w in stripped], [w * scale for w in full], width)
        if starts is None or (max_lines is not None and len(starts) > max_lines):
            return None
        if len(starts) * round(size * leading) > max_height:
            return None
        return starts

    high = max_size
    while True:
        low, best = min_size, None
        while low <= high:
            middle = (low + high) // 2
            starts = attempt(middle, max_width)
            if starts is not None:
                best, low = (middle, starts), middle + 1
            else:
                high = middle - 1
        if best is None:
            raise DoesNotFit(f"{len(text)} characters do not fit a {max_width}x{max_height} box at {min_size}px")
        size, starts = best
        starts = _balanced(lambda width: attempt(size, width), starts, max_width)
        lines = _lines(units, starts)
        font = font_at(size)
        widths = [_width(font, line, direction) for line in lines]
        if max(widths) <= max_width:
            break
        high = size - 1  # hinting made a line wider than scaled: one size smaller
    line_height = round(size * leading)
    return Wrapped(size, tuple(lines), line_height, int(round(max(widths))), line_height * len(lines))


def _greedy(stripped: list[float], full: list[float], max_width: float) -> list[int] | None:
    """Where each line starts, filling lines greedily; None when one unit alone is too wide."""
    starts, start, run = [], 0, 0.0
    for index, width in enumerate(stripped):
        if width > max_width:
            return None
        if index > start and run + width > max_width:
            starts.append(start)
            start, run = index, 0.0
        run += full[index]
    starts.append(start)
    return starts


def _lines(units, starts: list[int]) -> list[str]:
    ends = starts[1:] + [len(units)]
    return ["".join(units[a:b]).rstrip() for a, b in zip(starts, ends)]


def _balanced(attempt, starts: list[int], max_width: int) -> list[int]:
    """The narrowest width that keeps the same number of lines (binary search on the width)."""
    if len(starts) < 2:
        return starts
    low, high, best = int(max_width * 0.5), int(max_width), starts
    while low <= high:
        middle = (low + high) // 2
        trial = attempt(middle)
        if trial is not None and len(trial) <= len(starts):
            best, high = trial, middle - 1
        else:
            low = middle + 1
    return best


def truncate_words(text: str, font: ImageFont.FreeTypeFont, max_width: int, max_lines: int,
                   direction: str | None = None) -> list[str]:
    """At most ``max_lines`` lines of ``text``, the last ending in an ellipsis when it was cut.

    For the headline, which is context and may be shortened; the quote never is.
    """
    units = break_units(text)
    lines = wrap(units, font, max_width, direction) or []
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and _width(font, last + "…", direction) > max_width:
        cut = last.rsplit(" ", 1)
        last = cut[0] if len(cut) == 2 else last[:-1]
    kept[-1] = last.rstrip(" ,;:.-–—") + "…"
    return kept
