"""What a worker backend implements: the 16 TinyAgent tools, called with validated positional args.

A backend runs inside the worker process, never in the server. The server
validates arguments against the tool registry (agent/tools.py) before it
sends a call, and list parameters arrive already normalised to lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class ToolFailure(Exception):
    """A tool could not do what was asked; the message is shown to the joiner model and the user.

    ``code`` is machine-readable: not_found, no_selection, invalid_argument, unavailable, failed.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CallContext:
    """Per-call facts a backend may need that are not tool arguments."""

    call_id: str
    deadline_s: float  # seconds left for this call when it was sent
    timezone: str = "UTC"  # the user's IANA time zone, for dates without one
    send_drafts: bool = False  # Mail and Messages: send instead of leaving a draft


class ToolBackend(Protocol):
    name: str  # "sandbox" or "macos"

    def call(self, tool: str, args: Sequence[object], ctx: CallContext) -> str:
        """Run one tool and return its result string (upstream's return strings), or raise ToolFailure."""
        ...

    def close(self) -> None: ...
