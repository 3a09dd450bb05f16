"""Skeletons repeated for the number of things a request names.

The skeleton ranker votes with the bank's nearest examples, and most of them look up, open or show
one thing: "the phone numbers of Leocadia, Tomasz, Wren and Oyelaran" or "open both 'Floor Plan' and
'Schematic'" got one line (a third of the dev set's graph failures were counts). When the chosen
skeleton is nothing but copies of one single-call line, and the request names more of that line's
things than it has copies, it gets one line per thing, each with its thing fixed, so the model cannot
write the same one twice. Places are left alone: "open Apple Park in Maps" names an app as a place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tinyagent.plans.skeleton import Skeleton, SkeletonLine, thing_param
from tinyagent.plans.values import RequestValues, choices, read_values
from tinyagent.tools.registry import ToolSet
from tinyagent.tools.spec import ToolSpec

MAX_COPIES = 5
# The one-call lines that may repeat: the parameter that takes the thing, and where the request's
# things of that kind are found (what the skeleton grammar offers that parameter).
_THINGS: dict[str, tuple[str, Callable[[RequestValues], tuple[str, ...]]]] = {
    "get_phone_number": ("name", lambda v: _strings(choices(v, "get_phone_number", "name"))),
    "get_email_address": ("name", lambda v: _strings(choices(v, "get_email_address", "name"))),
    "open_note": ("name", lambda v: v.notes),
    "open_and_get_file_path": ("file_name", lambda v: v.spans.files),
    "summarize_pdf": ("pdf_path", lambda v: v.spans.files),  # inline form: the file's name, looked up
}


def _strings(values: object) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str)) if isinstance(values, tuple) else ()


def counted(skeleton: Skeleton, query: str, tools: ToolSet, now: datetime | None = None) -> Skeleton:
    """``skeleton`` with one line per thing the request names, when it is copies of one repeatable line
    and the request names more of them; otherwise ``skeleton`` itself."""
    spec = _repeated_tool(skeleton, tools)
    if spec is None:
        return skeleton
    param_name, things = _things(spec, read_values(query, now or datetime.now()))
    things = _outermost(things)[:MAX_COPIES]
    if param_name is None or len(things) <= len(skeleton.lines):
        return skeleton
    index = [p.name for p in spec.params].index(param_name)
    return Skeleton(tuple(SkeletonLine(spec.name, given=((index, thing),)) for thing in things))


def _things(spec: ToolSpec, values: RequestValues) -> tuple[str | None, tuple[str, ...]]:
    """The parameter that takes the thing, and the things the request names for it. An MCP tool's thing is
    its first plain text parameter, and its things what the request quotes: "add 'call grandma' and 'buy
    stamps' to my to-do list" is two tasks (one was added)."""
    if spec.name in _THINGS:
        param_name, things_of = _THINGS[spec.name]
        return param_name, things_of(values)
    thing = thing_param(spec)
    return (thing, values.spans.quoted) if thing is not None else (None, ())


def _repeated_tool(skeleton: Skeleton, tools: ToolSet) -> ToolSpec | None:
    names = {line.tool for line in skeleton.lines}
    if len(names) != 1 or any(line.refs or line.given for line in skeleton.lines):
        return None
    (tool,) = names
    spec = tools.get(tool)
    return spec if spec is not None and (tool in _THINGS or spec.remote is not None) else None


def _outermost(things: tuple[str, ...]) -> tuple[str, ...]:
    """Distinct things, none inside another ("MRI" and "MRI report.pdf" are one file)."""
    unique = tuple(dict.fromkeys(things))
    return tuple(t for t in unique if not any(t != o and t.lower() in o.lower() for o in unique))
