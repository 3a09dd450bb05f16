"""SSE framing: the only place where core events become `data:` lines."""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from tinyagent.api.errors import error_body, service_error_body
from tinyagent.errors import ServiceError
from tinyagent.inference.admission import ADMISSION

log = logging.getLogger(__name__)

PING_SECONDS = 15

T = TypeVar("T")


def _dump(item: BaseModel | dict[str, Any]) -> str:
    if isinstance(item, BaseModel):
        return item.model_dump_json(exclude_none=True)
    return json.dumps(item)


async def _openai_frames(items: AsyncIterator[BaseModel | dict[str, Any]]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for item in items:
            yield ServerSentEvent(data=_dump(item))
    except ServiceError as exc:
        # Headers are gone: the openai client raises APIError on a data payload with an "error" key.
        yield ServerSentEvent(data=json.dumps(service_error_body(exc)))
    except Exception:
        log.exception("stream failed")
        yield ServerSentEvent(data=json.dumps(error_body("Internal server error; see the server log.", "server_error")))
    yield ServerSentEvent(data="[DONE]")


async def primed(items: AsyncIterator[T], *, until_admitted: bool = False) -> AsyncIterator[T]:
    """Wait for the first item before the response starts.

    Queue-full, context-length and other request errors then surface as a
    proper HTTP status instead of an error event inside a 200 stream. With
    ``until_admitted``, also stop waiting once the backend says every such
    check has passed (inference/admission.py): the response then starts while
    the prompt is evaluated, and a later failure is an error event.
    """
    if not until_admitted:
        first = await anext(items)
        return _chained(first, items)
    admission = asyncio.Event()
    token = ADMISSION.set(admission)
    try:
        pending = asyncio.ensure_future(anext(items))  # the task copies the context: it sees ``admission``
    finally:
        ADMISSION.reset(token)
    try:
        await _first_of(pending, admission)
    except BaseException:
        await _cancelled(pending)
        raise
    if pending.done():
        return _chained(pending.result(), items)
    stream = _after(pending, items)
    # A response dropped before it iterates never runs _after's finally: stop the generation then too.
    weakref.finalize(stream, pending.cancel)
    return stream


async def _first_of(pending: asyncio.Future[T], admission: asyncio.Event) -> None:
    waiter = asyncio.ensure_future(admission.wait())
    either: list[asyncio.Future[Any]] = [pending, waiter]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


async def _chained(first: T, items: AsyncIterator[T]) -> AsyncIterator[T]:
    yield first
    async for item in items:
        yield item


async def _after(pending: asyncio.Future[T], items: AsyncIterator[T]) -> AsyncIterator[T]:
    try:
        try:
            first = await pending
        except StopAsyncIteration:
            return  # an async generator may not let it escape
        yield first
        async for item in items:
            yield item
    finally:
        await _cancelled(pending)  # the stream was closed before the first item came


async def _cancelled(pending: asyncio.Future[T]) -> None:
    if not pending.done():
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)


def openai_stream(items: AsyncIterator[BaseModel | dict[str, Any]]) -> EventSourceResponse:
    """An OpenAI-style stream: one JSON chunk per event, errors as events, then [DONE].

    sse-starlette cancels the producer when the client disconnects, which
    closes ``items`` and so stops the generation behind it.
    """
    return EventSourceResponse(_openai_frames(items), ping=PING_SECONDS, headers={"x-accel-buffering": "no"})


@dataclass(frozen=True)
class NamedEvent:
    """One event of our own routes: ``event: name``, ``data: json``, and ``id:`` when the client may
    resume after it (run events carry their seq)."""

    name: str
    data: BaseModel | dict[str, Any]
    id: str | None = None

    def frame(self) -> ServerSentEvent:
        data = self.data.model_dump_json() if isinstance(self.data, BaseModel) else json.dumps(self.data)
        return ServerSentEvent(data=data, event=self.name, id=self.id)


async def _named_frames(items: AsyncIterator[NamedEvent]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for event in items:
            yield event.frame()
    except ServiceError as exc:
        yield ServerSentEvent(data=json.dumps(service_error_body(exc)), event="error")
    except Exception:
        log.exception("stream failed")
        body = error_body("Internal server error; see the server log.", "server_error", None, "internal_error")
        yield ServerSentEvent(data=json.dumps(body), event="error")


def named_event_stream(items: AsyncIterator[NamedEvent]) -> EventSourceResponse:
    """A stream of named events (``event: task`` + JSON ``data``) for our own, non-OpenAI routes.

    Errors after the first byte become an ``error`` event carrying the OpenAI error envelope; there
    is no ``[DONE]``, the last event names the end. Disconnects close ``items`` as for openai_stream.
    """
    return EventSourceResponse(_named_frames(items), ping=PING_SECONDS, headers={"x-accel-buffering": "no"})
