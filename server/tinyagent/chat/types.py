"""Wire-agnostic chat types: what the OpenAI router converts its requests into and out of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tinyagent.inference.types import GenerationParams, Usage

Role = Literal["system", "developer", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as in the OpenAI API


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object


@dataclass(frozen=True)
class NamedTool:
    name: str


ToolChoice = Literal["none", "auto", "required"] | NamedTool


@dataclass(frozen=True)
class JsonObjectFormat:
    pass


@dataclass(frozen=True)
class JsonSchemaFormat:
    schema: dict[str, Any]
    name: str = "response"


ResponseFormat = JsonObjectFormat | JsonSchemaFormat | None


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    params: GenerationParams  # grammar is left None: the chat service sets it
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = "auto"
    parallel_tool_calls: bool = True
    response_format: ResponseFormat = None


# --- events the chat service yields -------------------------------------------


@dataclass(frozen=True)
class ContentDelta:
    text: str


@dataclass(frozen=True)
class ToolCallDelta:
    """OpenAI delta rules: id and name only on the first delta of an index, then argument fragments."""

    index: int
    arguments: str = ""
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ChatFinished:
    finish_reason: Literal["stop", "length", "tool_calls"]
    usage: Usage
    timings: dict[str, float] = field(default_factory=dict)


ChatEvent = ContentDelta | ToolCallDelta | ChatFinished
