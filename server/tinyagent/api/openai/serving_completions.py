"""/v1/completions: raw text completions, whole or streamed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace

from tinyagent.api.openai import protocol as p
from tinyagent.api.openai.convert import generation_params
from tinyagent.api.openai.serving_chat import completion_id, usage_out
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams, TextDelta, TextGenerator


def completion_params(req: p.CompletionRequest, generator: TextGenerator, limit: int) -> GenerationParams:
    params = generation_params(req, req.max_tokens, context_length=generator.info.context_length, limit=limit)
    return replace(params, grammar=req.grammar)


def prompt_text(req: p.CompletionRequest) -> str:
    return req.prompt if isinstance(req.prompt, str) else req.prompt[0]


async def complete_text(generator: TextGenerator, prompt: str, params: GenerationParams) -> p.Completion:
    parts: list[str] = []
    async for event in generator.generate(prompt, params):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        else:
            finished = event
    choice = p.CompletionChoice(text="".join(parts), finish_reason=finished.finish_reason)
    return p.Completion(
        id=completion_id("cmpl"),
        created=int(time.time()),
        model=generator.info.id,
        choices=[choice],
        usage=usage_out(finished.usage),
    )


async def stream_text(
    events: AsyncIterator[GenerationEvent], model_id: str, *, include_usage: bool
) -> AsyncIterator[p.Completion]:
    base = {"id": completion_id("cmpl"), "created": int(time.time()), "model": model_id}
    async for event in events:
        if isinstance(event, TextDelta):
            yield p.Completion(**base, choices=[p.CompletionChoice(text=event.text, finish_reason=None)])
        elif isinstance(event, Finished):
            yield p.Completion(**base, choices=[p.CompletionChoice(text="", finish_reason=event.finish_reason)])
            if include_usage:
                yield p.Completion(**base, choices=[], usage=usage_out(event.usage))
