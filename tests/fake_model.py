"""The one scripted model of the test suite, as simonw/llm's MockModel: ``enqueue()`` replies, read ``history``.

It is a real ``Backend``: anything that generates (``ChatService``, the ``Planner``, the joiner, a whole
run through ``loaded()``) can stand on it without llama.cpp, and the test sees every prompt and
parameter set it was asked with. Tests of llama.cpp itself use the tiny random GGUF instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from tinyagent.chat.formats import get_chat_format
from tinyagent.inference.types import (
    Finished,
    FinishReason,
    GenerationEvent,
    GenerationParams,
    ModelInfo,
    TextDelta,
    Usage,
)
from tinyagent.models.loaded import LoadedModel
from tinyagent.models.profiles import GENERIC, ModelProfile


@dataclass(frozen=True)
class Reply:
    """One generation: its text in the pieces it streams in, how it ends, what it reports."""

    chunks: tuple[str, ...]
    finish: FinishReason = "stop"
    tokens: int | None = None  # completion tokens reported; default: one per chunk
    cached: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)
    error: Exception | None = None  # raised as the generation starts, before any text


class Call(NamedTuple):
    prompt: str
    params: GenerationParams


def words_and_bos(text: str) -> int:
    """A stand-in tokenizer: a token per word plus one (a BOS, as llama's tokenizer adds)."""
    return len(text.split()) + 1


class FakeModel:
    def __init__(
        self,
        *replies: str | Reply,
        context_length: int = 4096,
        chunk: int = 3,
        count_tokens: Callable[[str], int] = words_and_bos,
    ) -> None:
        """``replies`` as ``enqueue`` takes them; a plain string streams in ``chunk``-character pieces."""
        self.queue: list[Reply] = []
        self.history: list[Call] = []
        self.context_length = context_length
        self.chunk = chunk
        self._count = count_tokens
        self.consumed = 0  # chunks streamed, over all generations
        self.closed = 0  # generations that ended, finished or abandoned
        self.enqueue(*replies)

    def enqueue(self, *replies: str | Reply) -> FakeModel:
        for reply in replies:
            if isinstance(reply, str):
                reply = Reply(tuple(reply[i : i + self.chunk] for i in range(0, len(reply), self.chunk)))
            self.queue.append(reply)
        return self

    @property
    def prompts(self) -> list[str]:
        return [call.prompt for call in self.history]

    @property
    def params(self) -> list[GenerationParams]:
        return [call.params for call in self.history]

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id="scripted", context_length=self.context_length, source="test")

    async def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:
        self.history.append(Call(prompt, params))
        if not self.queue:
            raise AssertionError(f"FakeModel: no reply enqueued for call {len(self.history)}")
        reply = self.queue.pop(0)
        try:
            if reply.error is not None:
                raise reply.error
            for chunk in reply.chunks:
                self.consumed += 1
                yield TextDelta(chunk)
            tokens = len(reply.chunks) if reply.tokens is None else reply.tokens
            usage = Usage(prompt_tokens=len(prompt), completion_tokens=tokens, cached_tokens=reply.cached)
            yield Finished(reply.finish, usage, dict(reply.timings))
        finally:
            self.closed += 1

    async def count_tokens(self, text: str) -> int:
        return self._count(text)

    async def aclose(self) -> None:
        return None

    def loaded(self, chat_format: str = "chatml", profile: ModelProfile = GENERIC) -> LoadedModel:
        """This model behind the server's own handle (queue, chat service), as runs and /plan use it."""
        return LoadedModel.assemble(self, profile, get_chat_format(chat_format))
