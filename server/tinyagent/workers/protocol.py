"""The worker protocol: JSON Lines between the server (client) and a tool worker.

One JSON object per line, UTF-8, in both directions, over a child process's stdin/stdout
or a Unix socket. The worker speaks first (``hello``); then the client sends ``call`` and
``ping`` messages and the worker answers each with a ``result`` / ``pong`` carrying the same
``id``, in any order. docs/worker-protocol.md is the normative description.

Both sides validate arguments with the same function (``prepare_args``) so a worker reached
over a socket by something other than our client still never runs a malformed call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tinyagent.tools.registry import TOOL_NAMES, ArgType, get_tool, reference_id

PROTOCOL_VERSION = 1
# A summarize_pdf result carries a whole document's text; 16 MiB bounds one line generously.
MAX_LINE_BYTES = 16 * 1024 * 1024

# Codes a backend raises (ToolFailure.code).
NOT_FOUND = "not_found"
NO_SELECTION = "no_selection"
INVALID_ARGUMENT = "invalid_argument"
UNAVAILABLE = "unavailable"
FAILED = "failed"
# Codes the protocol machinery produces.
UNKNOWN_TOOL = "unknown_tool"
TIMEOUT = "timeout"
WORKER_CRASHED = "worker_crashed"
WORKER_UNAVAILABLE = "worker_unavailable"
RESULT_TOO_LARGE = "result_too_large"
PROTOCOL_ERROR = "protocol_error"
CANCELLED = "cancelled"

ERROR_CODES = frozenset(
    {
        NOT_FOUND,
        NO_SELECTION,
        INVALID_ARGUMENT,
        UNAVAILABLE,
        FAILED,
        UNKNOWN_TOOL,
        TIMEOUT,
        WORKER_CRASHED,
        WORKER_UNAVAILABLE,
        RESULT_TOO_LARGE,
        PROTOCOL_ERROR,
        CANCELLED,
    }
)

# Result kinds: an observation goes to the joiner as is; pdf_text is raw material the server
# summarises with the model before it becomes an observation (summarize_pdf).
KIND_TEXT = "text"
KIND_PDF_TEXT = "pdf_text"
RESULT_KINDS = frozenset({KIND_TEXT, KIND_PDF_TEXT})


class ProtocolError(Exception):
    """A line that is not a valid message of this protocol version."""


class ArgumentError(Exception):
    """Arguments that do not fit the tool's registry entry; ``code`` is an error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ToolContext:
    """Per-call facts sent with a call besides its arguments (see CallContext)."""

    timezone: str = "UTC"
    send_drafts: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "send_drafts": self.send_drafts}

    @classmethod
    def from_json(cls, data: object) -> ToolContext:
        if data is None:
            return cls()
        obj = _require_dict(data, "context")
        timezone = obj.get("timezone", "UTC")
        send_drafts = obj.get("send_drafts", False)
        if not isinstance(timezone, str) or not isinstance(send_drafts, bool):
            raise ProtocolError("context: timezone must be a string and send_drafts a boolean")
        return cls(timezone=timezone, send_drafts=send_drafts)


@dataclass(frozen=True)
class ToolOutcome:
    """What a call produced: a result string, or an error code and message. Never an exception."""

    ok: bool
    result: str = ""
    kind: str = KIND_TEXT
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def success(cls, result: str, kind: str = KIND_TEXT) -> ToolOutcome:
        return cls(ok=True, result=result, kind=kind)

    @classmethod
    def failure(cls, code: str, message: str) -> ToolOutcome:
        return cls(ok=False, error_code=code, error_message=message)

    @property
    def observation(self) -> str:
        """The text the joiner sees: the result, or the error message."""
        return self.result if self.ok else (self.error_message or self.error_code or "")


@dataclass(frozen=True)
class Hello:
    backend: str
    tools: tuple[str, ...]
    protocol: int = PROTOCOL_VERSION
    pid: int = 0


@dataclass(frozen=True)
class Call:
    id: str
    tool: str
    args: list[object]
    deadline: float
    context: ToolContext = field(default_factory=ToolContext)


@dataclass(frozen=True)
class Result:
    id: str
    outcome: ToolOutcome


@dataclass(frozen=True)
class Ping:
    id: str


@dataclass(frozen=True)
class Pong:
    id: str


@dataclass(frozen=True)
class Notice:
    """A protocol-level problem not tied to a call (e.g. an undecodable line)."""

    error_code: str
    message: str


Message = Hello | Call | Result | Ping | Pong | Notice


