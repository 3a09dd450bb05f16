"""ModelService queueing over a real LlamaBackend on the tiny model.

Ordering is driven by events and by the service's own counters, never by sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gguf_factory import load_tiny_backend
from tinyagent.errors import ContextLengthExceeded, ServerBusy
from tinyagent.inference.llama_backend import LlamaBackend
from tinyagent.inference.service import ModelService
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams

pytestmark = pytest.mark.anyio

PARAMS = GenerationParams(max_tokens=4, grammar="root ::= [a-z]{50}")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def backend(tiny_gguf: Path) -> Iterator[LlamaBackend]:
    b = load_tiny_backend(tiny_gguf, n_ctx=512)
    yield b
    asyncio.run(b.aclose())


async def _hold(service: ModelService) -> AsyncIterator[GenerationEvent]:
    """Start a generation and stop after its first event, so it holds the model."""
    stream = service.generate("hold", GenerationParams(max_tokens=400, grammar="root ::= [a-z]{400}"))
    await stream.__anext__()
    assert service.busy
    return stream


HANG_GUARD_S = 60  # only turns a deadlock into a failure; no test comes near it


async def _until_waiting(service: ModelService, n: int) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        while service.waiting < n:
            await asyncio.sleep(0)


async def _all(*tasks: asyncio.Task[Finished]) -> list[Finished]:
    async with asyncio.timeout(HANG_GUARD_S):
        return list(await asyncio.gather(*tasks))


async def _run(service: ModelService, name: str, order: list[str]) -> Finished:
    events = [e async for e in service.generate(name, PARAMS)]
    order.append(name)
    last = events[-1]
    assert isinstance(last, Finished)
    return last


async def test_waiting_requests_run_in_arrival_order(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=8)
    holder = await _hold(service)
    order: list[str] = []
    tasks = []
    for i, name in enumerate(["first", "second", "third", "fourth"]):
        tasks.append(asyncio.create_task(_run(service, name, order)))
        await _until_waiting(service, i + 1)

    assert order == []  # nobody overtook the holder
    await holder.aclose()  # type: ignore[attr-defined]
    results = await _all(*tasks)

    assert order == ["first", "second", "third", "fourth"]
    assert all(r.finish_reason == "length" for r in results)
    assert not service.busy
    assert service.waiting == 0


async def test_full_queue_answers_server_busy_at_once(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=2, retry_after_s=3)
    holder = await _hold(service)
    order: list[str] = []
    tasks = [asyncio.create_task(_run(service, f"w{i}", order)) for i in range(2)]
    await _until_waiting(service, 2)

    with pytest.raises(ServerBusy) as err:
        await anext(service.generate("one too many", PARAMS))
    assert err.value.retry_after == 3
    assert err.value.headers()["retry-after"] == "3"
    assert service.waiting == 2

    await holder.aclose()  # type: ignore[attr-defined]
    await _all(*tasks)
    assert order == ["w0", "w1"]


async def test_cancelled_waiter_leaves_the_queue(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=2)
    holder = await _hold(service)
    order: list[str] = []
    doomed = asyncio.create_task(_run(service, "doomed", order))
    await _until_waiting(service, 1)
    survivor = asyncio.create_task(_run(service, "survivor", order))
    await _until_waiting(service, 2)

    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert service.waiting == 1
    # Its place is free again: another request fits in the queue.
    late = asyncio.create_task(_run(service, "late", order))
    await _until_waiting(service, 2)

    await holder.aclose()  # type: ignore[attr-defined]
    await _all(survivor, late)
    assert order == ["survivor", "late"]
    assert not service.busy


async def test_waiter_cancelled_as_its_turn_comes_passes_the_model_on(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=4)
    holder = await _hold(service)
    order: list[str] = []
    unlucky = asyncio.create_task(_run(service, "unlucky", order))
    await _until_waiting(service, 1)
    next_one = asyncio.create_task(_run(service, "next", order))
    await _until_waiting(service, 2)

    await holder.aclose()  # type: ignore[attr-defined]  # hands the model to "unlucky" ...
    unlucky.cancel()  # ... which is cancelled before it could run
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await _all(next_one)

    assert order == ["next"]
    assert not service.busy


async def test_failed_request_releases_the_model(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=1)
    with pytest.raises(ContextLengthExceeded):
        await anext(service.generate("a " * 600, PARAMS))
    assert not service.busy

    finished = await _run(service, "after", [])
    assert finished.usage.completion_tokens == 4


async def test_count_tokens_does_not_wait_for_the_model(backend: LlamaBackend) -> None:
    service = ModelService(backend, queue_depth=1)
    holder = await _hold(service)
    assert await service.count_tokens("get the email") == await backend.count_tokens("get the email")
    assert service.busy
    await holder.aclose()  # type: ignore[attr-defined]
    assert not service.busy
    assert service.info.id == "tiny"
