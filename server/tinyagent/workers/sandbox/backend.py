"""``SandboxBackend``: the 16 tools against the simulated world, plus opt-in test hooks."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from tinyagent.tools.registry import TOOL_NAMES, ArgType, Effect, Param, ToolSpec
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox import calendar, contacts, files, mail, maps, notes, reminders, sms
from tinyagent.workers.sandbox.world import World

# Handlers take (world, ctx, *validated positional args) and return upstream's result string.
Handler = Callable[..., str]

_HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "create_calendar_event": calendar.create_calendar_event,
        "get_phone_number": contacts.get_phone_number,
        "get_email_address": contacts.get_email_address,
        "open_and_get_file_path": files.open_and_get_file_path,
        "summarize_pdf": files.summarize_pdf,
        "compose_new_email": mail.compose_new_email,
        "reply_to_email": mail.reply_to_email,
        "forward_email": mail.forward_email,
        "maps_open_location": maps.maps_open_location,
        "maps_show_directions": maps.maps_show_directions,
        "create_note": notes.create_note,
        "open_note": notes.open_note,
        "append_note_content": notes.append_note_content,
        "create_reminder": reminders.create_reminder,
        "send_sms": sms.send_sms,
        "get_zoom_meeting_link": calendar.get_zoom_meeting_link,
    }
)
assert set(_HANDLERS) == set(TOOL_NAMES), "the sandbox must implement exactly the registry's tools"

# Test hooks for the worker's failure handling (see docs/worker-protocol.md). They exist only
# when this variable is "1" in the worker's environment and are never in the tool registry.
DEBUG_ENV = "TINYAGENT_SANDBOX_DEBUG"


def _debug_sleep(_world: World, _ctx: CallContext, seconds: object = 3600) -> str:
    time.sleep(float(seconds))  # type: ignore[arg-type]
    return "slept"


def _debug_crash(_world: World, _ctx: CallContext) -> str:
    os._exit(70)  # the process dies mid-call, as a segfaulting tool would


def _debug_freeze(_world: World, _ctx: CallContext) -> str:
    os.kill(os.getpid(), signal.SIGSTOP)  # the whole worker stops answering, event loop included
    return "thawed"


def _debug_raise(_world: World, _ctx: CallContext, message: object = "boom") -> str:
    raise RuntimeError(str(message))


_DEBUG_HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "_debug_sleep": _debug_sleep,
        "_debug_crash": _debug_crash,
        "_debug_freeze": _debug_freeze,
        "_debug_raise": _debug_raise,
    }
)


def debug_tool_specs() -> tuple[ToolSpec, ...]:
    """Registry entries for the hooks above, so plans in tests and benchmarks can name them; give them
    to the agent as its tools (with the registry's) and pair with ``WorkerClient(allow_hidden_tools=True)``."""
    seconds = (Param("seconds", ArgType.STR),)  # a string: plan arguments have no floats
    message = (Param("message", ArgType.STR),)
    shapes = (("_debug_sleep", seconds), ("_debug_crash", ()), ("_debug_freeze", ()), ("_debug_raise", message))
    return tuple(
        ToolSpec(name, 100 + i, "files", Effect.NONE, params, (f"Sandbox test hook {name}.",))
        for i, (name, params) in enumerate(shapes)
    )


class SandboxBackend:
    """The tool backend for machines without macOS apps: a SQLite world under ``data_dir/sandbox``."""

    name = "sandbox"
    tools = TOOL_NAMES
    max_concurrency = 8

    def __init__(self, data_dir: Path, *, debug_hooks: bool | None = None) -> None:
        self.world = World(data_dir)
        self.world.ensure()
        if debug_hooks is None:
            debug_hooks = os.environ.get(DEBUG_ENV) == "1"
        self.hidden_tools: tuple[str, ...] = tuple(_DEBUG_HANDLERS) if debug_hooks else ()

    def call(self, tool: str, args: Sequence[object], ctx: CallContext) -> str:
        handler = _HANDLERS.get(tool)
        if handler is None and tool in self.hidden_tools:
            handler = _DEBUG_HANDLERS[tool]
        if handler is None:
            raise ToolFailure("unavailable", f"The sandbox has no tool '{tool}'.")
        return handler(self.world, ctx, *args)

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own connection."""


def create_backend(data_dir: Path) -> SandboxBackend:
    return SandboxBackend(data_dir)
