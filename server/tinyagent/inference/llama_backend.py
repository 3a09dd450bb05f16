"""Local generation with llama-cpp-python.

llama.cpp calls block for as long as a prompt evaluation or a token takes, so
every call runs in a worker thread; one generation streams its chunks back to
the event loop through an asyncio queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import llama_cpp
import numpy as np
import numpy.typing as npt
from llama_cpp.llama import Llama, LogitsProcessorList, StoppingCriteriaList
from llama_cpp.llama_cache import LlamaRAMCache
from llama_cpp.llama_grammar import LlamaGrammar

from tinyagent.errors import GRAMMAR, ContextLengthExceeded, InvalidRequest, ModelLoadError
from tinyagent.inference.cpu_share import CpuShare
from tinyagent.inference.llama_build import installed_build
from tinyagent.inference.llama_state import LeanStateLlama, PromptCache
from tinyagent.inference.repeats import RepeatGuard
from tinyagent.inference.types import (
    EngineBuild,
    Finished,
    FinishReason,
    GenerationEvent,
    GenerationParams,
    ModelInfo,
    TextDelta,
    Usage,
)

log = logging.getLogger(__name__)

_MAX_GRAMMARS = 64  # agents reuse a handful of grammars; bound the cache anyway
_DONE = object()  # end-of-stream marker the worker puts on the queue


@dataclass
class _Run:
    """State of one generation, shared between the event loop and the worker thread."""

    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    first_token_at: float = 0.0
    sampled: int = 0
    _last_len: int = -1

    def on_token(self, input_ids: npt.NDArray[np.intc], _logits: npt.NDArray[np.single]) -> bool:
        """llama stopping criterion: called after every sampled token, so cancel is prompt."""
        # llama calls the criterion once more after the loop with an unchanged
        # input length; counting only length changes skips that extra call.
        if len(input_ids) != self._last_len:
            self._last_len = len(input_ids)
            self.sampled += 1
            if self.first_token_at == 0.0:
                self.first_token_at = time.perf_counter()
        return self.cancel.is_set()


def _log_engine(engine: EngineBuild) -> None:
    log.info("llama-cpp-python %s, CPU build for %s: %s", engine.version, engine.baseline, engine.system_info)
    for problem in engine.problems:
        log.warning("this llama.cpp build may crash on other CPUs: %s", problem)


class LlamaBackend:
    """Backend over one llama_cpp.Llama; callers serialise generate() (ModelService does)."""

    def __init__(
        self,
        llm: Llama,
        info: ModelInfo,
        *,
        prompt_cache: LlamaRAMCache | None = None,
        stream_interval_s: float = 0.0,
        cpu_share: CpuShare | None = None,
    ) -> None:
        self._llm = llm
        self._cpu_share = cpu_share
        self._threads = cpu_share.configured if cpu_share is not None else 0
        self._info = info
        self._stream_interval_s = stream_interval_s
        self._prompt_cache = prompt_cache
        if prompt_cache is not None:
            llm.set_cache(prompt_cache)
        # One worker thread: llama contexts are not thread-safe, and a single
        # thread keeps the model's calls ordered even if a caller misbehaves.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self._grammars: OrderedDict[str, LlamaGrammar] = OrderedDict()
        self._closed = False

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        model_id: str,
        source: str,
        n_ctx: int,
        n_threads: int | None,
        n_batch: int,
        prompt_cache_mb: int,
        fallback_reason: str | None = None,
        stream_interval_s: float = 0.0,
        adapt_threads: bool = True,
    ) -> LlamaBackend:
        """Load a GGUF file. Blocking (tens of ms to seconds): from async code use asyncio.to_thread."""
        threads = n_threads or os.cpu_count() or 1
        try:
            llm = LeanStateLlama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=n_batch,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load model {path}: {exc}") from exc
        engine = installed_build()
        info = ModelInfo(
            id=model_id, context_length=llm.n_ctx(), source=source, fallback_reason=fallback_reason, engine=engine
        )
        cache = PromptCache(capacity_bytes=prompt_cache_mb * 1024 * 1024) if prompt_cache_mb > 0 else None
        log.info(
            "loaded %s (n_ctx=%d, threads=%d, prompt cache %d MB)",
            path,
            info.context_length,
            threads,
            prompt_cache_mb,
        )
        _log_engine(engine)
        share = CpuShare(threads) if adapt_threads and threads > 1 else None
        return cls(llm, info, prompt_cache=cache, stream_interval_s=stream_interval_s, cpu_share=share)

    @property
    def info(self) -> ModelInfo:
        return self._info

    async def tokenize(self, text: str) -> list[int]:
        # Tokenizing only reads the vocabulary, so it may run beside a generation.
        return await asyncio.to_thread(self._tokenize, text)

    async def count_tokens(self, text: str) -> int:
        return len(await self.tokenize(text))

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._close_sync)

    def _close_sync(self) -> None:
        self._executor.shutdown(wait=True)
        self._llm.close()

    async def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:
        if self._closed:
            raise RuntimeError("LlamaBackend is closed")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        run = _Run()

        def emit(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone, so is the consumer
                run.cancel.set()

        worker = loop.run_in_executor(self._executor, self._work, prompt, params, run, emit)
        last_yield: float | None = None
        try:
            while True:
                items = await _drain(queue)
                if last_yield is not None and self._stream_interval_s > 0 and _only_text(items):
                    items += await _gather_until(queue, last_yield + self._stream_interval_s)
                last_yield = time.monotonic()
                for item in _coalesced(items):
                    if item is _DONE:
                        return
                    if isinstance(item, BaseException):
                        raise item
                    assert isinstance(item, TextDelta | Finished)
                    yield item
        finally:
            run.cancel.set()
            await _wait_for(worker)

    # --- worker thread ----------------------------------------------------

    def _work(self, prompt: str, params: GenerationParams, run: _Run, emit: Callable[[object], None]) -> None:
        try:
            self._generate_sync(prompt, params, run, emit)
        except Exception as exc:  # handed to the consumer, which re-raises it
            emit(exc)
        finally:
            emit(_DONE)

    def _generate_sync(self, prompt: str, params: GenerationParams, run: _Run, emit: Callable[[object], None]) -> None:
        run.started = time.perf_counter()
        self._use_threads(self._cpu_share.start() if self._cpu_share is not None else 0)
        tokens = self._tokenize(prompt)
        max_tokens = self._room_for(len(tokens), params.max_tokens)
        grammar = self._grammar(params.grammar) if params.grammar else None
        cached = self._reusable_prefix(tokens)
        stream = cast(
            "Generator[Any, None, None]",
            self._llm.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                seed=params.seed,
                stop=list(params.stop),
                grammar=grammar,
                stream=True,
                stopping_criteria=StoppingCriteriaList([run.on_token]),
                logits_processor=self._repeat_guard(len(tokens), params.repeat_guard),
            ),
        )
        finished = False
        try:
            for chunk in stream:
                # After the last chunk llama saves the prompt cache; let it, even if cancelled.
                if run.cancel.is_set() and not finished:
                    break
                if self._cpu_share is not None:
                    self._use_threads(self._cpu_share.during())
                choice = chunk["choices"][0]
                if choice["text"]:
                    emit(TextDelta(choice["text"]))
                if choice["finish_reason"] is not None and not finished:
                    finished = True
                    emit(self._finished(choice["finish_reason"], len(tokens), cached, run))
        finally:
            stream.close()

    def _use_threads(self, threads: int) -> None:
        """As many threads as other processes leave cores free (cpu_share.py); 0 leaves them as they are."""
        if threads and threads != self._threads:
            llama_cpp.llama_set_n_threads(self._llm.ctx, threads, threads)
            others = self._cpu_share.others if self._cpu_share is not None else 0.0
            log.debug("llama.cpp threads %d -> %d (other processes on %.1f cores)", self._threads, threads, others)
            self._threads = threads

    def _repeat_guard(self, start: int, multiplier: float) -> LogitsProcessorList | None:
        if multiplier <= 0:
            return None
        return LogitsProcessorList([RepeatGuard(start, self._piece, multiplier)])

    def _piece(self, token: int) -> str:
        return self._llm.detokenize([token]).decode("utf-8", "ignore")

    def _tokenize(self, text: str) -> list[int]:
        # special=True: chat templates put control tokens such as <|im_start|> in the prompt text.
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        return tokens

    def _room_for(self, n_prompt: int, max_tokens: int) -> int:
        n_ctx = self._info.context_length
        if max_tokens < 1:
            raise InvalidRequest("max_tokens must be at least 1", param="max_tokens")
        if n_prompt >= n_ctx:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {n_ctx} tokens, but the prompt has {n_prompt} "
                f"tokens (no room left for a reply). Shorten the messages.",
                param="messages",
            )
        return min(max_tokens, n_ctx - n_prompt)

    def _grammar(self, text: str) -> LlamaGrammar:
        grammar = self._grammars.get(text)
        if grammar is not None:
            self._grammars.move_to_end(text)
        else:
            # llama-cpp-python does not parse grammars until sampling, and a bad one
            # crashes the process there, so parse it here first.
            vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
            sampler = llama_cpp.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root")
            if not sampler:
                raise InvalidRequest(
                    "invalid GBNF grammar (llama.cpp could not parse it)", param="grammar", code=GRAMMAR
                )
            llama_cpp.llama_sampler_free(sampler)
            grammar = LlamaGrammar.from_string(text, verbose=False)
            self._grammars[text] = grammar
            if len(self._grammars) > _MAX_GRAMMARS:
                self._grammars.popitem(last=False)
        return grammar

    def _reusable_prefix(self, tokens: list[int]) -> int:
        """Prompt tokens llama will not evaluate again: from its KV cache or a saved state."""
        prefix = int(Llama.longest_token_prefix(self._llm._input_ids.tolist(), tokens))
        if self._prompt_cache is not None:
            try:
                saved = self._prompt_cache[tokens]
            except KeyError:
                pass
            else:
                reusable = saved.input_ids[: saved.n_tokens].tolist()
                prefix = max(prefix, int(Llama.longest_token_prefix(reusable, tokens)))
        # llama re-evaluates the last prompt token of a full match to get fresh logits.
        return min(prefix, len(tokens) - 1)

    @staticmethod
    def _finished(reason: str, n_prompt: int, cached: int, run: _Run) -> Finished:
        now = time.perf_counter()
        first = run.first_token_at or now
        timings = {
            "prompt_s": first - run.started,
            "total_s": now - run.started,
            "tokens_per_s": (run.sampled - 1) / (now - first) if run.sampled > 1 and now > first else 0.0,
        }
        finish: FinishReason = "length" if reason == "length" else "stop"
        usage = Usage(prompt_tokens=n_prompt, completion_tokens=run.sampled, cached_tokens=cached)
        return Finished(finish_reason=finish, usage=usage, timings=timings)


async def _drain(queue: asyncio.Queue[object]) -> list[object]:
    """Everything queued right now (at least one item)."""
    items = [await queue.get()]
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def _only_text(items: list[object]) -> bool:
    return all(isinstance(item, TextDelta) for item in items)


async def _gather_until(queue: asyncio.Queue[object], deadline: float) -> list[object]:
    """More queued items until ``deadline`` (monotonic) or the end of the generation."""
    items: list[object] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            item = await asyncio.wait_for(queue.get(), left)
        except TimeoutError:
            break
        items.append(item)
        if not isinstance(item, TextDelta):
            break  # Finished, an error or the end: deliver at once
    return items


def _coalesced(items: list[object]) -> list[object]:
    """Merge runs of text deltas that queued up while the consumer was busy.

    When the client keeps up, every token is still its own delta; when it lags,
    one delta per wake-up spares a JSON chunk and an SSE frame per token, CPU
    that would otherwise be taken from generation on the same cores.
    """
    merged: list[object] = []
    for item in items:
        if isinstance(item, TextDelta) and merged and isinstance(merged[-1], TextDelta):
            merged[-1] = TextDelta(merged[-1].text + item.text)
        else:
            merged.append(item)
    return merged


async def _wait_for(worker: asyncio.Future[None]) -> None:
    """Wait until the worker thread is done, even if our task is cancelled meanwhile.

    Returning earlier would hand the model to the next request while this
    generation still runs on it.
    """
    cancelled = False
    while not worker.done():
        try:
            await asyncio.shield(worker)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
