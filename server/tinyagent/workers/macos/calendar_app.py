"""Calendar events and Reminders."""

from __future__ import annotations

from collections.abc import Sequence

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos import dates
from tinyagent.workers.macos.contacts import resolve_emails
from tinyagent.workers.macos.runner import Call, unexpected

NO_CALENDAR = "Can't find a default calendar. Please try again and specify a calendar name."
_REMINDER_PRIORITIES = range(10)  # Reminders: 0 none, 1-4 high, 5 medium, 6-9 low


def _optional(value: str | None) -> str:
    # Upstream treats a calendar name containing "None" as absent; models write None and "None".
    text = (value or "").strip()
    return "" if text == "None" else text


def create_calendar_event(
    call: Call,
    title: str,
    start_date: str,
    end_date: str,
    location: str | None,
    invitees: Sequence[str],
    notes: str | None,
    calendar: str | None,
) -> str:
    start_at, end_at = dates.event_window(start_date, end_date, call.ctx.timezone)
    addresses = resolve_emails(call, invitees)
    args = [
        title,
        dates.for_script(start_at, call.ctx.timezone),
        dates.for_script(end_at, call.ctx.timezone),
        _optional(location),
        _optional(notes),
        _optional(calendar),
        str(len(addresses)),
        *addresses,
    ]
    try:
        result = call.script("calendar_create_event", args, app="Calendar")
    except ToolFailure as failure:
        if failure.code != "failed":
            raise
        raise ToolFailure("failed", f"Failed to create the event: {failure.message}") from None
    if result.status == "no_calendar":
        raise ToolFailure("not_found", NO_CALENDAR)
    lines = result.payload.split("\n")
    if result.status != "ok" or len(lines) < 2 or not lines[1].strip().isdigit():
        raise unexpected(result, "calendar")
    done = f'Event created successfully in the "{lines[0].strip()}" calendar.'
    missed = len(addresses) - int(lines[1])
    if missed > 0:  # a local ("On My Mac") calendar takes no attendees
        done += f" {missed} of {len(addresses)} invitees could not be added to this calendar: invite them yourself."
    return done


def _due(due_date: str, all_day: bool, tz: str) -> tuple[str, str]:
    if not due_date.strip():
        return "none", ""
    if all_day:  # a day, not an instant: the same date wherever the Mac is
        return "date", dates.script_iso(dates.parse_date(due_date, "due_date"))
    return "datetime", dates.for_script(dates.parse_datetime(due_date, "due_date", tz), tz)


def create_reminder(
    call: Call, name: str, due_date: str, notes: str, list_name: str, priority: int, all_day: bool
) -> str:
    if not name.strip():
        raise ToolFailure("invalid_argument", "A reminder needs a name.")
    if priority not in _REMINDER_PRIORITIES:
        raise ToolFailure("invalid_argument", f"Invalid priority {priority}: use 0 (none) to 9.")
    due_kind, due_iso = _due(due_date, all_day, call.ctx.timezone)
    args = [name, notes, list_name.strip(), str(priority), due_kind, due_iso]
    try:
        result = call.script("reminders_create", args, app="Reminders")
    except ToolFailure as failure:
        if failure.code != "failed":
            raise
        raise ToolFailure("failed", f"Failed to create reminder: {failure.message}") from None
    if result.status != "ok":
        raise unexpected(result, "reminders")
    return f"Reminder '{name}' created successfully in the '{result.payload.strip()}' list."
