"""LlamaBackend against real llama.cpp on the tiny random-weight model.

The model's output is noise, so tests force the shape of the output with
grammars and assert on structure, counts and finish reasons.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gguf_factory import load_tiny_backend
from tinyagent.errors import ContextLengthExceeded, InvalidRequest
from tinyagent.inference.llama_backend import LlamaBackend
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams, TextDelta

pytestmark = pytest.mark.anyio

N_CTX = 512
# Needs more single-letter tokens than fit in the context, so only max_tokens can end it.
ENDLESS_LETTERS = "root ::= [a-z]{600}"
LONG = 480  # max_tokens for generations that tests cut short


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _load(path: Path, *, prompt_cache_mb: int = 0, stream_interval_s: float = 0.0) -> LlamaBackend:
    return load_tiny_backend(path, n_ctx=N_CTX, prompt_cache_mb=prompt_cache_mb, stream_interval_s=stream_interval_s)


@pytest.fixture(scope="module")
def backend(tiny_gguf: Path) -> Iterator[LlamaBackend]:
    b = _load(tiny_gguf)
    yield b
    asyncio.run(b.aclose())


async def _collect(backend: LlamaBackend, prompt: str, params: GenerationParams) -> list[GenerationEvent]:
    return [event async for event in backend.generate(prompt, params)]


def _text(events: list[GenerationEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def _finished(events: list[GenerationEvent]) -> Finished:
    last = events[-1]
    assert isinstance(last, Finished)
    return last


async def test_streams_deltas_then_exactly_one_finished(backend: LlamaBackend) -> None:
    prompt = "<|im_start|>user\nget the email<|im_end|>\n<|im_start|>assistant\n"
    events = await _collect(backend, prompt, GenerationParams(max_tokens=8, grammar=ENDLESS_LETTERS, seed=1))

    assert all(isinstance(e, TextDelta) for e in events[:-1])
    assert len(events) > 1
    finished = _finished(events)
    assert finished.finish_reason == "length"
    assert re.fullmatch(r"[a-z]{8}", _text(events))
    assert finished.usage.completion_tokens == 8
    assert finished.usage.prompt_tokens == await backend.count_tokens(prompt)
    assert set(finished.timings) >= {"prompt_s", "total_s", "tokens_per_s"}
    assert finished.timings["total_s"] >= finished.timings["prompt_s"] >= 0


async def test_grammar_constrains_output_and_ends_with_stop(backend: LlamaBackend) -> None:
    grammar = 'root ::= "1. get_email(name=\\"" [a-z]{1,8} "\\")"'
    events = await _collect(backend, "plan:", GenerationParams(max_tokens=64, grammar=grammar, seed=3))

    assert re.fullmatch(r'1\. get_email\(name="[a-z]{1,8}"\)', _text(events))
    assert _finished(events).finish_reason == "stop"


async def test_invalid_grammar_is_a_request_error_not_a_crash(backend: LlamaBackend) -> None:
    with pytest.raises(InvalidRequest) as err:
        await _collect(backend, "x", GenerationParams(max_tokens=4, grammar='root ::= "a" ('))
    assert err.value.param == "grammar"
    # The model is still usable afterwards.
    assert _finished(await _collect(backend, "x", GenerationParams(max_tokens=2, grammar=ENDLESS_LETTERS)))


async def test_stop_sequence_ends_generation_before_the_stop_text(backend: LlamaBackend) -> None:
    grammar = 'root ::= "hello|world"'
    params = GenerationParams(max_tokens=32, grammar=grammar, stop=("|",))
    events = await _collect(backend, "say:", params)

    assert _text(events) == "hello"
    assert _finished(events).finish_reason == "stop"


async def test_prompt_filling_the_context_is_rejected(backend: LlamaBackend) -> None:
    prompt = "a " * N_CTX
    assert await backend.count_tokens(prompt) >= N_CTX
    with pytest.raises(ContextLengthExceeded) as err:
        await _collect(backend, prompt, GenerationParams(max_tokens=4))
    assert err.value.param == "messages"
    assert str(N_CTX) in err.value.message


async def test_max_tokens_is_clamped_to_the_room_left(backend: LlamaBackend) -> None:
    prompt = "a " * 250
    room = N_CTX - await backend.count_tokens(prompt)
    assert 0 < room < 100
    events = await _collect(backend, prompt, GenerationParams(max_tokens=400, grammar=ENDLESS_LETTERS))

    finished = _finished(events)
    assert finished.finish_reason == "length"
    assert finished.usage.completion_tokens == room


async def test_closing_early_stops_the_generation_and_frees_the_model(backend: LlamaBackend) -> None:
    stream = backend.generate("go", GenerationParams(max_tokens=LONG, grammar=ENDLESS_LETTERS))
    first = await stream.__anext__()
    assert isinstance(first, TextDelta)
    await stream.aclose()  # type: ignore[attr-defined]

    # The model evaluated only part of the reply (a full run leaves prompt + LONG - 1 tokens).
    assert backend._llm.n_tokens < await backend.count_tokens("go") + LONG // 2
    events = await _collect(backend, "go", GenerationParams(max_tokens=5, grammar=ENDLESS_LETTERS))
    assert _finished(events).usage.completion_tokens == 5


async def test_cancelling_the_consumer_task_stops_the_generation(backend: LlamaBackend) -> None:
    got_first = asyncio.Event()

    async def consume() -> None:
        async for _ in backend.generate("go", GenerationParams(max_tokens=LONG, grammar=ENDLESS_LETTERS)):
            got_first.set()

    task = asyncio.create_task(consume())
    await got_first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert backend._llm.n_tokens < await backend.count_tokens("go") + LONG // 2
    events = await _collect(backend, "go", GenerationParams(max_tokens=3, grammar=ENDLESS_LETTERS))
    assert _finished(events).finish_reason == "length"


async def test_cached_tokens_report_the_reused_prefix(backend: LlamaBackend) -> None:
    prompt = "<|im_start|>system\n" + "the and email " * 20 + "<|im_end|>\n"
    n_prompt = await backend.count_tokens(prompt)
    params = GenerationParams(max_tokens=2, grammar=ENDLESS_LETTERS)
    await _collect(backend, "unrelated text", params)

    cold = _finished(await _collect(backend, prompt, params)).usage
    warm = _finished(await _collect(backend, prompt + "more", params)).usage

    assert cold.cached_tokens <= 1  # at most the shared BOS token
    assert n_prompt - 1 <= warm.cached_tokens < warm.prompt_tokens


async def test_prompt_cache_restores_a_prefix_evicted_from_the_kv_cache(tiny_gguf: Path) -> None:
    prompt_a = "<|im_start|>system\n" + "get the email " * 10
    prompt_b = "<|im_start|>system\n" + "compose call name " * 10
    params = GenerationParams(max_tokens=2, grammar=ENDLESS_LETTERS)
    reused: dict[int, int] = {}
    for mb in (0, 16):
        b = _load(tiny_gguf, prompt_cache_mb=mb)
        try:
            n_a = await b.count_tokens(prompt_a)
            n_shared = await b.count_tokens("<|im_start|>system\n")
            await _collect(b, prompt_a + "1", params)
            await _collect(b, prompt_b + "1", params)  # the KV cache now holds B
            reused[mb] = _finished(await _collect(b, prompt_a + "2", params)).usage.cached_tokens
        finally:
            await b.aclose()

    assert reused[0] <= n_shared  # without the cache only the start A and B share is reused
    assert reused[16] >= n_a - 1  # with it, A's saved state comes back


async def test_stream_interval_merges_tokens_without_changing_the_text(tiny_gguf: Path) -> None:
    # An interval longer than the whole generation: the first token alone, the rest in one delta.
    params = GenerationParams(max_tokens=40, temperature=0.0, grammar="root ::= [a-z]{40}")
    per_token = _load(tiny_gguf)
    merged = _load(tiny_gguf, stream_interval_s=60.0)
    try:
        alone = await _collect(per_token, "the", params)
        batched = await _collect(merged, "the", params)
    finally:
        await per_token.aclose()
        await merged.aclose()
    assert _text(batched) == _text(alone) and len(_text(alone)) == 40
    # Without an interval only tokens that queued up while the consumer was busy are merged.
    assert len([e for e in alone if isinstance(e, TextDelta)]) > 2
    assert len([e for e in batched if isinstance(e, TextDelta)]) == 2
    assert _finished(batched).usage == _finished(alone).usage


def test_repeat_guard_lowers_only_tokens_that_continue_a_repeat_of_the_reply() -> None:
    from tinyagent.inference.repeats import ALLOWED, BASE, RepeatGuard

    pieces = {1: "SMS", 2: "@", 3: '"', 4: "sam", 5: ".com"}
    guard = RepeatGuard(start=2, piece=pieces.__getitem__, multiplier=0.8)
    assert guard.repeats([1, 2, 1, 2]) == {1: 2}  # "SMS@SMS@": a third "SMS" repeats two tokens
    assert guard.repeats([1, 2, 1, 2, 1]) == {2: 3}
    assert guard.repeats([3, 4, 3, 4]) == {}  # the repeat runs only to a quote: JSON's own shape
    assert guard.repeats([4, 5, 1, 2]) == {}
    scores = np.zeros(6, dtype=np.single)
    prompt = [4, 5]  # the prompt is never compared: copying the request is wanted
    out = guard(np.array([*prompt, 1, 2, 1, 2, 1], dtype=np.intc), scores)
    assert out[2] == pytest.approx(-0.8 * BASE ** (3 - ALLOWED)) and out[1] == 0 and out[4] == 0
