"""ModelService: one model, ``slots`` requests at a time, the rest wait in FIFO order.

A CPU box runs one in-process generation at a time at full speed; running two at
once only makes both slower. So requests queue for the model (one slot), and when
too many are already waiting the caller is told to come back later (ServerBusy)
instead of waiting indefinitely. llama.cpp's server batches several requests into
one pass over the weights, so a backend on it gets as many slots as it has.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable

from tinyagent.errors import InvalidRequest, ServerBusy
from tinyagent.inference.types import Backend, Finished, GenerationEvent, GenerationParams, ModelInfo, Usage

log = logging.getLogger(__name__)


class ModelService:
    """Serialises access to a Backend; satisfies TextGenerator."""

    def __init__(
        self,
        backend: Backend,
        *,
        queue_depth: int,
        retry_after_s: int = 1,
        on_usage: Callable[[Usage], None] | None = None,
        slots: int = 1,
    ) -> None:
        """``on_usage`` sees every finished generation's token counts (the metrics hook)."""
        if queue_depth < 1 or slots < 1:
            raise ValueError("queue_depth and slots must be at least 1")
        self._slots = slots
        self._backend = backend
        self._queue_depth = queue_depth
        self._retry_after_s = retry_after_s
        # Waiters' futures in arrival order; the holders of the model's slots are not in here.
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._active = 0
        self._on_usage = on_usage

    @property
    def info(self) -> ModelInfo:
        return self._backend.info

    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def waiting(self) -> int:
        """Requests queued for the model (not counting the one generating)."""
        return len(self._waiters)

    @property
    def active(self) -> int:
        """Requests generating now."""
        return self._active

    @property
    def slots(self) -> int:
        return self._slots

    @property
    def busy(self) -> bool:
        """True while every slot is held."""
        return self._active >= self._slots

    async def count_tokens(self, text: str) -> int:
        # Tokenizing does not touch the generation state, so it skips the queue.
        return await self._backend.count_tokens(text)

    async def tokenize(self, text: str) -> list[int]:
        """Token ids, for backends that can list them (LlamaBackend, RemoteBackend)."""
        tokenize = getattr(self._backend, "tokenize", None)
        if tokenize is None:
            raise InvalidRequest("this model's backend cannot list token ids")
        tokens: list[int] = await tokenize(text)
        return tokens

    async def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:
        await self._acquire()
        try:
            stream = self._backend.generate(prompt, params)
            try:
                async for event in stream:
                    if isinstance(event, Finished) and self._on_usage is not None:
                        self._on_usage(event.usage)
                    yield event
            finally:
                # Close the backend stream before releasing, so its generation has
                # stopped before the next request gets the model.
                await _aclose(stream)
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._active < self._slots and not self._waiters:
            self._active += 1
            return
        if len(self._waiters) >= self._queue_depth:
            raise ServerBusy(
                f"the model is busy and {len(self._waiters)} requests are already waiting; retry shortly",
                retry_after=self._retry_after_s,
            )
        turn = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            self._leave_queue(turn)
            raise

    def _leave_queue(self, turn: asyncio.Future[None]) -> None:
        if turn.done() and not turn.cancelled():
            # The slot was handed to us just as we were cancelled: pass it on.
            self._release()
        elif turn in self._waiters:  # _release may already have dropped it as cancelled
            self._waiters.remove(turn)

    def _release(self) -> None:
        # Hand the slot straight to the next waiter (still counted as held), so a
        # newcomer cannot slip in ahead of the queue between release and wake-up.
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._active -= 1


async def _aclose(stream: AsyncIterator[GenerationEvent]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
