"""primed(): when an OpenAI stream's headers may leave, and that the generation behind it always stops.

The routes over it are tested end to end (test_api_chat.py, test_engine_llama_server.py); these pin the
orderings a live model only shows by chance: admission before the first item, a stream closed or dropped
before its first item, and a failure after admission.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest

from tinyagent.api.sse import primed
from tinyagent.errors import InvalidRequest, UpstreamError
from tinyagent.inference.admission import admitted

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Generation:
    """An async generator that admits, then waits for ``release`` before each item; records its end."""

    def __init__(self, *, admit: bool = True, fail_before: Exception | None = None) -> None:
        self.release = asyncio.Event()
        self.admit, self.fail_before = admit, fail_before
        self.stopped = asyncio.Event()

    async def items(self) -> AsyncIterator[str]:
        try:
            if self.fail_before is not None:
                raise self.fail_before
            if self.admit:
                admitted()
            await self.release.wait()
            yield "first"
            yield "second"
        finally:
            self.stopped.set()


async def test_the_stream_starts_at_admission_before_the_first_item() -> None:
    gen = Generation()
    async with asyncio.timeout(5):
        stream = await primed(gen.items(), until_admitted=True)  # returns with no item yet
        gen.release.set()
        assert [item async for item in stream] == ["first", "second"]


async def test_without_admission_it_waits_for_the_first_item() -> None:
    gen = Generation(admit=False)
    waiting = asyncio.ensure_future(primed(gen.items(), until_admitted=True))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    gen.release.set()
    async with asyncio.timeout(5):
        assert [item async for item in await waiting] == ["first", "second"]


async def test_an_error_before_admission_is_raised_for_an_http_status() -> None:
    with pytest.raises(InvalidRequest):
        await primed(Generation(fail_before=InvalidRequest("bad grammar")).items(), until_admitted=True)


async def test_an_error_after_admission_comes_out_of_the_stream() -> None:
    go = asyncio.Event()

    async def failing() -> AsyncIterator[str]:
        admitted()
        await go.wait()
        raise UpstreamError("the child died")
        yield "never"

    stream = await primed(failing(), until_admitted=True)
    go.set()
    with pytest.raises(UpstreamError):
        _ = [item async for item in stream]


async def test_closing_the_stream_before_the_first_item_stops_the_generation() -> None:
    gen = Generation()
    stream = await primed(gen.items(), until_admitted=True)
    reading = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.01)
    reading.cancel()  # the client went away while the prompt was evaluated
    await asyncio.gather(reading, return_exceptions=True)
    async with asyncio.timeout(5):
        await gen.stopped.wait()


async def test_a_stream_dropped_unread_stops_the_generation() -> None:
    gen = Generation()
    stream = await primed(gen.items(), until_admitted=True)
    del stream  # e.g. the response was cancelled before it iterated
    gc.collect()
    async with asyncio.timeout(5):
        await gen.stopped.wait()


async def test_cancelled_while_waiting_stops_the_generation() -> None:
    gen = Generation(admit=False)
    waiting = asyncio.ensure_future(primed(gen.items(), until_admitted=True))
    await asyncio.sleep(0.01)
    waiting.cancel()  # cancel_on_disconnect: the client left before anything was sent
    await asyncio.gather(waiting, return_exceptions=True)
    async with asyncio.timeout(5):
        await gen.stopped.wait()
