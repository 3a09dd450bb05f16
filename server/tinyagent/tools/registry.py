"""The one registry of the 16 TinyAgent tools.

The tools are declared as typed Python stubs in ``tool_defs.py`` (``@tool`` in ``tool_spec.py``
derives each ``ToolSpec``); this module is the public face: import everything from here.
Every consumer derives from ``TOOLS``: the planner description text
(byte-identical to upstream), the OpenAI ``tools`` JSON schema, argument validation of
plan calls and the plan grammar. Order matters: the position is upstream's label id and
the order tools appear in the planner prompt.

Decisions (see docs in the report):

* ``None`` is accepted only where upstream's description says "None if not applicable":
  ``create_calendar_event``'s ``location``, ``notes`` and ``calendar``. Everywhere else the
  prompt asks for an empty string, so ``None`` is a type error.
* ``bool`` is not an ``int`` here (``priority=True`` is an error) and ``int`` is not a ``str``.
* A string that is exactly a reference (``"$N"`` / ``"${N}"``) fits any parameter type: it is
  replaced by a task's output at run time.
* ``list[str]``/``Sequence[str]`` parameters also take a bare string, as upstream's wrappers
  normalise one to a one-element list. Tuples count as lists (plan args are frozen to tuples).
* Effects: ``WRITES`` for the nine tools that create or send something (mail and SMS only
  produce drafts upstream, but a draft is still a write); ``OPENS_APP`` for ``maps_*`` and
  ``open_and_get_file_path``, which change what is on screen but store nothing; ``NONE`` for
  pure look-ups. ``has_side_effects`` is true for both of the former.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from tinyagent.errors import UNKNOWN_APP, UNKNOWN_TOOL, InvalidRequest
from tinyagent.tools.definitions import DECLARED
from tinyagent.tools.spec import (
    BUILTIN,
    REFERENCE_RE,
    ArgIssue,
    ArgType,
    Effect,
    Param,
    RemoteTool,
    ToolSpec,
    bullets_from_doc,
    param_from_hint,
    reference_id,
    tool,
)

__all__ = [
    "BUILTIN",
    "APPS",
    "JOIN",
    "REFERENCE_RE",
    "TOOLS",
    "TOOL_NAMES",
    "ArgIssue",
    "ArgType",
    "Effect",
    "Param",
    "RemoteTool",
    "ToolSet",
    "ToolSpec",
    "bullets_from_doc",
    "get_tool",
    "param_from_hint",
    "reference_id",
    "tool",
]

APPS: tuple[str, ...] = ("calendar", "contacts", "files", "mail", "maps", "notes", "reminders", "sms", "zoom")


def _registry(declared: tuple[ToolSpec, ...]) -> tuple[ToolSpec, ...]:
    """The declarations in label order, checked: labels 0..n-1, unique names, known apps."""
    tools = tuple(sorted(declared, key=lambda t: t.label))
    if [t.label for t in tools] != list(range(len(tools))):
        raise ValueError("tool labels must be 0..n-1, each used once")
    if len({t.name for t in tools}) != len(tools) or any(t.app not in APPS for t in tools):
        raise ValueError("tool names must be unique and apps known")
    return tools


TOOLS: tuple[ToolSpec, ...] = _registry(DECLARED)
TOOL_NAMES: tuple[str, ...] = tuple(t.name for t in TOOLS)
JOIN = "join"
# Tools from MCP servers take labels from here on, in the order they were listed: after the sixteen,
# so a ToolSet's order (the prompt's order) keeps the built-in tools first.
REMOTE_LABELS = 1000


def _unknown(kind: str, names: Iterable[str], valid: Iterable[str], param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Unknown {kind}: {', '.join(sorted(names))}. Valid {kind}s: {', '.join(valid)}.",
        param=param,
        code=UNKNOWN_APP if kind == "app" else UNKNOWN_TOOL,
    )


@dataclass(frozen=True)
class ToolSet:
    """An ordered (registry order) selection of tools: the enabled apps, narrowed per request."""

    tools: tuple[ToolSpec, ...] = TOOLS

    def __post_init__(self) -> None:
        # Registry order is prompt order; strictly increasing labels also rule out duplicates.
        if any(a.label >= b.label for a, b in pairwise(self.tools)):
            raise ValueError("ToolSet tools must be distinct and in registry order")

    @classmethod
    def all(cls) -> ToolSet:
        return cls(TOOLS)

    @classmethod
    def for_apps(cls, apps: Iterable[str]) -> ToolSet:
        """The tools of the enabled ``apps`` (settings level); unknown app names are rejected."""
        wanted = set(apps)
        if unknown := wanted - set(APPS):
            raise _unknown("app", unknown, APPS, "apps")
        return cls(tuple(t for t in TOOLS if t.app in wanted))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tools)

    @property
    def apps(self) -> tuple[str, ...]:
        """The built-in apps in registry order, then each MCP server's (``mcp:<name>``) as listed."""
        builtin = tuple(a for a in APPS if any(t.app == a for t in self.tools))
        return builtin + tuple(dict.fromkeys(t.app for t in self.tools if t.app not in APPS))

    def plus(self, extra: Iterable[ToolSpec]) -> ToolSet:
        """These tools and ``extra`` (tools from MCP servers, labelled after these); names stay unique."""
        tools = self.tools + tuple(extra)
        if len({t.name for t in tools}) != len(tools):
            raise ValueError("tool names must be unique")
        return ToolSet(tools)

    def __len__(self) -> int:
        return len(self.tools)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self.tools)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def get(self, name: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.name == name), None)

    def select(self, *, apps: Iterable[str] | None = None, tools: Iterable[str] | None = None) -> ToolSet:
        """Narrow to the union of ``apps``' tools and the named ``tools`` (None for both = no change).

        Names that do not exist, or exist but are not in this set (disabled), raise InvalidRequest
        listing the valid choices.
        """
        if apps is None and tools is None:
            return self
        app_names, tool_names = set(apps or ()), set(tools or ())
        if unknown_apps := app_names - set(self.apps):
            raise _unknown("app", unknown_apps, self.apps, "apps")
        if unknown_tools := tool_names - set(self.names):
            raise _unknown("tool", unknown_tools, self.names, "tools")
        return ToolSet(tuple(t for t in self.tools if t.app in app_names or t.name in tool_names))

    def openai_tools(self) -> list[dict[str, Any]]:
        return [t.openai_schema() for t in self.tools]


def get_tool(name: str) -> ToolSpec:
    """The registry entry for ``name``; KeyError for unknown names (a programming error here)."""
    for spec in TOOLS:
        if spec.name == name:
            return spec
    raise KeyError(name)
