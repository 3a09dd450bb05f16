"""Lenient date parsing for tool arguments, without upstream's silent fallbacks.

Upstream parses with ``fromisoformat`` and silently uses "now" for anything it cannot read
(a meeting lands at the wrong time with no error). Here an empty value still means "use the
default", but a value that is present and unreadable is a ``ToolFailure(invalid_argument)``
the joiner can act on.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tinyagent.workers.backend import ToolFailure

STORE_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

# Tried after fromisoformat; small models also write 12-hour times and slashes.
_FORMATS = (
    "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%B %d, %Y %I:%M:%S %p",  # upstream's AppleScript display format
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y",
)
_EMPTY = frozenset({"", "none", "null"})


def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; UTC when it is unknown (a bad zone must not fail every call)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def now_local(timezone: str) -> datetime:
    """The user's wall-clock time, naive, to the second (what a calendar stores)."""
    return datetime.now(zone(timezone)).replace(tzinfo=None, microsecond=0)


def parse_when(value: str | None, field: str, timezone: str) -> datetime | None:
    """A naive local datetime, None for an empty value; ToolFailure for an unreadable one.

    Aware inputs ("...Z", "+02:00") are converted to the user's zone first.
    """
    if value is None or value.strip().lower() in _EMPTY:
        return None
    text = value.strip()
    parsed = _parse(text)
    if parsed is None:
        raise ToolFailure("invalid_argument", f"Invalid {field} '{value}': expected the format 'YYYY-MM-DD HH:MM:SS'.")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone(timezone)).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def store(value: datetime) -> str:
    return value.strftime(STORE_FORMAT)
