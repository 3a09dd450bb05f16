"""Wire-agnostic types shared by the inference backends and their callers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class GenerationParams:
    """One completion request, after the API layer has applied defaults and limits."""

    max_tokens: int
    temperature: float = 0.8
    top_p: float = 0.95
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # GBNF text; backends compile it (and may cache compiled grammars).
    grammar: str | None = None
    # DRY's multiplier against loops in the reply (inference/repeats.py); 0 is off. The in-process backend
    # applies it; remote servers do not get it (theirs would count the prompt, and copying it is wanted).
    repeat_guard: float = 0.0


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Finished:
    finish_reason: FinishReason
    usage: Usage
    timings: dict[str, float] = field(default_factory=dict)


GenerationEvent = TextDelta | Finished


@dataclass(frozen=True)
class EngineBuild:
    """What the local llama.cpp was compiled for, as llama_print_system_info() reports it."""

    version: str  # llama-cpp-python's version
    system_info: str  # the raw line, e.g. "CPU : SSE3 = 1 | AVX2 = 1 | ..."
    features: tuple[str, ...]  # the ones set to a true value, in the library's order
    baseline: str  # the CPU baseline the build should target, e.g. "x86-64-v3"
    problems: tuple[str, ...] = ()  # why this build is not that baseline; empty when it is

    @property
    def portable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ModelInfo:
    id: str
    context_length: int  # 0 = unknown (a remote server that does not say): never a limit of 0
    source: str  # path, hub reference or URL the model came from
    fallback_reason: str | None = None  # set when the requested model could not be had
    engine: EngineBuild | None = None  # set by the local llama.cpp backend; a remote one has none to report
    dialect: str | None = None  # a remote server's kind (remote_backend.py); None for a local model
    grammar: bool = True  # whether a GBNF grammar reaches the generation


class Backend(Protocol):
    """Generates text for a fully formatted prompt.

    ``generate`` yields TextDelta events and ends with exactly one Finished.
    Closing the iterator early (client gone, run cancelled) must stop the
    generation promptly and leave the backend ready for the next call.
    Callers serialise access through ModelService; backends need not be
    safe for concurrent use.
    """

    @property
    def info(self) -> ModelInfo: ...

    def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]: ...

    async def count_tokens(self, text: str) -> int: ...

    async def aclose(self) -> None: ...


class TextGenerator(Protocol):
    """What callers of the model see: a Backend, or the ModelService that queues requests to one."""

    @property
    def info(self) -> ModelInfo: ...

    def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]: ...

    async def count_tokens(self, text: str) -> int: ...