def encode(message: Message) -> bytes:
    """One message as a JSON line (compact, UTF-8, non-ASCII kept)."""
    return json.dumps(_to_json(message), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _to_json(message: Message) -> dict[str, Any]:
    if isinstance(message, Hello):
        return {
            "type": "hello",
            "protocol": message.protocol,
            "backend": message.backend,
            "tools": list(message.tools),
            "pid": message.pid,
        }
    if isinstance(message, Call):
        return {
            "type": "call",
            "id": message.id,
            "tool": message.tool,
            "args": message.args,
            "deadline": message.deadline,
            "context": message.context.to_json(),
        }
    if isinstance(message, Result):
        return _result_json(message)
    if isinstance(message, Ping | Pong):
        return {"type": "ping" if isinstance(message, Ping) else "pong", "id": message.id}
    return {"type": "error", "error": {"code": message.error_code, "message": message.message}}


def _result_json(message: Result) -> dict[str, Any]:
    out = message.outcome
    if out.ok:
        body: dict[str, Any] = {"type": "result", "id": message.id, "ok": True, "result": out.result}
        if out.kind != KIND_TEXT:
            body["kind"] = out.kind
        return body
    error = {"code": out.error_code or FAILED, "message": out.error_message or ""}
    return {"type": "result", "id": message.id, "ok": False, "error": error}


def decode(line: bytes | str) -> Message:
    """Parse one line; ProtocolError for anything that is not a valid message."""
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not a JSON line: {exc}") from None
    obj = _require_dict(data, "message")
    kind = obj.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    return parser(obj)


def _require_dict(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProtocolError(f"{what} must be a JSON object")
    return data


def _str_field(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise ProtocolError(f"'{name}' must be a string")
    return value


def _parse_hello(obj: dict[str, Any]) -> Hello:
    protocol, tools, pid = obj.get("protocol"), obj.get("tools"), obj.get("pid", 0)
    if not isinstance(protocol, int) or isinstance(protocol, bool):
        raise ProtocolError("hello: 'protocol' must be an integer")
    if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
        raise ProtocolError("hello: 'tools' must be a list of strings")
    if not isinstance(pid, int):
        raise ProtocolError("hello: 'pid' must be an integer")
    return Hello(backend=_str_field(obj, "backend"), tools=tuple(tools), protocol=protocol, pid=pid)


def _parse_call(obj: dict[str, Any]) -> Call:
    args, deadline = obj.get("args"), obj.get("deadline")
    if not isinstance(args, list):
        raise ProtocolError("call: 'args' must be a list")
    if not isinstance(deadline, int | float) or isinstance(deadline, bool) or deadline < 0:
        raise ProtocolError("call: 'deadline' must be a non-negative number of seconds")
    return Call(
        id=_str_field(obj, "id"),
        tool=_str_field(obj, "tool"),
        args=args,
        deadline=float(deadline),
        context=ToolContext.from_json(obj.get("context")),
    )


def _parse_result(obj: dict[str, Any]) -> Result:
    call_id, ok = _str_field(obj, "id"), obj.get("ok")
    if ok is True:
        kind = obj.get("kind", KIND_TEXT)
        if kind not in RESULT_KINDS:
            raise ProtocolError(f"result: unknown kind {kind!r}")
        return Result(call_id, ToolOutcome.success(_str_field(obj, "result"), kind))
    if ok is False:
        error = _require_dict(obj.get("error"), "result.error")
        return Result(call_id, ToolOutcome.failure(_str_field(error, "code"), _str_field(error, "message")))
    raise ProtocolError("result: 'ok' must be true or false")


def _parse_error(obj: dict[str, Any]) -> Notice:
    error = _require_dict(obj.get("error"), "error")
    return Notice(_str_field(error, "code"), _str_field(error, "message"))


_PARSERS: Mapping[str, Callable[[dict[str, Any]], Message]] = MappingProxyType(
    {
        "hello": _parse_hello,
        "call": _parse_call,
        "result": _parse_result,
        "ping": lambda obj: Ping(_str_field(obj, "id")),
        "pong": lambda obj: Pong(_str_field(obj, "id")),
        "error": _parse_error,
    }
)


def prepare_args(tool: str, args: Sequence[object]) -> list[object]:
    """Validate ``args`` against the registry and normalise them for a backend.

    List parameters given a bare string become one-element lists (as upstream's wrappers
    do); tuples become lists. A whole-string reference (``"$1"``) left in a non-string
    parameter was never substituted and is refused. Raises ArgumentError.
    """
    if tool not in TOOL_NAMES:
        raise ArgumentError(UNKNOWN_TOOL, f"Unknown tool '{tool}'. Valid tools: {', '.join(TOOL_NAMES)}.")
    spec = get_tool(tool)
    issues = spec.check_args(args)
    if issues:
        raise ArgumentError(INVALID_ARGUMENT, "; ".join(issue.message for issue in issues))
    prepared: list[object] = []
    for param, value in zip(spec.params, args, strict=True):
        if param.type is not ArgType.STR and reference_id(value) is not None:
            raise ArgumentError(
                INVALID_ARGUMENT, f"{tool}() argument '{param.name}' is an unresolved reference {value!r}"
            )
        if param.type.is_list and isinstance(value, str):
            value = [value]
        elif isinstance(value, tuple):
            value = list(value)
        prepared.append(value)
    return prepared
