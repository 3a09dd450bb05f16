"""SQLite persistence of runs: their state, their tasks and every event, in order.

One database file (``<data_dir>/runs.sqlite`` unless overridden), opened on first use so that an
unwritable directory costs the agent routes (503 with the reason), never the server. Writing an
event and the state it implies (a task's status, the run's answer) is one transaction, so the
stored state never disagrees with the stored events. Calls are synchronous and short (WAL mode):
they run on the event loop, which also keeps event order trivially equal to write order.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyagent.errors import ServiceError
from tinyagent.runs.events import (
    AnswerEvent,
    ApprovalRequired,
    ErrorEvent,
    RunEvent,
    RunFinished,
    TaskCreated,
    TaskFinished,
    TaskStarted,
    event_from_json,
)

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, query TEXT, plan TEXT, status TEXT NOT NULL, approval TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL, answer TEXT, error TEXT, timings TEXT
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created);
CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT NOT NULL, round INTEGER NOT NULL, task_id INTEGER NOT NULL, tool TEXT NOT NULL,
    args TEXT NOT NULL, depends_on TEXT NOT NULL, thought TEXT, status TEXT NOT NULL,
    result TEXT, error TEXT, error_code TEXT, started REAL, finished REAL,
    PRIMARY KEY (run_id, round, task_id)
);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"""

ACTIVE = ("running", "waiting_approval")
RUN_COLUMNS = "id, query, plan, status, approval, created, updated, answer, error, timings"


class StoreUnavailable(ServiceError):
    """The run store cannot be opened or written (read-only or missing directory, full disk...)."""

    status_code = 503
    code = "run_store_unavailable"


@dataclass(frozen=True)
class TaskRow:
    round: int
    task_id: int
    tool: str
    args: list[Any]
    depends_on: list[int]
    thought: str | None
    status: str
    result: str | None
    error: str | None
    error_code: str | None


@dataclass(frozen=True)
class RunRow:
    id: str
    query: str | None
    plan: str | None
    status: str
    approval: str
    created: float
    updated: float
    answer: str | None
    error: str | None
    timings: dict[str, float]


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"The run store {self.path} cannot be opened or written: {exc}") from None
        return db

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        db = self._conn()
        try:
            db.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                db.execute(sql, params)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreUnavailable(f"The run store {self.path} cannot be written: {exc}") from None

    # --- writing --------------------------------------------------------------------------------------

    def create_run(self, run_id: str, query: str | None, plan: str | None, approval: str) -> None:
        now = time.time()
        self._write(
            [
                (
                    "INSERT INTO runs (id, query, plan, status, approval, created, updated) "
                    "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                    (run_id, query, plan, approval, now, now),
                )
            ]
        )

    def append(self, event: RunEvent) -> None:
        """Store ``event`` and the state it implies, atomically."""
        data = json.dumps(event.to_json(), ensure_ascii=False)
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "INSERT INTO events (run_id, seq, type, data) VALUES (?, ?, ?, ?)",
                (event.run_id, event.seq, event.type, data),
            )
        ]
        statements += _state_changes(event)
        statements.append(("UPDATE runs SET updated = ? WHERE id = ?", (event.ts, event.run_id)))
        self._write(statements)

    def set_status(self, run_id: str, status: str) -> None:
        self._write([("UPDATE runs SET status = ?, updated = ? WHERE id = ?", (status, time.time(), run_id))])

    def mark_interrupted(self) -> list[str]:
        """Runs a previous process left in flight: marked interrupted, with a closing event."""
        rows = self._conn().execute("SELECT id FROM runs WHERE status IN (?, ?)", ACTIVE).fetchall()
        ids = [str(row[0]) for row in rows]
        for run_id in ids:
            seq = self.last_seq(run_id) + 1
            message = "The server stopped while this run was in flight."
            self.append(RunFinished(run_id=run_id, seq=seq, ts=time.time(), status="interrupted", error=message))
        return ids

    # --- reading --------------------------------------------------------------------------------------

    def last_seq(self, run_id: str) -> int:
        row = self._conn().execute("SELECT MAX(seq) FROM events WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def events(self, run_id: str, after: int = 0) -> list[RunEvent]:
        rows = (
            self._conn()
            .execute("SELECT data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq", (run_id, after))
            .fetchall()
        )
        return [event_from_json(json.loads(row[0])) for row in rows]

    def get(self, run_id: str) -> RunRow | None:
        row = (
            self._conn()
            .execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?",
                (run_id,),
            )
            .fetchone()
        )
        return _run_row(row) if row else None

    def recent(self, limit: int = 50) -> list[RunRow]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {RUN_COLUMNS} FROM runs ORDER BY created DESC, rowid DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [_run_row(row) for row in rows]

    def tasks(self, run_id: str) -> list[TaskRow]:
        rows = (
            self._conn()
            .execute(
                "SELECT round, task_id, tool, args, depends_on, thought, status, result, error, error_code "
                "FROM tasks WHERE run_id = ? ORDER BY round, task_id",
                (run_id,),
            )
            .fetchall()
        )
        return [
            TaskRow(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4]), r[5], r[6], r[7], r[8], r[9]) for r in rows
        ]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _run_row(row: tuple[Any, ...]) -> RunRow:
    timings = json.loads(row[9]) if row[9] else {}
    return RunRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], timings)


