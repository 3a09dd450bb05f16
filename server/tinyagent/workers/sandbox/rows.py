"""How the sandbox world stores values in its rows: timestamps, JSON lists, the user's own address.

A leaf below ``world.py`` and ``seed.py``, which both write rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

USER_EMAIL = "me@example.com"  # the sandbox user's own Mail account


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def from_json(text: str) -> list[str]:
    values = json.loads(text)
    return [str(v) for v in values] if isinstance(values, list) else []
