"""Calendar events and Zoom meetings."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime, timedelta

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.contacts import resolve_emails
from tinyagent.workers.sandbox.dates import now_local, parse_when, store
from tinyagent.workers.sandbox.rows import timestamp, to_json
from tinyagent.workers.sandbox.world import World

NO_DEFAULT_CALENDAR = "Can't find a default calendar. Please try again and specify a calendar name."
_HOUR = timedelta(hours=1)


def event_times(start_date: str, end_date: str, timezone: str) -> tuple[datetime, datetime]:
    """Upstream's defaults for missing dates (now, start + 1 h, end - 1 h); unreadable → error."""
    start = parse_when(start_date, "start_date", timezone)
    end = parse_when(end_date, "end_date", timezone)
    if start is None:
        start = end - _HOUR if end is not None else now_local(timezone)
    if end is None:
        end = start + _HOUR
    if end < start:
        raise ToolFailure("invalid_argument", f"end_date {store(end)} is before start_date {store(start)}.")
    return start, end


def _calendar(conn: sqlite3.Connection, name: str | None) -> sqlite3.Row:
    """The named calendar if it exists (without case, as AppleScript), else the default one.

    Upstream meant the same but tested the truthiness of "false\\n", so a wrong name was
    never replaced (bug 5); "None" in the name means no calendar, as upstream.
    """
    if name and "None" not in name:
        row = conn.execute("SELECT id, name FROM calendars WHERE name = ? COLLATE NOCASE", (name.strip(),)).fetchone()
        if row is not None:
            return row  # type: ignore[no-any-return]
    row = conn.execute("SELECT id, name FROM calendars ORDER BY position, id LIMIT 1").fetchone()
    if row is None:
        raise ToolFailure("not_found", NO_DEFAULT_CALENDAR)
    return row  # type: ignore[no-any-return]


def create_calendar_event(
    world: World,
    ctx: CallContext,
    title: str,
    start_date: str,
    end_date: str,
    location: str | None,
    invitees: list[str],
    notes: str | None,
    calendar: str | None,
) -> str:
    start, end = event_times(start_date, end_date, ctx.timezone)
    with world.db() as conn:
        cal = _calendar(conn, calendar)
        emails = resolve_emails(conn, invitees)
        conn.execute(
            "INSERT INTO events (calendar_id, title, start, end, location, notes, invitees, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cal["id"],
                title,
                store(start),
                store(end),
                location or "",
                notes or "",
                to_json(emails),
                timestamp(),
            ),
        )
    return f'Event created successfully in the "{cal["name"]}" calendar.'


def get_zoom_meeting_link(
    world: World, ctx: CallContext, topic: str, start_time: str, duration: int, meeting_invitees: list[str]
) -> str:
    start = parse_when(start_time, "start_time", ctx.timezone)
    if start is None:
        raise ToolFailure("invalid_argument", "start_time is required, in the format 'YYYY-MM-DD HH:MM:SS'.")
    if duration <= 0:
        raise ToolFailure("invalid_argument", f"duration must be a positive number of minutes, got {duration}.")
    meeting_id = str(secrets.randbelow(9 * 10**10) + 10**10)  # Zoom ids are 11 digits
    join_url = f"https://zoom.us/j/{meeting_id}"
    with world.db() as conn:
        conn.execute(
            "INSERT INTO zoom_meetings (meeting_id, topic, start_time, duration, invitees, join_url, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                meeting_id,
                topic[:200],
                store(start),
                duration,
                to_json(list(meeting_invitees)),
                join_url,
                timestamp(),
            ),
        )
    return join_url
