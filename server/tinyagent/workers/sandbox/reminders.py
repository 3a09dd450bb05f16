"""Reminders in lists."""

from __future__ import annotations

import sqlite3

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.dates import DATE_FORMAT, parse_when, store
from tinyagent.workers.sandbox.rows import timestamp
from tinyagent.workers.sandbox.world import World


def _list(conn: sqlite3.Connection, list_name: str) -> sqlite3.Row:
    """The named list if it exists (without case), else the default (first) list."""
    if list_name.strip():
        row = conn.execute(
            "SELECT id, name FROM reminder_lists WHERE name = ? COLLATE NOCASE", (list_name.strip(),)
        ).fetchone()
        if row is not None:
            return row  # type: ignore[no-any-return]
    row = conn.execute("SELECT id, name FROM reminder_lists ORDER BY position, id LIMIT 1").fetchone()
    if row is None:
        raise ToolFailure("not_found", "Failed to create reminder: there is no reminder list.")
    return row  # type: ignore[no-any-return]


def _due(due_date: str, all_day: bool, timezone: str) -> str | None:
    """None for no due date (upstream crashed on an empty one: bug 4); date only when all-day."""
    try:
        due = parse_when(due_date, "due_date", timezone)
    except ToolFailure as exc:
        raise ToolFailure(exc.code, f"Failed to create reminder: {exc.message}") from None
    if due is None:
        return None
    return due.strftime(DATE_FORMAT) if all_day else store(due)


def create_reminder(
    world: World,
    ctx: CallContext,
    name: str,
    due_date: str,
    notes: str,
    list_name: str,
    priority: int,
    all_day: bool,
) -> str:
    if not 0 <= priority <= 9:
        raise ToolFailure("invalid_argument", f"Failed to create reminder: priority must be 0-9, got {priority}.")
    due = _due(due_date, all_day, ctx.timezone)
    with world.db() as conn:
        target = _list(conn, list_name)
        conn.execute(
            "INSERT INTO reminders (list_id, name, notes, due, all_day, priority, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (target["id"], name, notes, due, int(all_day), priority, timestamp()),
        )
    return f"Reminder '{name}' created successfully in the '{target['name']}' list."
