"""GBNF grammars for structured output and tool calls.

Every grammar here has a ``root`` rule and is meant for llama.cpp's grammar
sampler. Schemas come from clients, so every conversion failure becomes an
InvalidRequest naming the offending parameter instead of a server error.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from llama_cpp import llama_grammar

from tinyagent.chat.types import ToolSpec
from tinyagent.errors import JSON_SCHEMA, TOOL_CHOICE, TOOLS, InvalidRequest

_JSON_GBNF: str = llama_grammar.JSON_GBNF

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
# The exact bytes a grammar-led tool call starts with, up to the arguments object.
_CALL_HEAD = TOOL_CALL_OPEN + '\n{"name": '
_CALL_TAIL = "}\n" + TOOL_CALL_CLOSE

# OpenAI's rule for function names; it also keeps names safe inside GBNF literals and rule names.
_TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# llama_cpp's converter lets raw control characters into strings, which json.loads rejects;
# this is the JSON-spec character rule (the same one JSON_GBNF uses).
_STRICT_CHAR = r'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'

_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def gbnf_literal(text: str) -> str:
    """A GBNF string literal matching ``text`` exactly."""
    out = []
    for char in text:
        if char in _LITERAL_ESCAPES:
            out.append(_LITERAL_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\x{ord(char):02X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def call_prefix(name: str) -> str:
    """The text of a tool-call block up to (not including) its arguments object."""
    return f"{_CALL_HEAD}{json.dumps(name)}, " + '"arguments": '


def json_object_grammar() -> str:
    """Any JSON object: response_format json_object."""
    return _JSON_GBNF


def json_schema_grammar(schema: Mapping[str, Any], *, param: str = "response_format") -> str:
    """A grammar for JSON documents matching ``schema``."""
    converter = _converter()
    root = _visit(converter, schema, name="", url="schema", param=param)
    if root != "root":
        _set_root(converter, root)
    return _format(converter, param=param)


def tool_arguments_grammar(tool: ToolSpec) -> str:
    """The arguments object of one tool (a named tool_choice)."""
    return json_schema_grammar(_parameters(tool), param="tools")


def tool_call_grammar(tools: Sequence[ToolSpec], *, parallel: bool) -> str:
    """One tool-call block, or several separated by newlines when ``parallel``.

    Each alternative fixes the name, so the arguments grammar always matches
    the tool the model picked.
    """
    if not tools:
        raise InvalidRequest("tool_choice requires at least one tool", param="tools", code=TOOL_CHOICE)
    converter = _converter()
    alternatives = []
    for index, tool in enumerate(_checked(tools)):
        args_rule = _visit(converter, _parameters(tool), name=f"tool{index}-args", url=f"tool{index}", param="tools")
        alternatives.append(f"{gbnf_literal(call_prefix(tool.name))} {args_rule} {gbnf_literal(_CALL_TAIL)}")
    # _add_rule picks a fresh name should a schema already use "call".
    call = converter._add_rule("call", " | ".join(f"( {alt} )" for alt in alternatives))
    _set_root(converter, f'{call} ( "\\n" {call} )*' if parallel else call)
    return _format(converter, param="tools")


def auto_choice_grammar() -> str:
    """Phase one of tool_choice "auto": a tool-call opening, or ordinary text.

    Text may not start with '<', so any '<' the model produces (after at most
    two blank characters) can only be the start of a tool call.
    """
    return (
        "root ::= blank{0,2} ( "
        + gbnf_literal(TOOL_CALL_OPEN)
        + " | [^<\\x20\\t\\n\\r] [^\\x00]* )\nblank ::= [\\x20\\t\\n\\r]\n"
    )


def _checked(tools: Sequence[ToolSpec]) -> Sequence[ToolSpec]:
    seen: set[str] = set()
    for tool in tools:
        if not _TOOL_NAME_RE.match(tool.name):
            raise InvalidRequest(
                f"Invalid tool name {tool.name!r}: use 1-64 letters, digits, '_' or '-'", param="tools", code=TOOLS
            )
        if tool.name in seen:
            raise InvalidRequest(f"Duplicate tool name {tool.name!r}", param="tools", code=TOOLS)
        seen.add(tool.name)
    return tools


def _parameters(tool: ToolSpec) -> Mapping[str, Any]:
    # OpenAI allows omitting parameters; that means "no arguments" and is an empty object.
    if not tool.parameters:
        return {"type": "object", "properties": {}}
    return tool.parameters


class _SchemaConverter(llama_grammar.SchemaConverter):
    """llama_cpp's converter with correct literals.

    Upstream escapes only quotes and newlines, so a backslash from json.dumps (an
    enum value or property name holding '"' or '\\') yields a grammar llama.cpp rejects.
    """

    def __init__(self) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
        )

    def _format_literal(self, literal: str) -> str:
        return gbnf_literal(literal)


def _converter() -> Any:
    # Any: the converter's own methods are untyped.
    converter: Any = _SchemaConverter()
    return converter


def _visit(converter: Any, schema: Mapping[str, Any], *, name: str, url: str, param: str) -> str:
    """Adds the rules for ``schema`` and returns its rule name."""
    if not isinstance(schema, Mapping):
        raise InvalidRequest("A JSON schema must be an object", param=param, code=JSON_SCHEMA)
    # resolve_refs rewrites $ref strings in place: never touch the caller's dict.
    own = copy.deepcopy(dict(schema))
    refs_before = set(converter._refs)
    try:
        resolved = converter.resolve_refs(own, url)
        _check_ref_names(converter, refs_before, param=param)
        rule: str = converter.visit(resolved, name)
    # The converter reports unsupported schemas with asserts, KeyErrors and the like.
    except Exception as exc:
        raise InvalidRequest(
            f"Unsupported JSON schema: {exc or type(exc).__name__}", param=param, code=JSON_SCHEMA
        ) from exc
    return rule


def _check_ref_names(converter: Any, refs_before: set[str], *, param: str) -> None:
    # The converter names a $ref's rule after the last path segment and reuses an existing
    # rule of that name, so two tools with different "$defs/Item" would silently share one.
    new_names = {ref.split("/")[-1] for ref in set(converter._refs) - refs_before}
    old_names = {ref.split("/")[-1] for ref in refs_before}
    clash = sorted(new_names & old_names)
    if clash:
        raise InvalidRequest(
            f"Tools define schemas with the same $ref name {clash[0]!r}; give them distinct names",
            param=param,
            code=JSON_SCHEMA,
        )


def _set_root(converter: Any, body: str) -> None:
    # "root" is reserved by the converter (it renames schema rules called root), so this never clashes.
    converter._rules["root"] = body


def _format(converter: Any, *, param: str) -> str:
    if "char" in converter._rules:  # a reserved name: schema rules never take it
        converter._rules["char"] = _STRICT_CHAR
    try:
        return str(converter.format_grammar())
    except Exception as exc:
        raise InvalidRequest(f"Unsupported JSON schema: {exc}", param=param, code=JSON_SCHEMA) from exc