_TASK_KEY = "WHERE run_id = ? AND round = ? AND task_id = ?"


def _state_changes(event: RunEvent) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows of ``runs``/``tasks`` an event changes (the events table alone would do; these are for reads)."""
    if isinstance(event, TaskCreated):
        return [
            (
                "INSERT OR REPLACE INTO tasks (run_id, round, task_id, tool, args, depends_on, thought, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                (
                    event.run_id,
                    event.round,
                    event.task_id,
                    event.tool,
                    json.dumps(event.args),
                    json.dumps(event.depends_on),
                    event.thought,
                ),
            )
        ]
    if isinstance(event, ApprovalRequired):
        key = (event.run_id, event.round, event.task_id)
        return [(f"UPDATE tasks SET status = 'waiting_approval', args = ? {_TASK_KEY}", (json.dumps(event.args), *key))]
    if isinstance(event, TaskStarted):
        key = (event.run_id, event.round, event.task_id)
        return [
            (
                f"UPDATE tasks SET status = 'running', args = ?, started = ? {_TASK_KEY}",
                (json.dumps(event.args), event.ts, *key),
            )
        ]
    if isinstance(event, TaskFinished):
        return [_task_finished(event)]
    return _run_changes(event)


def _task_finished(event: TaskFinished) -> tuple[str, tuple[Any, ...]]:
    status = "succeeded" if event.ok else "failed"
    key = (event.run_id, event.round, event.task_id)
    sql = f"UPDATE tasks SET status = ?, result = ?, error = ?, error_code = ?, finished = ? {_TASK_KEY}"
    return sql, (status, event.result, event.error, event.error_code, event.ts, *key)


def _run_changes(event: RunEvent) -> list[tuple[str, tuple[Any, ...]]]:
    if isinstance(event, AnswerEvent):
        return [("UPDATE runs SET answer = ? WHERE id = ?", (event.text, event.run_id))]
    if isinstance(event, ErrorEvent):
        return [("UPDATE runs SET error = ? WHERE id = ?", (event.message, event.run_id))]
    if isinstance(event, RunFinished):
        return [
            (
                "UPDATE runs SET status = ?, answer = COALESCE(?, answer), error = COALESCE(?, error), timings = ? "
                "WHERE id = ?",
                (event.status, event.answer, event.error, json.dumps(event.timings), event.run_id),
            ),
            # Tasks that never got to finish keep a status saying why, not "running" forever.
            (
                "UPDATE tasks SET status = ? WHERE run_id = ? AND status IN ('pending', 'running', 'waiting_approval')",
                ("cancelled" if event.status != "interrupted" else "interrupted", event.run_id),
            ),
        ]
    return []
