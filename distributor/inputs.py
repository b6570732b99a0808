"""Parsing what people type: ids, times, periods and text, the same for the CLI, the API and the pages.

One function per kind of value, so ``queue add --at``, ``POST /api/posts``
and the compose and reschedule forms cannot disagree about what a time
means. Each refuses with ``InvalidInput`` and a message for the person who
typed the value; none of them lets an impossible value reach the database
(an id past BIGINT, a NUL PostgreSQL cannot store, a time that overflows).

Times: an ISO 8601 value with an offset means that instant; without one it
is read in the editors' zone (``[web] timezone``); ``now`` (or nothing) means
now. A past time is refused unless the caller allows it: an editor who typed
yesterday's date made a mistake, and sending at once would hide it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from distributor.errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest BIGINT (PostgreSQL) / INTEGER (SQLite)
MAX_TEXT = 100_000  # characters of a post's text; every platform's limit is far below
MAX_URL = 4_096
MAX_NAME = 200
MAX_PERIOD = timedelta(days=100 * 366)  # --since 99999999999d is a typo, not a report

_ID = re.compile(r"[0-9]{1,19}")  # ASCII digits only: int() would take '٣' and Python's '1_000'
_DURATION = re.compile(r"\s*([0-9]{1,12}(?:\.[0-9]{1,6})?)\s*(m|min|h|d|w)\s*", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400}
NOW_WORDS = frozenset({"now"})


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) else repr(value[:limit] + ("…" if len(value) > limit else ""))
    return text


def parse_id(value: object, what: str = "id") -> int:
    """A row id: ASCII digits, 1 to 2^63-1."""
    text = str(value).strip() if value is not None else ""
    if not _ID.fullmatch(text):
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit():
            raise InvalidInput(f"{what} {_shown(text)} is out of range: give a whole number from 1 to {MAX_ID}")
        raise InvalidInput(f"{what} {_shown(text)} is not a number: give a whole number from 1 to {MAX_ID} in digits 0-9")
    return check_id(int(text), what)


def check_id(number: int, what: str = "id") -> int:
    """An id already read as an int (by FastAPI, by JSON) kept within what the database stores."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_ID:
        raise InvalidInput(f"{what} {_shown(number)} is out of range: give a whole number from 1 to {MAX_ID}")
    return number


def clean_text(value: str, what: str = "text", *, max_length: int = MAX_TEXT) -> str:
    """``value`` if the database can store it and a platform could post it; refused otherwise."""
    if "\x00" in value:
        raise InvalidInput(f"{what} contains a NUL character (\\0 at position {value.index(chr(0))}), which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{what} is not valid UTF-8 text (an undecodable byte or lone surrogate at position {exc.start})"
        ) from None
    if len(value) > max_length:
        raise InvalidInput(f"{what} is {len(value)} characters long; the most accepted is {max_length}")
    return value


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (Europe/Paris); an unknown one is refused."""
    from zoneinfo import ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise InvalidInput(f"unknown time zone {_shown(name)}: use an IANA name like Europe/Paris or UTC") from None


def _as_zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else zone_named(zone)


def _to_utc(value: datetime, zone: ZoneInfo, shown: str) -> datetime:
    if value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    try:
        result = value.astimezone(UTC)
        result + timedelta(days=1)  # room for the arithmetic scheduling does (gaps, quiet hours)
        result - timedelta(days=1)
    except OverflowError:
        raise InvalidInput(f"{shown} is out of range: give a time between the years 1 and 9999") from None
    return result


def parse_time(
    value: str | datetime | None,
    zone: ZoneInfo | str,
    *,
    now: datetime | None = None,
    allow_past: bool = False,
    what: str = "the time",
) -> datetime:
    """An aware UTC time from ISO 8601, ``now`` or nothing (= now); naive means ``zone``.

    A time before the current minute is refused unless ``allow_past`` (a form
    gives minutes only, so "this minute" still counts as now).
    """
    zone = _as_zone(zone)
    now = now or datetime.now(UTC)
    if value is None or (isinstance(value, str) and value.strip().lower() in NOW_WORDS | {""}):
        return now
    if isinstance(value, datetime):
        shown = value.isoformat()
        parsed = value
    else:
        shown = _shown(clean_text(value, what, max_length=100).strip())
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(
                f"{what} {shown} is not an ISO 8601 time: write e.g. 2026-11-25T14:30 ({zone.key}), "
                "2026-11-25T14:30+01:00, or now"
            ) from None
    result = _to_utc(parsed, zone, f"{what} {shown}")
    if not allow_past and result < now.replace(second=0, microsecond=0):
        local_now = now.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"{what} {shown} has passed (it is {local_now} {zone.key}): give a future time, or now to post at once"
        )
    return result


def parse_since(text: str, zone: ZoneInfo | str, *, what: str = "--since") -> timedelta | datetime:
    """'7d', '24h', '2w', '90m' -> timedelta; '2026-11-01' (midnight in ``zone``) or an ISO time -> UTC."""
    zone = _as_zone(zone)
    text = clean_text(str(text), what, max_length=100)
    example = "expected a duration like 7d, 24h, 2w, 90m or an ISO date like 2026-11-01"
    match = _DURATION.fullmatch(text)
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        if amount <= 0:
            raise InvalidInput(f"{what} {_shown(text)}: the duration must be positive, like 7d")
        if amount * _UNIT_SECONDS[unit] > MAX_PERIOD.total_seconds():
            raise InvalidInput(f"{what} {_shown(text)} is too long: at most {MAX_PERIOD.days} days")
        return timedelta(**{unit: amount})
    try:
        parsed: datetime | date = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {_shown(text)}: {example}") from None
    return _to_utc(parsed, zone, f"{what} {_shown(text)}")
