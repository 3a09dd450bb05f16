"""Chat events -> Responses stream events and the final response object.

One path serves both modes: a non-streamed request runs the same event sequence and returns the
last event's response, so what is stored (and replayed with ``starting_after``) is exactly what a
streaming client got, sequence numbers included.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tinyagent.api.openai.serving_chat import usage_out
from tinyagent.api.responses import protocol as p
from tinyagent.api.responses.convert import Item, new_id
from tinyagent.api.responses.store import ResponseStore, StoredResponse
from tinyagent.chat import types as c
from tinyagent.errors import ServiceError

Event = dict[str, Any]


@dataclass
class _Open:
    """The output item being written: a message (text) or one function call."""

    index: int
    item: Item
    call_index: int | None = None  # the chat service's index of the call


@dataclass
class ResponseWriter:
    response: p.Response
    events: list[Event] = field(default_factory=list)
    _output: list[Item] = field(default_factory=list)
    _open: _Open | None = None

    def _emit(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": len(self.events), **fields}
        self.events.append(event)
        return event

    def _snapshot(self) -> dict[str, Any]:
        return self.response.model_dump(mode="json", exclude_none=True, by_alias=True)

    def start(self) -> list[Event]:
        return [
            self._emit("response.created", response=self._snapshot()),
            self._emit("response.in_progress", response=self._snapshot()),
        ]

    def feed(self, event: c.ContentDelta | c.ToolCallDelta) -> list[Event]:
        if isinstance(event, c.ContentDelta):
            return self._text(event.text)
        return self._call(event)

    def _text(self, text: str) -> list[Event]:
        out = (
            [] if self._open is not None and self._open.call_index is None else [*self._close(), *self._open_message()]
        )
        assert self._open is not None
        self._open.item["content"][0]["text"] += text
        ids = {"item_id": self._open.item["id"], "output_index": self._open.index, "content_index": 0}
        return [*out, self._emit("response.output_text.delta", **ids, delta=text, logprobs=[])]

    def _open_message(self) -> list[Event]:
        item: Item = {"id": new_id("msg"), "type": "message", "status": "in_progress", "role": "assistant"}
        self._open = _Open(len(self._output), item)
        ids = {"item_id": item["id"], "output_index": self._open.index, "content_index": 0}
        added = self._emit("response.output_item.added", output_index=self._open.index, item=dict(item, content=[]))
        part: Item = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        item["content"] = [dict(part)]
        return [added, self._emit("response.content_part.added", **ids, part=part)]

    def _call(self, delta: c.ToolCallDelta) -> list[Event]:
        out: list[Event] = []
        if self._open is None or self._open.call_index != delta.index:
            out += self._close()
            item: Item = {
                "id": new_id("fc"),
                "type": "function_call",
                "status": "in_progress",
                "call_id": delta.id or new_id("call"),
                "name": delta.name or "",
                "arguments": "",
            }
            self._open = _Open(len(self._output), item, delta.index)
            out.append(self._emit("response.output_item.added", output_index=self._open.index, item=dict(item)))
        if delta.arguments:
            self._open.item["arguments"] += delta.arguments
            ids = {"item_id": self._open.item["id"], "output_index": self._open.index}
            out.append(self._emit("response.function_call_arguments.delta", **ids, delta=delta.arguments))
        return out

    def _close(self, status: str = "completed") -> list[Event]:
        current, self._open = self._open, None
        if current is None:
            return []
        item, ids = current.item, {"item_id": current.item["id"], "output_index": current.index}
        item["status"] = status
        self._output.append(item)
        if current.call_index is not None:
            done = self._emit(
                "response.function_call_arguments.done", **ids, name=item["name"], arguments=item["arguments"]
            )
            return [done, self._emit("response.output_item.done", output_index=current.index, item=item)]
        part, ids = item["content"][0], {**ids, "content_index": 0}
        return [
            self._emit("response.output_text.done", **ids, text=part["text"], logprobs=[]),
            self._emit("response.content_part.done", **ids, part=part),
            self._emit("response.output_item.done", output_index=current.index, item=item),
        ]

    def finish(self, finished: c.ChatFinished) -> list[Event]:
        cut = finished.finish_reason == "length"
        out = self._close("incomplete" if cut else "completed")
        usage = usage_out(finished.usage)
        self.response = self.response.model_copy(
            update={
                "status": "incomplete" if cut else "completed",
                "incomplete_details": p.IncompleteDetails(reason="max_output_tokens") if cut else None,
                "completed_at": None if cut else int(time.time()),
                "output": [_item(i) for i in self._output],
                "usage": p.ResponseUsage(
                    input_tokens=usage.prompt_tokens,
                    input_tokens_details=p.InputTokensDetails(cached_tokens=finished.usage.cached_tokens),
                    output_tokens=usage.completion_tokens,
                    total_tokens=usage.total_tokens,
                ),
            }
        )
        kind = "response.incomplete" if cut else "response.completed"
        return [*out, self._emit(kind, response=self._snapshot())]

    def fail(self, exc: ServiceError) -> list[Event]:
        self._open = None
        error = p.ResponseError(code=exc.code or exc.error_type, message=exc.message)
        self.response = self.response.model_copy(
            update={"status": "failed", "error": error, "output": [_item(i) for i in self._output]}
        )
        return [self._emit("response.failed", response=self._snapshot())]


def _item(item: Item) -> p.OutputMessage | p.OutputFunctionCall:
    if item["type"] == "message":
        return p.OutputMessage.model_validate(item)
    return p.OutputFunctionCall.model_validate(item)


async def written(
    writer: ResponseWriter,
    chat_events: AsyncIterator[c.ChatEvent],
    store: ResponseStore | None,
    context: list[Item],
    input_items: list[Item],
) -> AsyncIterator[Event]:
    """Every stream event of the response; stored at the end when ``store`` is given."""
    for event in writer.start():
        yield event
    try:
        async for chat_event in chat_events:
            batch = writer.finish(chat_event) if isinstance(chat_event, c.ChatFinished) else writer.feed(chat_event)
            for event in batch:
                yield event
    except ServiceError as exc:  # after the first byte an error can only be an event
        for event in writer.fail(exc):
            yield event
    finally:
        if store is not None and writer.response.status != "in_progress":
            response = writer.response.model_dump(mode="json", exclude_none=True, by_alias=True)
            store.put(StoredResponse(response, context, input_items, writer.events))


def new_response(body: p.ResponseRequest, model_id: str) -> p.Response:
    tools = p.function_tools(body.tools)
    return p.Response(
        id=new_id("resp"),
        created_at=int(time.time()),
        status="in_progress",
        model=model_id,
        instructions=body.instructions,
        tools=tools,
        tool_choice=body.tool_choice or ("auto" if tools else "none"),
        parallel_tool_calls=True if body.parallel_tool_calls is None else body.parallel_tool_calls,
        text=body.text or p.TextConfig(),
        temperature=body.temperature,
        top_p=body.top_p,
        max_output_tokens=body.max_output_tokens,
        previous_response_id=body.previous_response_id,
        metadata=body.metadata or {},
        store=body.store,
    )
