"""Tool calls as text: the prompt that teaches the block format, and the streaming parser for it.

The block format (Hermes style) works for any model because the grammars in
``grammars.py`` force it; models trained on it also produce it unprompted::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from tinyagent.chat.call_checks import CallCheck
from tinyagent.chat.grammars import TOOL_CALL_CLOSE, TOOL_CALL_OPEN, call_prefix
from tinyagent.chat.types import ChatMessage, ToolCall, ToolCallDelta, ToolSpec

TOOL_RESPONSE_OPEN = "<tool_response>"
TOOL_RESPONSE_CLOSE = "</tool_response>"

_TOOLS_INTRO = (
    "# Tools\n\n"
    "You may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
)
_TOOLS_OUTRO = (
    "\n</tools>\n\n"
    "For each function call, return a JSON object with the function name and arguments within "
    f"{TOOL_CALL_OPEN}{TOOL_CALL_CLOSE} XML tags:\n"
    f'{TOOL_CALL_OPEN}\n{{"name": <function-name>, "arguments": <args-json-object>}}\n{TOOL_CALL_CLOSE}\n'
    f"Function results come back within {TOOL_RESPONSE_OPEN}{TOOL_RESPONSE_CLOSE} XML tags."
)

# Everything between "<tool_call>" and the first character of the arguments value.
_HEADER_RE = re.compile(r'\s*\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"arguments"\s*:\s*(?=\S)')
# A header that has not matched by then is not one (only reachable without a grammar).
_MAX_HEADER_CHARS = 200


def new_call_id() -> str:
    return "call_" + secrets.token_hex(12)


# --- prompt side ------------------------------------------------------------------------------------


def tools_system_prompt(tools: Sequence[ToolSpec]) -> str:
    """The tools section of the system prompt: signatures as JSON, then how to call them."""
    signatures = "\n".join(
        json.dumps(
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            },
            ensure_ascii=False,
        )
        for t in tools
    )
    return _TOOLS_INTRO + signatures + _TOOLS_OUTRO


def with_tools_prompt(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> tuple[ChatMessage, ...]:
    """Appends the tools section to the first system message, adding one if there is none."""
    section = tools_system_prompt(tools)
    result = list(messages)
    for i, message in enumerate(result):
        if message.role in ("system", "developer"):
            content = f"{message.content}\n\n{section}" if message.content else section
            result[i] = replace(message, content=content)
            return tuple(result)
    return (ChatMessage(role="system", content=section), *result)


def tool_call_block(call: ToolCall) -> str:
    """How an earlier call appears in the prompt: the same text the grammars make the model write."""
    try:
        json.loads(call.arguments)
        arguments = call.arguments.strip()
    except ValueError:  # history from another client may hold invalid JSON: keep it as a string
        arguments = json.dumps(call.arguments)
    return f"{call_prefix(call.name)}{arguments}}}\n{TOOL_CALL_CLOSE}"


def tool_calls_text(message: ChatMessage) -> str:
    """An assistant message's content followed by its tool-call blocks."""
    parts = [message.content] if message.content else []
    parts.extend(tool_call_block(call) for call in message.tool_calls)
    return "\n".join(parts)


def tool_response_block(content: str | None) -> str:
    return f"{TOOL_RESPONSE_OPEN}\n{content or ''}\n{TOOL_RESPONSE_CLOSE}"


# --- streaming parser -------------------------------------------------------------------------------


class _State(Enum):
    OUTSIDE = "outside"
    HEADER = "header"
    ARGUMENTS = "arguments"
    TAIL = "tail"


@dataclass
class _JsonScanner:
    """Finds where one JSON value ends, one character at a time, without parsing it."""

    depth: int = 0
    in_string: bool = False
    escaped: bool = False
    started: bool = False

    def ends_before(self, char: str) -> bool:
        """True when a top-level scalar (number, true, ...) ended just before ``char``."""
        return self.started and self.depth == 0 and not self.in_string and (char.isspace() or char in ",}]")

    def push(self, char: str) -> bool:
        """Consumes ``char``; True when it completes the value."""
        self.started = True
        if self.in_string:
            if self.escaped:
                self.escaped = False
            elif char == "\\":
                self.escaped = True
            elif char == '"':
                self.in_string = False
                return self.depth == 0
            return False
        if char == '"':
            self.in_string = True
        elif char in "{[":
            self.depth += 1
        elif char in "}]":
            self.depth -= 1
            return self.depth <= 0
        return False


@dataclass
class _Call:
    id: str
    name: str
    arguments: list[str] = field(default_factory=list)


