"""Text completions, embeddings and tokenization."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import numpy as np

from tinyagent.api.openai import protocol as p
from tinyagent.api.openai.convert import generation_params
from tinyagent.api.openai.serving_chat import completion_id, usage_out
from tinyagent.embeddings import Embedder
from tinyagent.errors import InvalidRequest
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams, TextDelta, TextGenerator


def completion_params(req: p.CompletionRequest, generator: TextGenerator, limit: int) -> GenerationParams:
    if req.echo:
        raise InvalidRequest("echo is not supported", param="echo")
    params = generation_params(req, req.max_tokens, context_length=generator.info.context_length, limit=limit)
    return replace(params, grammar=req.grammar)


def prompt_text(req: p.CompletionRequest) -> str:
    prompt = req.prompt if isinstance(req.prompt, str) else req.prompt[0]
    if not prompt:
        raise InvalidRequest("prompt must not be empty", param="prompt")
    return prompt


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


async def embed(embedder: Embedder, req: p.EmbeddingRequest) -> p.EmbeddingList:
    texts = [req.input] if isinstance(req.input, str) else req.input
    result = await embedder.encode(texts)
    vectors = result.vectors
    if req.dimensions is not None:
        if req.dimensions > vectors.shape[1]:
            raise InvalidRequest(f"dimensions must be at most {vectors.shape[1]}", param="dimensions")
        # Matryoshka-style truncation is what OpenAI does; re-normalise so cosine stays meaningful.
        vectors = vectors[:, : req.dimensions]
        vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
    data = [p.EmbeddingData(index=i, embedding=_vector_out(v, req.encoding_format)) for i, v in enumerate(vectors)]
    usage = p.EmbeddingUsage(prompt_tokens=result.token_count, total_tokens=result.token_count)
    return p.EmbeddingList(data=data, model=embedder.model_name, usage=usage)


def _vector_out(vector: np.ndarray, encoding: str) -> list[float] | str:
    # The openai client asks for base64 by default: little-endian float32, as OpenAI sends it.
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return [float(x) for x in vector]
