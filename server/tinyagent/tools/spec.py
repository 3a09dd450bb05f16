"""Tool declaration types, and the ``@tool`` decorator that derives a ``ToolSpec`` from a typed stub.

A tool is declared once, as a Python signature (``agent/tool_defs.py``): the parameter
annotations give the argument types, the docstring gives upstream's description bullets.
``tools.py`` re-exports everything here; import from there.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import types
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

# A whole-string reference to another task's output; upstream accepts "$N" and "${N}".
REFERENCE_RE = re.compile(r"\$([0-9]+)|\$\{([0-9]+)\}")


def reference_id(value: object) -> int | None:
    """The task id if ``value`` is a string that is exactly one reference, else None."""
    if not isinstance(value, str):
        return None
    match = REFERENCE_RE.fullmatch(value)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


class ArgType(Enum):
    """A parameter type; the value is how upstream spells it in the signature line."""

    STR = "str"
    INT = "int"
    BOOL = "bool"
    STR_LIST = "list[str]"
    # Only get_zoom_meeting_link uses it; kept distinct so its signature renders as upstream's.
    STR_SEQUENCE = "Sequence[str]"

    @property
    def is_list(self) -> bool:
        return self in (ArgType.STR_LIST, ArgType.STR_SEQUENCE)


class Effect(Enum):
    NONE = "none"
    OPENS_APP = "opens_app"
    WRITES = "writes"


@dataclass(frozen=True)
class Param:
    name: str
    type: ArgType
    nullable: bool = False
    # The lookup tool whose result this parameter takes ("get_email_address" for recipients): lets a
    # small model write a name where a plan needs "$N", and the lookup be added for it (inline_plan.py).
    resolves: str | None = None
    # "datetime" ('YYYY-MM-DD HH:MM:SS') or "date" (also 'YYYY-MM-DD'), from the tool's description
    # bullets; guided plans' grammar enforces it (a small model otherwise loops in a date string).
    format: str | None = None
    # Free text in the person's words (a message, a subject, a title), as opposed to an entity that must
    # name something exactly (a place, a note, a file); the argument metric compares the two differently.
    text: bool = False

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any]
        if self.type.is_list:
            schema = {"type": "array", "items": {"type": "string"}}
        else:
            base = {ArgType.STR: "string", ArgType.INT: "integer", ArgType.BOOL: "boolean"}[self.type]
            schema = {"type": [base, "null"] if self.nullable else base}
        return schema

    def accepts(self, value: object) -> bool:
        if reference_id(value) is not None:
            return True
        if value is None:
            return self.nullable
        if self.type is ArgType.STR:
            return isinstance(value, str)
        if self.type is ArgType.INT:
            return isinstance(value, int) and not isinstance(value, bool)
        if self.type is ArgType.BOOL:
            return isinstance(value, bool)
        if isinstance(value, str):
            return True
        return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True)
class ArgIssue:
    """One problem with a call's arguments; ``code`` is ``wrong_arity`` or ``wrong_type``."""

    code: str
    message: str
    position: int | None = None


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


BUILTIN = "builtin"


@dataclass(frozen=True)
class RemoteTool:
    """Where a tool that is not one of the sixteen lives: an MCP server's tool, called by its own name.

    ``schema`` is the tool's JSON Schema as text (hashable, so a ToolSpec stays a value): the plan
    language has no floats or objects, so a ``number`` or ``object`` parameter travels as a string
    and is converted back by the schema when the call is made.
    """

    server: str
    name: str
    schema: str
    destructive: bool = False

    def property(self, name: str) -> dict[str, Any]:
        """The JSON Schema of parameter ``name`` (``{}`` when the schema does not describe it)."""
        found = _properties(self.schema).get(name)
        return found if isinstance(found, dict) else {}


@functools.cache
def _properties(schema: str) -> dict[str, Any]:
    # Parsed once per schema text: plans (each guided grammar) and calls read it again and again.
    props = json.loads(schema).get("properties")
    return props if isinstance(props, dict) else {}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    label: int
    app: str
    effect: Effect
    params: tuple[Param, ...]
    bullets: tuple[str, ...]
    # None for the sixteen built-in tools, which run in a tool worker.
    remote: RemoteTool | None = None

    @property
    def source(self) -> str:
        """``builtin``, or ``mcp:<server>`` for a tool an MCP server provides."""
        return BUILTIN if self.remote is None else f"mcp:{self.remote.server}"

    @property
    def has_side_effects(self) -> bool:
        return self.effect is not Effect.NONE

    @property
    def writes(self) -> bool:
        return self.effect is Effect.WRITES

    @property
    def signature(self) -> str:
        params = ", ".join(f"{p.name}: {p.type.value}" for p in self.params)
        return f"{self.name}({params}) -> str"

    @property
    def planner_description(self) -> str:
        """Upstream's description: signature line, one `` - `` bullet per line, final newline."""
        return self.signature + "".join(f"\n - {bullet}" for bullet in self.bullets) + "\n"

    @property
    def description(self) -> str:
        return "\n".join(self.bullets)

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.json_schema() for p in self.params},
                    "required": [p.name for p in self.params],
                    "additionalProperties": False,
                },
            },
        }

    def check_args(self, args: Sequence[object]) -> list[ArgIssue]:
        """Arity and type problems of positional ``args``; empty when the call is well-formed."""
        if len(args) != len(self.params):
            return [
                ArgIssue(
                    "wrong_arity",
                    f"{self.name}() takes {len(self.params)} positional arguments but {len(args)} were given",
                )
            ]
        return [
            ArgIssue(
                "wrong_type",
                f"{self.name}() argument {i + 1} ({param.name}) must be {param.type.value}"
                f"{' or None' if param.nullable else ''}, got {_type_name(value)}",
                position=i,
            )
            for i, (param, value) in enumerate(zip(self.params, args, strict=True))
            if not param.accepts(value)
        ]