class ToolCallStreamParser:
    """Turns generated tool-call blocks into OpenAI tool-call deltas as the text arrives.

    Per call index the first delta carries id, name and ``arguments=""``; later
    deltas carry only argument fragments whose concatenation is exactly the
    arguments JSON (the wrapper never leaks into it). Text outside blocks is
    ignored: the grammars leave only whitespace there.
    """

    def __init__(self, *, id_factory: Callable[[], str] = new_call_id) -> None:
        self._id_factory = id_factory
        self._state = _State.OUTSIDE
        self._buffer = ""
        self._scanner = _JsonScanner()
        self._calls: list[_Call] = []
        self._whole = 0  # how many calls have complete arguments

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """Every call begun so far (the last one may be cut short: see ``complete``)."""
        return tuple(ToolCall(id=c.id, name=c.name, arguments="".join(c.arguments)) for c in self._calls)

    @property
    def whole(self) -> int:
        """How many calls, from the first, have complete arguments."""
        return self._whole

    @property
    def complete(self) -> bool:
        """False while a call is open, e.g. when generation stopped in the middle of one.

        A block without its closing tag counts once ``finish`` has been called.
        """
        return self._state is _State.OUTSIDE

    def feed(self, text: str) -> list[ToolCallDelta]:
        out: list[ToolCallDelta] = []
        self._buffer += text
        while self._step(out):
            pass
        return out

    def finish(self) -> None:
        """Marks the end of the text: a call whose arguments are whole counts as complete."""
        scanner = self._scanner
        scalar_done = scanner.started and scanner.depth == 0 and not scanner.in_string
        if self._state is _State.ARGUMENTS and scalar_done:
            self._whole = len(self._calls)
            self._state = _State.OUTSIDE
        elif self._state is _State.TAIL:
            self._state = _State.OUTSIDE

    def _step(self, out: list[ToolCallDelta]) -> bool:
        """Advances through the buffer; False when it needs more text."""
        if self._state is _State.OUTSIDE:
            return self._find_open()
        if self._state is _State.HEADER:
            return self._read_header(out)
        if self._state is _State.ARGUMENTS:
            return self._read_arguments(out)
        return self._find_close()

    def _find_open(self) -> bool:
        start = self._buffer.find(TOOL_CALL_OPEN)
        if start < 0:
            self._buffer = partial_suffix(self._buffer, TOOL_CALL_OPEN)
            return False
        self._buffer = self._buffer[start + len(TOOL_CALL_OPEN) :]
        self._state = _State.HEADER
        return True

    def _read_header(self, out: list[ToolCallDelta]) -> bool:
        match = _HEADER_RE.match(self._buffer)
        if match is None:
            if len(self._buffer) > _MAX_HEADER_CHARS:  # not a call after all: look for the next one
                self._state = _State.OUTSIDE
                return True
            return False
        call = _Call(id=self._id_factory(), name=json.loads(match.group(1)))
        self._calls.append(call)
        out.append(ToolCallDelta(index=len(self._calls) - 1, id=call.id, name=call.name, arguments=""))
        self._buffer = self._buffer[match.end() :]
        self._scanner = _JsonScanner()
        self._state = _State.ARGUMENTS
        return True

    def _read_arguments(self, out: list[ToolCallDelta]) -> bool:
        consumed, done = self._scan(self._buffer)
        fragment, self._buffer = self._buffer[:consumed], self._buffer[consumed:]
        if fragment:
            self._calls[-1].arguments.append(fragment)
            out.append(ToolCallDelta(index=len(self._calls) - 1, arguments=fragment))
        if done:
            self._state = _State.TAIL
            self._whole = len(self._calls)
        return done

    def _scan(self, text: str) -> tuple[int, bool]:
        """How many characters of ``text`` belong to the arguments, and whether they are complete."""
        for i, char in enumerate(text):
            if self._scanner.ends_before(char):
                return i, True
            if self._scanner.push(char):
                return i + 1, True
        return len(text), False

    def _find_close(self) -> bool:
        end = self._buffer.find(TOOL_CALL_CLOSE)
        if end < 0:
            self._buffer = partial_suffix(self._buffer, TOOL_CALL_CLOSE)
            return False
        self._buffer = self._buffer[end + len(TOOL_CALL_CLOSE) :]
        self._state = _State.OUTSIDE
        return True


