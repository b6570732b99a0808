"""A fixed-width text table for the terminal, written by hand instead of rich's.

Why by hand: rich costs a command ~40 ms of imports at every start (issue 13), and
it reads every cell as console markup, so a post text like "[b]x[/b]" lost its
brackets. Cells here are printed as they are: columns padded to their widest cell
(East Asian wide characters count two, combining marks none), a dashed line under
the headers. Linear in the size of the cells.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable, Sequence

from distributor.logs import printable

_SPACE_LIKE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def render(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The table as lines: headers, dashes, one line per row (line breaks in a cell become spaces)."""
    body = [[printable(str(cell).translate(_SPACE_LIKE)) for cell in row] for row in rows]  # ESC shown, not sent
    widths = [cell_width(h) for h in headers]
    for row in body:
        widths = [max(w, cell_width(c)) for w, c in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - cell_width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(row) for row in body])
