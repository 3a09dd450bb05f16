"""A generation's admission, told to whoever waits for its first event.

The OpenAI routes hold a stream's headers back until the generation's first event, so that errors found
before it (a full queue, a prompt too long, a grammar the engine refuses) are a proper HTTP status. On the
llama-server engine every check is over once the child answers 200, a whole prompt evaluation before the
first token; building the response after that token put ~0.5 ms of work between the token and the
client. A backend that has passed every check calls ``admitted()``, and the stream starts during the
prompt's evaluation instead (api/sse.py ``primed``).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

ADMISSION: ContextVar[asyncio.Event | None] = ContextVar("tinyagent_admission", default=None)


def admitted() -> None:
    """Every check a request can fail with an HTTP status has passed (no-op when nobody waits)."""
    event = ADMISSION.get()
    if event is not None:
        event.set()
