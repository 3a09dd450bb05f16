"""@tool: a typed stub and its docstring become a ToolSpec; unsupported declarations are refused."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tinyagent.tools import definitions as tool_defs
from tinyagent.tools.registry import TOOLS, ArgType, Effect, Param, bullets_from_doc, param_from_hint, tool


def test_hints_map_to_arg_types() -> None:
    assert param_from_hint("a", str) == Param("a", ArgType.STR)
    assert param_from_hint("a", int) == Param("a", ArgType.INT)
    assert param_from_hint("a", bool) == Param("a", ArgType.BOOL)
    assert param_from_hint("a", list[str]) == Param("a", ArgType.STR_LIST)
    assert param_from_hint("a", Sequence[str]) == Param("a", ArgType.STR_SEQUENCE)
    assert param_from_hint("a", str | None) == Param("a", ArgType.STR, nullable=True)
    assert param_from_hint("a", list[str] | None) == Param("a", ArgType.STR_LIST, nullable=True)


@pytest.mark.parametrize("hint", [float, dict[str, str], list[int], str | int, bytes])
def test_unsupported_hints_are_refused(hint: object) -> None:
    with pytest.raises(TypeError, match="unsupported tool argument type"):
        param_from_hint("a", hint)


def test_docstring_bullets_with_continuations() -> None:
    doc = """
    - First bullet.
    - A long bullet that goes on
      and on.
    """
    assert bullets_from_doc(doc) == ("First bullet.", "A long bullet that goes on and on.")
    with pytest.raises(ValueError, match="neither"):
        bullets_from_doc("Prose, not a bullet.")
    with pytest.raises(ValueError, match="at least one"):
        bullets_from_doc(None)


def test_decorator_builds_a_spec() -> None:
    @tool(label=3, app="notes", effect=Effect.WRITES)
    def write_it(name: str, tags: list[str], pinned: bool, folder: str | None) -> str:
        """
        - Writes it.
        """
        ...

    assert write_it.name == "write_it" and write_it.label == 3 and write_it.app == "notes"
    assert write_it.signature == "write_it(name: str, tags: list[str], pinned: bool, folder: str) -> str"
    assert [p.nullable for p in write_it.params] == [False, False, False, True]
    assert write_it.planner_description == write_it.signature + "\n - Writes it.\n"


def test_decorator_refuses_defaults_keywords_and_non_str_returns() -> None:
    def defaulted(name: str = "") -> str:
        """- x"""
        return name

    def keyword_only(*, name: str) -> str:
        """- x"""
        return name

    def returns_int(name: str) -> int:
        """- x"""
        return len(name)

    declare = tool(label=0, app="sms", effect=Effect.NONE)
    for stub in (defaulted, keyword_only):
        with pytest.raises(TypeError, match="plain positional parameter"):
            declare(stub)
    with pytest.raises(TypeError, match="return str"):
        declare(returns_int)  # type: ignore[arg-type]


def test_registry_is_the_declarations_in_label_order() -> None:
    assert TOOLS == tool_defs.DECLARED
    assert [t.label for t in TOOLS] == list(range(16))
    assert tool_defs.create_calendar_event is TOOLS[0]
