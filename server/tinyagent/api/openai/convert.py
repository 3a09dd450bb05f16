"""Translate validated OpenAI requests into core chat types (and refuse what we cannot honour)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from tinyagent.api.openai import protocol as p
from tinyagent.chat import types as c
from tinyagent.errors import CONTEXT_LENGTH, TOOL_CHOICE, TOOLS, InvalidRequest
from tinyagent.inference.types import GenerationParams

DEFAULT_TEMPERATURE = 0.8
DEFAULT_TOP_P = 0.95


def content_text(content: p.Content | None) -> str | None:
    if content is None or isinstance(content, str):
        return content
    return "".join(part.text for part in content)


def to_message(message: p.Message) -> c.ChatMessage:
    if isinstance(message, p.AssistantMessage):
        calls = tuple(
            c.ToolCall(id=tc.id, name=tc.function.name, arguments=tc.function.arguments)
            for tc in message.tool_calls or ()
        )
        return c.ChatMessage(role="assistant", content=content_text(message.content), tool_calls=calls)
    if isinstance(message, p.ToolMessage):
        text = content_text(message.content)
        return c.ChatMessage(role="tool", content=text, tool_call_id=message.tool_call_id)
    return c.ChatMessage(role=message.role, content=content_text(message.content), name=message.name)


def to_tool_choice(req: p.ChatCompletionRequest, tools: tuple[c.ToolSpec, ...]) -> c.ToolChoice:
    choice = req.tool_choice
    named = c.NamedTool(choice.function.name) if isinstance(choice, p.NamedToolChoice) else choice
    return resolve_tool_choice(named, tools)


def resolve_tool_choice(
    choice: Literal["none", "auto", "required"] | c.NamedTool | None, tools: tuple[c.ToolSpec, ...]
) -> c.ToolChoice:
    """A request's tool_choice against its tools (both surfaces): absent means auto with tools."""
    if choice is None:
        return "auto" if tools else "none"
    if choice == "none":
        return "none"
    if not tools:
        raise InvalidRequest("tool_choice requires a non-empty 'tools' list", param="tool_choice", code=TOOL_CHOICE)
    names = [t.name for t in tools]
    if isinstance(choice, c.NamedTool) and choice.name not in names:
        raise InvalidRequest(
            f"tool_choice names '{choice.name}', which is not in tools ({', '.join(names)})",
            param="tool_choice",
            code=TOOL_CHOICE,
        )
    return choice


def to_tools(req: p.ChatCompletionRequest) -> tuple[c.ToolSpec, ...]:
    return unique_tools(
        c.ToolSpec(name=t.function.name, description=t.function.description, parameters=t.function.parameters)
        for t in req.tools or ()
    )


def unique_tools(specs: Iterable[c.ToolSpec]) -> tuple[c.ToolSpec, ...]:
    tools = tuple(specs)
    if len({t.name for t in tools}) != len(tools):
        raise InvalidRequest("tools: function names must be unique", param="tools", code=TOOLS)
    return tools


def to_response_format(fmt: p.ResponseFormat | None) -> c.ResponseFormat:
    if isinstance(fmt, p.JsonObjectFormat):
        return c.JsonObjectFormat()
    if isinstance(fmt, p.JsonSchemaFormat):
        return c.JsonSchemaFormat(schema=fmt.json_schema.schema_, name=fmt.json_schema.name)
    return None


def stop_tuple(stop: p.Stop) -> tuple[str, ...]:
    if stop is None:
        return ()
    return (stop,) if isinstance(stop, str) else tuple(stop)


def max_tokens_param(max_tokens: int | None, context_length: int, limit: int, *, param: str = "max_tokens") -> int:
    """The generation's token budget; the backend clamps it further to the room the prompt leaves.
    A context length of 0 is unknown (a remote that does not say): the remote judges."""
    if context_length <= 0:
        return min(max_tokens or limit, limit)
    if max_tokens is not None and max_tokens >= context_length:
        raise InvalidRequest(
            f"{param} ({max_tokens}) must be smaller than the model's context length ({context_length})",
            param=param,
            code=CONTEXT_LENGTH,
        )
    return min(max_tokens or limit, limit, context_length)


def generation_params(req: p._Sampling, max_tokens: int | None, *, context_length: int, limit: int) -> GenerationParams:
    return GenerationParams(
        max_tokens=max_tokens_param(max_tokens, context_length, limit),
        temperature=DEFAULT_TEMPERATURE if req.temperature is None else req.temperature,
        top_p=DEFAULT_TOP_P if req.top_p is None else req.top_p,
        seed=req.seed,
        stop=stop_tuple(req.stop),
    )


def to_chat_request(req: p.ChatCompletionRequest, *, context_length: int, limit: int) -> c.ChatRequest:
    tools = to_tools(req)
    max_tokens = req.max_completion_tokens or req.max_tokens
    return c.ChatRequest(
        messages=tuple(to_message(m) for m in req.messages),
        params=generation_params(req, max_tokens, context_length=context_length, limit=limit),
        tools=tools,
        tool_choice=to_tool_choice(req, tools),
        parallel_tool_calls=True if req.parallel_tool_calls is None else req.parallel_tool_calls,
        response_format=to_response_format(req.response_format),
    )
