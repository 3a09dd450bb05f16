"""Inline plans: lookups written as the names they look up, for models too small to wire ``$N``.

In a TinyAgent plan, every person who receives an email is a ``get_email_address`` line whose
result a later line references as ``"$N"``. A 135M model gets those counts and references wrong
far more often than the names themselves. In the inline form the model writes the names where
the addresses go, and ``expand`` adds one lookup per name and the references back:

    1. compose_new_email(["Dr. Ferreira"], ["Nadia"], "Summary", "$2", [])   # inline
    1. get_email_address("Dr. Ferreira")                                      # expanded
    2. get_email_address("Nadia")
    3. compose_new_email(["$1"], ["$2"], "Summary", "$...", [])

Which parameters take which lookup comes from the registry (``Param.resolves``). A value that is
already what the lookup would return (an address with ``@``, a phone number, an absolute path)
stays literal. ``inline`` is the inverse for the example bank, so few-shot examples show the
model the same form it writes; ``expand(inline(plan))`` has the plan's graph (tested on the bank).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial

from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import REFERENCE_SCAN_RE, ArgValue, Plan, Task, iter_strings
from tinyagent.tools.registry import ToolSet, reference_id

# What a lookup returns, so a value that already looks like it needs no lookup.
_LITERAL: Mapping[str, re.Pattern[str]] = {
    "get_email_address": re.compile(r"[^@\s]+@[^@\s]+"),
    "get_phone_number": re.compile(r"\+?[\d(][\d\s().-]{4,}"),
    "open_and_get_file_path": re.compile(r"(?:/|~/).*"),
}


def _renumber_text(text: str, new_id: Callable[[int], str]) -> str:
    """References inside free text ("Here is the link: $3") are dependencies too (``referenced_ids``)."""
    return REFERENCE_SCAN_RE.sub(lambda m: new_id(int(m.group(1) or m.group(2))), text)


class InlinePlanError(ValueError):
    """The model's inline text is not a plan (cannot happen under the skeleton grammar)."""


def needs_lookup(lookup: str, value: str) -> bool:
    pattern = _LITERAL.get(lookup)
    return bool(value.strip()) and not (pattern is not None and pattern.fullmatch(value.strip()))


def _map(value: ArgValue, fn: Callable[[str], str]) -> ArgValue:
    if isinstance(value, tuple):
        return tuple(fn(v) if isinstance(v, str) else v for v in value)
    return fn(value) if isinstance(value, str) else value


def _actions(text: str, tools: ToolSet) -> list[Task]:
    outcome = parse_plan(text, tools)
    if outcome.plan is None:
        raise InlinePlanError("; ".join(str(e) for e in outcome.errors) or "not a plan")
    return list(outcome.plan.actions)


def _inlinable(tasks: list[Task], tools: ToolSet) -> set[int]:
    """Lookup tasks whose every use is a parameter that ``resolves`` to that lookup."""
    by_id = {t.id: t for t in tasks}
    uses: dict[int, list[str | None]] = {t.id: [] for t in tasks}
    for task in tasks:
        spec = tools.get(task.tool)
        for param, value in zip(spec.params if spec else (), task.args, strict=False):
            for item in iter_strings(value):
                ref = reference_id(item)
                if ref in uses:
                    uses[ref].append(param.resolves)
    return {
        tid
        for tid, resolved in uses.items()
        if resolved
        and all(r == by_id[tid].tool for r in resolved)
        and len(by_id[tid].args) == 1
        and isinstance(by_id[tid].args[0], str)
    }


def inline(text: str, tools: ToolSet | None = None) -> str:
    """A valid plan with its inlinable lookups folded into their users (``join()`` line, no end marker)."""
    tools = tools or ToolSet.all()
    tasks = _actions(text, tools)
    folded = _inlinable(tasks, tools)
    by_id = {t.id: t for t in tasks}
    kept = [t for t in tasks if t.id not in folded]
    renumber = {t.id: n for n, t in enumerate(kept, 1)}

    def new_id(ref: int) -> str:
        if ref in folded:
            name = by_id[ref].args[0]
            return name if isinstance(name, str) else f"${ref}"
        return f"${renumber.get(ref, ref)}"

    def fix(item: str) -> str:
        ref = reference_id(item)
        return new_id(ref) if ref is not None else _renumber_text(item, new_id)

    out = [Task.make(renumber[t.id], t.tool, [_map(a, fix) for a in t.args]) for t in kept]
    return Plan.from_actions(out).render(end_marker=False)


class _Expander:
    def __init__(self, tools: ToolSet) -> None:
        self.tools = tools
        self.out: list[Task] = []
        self.renumber: dict[int, int] = {}
        self.lookups: dict[tuple[str, str], int] = {}

    def add(self, tool: str, args: list[ArgValue]) -> int:
        task = Task.make(len(self.out) + 1, tool, args)
        self.out.append(task)
        return task.id

    def value(self, item: str, lookup: str | None) -> str:
        ref = reference_id(item)
        if ref is not None:
            return f"${self.renumber.get(ref, ref)}"
        if lookup is None or not needs_lookup(lookup, item):
            return _renumber_text(item, lambda r: f"${self.renumber.get(r, r)}")
        key = (lookup, item.strip().casefold())
        if key not in self.lookups:  # one lookup per name, however often it is used
            self.lookups[key] = self.add(lookup, [item.strip()])
        return f"${self.lookups[key]}"

    def task(self, task: Task) -> None:
        spec = self.tools.get(task.tool)
        params = spec.params if spec else ()
        args: list[ArgValue] = []
        for n, value in enumerate(task.args):
            lookup = params[n].resolves if n < len(params) else None
            if isinstance(value, tuple):  # an empty name adds nothing
                args.append(tuple(self.value(v, lookup) if isinstance(v, str) else v for v in value if v != ""))
            else:
                args.append(_map(value, partial(self.value, lookup=lookup)))
        self.renumber[task.id] = self.add(task.tool, args)


def expand(text: str, tools: ToolSet | None = None) -> str:
    """An inline plan as a TinyAgent plan: each name becomes a lookup line just before its first user."""
    expander = _Expander(tools or ToolSet.all())
    for task in _actions(text, expander.tools):
        expander.task(task)
    return Plan.from_actions(expander.out).render(end_marker=False)