class CallGate:
    """Lets a call's deltas through only once its arguments are whole, and ends the calls at a repeat.

    A call cut short by max_tokens is never shown (a client would get arguments that do not parse),
    and a call equal to an earlier one (same name, same arguments as JSON values, whatever the
    spacing) ends the calls: small models repeat a call, with small variations of layout, until
    max_tokens runs out.
    """

    def __init__(self, parser: ToolCallStreamParser, check: CallCheck | None = None) -> None:
        """``check(name, arguments)`` raises for a call no client may see (call_checks.py)."""
        self._parser = parser
        self._check = check
        self._held: list[ToolCallDelta] = []
        self._released = 0
        self._seen: set[tuple[str, str]] = set()
        self.repeated = False

    def feed(self, text: str) -> list[ToolCallDelta]:
        """The deltas of calls completed by ``text``; sets ``repeated`` when one repeats an earlier call."""
        self._held.extend(self._parser.feed(text))
        return self._release()

    def finish(self) -> list[ToolCallDelta]:
        """At the end of the text: the last call if whole; the deltas of a cut call are dropped."""
        self._parser.finish()
        return self._release()

    @property
    def shown(self) -> int:
        return self._released

    def _release(self) -> list[ToolCallDelta]:
        out: list[ToolCallDelta] = []
        calls = self._parser.calls
        while not self.repeated and self._released < self._parser.whole:
            call = calls[self._released]
            key = (call.name, _canonical(call.arguments))
            if key in self._seen:
                self.repeated = True
                break
            self._seen.add(key)
            if self._check is not None:
                self._check(call.name, call.arguments)
            out.extend(d for d in self._held if d.index == self._released)
            self._held = [d for d in self._held if d.index != self._released]
            self._released += 1
        return out


def _canonical(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return arguments


def partial_suffix(text: str, marker: str) -> str:
    """The longest end of ``text`` that could still grow into ``marker`` (a proper prefix of it)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return text[-size:]
    return ""


class RepeatedCallGuard:
    """Ends a run of calls at the first exact repeat of an earlier block.

    Small models given a one-or-more-calls grammar tend to repeat their call until
    max_tokens runs out. A block that repeats an earlier one character for character
    is held back while it matches, and when it completes the calls are over: the
    caller stops generating and the repeat is never shown. Text that diverges is
    released, so distinct calls stream as usual.
    """

    def __init__(self) -> None:
        self._text = ""
        self._released = 0  # how much of _text has been handed on
        self._block_start = -1  # where the open block began, or -1 between blocks
        self._blocks: list[str] = []

    def push(self, text: str) -> tuple[str, bool]:
        """Text safe to hand to the parser, and whether a repeated call just completed."""
        self._text += text
        out: list[str] = []
        repeated = self._scan(out)
        return "".join(out), repeated

    def flush(self) -> str:
        """Whatever is still held back, once the text has ended."""
        return self._release(len(self._text))

    def _scan(self, out: list[str]) -> bool:
        while True:
            if self._block_start < 0:
                start = self._text.find(TOOL_CALL_OPEN, self._released)
                if start < 0:  # hold back what may be the start of "<tool_call>"
                    held = len(partial_suffix(self._text[self._released :], TOOL_CALL_OPEN))
                    out.append(self._release(len(self._text) - held))
                    return False
                self._block_start = start
            end = self._text.find(TOOL_CALL_CLOSE, self._block_start)
            if end < 0:
                block = self._text[self._block_start :]
                matching = any(b.startswith(block) for b in self._blocks)
                out.append(self._release(self._block_start if matching else len(self._text)))
                return False
            block = self._text[self._block_start : end + len(TOOL_CALL_CLOSE)]
            if block in self._blocks:
                out.append(self._release(self._block_start))
                return True
            self._blocks.append(block)
            self._block_start = -1
            out.append(self._release(end + len(TOOL_CALL_CLOSE)))

    def _release(self, upto: int) -> str:
        # Never take back what was already handed on (a block that diverged, then grew).
        upto = max(upto, self._released)
        out, self._released = self._text[self._released : upto], upto
        return out


def accumulate_tool_calls(deltas: Sequence[ToolCallDelta]) -> tuple[ToolCall, ...]:
    """What a client rebuilds from the deltas (the openai SDK's accumulate rules)."""
    ids: dict[int, str] = {}
    names: dict[int, str] = {}
    arguments: dict[int, list[str]] = {}
    for delta in deltas:
        if delta.id is not None:
            ids[delta.index] = ids.get(delta.index, "") + delta.id
        if delta.name is not None:
            names[delta.index] = names.get(delta.index, "") + delta.name
        arguments.setdefault(delta.index, []).append(delta.arguments)
    return tuple(
        ToolCall(id=ids.get(i, ""), name=names.get(i, ""), arguments="".join(arguments[i])) for i in sorted(arguments)
    )
