"""A post's history in people's words, in the editors' time zone.

The rows in ``PostEvent`` are written for the machine (``worker:host-1234``,
"claimed; lease until 2026-12-01T10:00:00.123456+00:00"). Editors need who did
what and when, and for an edit what changed: this module turns each event into
``Line(when, who, what, detail, diff)``. The wording is a table over the event's
states, so a new reason string still shows (as it is, with its times made local).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from distributor.models import PostEvent

# An ISO-8601 UTC time as the domain writes it into reasons; bounded repetition, no backtracking trap.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?")
# Past this many words an edit is shown as before/after without an inline diff
# (difflib's matching is quadratic in the worst case; posts are far shorter).
DIFF_MAX_WORDS = 2000
DIFF_BUDGET = 40_000  # token pairs difflib may compare for one edit's changed middle (200 words each way)
FIELD_NAMES = {"text": "the text", "link": "the link", "image_url": "the image", "image_alt": "the image description", "scheduled_at": "the time"}
STATE_WORDS = {"draft": "draft", "awaiting_approval": "awaiting approval", "queued": "queued", "sending": "sending",
               "sent": "sent", "failed": "failed", "cancelled": "cancelled"}


@dataclass
class Piece:
    kind: str  # "same" | "added" | "removed"
    text: str


@dataclass
class Line:
    when: str
    who: str
    what: str
    detail: str = ""
    diff: list[Piece] = field(default_factory=list)
    before_after: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after) without a diff


def who(actor: str | None) -> str:
    """'ana@desk.example' stays; machine actors get a name people understand."""
    if not actor or actor == "system":
        return "distributor"
    if actor.startswith("worker:"):
        return "distributor (publisher)"
    if actor == "cli":
        return "command line"
    return actor


def word_diff(before: str, after: str) -> list[Piece]:
    """What changed between two texts, word by word (whitespace kept).

    The words both texts start and end with are set aside first (linear): an edit
    usually touches a few words of a long post. difflib, quadratic in the worst case,
    only sees the middle, and only while it is small (DIFF_BUDGET token pairs); a
    larger rewrite is shown as the old middle removed and the new one added.
    """
    old, new = re.split(r"(\s+)", before or ""), re.split(r"(\s+)", after or "")
    start, limit = 0, min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    old_middle, new_middle = old[start:len(old) - end], new[start:len(new) - end]
    pieces: list[Piece] = [Piece("same", "".join(old[:start]))] if start else []
    if len(old_middle) * len(new_middle) > DIFF_BUDGET:
        pieces += [Piece("removed", "".join(old_middle)), Piece("added", "".join(new_middle))]
    else:
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False).get_opcodes():
            if op == "equal":
                pieces.append(Piece("same", "".join(old_middle[i1:i2])))
                continue
            if i2 > i1:
                pieces.append(Piece("removed", "".join(old_middle[i1:i2])))
            if j2 > j1:
                pieces.append(Piece("added", "".join(new_middle[j1:j2])))
    if end:
        pieces.append(Piece("same", "".join(old[len(old) - end:])))
    return [piece for piece in pieces if piece.text]


class HistoryWords:
    """Says each event in words; ``local`` formats an aware time in the editors' zone."""

    def __init__(self, local):
        self.local = local  # Views.local

    def when(self, value: datetime | None) -> str:
        return self.local(value, "%a %d %b %Y, %H:%M")

    def times_in(self, text: str) -> str:
        """Every ISO time in ``text`` as the editors read it ('Tue 01 Dec 2026, 11:00')."""
        def local(match: re.Match) -> str:
            raw = match.group(0).replace(" ", "T").replace("Z", "+00:00")
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                return match.group(0)
            return self.when(value if value.tzinfo else value.replace(tzinfo=UTC))
        return ISO_TIME.sub(local, text)

    def line(self, event: PostEvent) -> Line:
        reason = event.reason or ""
        start, end = event.from_state, event.to_state
        line = Line(when=self.when(event.at), who=who(event.actor), what="")
        if start is None:
            line.what = f"created it ({STATE_WORDS.get(end, end)})"
            line.detail = self.times_in(reason.removeprefix("created").lstrip("; ").replace("scheduled for", "for"))
        elif start == end and reason.startswith("edited"):
            names = [FIELD_NAMES.get(n, n) for n in (event.changes or {})] or [reason.removeprefix("edited: ")]
            line.what = "changed " + ", ".join(names)
            self._changes(line, event.changes or {})
        elif start == end and reason.startswith("rescheduled"):
            line.what = "moved it to " + self.times_in(reason.removeprefix("rescheduled for "))
            before = (event.changes or {}).get("scheduled_at", [None])[0]
            if before:
                line.detail = "was " + self.times_in(before)
        elif start == "awaiting_approval" and end == "draft":
            line.what = "sent it back to its author"
            line.detail = reason.removeprefix("sent back: ")
        elif end == "queued" and reason == "approved":
            line.what = "approved it"
        elif end == "awaiting_approval":
            line.what = "asked for approval"
        elif end == "cancelled":
            line.what = "cancelled it"
            line.detail = "" if reason == "cancelled" else self.times_in(reason)
        elif end == "sending":
            line.what = "started publishing" + (f" (attempt {event.attempt})" if event.attempt > 1 else "")
        elif end == "sent":
            line.what = "published it"
            line.detail = self.times_in(reason)
        elif start == "sending" and end == "queued":
            line.what = "will try again later"
            line.detail = self.times_in(reason)
        elif end == "failed":
            line.what = "could not publish it"
            line.detail = self.times_in(reason)
        elif end == "queued" and start == "failed":
            line.what = "queued it again"
            line.detail = self.times_in(reason.removeprefix("retry requested "))
        else:
            moved = f"{STATE_WORDS.get(start, start)} → {STATE_WORDS.get(end, end)}" if start != end else "noted"
            line.what = moved
            line.detail = self.times_in(reason)
        return line

    def _changes(self, line: Line, changes: dict) -> None:
        for name, pair in changes.items():
            before, after = (list(pair) + [None, None])[:2]
            before, after = before or "", after or ""
            if name == "text" and len(before.split()) + len(after.split()) <= 2 * DIFF_MAX_WORDS:
                line.diff = word_diff(before, after)
            else:
                line.before_after.append((FIELD_NAMES.get(name, name), before or "(none)", after or "(none)"))

    def lines(self, events: list[PostEvent]) -> list[Line]:
        return [self.line(e) for e in events]
