"""``tinyagent sandbox reset|show``: start the simulated world over, or print what is in it."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable, Iterator, Sequence

from tinyagent.workers.launch import resolve_data_dir
from tinyagent.workers.sandbox.rows import from_json
from tinyagent.workers.sandbox.world import World, selected_message_id


def _section(title: str, lines: list[str]) -> Iterator[str]:
    yield f"{title} ({len(lines)})"
    yield from (f"  {line}" for line in lines) if lines else ["  -"]
    yield ""


def _contacts(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT c.name, (SELECT group_concat(value, ', ') FROM phones WHERE contact_id = c.id) AS phones, "
        "(SELECT group_concat(value, ', ') FROM emails WHERE contact_id = c.id) AS emails "
        "FROM contacts c ORDER BY c.id"
    )
    return [f"{r['name']}: phone {r['phones'] or '-'}; email {r['emails'] or '-'}" for r in rows]


def _events(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT e.*, c.name AS calendar FROM events e JOIN calendars c ON c.id = e.calendar_id ORDER BY e.start, e.id"
    )
    return [
        f"{r['start']} - {r['end'][11:16]}  {r['title']} [{r['calendar']}]"
        + (f" at {r['location']}" if r["location"] else "")
        + (f" with {', '.join(from_json(r['invitees']))}" if from_json(r["invitees"]) else "")
        for r in rows
    ]


def _mail(conn: sqlite3.Connection, mailbox: str) -> list[str]:
    selected = selected_message_id(conn)
    rows = conn.execute("SELECT * FROM messages WHERE mailbox = ? ORDER BY id", (mailbox,))
    return [
        f"{'* ' if r['id'] == selected else ''}#{r['id']} {r['sender']} "
        f"-> {', '.join(from_json(r['recipients']))}"
        + (f" (cc {', '.join(from_json(r['cc']))})" if from_json(r["cc"]) else "")
        + f": {r['subject']!r}"
        + (f" + {len(from_json(r['attachments']))} attachment(s)" if from_json(r["attachments"]) else "")
        for r in rows
    ]


def _notes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT n.name, n.body, f.name AS folder FROM notes n JOIN folders f ON f.id = n.folder_id")
    return [f"[{r['folder']}] {r['name']}: {r['body'].replace(chr(10), ' / ')[:80]}" for r in rows]


def _reminders(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT r.*, l.name AS list FROM reminders r JOIN reminder_lists l ON l.id = r.list_id ORDER BY r.id"
    )
    return [f"[{r['list']}] {r['name']} due {r['due'] or '-'} priority {r['priority']}" for r in rows]


def _simple(query: str, render: Callable[[sqlite3.Row], str]) -> Callable[[sqlite3.Connection], list[str]]:
    return lambda conn: [render(row) for row in conn.execute(query)]


_SECTIONS: tuple[tuple[str, Callable[[sqlite3.Connection], list[str]]], ...] = (
    ("Contacts", _contacts),
    ("Calendar events", _events),
    ("Inbox (* = selected)", lambda conn: _mail(conn, "inbox")),
    ("Mail drafts", lambda conn: _mail(conn, "drafts")),
    ("Sent mail", lambda conn: _mail(conn, "sent")),
    ("Notes", _notes),
    ("Reminders", _reminders),
    (
        "Messages (SMS)",
        _simple(
            "SELECT * FROM sms ORDER BY id",
            lambda r: f"{r['status']}: to {', '.join(from_json(r['recipients']))}: {r['message']!r}",
        ),
    ),
    (
        "Zoom meetings",
        _simple(
            "SELECT * FROM zoom_meetings ORDER BY id",
            lambda r: f"{r['start_time']} {r['topic']!r} ({r['duration']} min) {r['join_url']}",
        ),
    ),
    ("Files opened", _simple("SELECT * FROM opened_files ORDER BY id", lambda r: r["path"])),
    ("Maps opened", _simple("SELECT * FROM maps_opened ORDER BY id", lambda r: r["url"])),
)


def describe_world(world: World) -> str:
    """A readable summary of everything in the world."""
    lines = [f"Sandbox world: {world.root}", ""]
    with world.db() as conn:
        for title, section in _SECTIONS:
            lines += _section(title, section(conn))
    files = sorted(str(p.relative_to(world.files_dir)) for p in world.files_dir.rglob("*") if p.is_file())
    lines += _section(f"Files in {world.files_dir}", files)
    return "\n".join(lines).rstrip() + "\n"


def sandbox_main(argv: Sequence[str] | None = None) -> int:
    """``tinyagent sandbox reset|show [--data-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="tinyagent sandbox", description="Manage the sandbox tool world.")
    parser.add_argument("action", choices=("reset", "show"), help="reset: seed a fresh world; show: print it.")
    parser.add_argument("--data-dir", default=None, metavar="DIR", help="Data directory (default: the server's).")
    args = parser.parse_args(argv)
    world = World(resolve_data_dir(args.data_dir))
    if args.action == "reset":
        world.reset()
        print(f"Sandbox world reset at {world.root}")  # noqa: T201
        return 0
    world.ensure()
    print(describe_world(world), end="")  # noqa: T201
    return 0
