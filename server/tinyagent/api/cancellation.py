"""Stop work when the client goes away.

FastAPI does not cancel a handler when the client disconnects, so a
non-streamed generation would keep the model busy for nobody. We race the
handler against the ASGI disconnect message (as vLLM's ``with_cancellation``
does); this is safe only after the body has been read, which FastAPI has done
by the time the handler runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

from tinyagent.errors import ServiceError

T = TypeVar("T")


class ClientDisconnected(ServiceError):
    """Nobody is left to receive the response; nginx's 499 names that case."""

    status_code = 499
    error_type = "invalid_request_error"
    code = "client_disconnected"


async def _wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def cancel_on_disconnect(request: Request, work: Awaitable[T]) -> T:
    work_task = asyncio.ensure_future(work)
    watch_task = asyncio.ensure_future(_wait_for_disconnect(request))
    try:
        done, _ = await asyncio.wait({work_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch_task.cancel()
    if work_task in done:
        return work_task.result()
    work_task.cancel()
    # Wait for the cancellation to reach the model so it is free before we return.
    await asyncio.gather(work_task, return_exceptions=True)
    raise ClientDisconnected("The client disconnected before the response was ready.")
