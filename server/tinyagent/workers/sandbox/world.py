"""The sandbox world: one SQLite file and one files folder under ``<data_dir>/sandbox/``.

Every call opens its own connection under a process-wide lock for this world: SQLite
connections must not cross threads, and serialising the (sub-millisecond) transactions is
simpler than reasoning about concurrent writers. Other processes (``tinyagent sandbox show``,
a second worker) are kept consistent by SQLite's own file locking.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tinyagent.workers.sandbox.seed import seed_files, seed_world

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL
);
CREATE TABLE phones (
    contact_id INTEGER NOT NULL REFERENCES contacts(id), position INTEGER NOT NULL, value TEXT NOT NULL
);
CREATE TABLE emails (
    contact_id INTEGER NOT NULL REFERENCES contacts(id), position INTEGER NOT NULL, value TEXT NOT NULL
);
CREATE TABLE calendars (id INTEGER PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE events (
    id INTEGER PRIMARY KEY, calendar_id INTEGER NOT NULL REFERENCES calendars(id), title TEXT NOT NULL,
    start TEXT NOT NULL, end TEXT NOT NULL, location TEXT NOT NULL, notes TEXT NOT NULL,
    invitees TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY, mailbox TEXT NOT NULL CHECK (mailbox IN ('inbox', 'drafts', 'sent')),
    sender TEXT NOT NULL, recipients TEXT NOT NULL, cc TEXT NOT NULL, subject TEXT NOT NULL,
    body TEXT NOT NULL, attachments TEXT NOT NULL, in_reply_to INTEGER, kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE folders (id INTEGER PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id), name TEXT NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL, modified_at TEXT NOT NULL
);
CREATE TABLE reminder_lists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY, list_id INTEGER NOT NULL REFERENCES reminder_lists(id), name TEXT NOT NULL,
    notes TEXT NOT NULL, due TEXT, all_day INTEGER NOT NULL, priority INTEGER NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
);
CREATE TABLE sms (
    id INTEGER PRIMARY KEY, recipients TEXT NOT NULL, message TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent')), created_at TEXT NOT NULL
);
CREATE TABLE opened_files (id INTEGER PRIMARY KEY, path TEXT NOT NULL, opened_at TEXT NOT NULL);
CREATE TABLE maps_opened (id INTEGER PRIMARY KEY, url TEXT NOT NULL, opened_at TEXT NOT NULL);
CREATE TABLE zoom_meetings (
    id INTEGER PRIMARY KEY, meeting_id TEXT NOT NULL, topic TEXT NOT NULL, start_time TEXT NOT NULL,
    duration INTEGER NOT NULL, invitees TEXT NOT NULL, join_url TEXT NOT NULL, created_at TEXT NOT NULL
);
"""


class World:
    """Paths and database access of one sandbox (``<data_dir>/sandbox``)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = (data_dir / "sandbox").absolute()
        self.db_path = self.root / "world.sqlite"
        self.files_dir = self.root / "files"
        self._lock = threading.Lock()

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on any error."""
        with self._lock:
            conn = sqlite3.connect(self.db_path, timeout=10.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            try:
                with conn:
                    yield conn
            finally:
                conn.close()

    def exists(self) -> bool:
        if not self.db_path.is_file() or not self.files_dir.is_dir():
            return False
        conn = sqlite3.connect(self.db_path)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
        return version == SCHEMA_VERSION

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """This process's lock plus a file lock: two workers starting on one fresh data dir
        (or ``tinyagent sandbox reset`` next to a worker) must not seed at the same time."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure(self) -> None:
        """Create and seed the world if it is missing or from another schema version."""
        if self.exists():
            return
        with self._exclusive():
            if not self.exists():  # another process may have seeded it while we waited
                self._reset_locked()

    def reset(self) -> None:
        """Throw the world away and seed the default one (files folder included)."""
        with self._exclusive():
            self._reset_locked()

    def _reset_locked(self) -> None:
        if self.files_dir.is_symlink():
            self.files_dir.unlink()
        shutil.rmtree(self.files_dir, ignore_errors=True)
        self.files_dir.mkdir()
        seed_files(self.files_dir)
        # Seed a new file and rename it over the old one: a reader never sees half a world.
        fresh = self.db_path.with_name(f"{self.db_path.name}.new")
        fresh.unlink(missing_ok=True)
        conn = sqlite3.connect(fresh)
        try:
            with conn:
                conn.executescript(_SCHEMA)
                seed_world(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            conn.close()
        Path(f"{self.db_path}-journal").unlink(missing_ok=True)
        os.replace(fresh, self.db_path)

    def files_root(self) -> Path:
        """The files folder with symlinks resolved: the boundary no file argument may leave."""
        return self.files_dir.resolve()


def selected_message_id(conn: sqlite3.Connection) -> int | None:
    """The message "viewed in Mail", if any."""
    row = conn.execute("SELECT value FROM state WHERE key = 'selected_message'").fetchone()
    return int(row["value"]) if row is not None and row["value"] is not None else None
