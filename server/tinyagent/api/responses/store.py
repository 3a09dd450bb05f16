"""Stored responses (``store: true``): a SQLite file under the data dir.

Each row keeps the response, the conversation it answered (the previous responses' items followed by
this input, so ``previous_response_id`` costs one read, not a walk up the chain), this input alone
(``GET .../input_items``) and every stream event (a replay with ``starting_after`` resumes exactly).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Item = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    response TEXT NOT NULL,
    context TEXT NOT NULL,
    input_items TEXT NOT NULL,
    events TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class StoredResponse:
    response: dict[str, Any]
    context: list[Item]
    input_items: list[Item]
    events: list[dict[str, Any]]

    def conversation(self) -> list[Item]:
        """What a response continuing from this one starts from: the context, then this output."""
        return [*self.context, *self.response.get("output", [])]


class ResponseStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path)
            try:
                with db:
                    yield db
            finally:
                db.close()

    def put(self, stored: StoredResponse) -> None:
        row = (
            stored.response["id"],
            stored.response["created_at"],
            json.dumps(stored.response),
            json.dumps(stored.context),
            json.dumps(stored.input_items),
            json.dumps(stored.events),
        )
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", row)

    def get(self, response_id: str) -> StoredResponse | None:
        with self._db() as db:
            row = db.execute(
                "SELECT response, context, input_items, events FROM responses WHERE id = ?", (response_id,)
            ).fetchone()
        if row is None:
            return None
        return StoredResponse(*(json.loads(column) for column in row))

    def delete(self, response_id: str) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM responses WHERE id = ?", (response_id,)).rowcount > 0
