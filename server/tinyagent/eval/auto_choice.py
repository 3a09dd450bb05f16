"""How often tool_choice "auto" decides right: conversations with offered tools and the expected
outcome (which tool, or no call), half of them needing a tool.

Each conversation goes through the chat service exactly as ``/v1/chat/completions`` runs it
(greedy). A decision is right when a call was expected and one was made, or none was expected and
the reply is text; the tool is right when the first call names the expected tool. Every call's
arguments are checked against the tool's JSON schema, and every text reply for prompt syntax that
leaked (``<tool_call>``, ``<tools>``, a call's JSON).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # stubs live in types-jsonschema

from tinyagent.chat.service import ChatResult
from tinyagent.chat.types import ChatMessage, ChatRequest, ToolSpec
from tinyagent.inference.types import GenerationParams

DATA = Path(__file__).parent / "data"
LEAKS = ("<tool_call>", "</tool_call>", "<tools>", "</tools>", '{"name":', '"arguments":', "<tool_response>")


def split_path(split: str) -> Path:
    return DATA / f"auto_{split}.jsonl"


@dataclass(frozen=True)
class Conversation:
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...]
    expect: str | None  # the tool to call, or None for an answer in text


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
    calls: tuple[tuple[str, str], ...]  # (name, arguments JSON)
    content: str | None
    seconds: float

    @property
    def decided_right(self) -> bool:
        return bool(self.calls) == (self.conversation.expect is not None)

    @property
    def tool_right(self) -> bool:
        return (
            self.conversation.expect is not None and bool(self.calls) and self.calls[0][0] == self.conversation.expect
        )

    @property
    def arguments_valid(self) -> bool:
        specs = {t.name: t for t in self.conversation.tools}
        return all(_valid(arguments, specs[name].parameters) for name, arguments in self.calls if name in specs)

    @property
    def leaked(self) -> bool:
        return any(marker in (self.content or "") for marker in LEAKS)


def _valid(arguments: str, schema: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(json.loads(arguments), schema)
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


def load_tools(path: Path | None = None) -> dict[str, ToolSpec]:
    raw = json.loads((path or DATA / "auto_tools.json").read_text())
    specs = (t["function"] for t in raw)
    return {f["name"]: ToolSpec(f["name"], f.get("description", ""), f["parameters"]) for f in specs}


def load_conversations(path: Path, tools: dict[str, ToolSpec]) -> list[Conversation]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        Conversation(
            messages=tuple(ChatMessage(role=m["role"], content=m["content"]) for m in row["messages"]),
            tools=tuple(tools[name] for name in row["tools"]),
            expect=row["expect"],
        )
        for row in rows
    ]


def chat_request(conversation: Conversation, max_tokens: int = 96) -> ChatRequest:
    params = GenerationParams(max_tokens=max_tokens, temperature=0.0, top_p=1.0, seed=0)
    return ChatRequest(messages=conversation.messages, params=params, tools=conversation.tools, tool_choice="auto")


Complete = Callable[[ChatRequest], Awaitable[ChatResult]]


async def run_conversation(complete: Complete, conversation: Conversation, clock: Callable[[], float]) -> Outcome:
    started = clock()
    result = await complete(chat_request(conversation))
    calls = tuple((c.name, c.arguments) for c in result.tool_calls)
    return Outcome(conversation, calls, result.content, clock() - started)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    wanting = [o for o in outcomes if o.conversation.expect is not None]
    calls = [o for o in outcomes if o.calls]
    return {
        "conversations": len(outcomes),
        "decisions_right": sum(o.decided_right for o in outcomes),
        "needing_a_tool_called": sum(bool(o.calls) for o in wanting),
        "needing_a_tool": len(wanting),
        "not_needing_answered": sum(not o.calls for o in outcomes if o.conversation.expect is None),
        "not_needing": len(outcomes) - len(wanting),
        "right_tool": sum(o.tool_right for o in wanting),
        "replies_with_calls": len(calls),
        "calls_with_valid_arguments": sum(o.arguments_valid for o in calls),
        "text_with_leaked_syntax": sum(o.leaked for o in outcomes),
        "seconds_median": round(statistics.median(o.seconds for o in outcomes), 3) if outcomes else 0.0,
    }


def report_lines(figures: dict[str, Any]) -> list[str]:
    n = figures["conversations"] or 1
    return [
        f"right decisions        {figures['decisions_right']}/{figures['conversations']}"
        f" ({100 * figures['decisions_right'] / n:.1f}%)",
        f"  tool needed, called  {figures['needing_a_tool_called']}/{figures['needing_a_tool']}"
        f" (right tool {figures['right_tool']})",
        f"  no tool, answered    {figures['not_needing_answered']}/{figures['not_needing']}",
        f"valid arguments        {figures['calls_with_valid_arguments']}/{figures['replies_with_calls']}"
        " replies with calls",
        f"leaked prompt syntax   {figures['text_with_leaked_syntax']}",
        f"median time            {figures['seconds_median']} s",
    ]
