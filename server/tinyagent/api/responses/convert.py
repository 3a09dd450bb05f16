"""Responses requests -> core chat requests; the conversation as items, in and out of the store."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from tinyagent.api.openai.convert import (
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    max_tokens_param,
    resolve_tool_choice,
    unique_tools,
)
from tinyagent.api.responses import protocol as p
from tinyagent.chat import types as c
from tinyagent.errors import InvalidRequest
from tinyagent.inference.types import GenerationParams

Item = dict[str, Any]  # an input or output item's JSON, as stored

_PREFIXES = {"message": "msg", "function_call": "fc", "function_call_output": "fco"}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def input_items(body: p.ResponseRequest) -> list[Item]:
    """This request's input as stored items, each with an id."""
    if isinstance(body.input, str):
        return [{"id": new_id("msg"), "type": "message", "role": "user", "content": body.input}]
    items = []
    for item in body.input:
        data = item.model_dump(mode="json", exclude_none=True, by_alias=True)
        data["id"] = item.id or new_id(_PREFIXES[item.type])
        items.append(data)
    return items


def messages(items: Sequence[Item], instructions: str | None) -> tuple[c.ChatMessage, ...]:
    """Items as chat messages: consecutive function calls join the assistant turn they belong to."""
    out: list[c.ChatMessage] = [c.ChatMessage("system", instructions)] if instructions else []
    for index, item in enumerate(items):
        kind = item["type"]
        if kind == "function_call":
            call = c.ToolCall(id=item["call_id"], name=item["name"], arguments=item["arguments"])
            if out and out[-1].role == "assistant":
                out[-1] = c.ChatMessage("assistant", out[-1].content, (*out[-1].tool_calls, call))
            else:
                out.append(c.ChatMessage("assistant", None, (call,)))
        elif kind == "function_call_output":
            text = _text(item["output"], f"input.{index}.output")
            out.append(c.ChatMessage("tool", text, tool_call_id=item["call_id"]))
        else:
            out.append(c.ChatMessage(item["role"], _text(item["content"], f"input.{index}.content")))
    return tuple(out)


def _text(content: str | list[Item], where: str) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content:
        if part.get("type") not in ("input_text", "output_text"):
            raise InvalidRequest(
                f"{where}: '{part.get('type')}' content is not supported by this text model", param=where
            )
        texts.append(part.get("text", ""))
    return "".join(texts)


def tools(body: p.ResponseRequest) -> tuple[c.ToolSpec, ...]:
    return unique_tools(
        c.ToolSpec(t.name, t.description or "", t.parameters or {"type": "object", "properties": {}})
        for t in p.function_tools(body.tools)
    )


def tool_choice(body: p.ResponseRequest, specs: tuple[c.ToolSpec, ...]) -> c.ToolChoice:
    choice = body.tool_choice
    return resolve_tool_choice(c.NamedTool(choice.name) if isinstance(choice, p.NamedFunction) else choice, specs)


def response_format(body: p.ResponseRequest) -> c.ResponseFormat:
    fmt = body.text.format if body.text is not None else None
    if isinstance(fmt, p.TextFormatJsonObject):
        return c.JsonObjectFormat()
    if isinstance(fmt, p.TextFormatJsonSchema):
        return c.JsonSchemaFormat(schema=fmt.schema_, name=fmt.name)
    return None


def chat_request(body: p.ResponseRequest, items: Sequence[Item], *, context_length: int, limit: int) -> c.ChatRequest:
    """``items``: the stored conversation so far (previous responses') followed by this input."""
    specs = tools(body)
    params = GenerationParams(
        max_tokens=max_tokens_param(body.max_output_tokens, context_length, limit, param="max_output_tokens"),
        temperature=DEFAULT_TEMPERATURE if body.temperature is None else body.temperature,
        top_p=DEFAULT_TOP_P if body.top_p is None else body.top_p,
        seed=body.seed,
    )
    return c.ChatRequest(
        messages=messages(items, body.instructions),
        params=params,
        tools=specs,
        tool_choice=tool_choice(body, specs),
        parallel_tool_calls=True if body.parallel_tool_calls is None else body.parallel_tool_calls,
        response_format=response_format(body),
    )