# --- declaring tools as typed stubs ------------------------------------------------------------------

ToolStub = Callable[..., str]


def _arg_type(hint: object) -> ArgType | None:
    simple = {str: ArgType.STR, int: ArgType.INT, bool: ArgType.BOOL}
    if isinstance(hint, type) and hint in simple:
        return simple[hint]
    if get_args(hint) == (str,):
        if get_origin(hint) is list:
            return ArgType.STR_LIST
        if get_origin(hint) is Sequence:
            return ArgType.STR_SEQUENCE
    return None


def param_from_hint(name: str, hint: object) -> Param:
    """``str``, ``int``, ``bool``, ``list[str]``, ``Sequence[str]``, or one of those ``| None``."""
    nullable = False
    if get_origin(hint) in (Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        nullable = len(members) < len(get_args(hint))
        hint = members[0] if len(members) == 1 else hint
    kind = _arg_type(hint)
    if kind is None:
        raise TypeError(f"parameter {name!r}: unsupported tool argument type {hint!r}")
    return Param(name, kind, nullable)


def bullets_from_doc(doc: str | None) -> tuple[str, ...]:
    """One bullet per ``- `` line; indented lines continue the bullet above (joined by a space).

    Continuations exist only to keep long upstream bullets within the line-length limit.
    """
    bullets: list[str] = []
    for line in inspect.cleandoc(doc or "").splitlines():
        text = line.strip()
        if line.startswith("- "):
            bullets.append(text[2:])
        elif text and bullets and line.startswith(" "):
            bullets[-1] += " " + text
        elif text:
            raise ValueError(f"docstring line is neither a '- ' bullet nor an indented continuation: {line!r}")
    if not bullets:
        raise ValueError("a tool needs at least one description bullet")
    return tuple(bullets)


def spec_from_stub(
    stub: ToolStub,
    *,
    label: int,
    app: str,
    effect: Effect,
    resolves: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    texts: Collection[str] = (),
) -> ToolSpec:
    signature = inspect.signature(stub)
    hints = get_type_hints(stub)
    if hints.get("return") is not str:
        raise TypeError(f"{stub.__name__}: tools return str")
    params = []
    for p in signature.parameters.values():
        if p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD or p.default is not inspect.Parameter.empty:
            # Plans pass every argument positionally and fill all of them (upstream rule).
            raise TypeError(f"{stub.__name__}: {p.name} must be a plain positional parameter")
        param = param_from_hint(p.name, hints[p.name])
        resolved, formatted = (resolves or {}).get(p.name), (formats or {}).get(p.name)
        params.append(replace(param, resolves=resolved, format=formatted, text=p.name in texts))
    unknown = (set(resolves or {}) | set(formats or {}) | set(texts)) - {p.name for p in params}
    if unknown:
        raise TypeError(f"{stub.__name__}: resolves/formats/texts name unknown parameters {sorted(unknown)}")
    return ToolSpec(
        name=stub.__name__,
        label=label,
        app=app,
        effect=effect,
        params=tuple(params),
        bullets=bullets_from_doc(stub.__doc__),
    )


def tool(
    *,
    label: int,
    app: str,
    effect: Effect,
    resolves: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    texts: Collection[str] = (),
) -> Callable[[ToolStub], ToolSpec]:
    """Declare a tool: the decorated stub's name, typed parameters and docstring become a ToolSpec.

    ``resolves`` maps a parameter to the lookup tool that produces its values (see ``Param.resolves``);
    ``formats`` a string parameter to its date format (``Param.format``); ``texts`` the parameters that
    hold free text (``Param.text``).

    The stub is never called (tools run in worker backends); it exists to be read.
    """

    def declare(stub: ToolStub) -> ToolSpec:
        return spec_from_stub(
            stub, label=label, app=app, effect=effect, resolves=resolves, formats=formats, texts=texts
        )

    return declare
