"""Notes in folders: exact title match, then difflib's fuzzy match, as upstream."""

from __future__ import annotations

import difflib
import sqlite3

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.rows import timestamp
from tinyagent.workers.sandbox.world import World

DEFAULT_FOLDER = "Notes"
NO_NOTES = "No notes found after fuzzy matching."


def _folder_id(conn: sqlite3.Connection, folder: str) -> int | None:
    """The named folder (AppleScript compares without case); None if it does not exist."""
    if not folder.strip():
        return None
    row = conn.execute("SELECT id FROM folders WHERE name = ? COLLATE NOCASE", (folder.strip(),)).fetchone()
    return int(row["id"]) if row is not None else None


def _default_folder_id(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT id FROM folders ORDER BY name = ? DESC, position, id LIMIT 1", (DEFAULT_FOLDER,)
    ).fetchone()
    if row is not None:
        return int(row["id"])
    cur = conn.execute("INSERT INTO folders (name, position) VALUES (?, 0)", (DEFAULT_FOLDER,))
    return int(cur.lastrowid or 0)


def find_note(conn: sqlite3.Connection, name: str, folder: str) -> sqlite3.Row:
    """Exact title (in the folder first, then anywhere), else the closest title; ToolFailure if none."""
    folder_id = _folder_id(conn, folder)
    rows = conn.execute(
        "SELECT id, folder_id, name, body FROM notes ORDER BY folder_id = ? DESC, id", (folder_id,)
    ).fetchall()
    for row in rows:
        if row["name"].casefold() == name.strip().casefold():
            return row  # type: ignore[no-any-return]
    titles = [row["name"].casefold() for row in rows]
    match = difflib.get_close_matches(name.strip().casefold(), titles, n=1)
    if not match:
        raise ToolFailure("not_found", NO_NOTES)
    return rows[titles.index(match[0])]  # type: ignore[no-any-return]


def create_note(world: World, _ctx: CallContext, name: str, content: str, folder: str) -> str:
    with world.db() as conn:
        folder_id = _folder_id(conn, folder) or _default_folder_id(conn)
        now = timestamp()
        conn.execute(
            "INSERT INTO notes (folder_id, name, body, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
            (folder_id, name, content, now, now),
        )
    return "Note created and focused successfully."


def open_note(world: World, _ctx: CallContext, name: str, folder: str) -> str:
    with world.db() as conn:
        note = find_note(conn, name, folder)
    # Notes puts the title on the body's first line; upstream returns that body as text.
    return f"{note['name']}\n{note['body']}"


def append_note_content(world: World, _ctx: CallContext, name: str, content: str, folder: str) -> str:
    with world.db() as conn:
        note = find_note(conn, name, folder)
        body = f"{note['body']}\n{content}" if note["body"] else content
        conn.execute("UPDATE notes SET body = ?, modified_at = ? WHERE id = ?", (body, timestamp(), note["id"]))
    return f"Content appended to note '{note['name']}' successfully."
