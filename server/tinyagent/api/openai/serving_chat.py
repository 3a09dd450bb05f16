"""Chat completions: core chat events -> OpenAI responses and chunks."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tinyagent.api.openai import protocol as p
from tinyagent.chat import types as c
from tinyagent.inference.types import Usage


def completion_id(prefix: str = "chatcmpl") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def usage_out(usage: Usage) -> p.UsageOut:
    return p.UsageOut(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        prompt_tokens_details=p.PromptTokensDetails(cached_tokens=usage.cached_tokens),
    )


@dataclass
class _Accumulator:
    content: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    finished: c.ChatFinished | None = None

    def add(self, event: c.ChatEvent) -> None:
        if isinstance(event, c.ContentDelta):
            self.content.append(event.text)
        elif isinstance(event, c.ToolCallDelta):
            call = self.calls.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
            call["id"] = event.id or call["id"]
            call["name"] = event.name or call["name"]
            call["arguments"] += event.arguments
        else:
            self.finished = event

    def message(self) -> p.ChatMessageOut:
        calls = [
            p.ToolCallOut(id=c_["id"], function=p.FunctionCall(name=c_["name"], arguments=c_["arguments"]))
            for _, c_ in sorted(self.calls.items())
        ]
        text = "".join(self.content)
        return p.ChatMessageOut(content=text if text or not calls else None, tool_calls=calls or None)


async def complete_chat(events: AsyncIterator[c.ChatEvent], model_id: str) -> p.ChatCompletion:
    acc = _Accumulator()
    async for event in events:
        acc.add(event)
    assert acc.finished is not None, "the chat service always ends with ChatFinished"
    choice = p.ChatChoice(message=acc.message(), finish_reason=acc.finished.finish_reason)
    return p.ChatCompletion(
        id=completion_id(),
        created=int(time.time()),
        model=model_id,
        choices=[choice],
        usage=usage_out(acc.finished.usage),
    )


def _delta(event: c.ContentDelta | c.ToolCallDelta) -> p.ChunkDelta:
    if isinstance(event, c.ContentDelta):
        return p.ChunkDelta(content=event.text)
    # id, type and name only on an index's first delta: the openai stream helper concatenates strings.
    function = p.FunctionDelta(name=event.name, arguments=event.arguments)
    call = p.ToolCallDeltaOut(index=event.index, id=event.id, type="function" if event.id else None, function=function)
    return p.ChunkDelta(tool_calls=[call])


async def stream_chat(
    events: AsyncIterator[c.ChatEvent], model_id: str, *, include_usage: bool
) -> AsyncIterator[p.ChatCompletionChunk]:
    base = {"id": completion_id(), "created": int(time.time()), "model": model_id}
    yield p.ChatCompletionChunk(**base, choices=[p.ChunkChoice(delta=p.ChunkDelta(role="assistant", content=""))])
    async for event in events:
        if isinstance(event, c.ChatFinished):
            final = p.ChunkChoice(delta=p.ChunkDelta(), finish_reason=event.finish_reason)
            yield p.ChatCompletionChunk(**base, choices=[final])
            if include_usage:
                yield p.ChatCompletionChunk(**base, choices=[], usage=usage_out(event.usage))
        else:
            yield p.ChatCompletionChunk(**base, choices=[p.ChunkChoice(delta=_delta(event))])
