"""An MCP tool as a ToolSpec, a plan call as its arguments, and its result as an observation.

Names: ``<server>__<tool>``, reduced to ``[a-z0-9_]`` (the plan language's identifiers), so two servers
may both have a ``search``. Parameters: the schema's properties, required ones first, as positional
plan arguments; an optional one is nullable and ``None`` leaves it out of the call. The plan language
has strings, integers, booleans and lists of strings; a ``number``, an ``object`` or another array is
written as a string and converted back here (``"2.5"`` -> 2.5, JSON text -> an object).

Side effects from the annotations: ``readOnlyHint: true`` is a look-up; anything else (false, or no
annotation at all) may change something, so it is a write and the ``writes`` approval policy asks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tinyagent.tools.registry import ArgType, Effect, Param, RemoteTool, ToolSpec

MAX_RESULT_CHARS = 16_000  # what the joiner reads of one result; the rest is cut, and says so
_UNSAFE = re.compile(r"[^a-z0-9_]+")
_SIMPLE = {"string": ArgType.STR, "integer": ArgType.INT, "boolean": ArgType.BOOL}


class ArgumentProblem(ValueError):
    """A plan argument that the tool's schema cannot take (the message says which and why)."""


def tool_name(server: str, tool: str) -> str:
    return _UNSAFE.sub("_", f"{server}__{tool}".lower()).strip("_")


def _types(schema: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The one non-null JSON type of ``schema`` and whether null is allowed."""
    declared = schema.get("type")
    if isinstance(declared, list):
        kinds = [k for k in declared if k != "null"]
        return (kinds[0] if len(kinds) == 1 else None), "null" in declared
    if declared is None and isinstance(schema.get("anyOf"), list):
        options = [o for o in schema["anyOf"] if isinstance(o, dict)]
        kinds = [o.get("type") for o in options if o.get("type") != "null"]
        return (kinds[0] if len(kinds) == 1 and isinstance(kinds[0], str) else None), len(kinds) < len(options)
    return (declared if isinstance(declared, str) else None), False


def arg_type(schema: Mapping[str, Any]) -> tuple[ArgType, bool]:
    """The plan type of one property, and whether it is nullable. Anything unusual is a string."""
    kind, nullable = _types(schema)
    if kind in _SIMPLE:
        return _SIMPLE[kind], nullable
    items = schema.get("items")
    if kind == "array" and isinstance(items, dict) and items.get("type") == "string":
        return ArgType.STR_LIST, nullable
    return ArgType.STR, nullable


def _bullet(name: str, schema: Mapping[str, Any], required: bool) -> str | None:
    """One description bullet per parameter: what it is, in the schema's words, and how to write it."""
    kind, _ = _types(schema)
    notes = [] if required else ["optional"]
    if isinstance(schema.get("enum"), list):
        notes.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
    if kind in ("number", "object", "array") and arg_type(schema)[0] is ArgType.STR:
        notes.append(f"a {kind}, written as a string")
    text = str(schema.get("description") or "").strip()  # a title is the name again ("Status")
    if not text and not notes:
        return None  # the signature already names it
    return " ".join(part for part in (f"{name}:", text, f"({'; '.join(notes)})" if notes else "") if part)


_FORMATS = {"date": "date", "date-time": "datetime", "uri": "url", "url": "url", "iri": "url"}


def _format(name: str, schema: Mapping[str, Any], kind: ArgType) -> str | None:
    """What guided plans fill a string from: the request's dates (JSON Schema's ``date``/``date-time``), the
    zones of the cities it names (a description asking for an IANA zone, as time servers write), the web
    addresses it gives (``uri``/``url``, or a parameter called url: most servers declare no format), the
    times of day it says, as HH:MM (a description asking for "HH:MM": "3pm Tokyo time" is "15:00")."""
    if kind is not ArgType.STR:
        return None
    declared = _FORMATS.get(str(schema.get("format")))
    if declared or name.lower() in ("url", "uri", "link", "href"):
        return declared or "url"
    described = str(schema.get("description", ""))
    if "IANA" in described:
        return "timezone"
    # JSON Schema's ``time`` is HH:MM:SS with a zone; servers that want a clock time say "HH:MM".
    return "clock" if "HH:MM" in described and "HH:MM:SS" not in described else None


def _ordered(schema: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    required = [n for n in schema.get("required", []) if n in props]
    optional = [n for n in props if n not in required]
    return [(n, props[n] if isinstance(props[n], dict) else {}, n in required) for n in required + optional]


def spec_from_mcp(
    server: str,
    name: str,
    description: str | None,
    schema: Mapping[str, Any],
    read_only: bool | None,
    destructive: bool | None,
    label: int,
) -> ToolSpec:
    """The ToolSpec of one listed MCP tool."""
    params, bullets = [], [line.strip() for line in (description or name).splitlines() if line.strip()]
    for pname, pschema, required in _ordered(schema):
        kind, nullable = arg_type(pschema)
        params.append(Param(pname, kind, nullable or not required, format=_format(pname, pschema, kind)))
        if (bullet := _bullet(pname, pschema, required)) is not None:
            bullets.append(bullet)
    return ToolSpec(
        name=tool_name(server, name),
        label=label,
        app=f"mcp:{server}",
        effect=Effect.NONE if read_only is True else Effect.WRITES,
        params=tuple(params),
        bullets=tuple(bullets),
        remote=RemoteTool(server, name, json.dumps(dict(schema), sort_keys=True), destructive is not False),
    )


def _convert(name: str, value: object, schema: Mapping[str, Any]) -> object:
    kind, _ = _types(schema)
    written = kind in ("number", "object", "array") and arg_type(schema)[0] is ArgType.STR
    if not isinstance(value, str) or not written:
        return list(value) if isinstance(value, tuple) else value
    try:
        converted = json.loads(value) if kind != "number" else float(value.strip())
    except ValueError as exc:
        wanted = "a number" if kind == "number" else f"JSON ({kind})"
        raise ArgumentProblem(f"{name} must be {wanted}: {value!r}") from exc
    if kind == "number" and isinstance(converted, float) and converted.is_integer():
        return int(converted)
    return converted


def call_arguments(spec: ToolSpec, args: Sequence[object]) -> dict[str, object]:
    """The MCP ``arguments`` object for positional plan ``args`` (checked against the spec first)."""
    if spec.remote is None:
        raise ValueError(f"{spec.name} is not an MCP tool")
    if issues := spec.check_args(args):
        raise ArgumentProblem("; ".join(i.message for i in issues))
    remote = spec.remote
    return {
        p.name: _convert(p.name, value, remote.property(p.name))
        for p, value in zip(spec.params, args, strict=True)
        if value is not None
    }


def _block_text(block: Any) -> str:
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(getattr(block, "text", ""))
    if kind == "resource":
        return str(getattr(getattr(block, "resource", None), "text", "") or "[resource]")
    return f"[{kind or 'content'}]"  # images and audio: the joiner reads text only


def result_text(content: Sequence[Any], structured: object) -> str:
    """The observation of one result: its text blocks, else its structured content as JSON; capped."""
    text = "\n".join(_block_text(b) for b in content).strip()
    if not text and structured is not None:
        text = json.dumps(structured, ensure_ascii=False)
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = text[:MAX_RESULT_CHARS] + f"\n[... {cut} more characters cut]"
    return text
