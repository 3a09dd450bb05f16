"""The current request's id, for log lines (no FastAPI here).

A ContextVar rather than a global: each request's task sees its own value, and tasks it spawns
inherit it, so log lines from deep in the core still name the request that caused them.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token

HEADER = "x-request-id"
NO_REQUEST = "-"
# Accept a caller's id only if it is short and plain, so it cannot inject text into logs or headers.
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

_request_id: ContextVar[str] = ContextVar("tinyagent_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    return _request_id.get()


def choose_request_id(incoming: str | None) -> str:
    """The caller's id if it is sane, else a fresh one."""
    if incoming is not None and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request_id(request_id: str) -> Token[str]:
    return _request_id.set(request_id)


def unbind_request_id(token: Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) so every format can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
