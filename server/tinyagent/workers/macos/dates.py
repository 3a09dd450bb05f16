"""Parsing the tools' date arguments ('YYYY-MM-DD HH:MM:SS', or 'YYYY-MM-DD' for all-day).

Times are wall-clock times in the user's time zone (``CallContext.timezone``). Scripts get
them as ``YYYY-MM-DDTHH:MM:SS`` and build the date from its numbers, so no locale-dependent
date literal is ever parsed by AppleScript. AppleScript dates carry no zone: the script reads
those numbers as the Mac's local time, so ``for_script`` converts from the request's zone to
the Mac's first (a 09:00 New York meeting on a Paris Mac is 15:00 there, as Zoom has it).
Unlike upstream, an unparsable date is an error (``invalid_argument``), never silently "now".
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tinyagent.workers.backend import ToolFailure

FORMAT_HINT = "'YYYY-MM-DD HH:MM:SS'"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolFailure("invalid_argument", f"Unknown time zone {name!r}.") from None


def parse_datetime(value: str, field: str, tz: str) -> datetime:
    """A naive wall-clock datetime in ``tz``; an offset in the text is converted to ``tz``."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ToolFailure("invalid_argument", f"Invalid {field} {value!r}: the format is {FORMAT_HINT}.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone(tz)).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def parse_date(value: str, field: str) -> date:
    """A calendar date; a full datetime is accepted and its time dropped."""
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        raise ToolFailure("invalid_argument", f"Invalid {field} {value!r}: the format is 'YYYY-MM-DD'.") from None


def now_in(tz: str) -> datetime:
    return datetime.now(zone(tz)).replace(tzinfo=None, microsecond=0)


def system_zone(localtime: Path = Path("/etc/localtime")) -> tzinfo:
    """The machine's time zone, as the scripts' dates will be read: ``TZ`` if set, else the zone
    /etc/localtime links to (macOS: .../zoneinfo/Europe/Paris). A fixed offset is the last resort:
    it is wrong across a daylight-saving change."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name and localtime.is_symlink():
        target = str(localtime.resolve())
        name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
    try:
        return ZoneInfo(name) if name else _fixed_offset()
    except (ZoneInfoNotFoundError, ValueError):
        return _fixed_offset()


def _fixed_offset() -> tzinfo:
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def for_script(moment: datetime, tz: str, machine: tzinfo | None = None) -> str:
    """``moment`` (wall clock in ``tz``) as the Mac's local wall clock, in the scripts' form."""
    local = moment.replace(tzinfo=zone(tz)).astimezone(machine or system_zone())
    return script_iso(local.replace(tzinfo=None))


def script_iso(moment: datetime | date) -> str:
    """The fixed-width form the scripts slice: always 19 characters, even for a date."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def event_window(start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """Upstream's defaults: a missing end is start + 1 h, a missing start is end - 1 h, both missing
    is now to now + 1 h. A present but unparsable date, or an end before the start, is an error."""
    hour = timedelta(hours=1)
    start_at = parse_datetime(start, "start_date", tz) if start.strip() else None
    end_at = parse_datetime(end, "end_date", tz) if end.strip() else None
    if start_at is None:
        start_at = end_at - hour if end_at is not None else now_in(tz)
    if end_at is None:
        end_at = start_at + hour
    if end_at < start_at:
        raise ToolFailure("invalid_argument", f"The event ends ({end}) before it starts ({start}).")
    return start_at, end_at
