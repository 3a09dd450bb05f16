"""The plan data model and its TinyAgent/LLMCompiler text form.

A plan is an ordered list of tasks ``N. tool(args)`` ending with ``join()``. Arguments are
positional Python literals; a string argument may hold ``$N``/``${N}`` references to earlier
tasks' outputs. Parsing and validation live in ``plan_parser``; this module owns the shape
(``Plan`` refuses to exist unless it is a DAG in topological order) and rendering, so that
``parse(render(plan)) == plan``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TypeAlias

from tinyagent.plans.prompts import END_OF_PLAN
from tinyagent.tools.registry import JOIN

# Values a plan argument may take once parsed; lists are frozen to tuples so tasks stay immutable.
ArgValue: TypeAlias = "str | int | bool | None | tuple[ArgValue, ...]"

# Every $N / ${N} occurrence inside a string: upstream's ID_PATTERN without its acceptance of
# "${N" / "$N}", and ASCII digits only ("$۴" is text, though int() would read it as 4).
REFERENCE_SCAN_RE = re.compile(r"\$\{([0-9]+)\}|\$([0-9]+)")

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render_str(value: str) -> str:
    """A double-quoted Python literal (upstream's style) that ``ast.literal_eval`` maps back to ``value``.

    Non-printable characters are escaped so a rendered task always fits on one line.
    """
    out = ['"']
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    # The stop marker must never appear in plan text, or a parser would cut the line there.
    return "".join(out).replace(END_OF_PLAN, "\\x3c" + END_OF_PLAN[1:])


def render_value(value: ArgValue) -> str:
    if isinstance(value, str):
        return render_str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    # bool before int does not matter here: repr gives True/False/None/digits, all Python literals.
    return repr(value)


def render_args(args: Sequence[ArgValue]) -> str:
    return ", ".join(render_value(arg) for arg in args)


def iter_strings(value: ArgValue) -> Iterator[str]:
    """Every string inside an argument value (references can sit in strings nested in lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from iter_strings(item)


def referenced_ids(args: Sequence[ArgValue]) -> list[int]:
    """All ids referenced anywhere in ``args`` (not just the first per string: upstream bug 9)."""
    return [
        int(match.group(1) or match.group(2))
        for arg in args
        for text in iter_strings(arg)
        for match in REFERENCE_SCAN_RE.finditer(text)
    ]


@dataclass(frozen=True)
class Task:
    """One plan step. ``raw_args`` and ``line`` record where it came from and are not part of equality."""

    id: int
    tool: str
    args: tuple[ArgValue, ...] = ()
    depends_on: tuple[int, ...] = ()
    thought: str | None = None
    raw_args: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def is_join(self) -> bool:
        return self.tool == JOIN

    @classmethod
    def make(cls, id: int, tool: str, args: Sequence[ArgValue] = (), thought: str | None = None) -> Task:
        """A non-join task whose dependencies are its references to earlier ids."""
        frozen = tuple(args)
        # "$0" names no task (ids start at 1): like "costs $0.50", it stays text, as the parser reads it.
        deps = tuple(sorted({ref for ref in referenced_ids(frozen) if 0 < ref < id}))
        return cls(id, tool, frozen, deps, thought, raw_args=render_args(frozen))

    def render(self) -> str:
        thought = f"Thought: {self.thought}\n" if self.thought is not None else ""
        return f"{thought}{self.id}. {self.tool}({render_args(self.args)})"


def _check_thought(task: Task) -> None:
    thought = task.thought
    if thought is None:
        return
    if not thought or thought != thought.strip() or "\n" in thought or END_OF_PLAN in thought:
        raise ValueError(f"task {task.id}: a thought must be one non-blank, stripped line")


def _check_shape(tasks: tuple[Task, ...]) -> None:
    if not tasks or not tasks[-1].is_join:
        raise ValueError("a plan must end with join()")
    if any(t.is_join for t in tasks[:-1]):
        raise ValueError("join() must be the last task and appear once")
    if tasks[0].id < 1 or any(a.id >= b.id for a, b in pairwise(tasks)):
        raise ValueError("task ids must be positive and strictly increasing")


def _check_dependencies(tasks: tuple[Task, ...]) -> None:
    # Every edge pointing to an earlier task is what makes the plan acyclic; check it, don't assume it.
    earlier: list[int] = []
    for task in tasks:
        deps = task.depends_on
        if list(deps) != sorted(set(deps)) or not set(deps) <= set(earlier):
            raise ValueError(f"task {task.id}: depends_on must be sorted ids of earlier tasks")
        if task.is_join and list(deps) != earlier:
            raise ValueError("join() depends on every earlier task")
        earlier.append(task.id)


@dataclass(frozen=True)
class Plan:
    """Tasks in plan order, ending with join(); a DAG whose edges all point to earlier tasks."""

    tasks: tuple[Task, ...]

    def __post_init__(self) -> None:
        _check_shape(self.tasks)
        _check_dependencies(self.tasks)
        for task in self.tasks:
            _check_thought(task)

    @classmethod
    def from_actions(cls, actions: Sequence[Task], *, join_thought: str | None = None) -> Plan:
        """``actions`` followed by a join that depends on all of them."""
        ids = tuple(t.id for t in actions)
        join = Task(ids[-1] + 1 if ids else 1, JOIN, (), ids, join_thought, raw_args="")
        return cls((*actions, join))

    @property
    def actions(self) -> tuple[Task, ...]:
        return self.tasks[:-1]

    @property
    def join(self) -> Task:
        return self.tasks[-1]

    def get(self, task_id: int) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    def render(self, *, end_marker: bool = True) -> str:
        """TinyAgent text: one line per task, the join line closed by ``<END_OF_PLAN>`` (or a newline)."""
        body = "".join(task.render() + "\n" for task in self.actions)
        return body + self.join.render() + (END_OF_PLAN if end_marker else "\n")
