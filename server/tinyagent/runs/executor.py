"""The task fetching unit: starts each plan task the moment the tasks it references have finished.

Tasks arrive one at a time while the planner is still writing (``add``). Each gets its own asyncio
task that waits for its dependencies' completion events, substitutes their observations for the
``$N``/``${N}`` references in its arguments, and runs the tool through an injected coroutine (which
owns approval, the worker call and events). No polling (upstream polls every 10 ms): a dependent
task is woken by the exact event it waits for, and independent tasks simply run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tinyagent.plans.plan import ArgValue, Task
from tinyagent.tools.registry import ArgType, ToolSpec

log = logging.getLogger(__name__)

# $N and ${N}; one regex pass, so "$12" is never read as "$1" followed by "2", and text inside a
# substituted observation is never substituted again (upstream's highest-id-first replace loop
# achieves the former, not the latter).
_REF_RE = re.compile(r"\$\{([0-9]+)\}|\$([0-9]+)")


@dataclass(frozen=True)
class TaskResult:
    """What running one task produced; ``observation`` is what the joiner reads."""

    ok: bool
    observation: str
    result: str | None = None
    error_code: str | None = None
    error: str | None = None


@dataclass
class TaskState:
    task: Task
    round: int
    args: tuple[ArgValue, ...] | None = None  # after substitution
    result: TaskResult | None = None
    blocked_by: tuple[int, ...] = ()  # dependencies that failed: this task must not run on their errors
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def observation(self) -> str:
        return self.result.observation if self.result is not None else ""


RunTask = Callable[[TaskState], Awaitable[TaskResult]]


def _coerce(param_type: ArgType | None, text: str) -> ArgValue:
    """A whole-string reference in an int/bool parameter takes the observation's value, if it is one."""
    stripped = text.strip()
    if param_type is ArgType.INT and re.fullmatch(r"-?[0-9]+", stripped):
        return int(stripped)
    if param_type is ArgType.BOOL and stripped in ("True", "False", "true", "false"):
        return stripped.lower() == "true"
    return text


def substitute(value: ArgValue, observations: Mapping[int, str], param_type: ArgType | None = None) -> ArgValue:
    """``value`` with every reference to a key of ``observations`` replaced by that observation.

    References to other ids (literal text such as "costs $40") are left alone.
    """
    if isinstance(value, tuple):
        return tuple(substitute(item, observations) for item in value)
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        ref = int(match.group(1) or match.group(2))
        return observations.get(ref, match.group(0))

    whole = _REF_RE.fullmatch(value)
    substituted = _REF_RE.sub(replace, value)
    if whole is not None and substituted != value:
        return _coerce(param_type, substituted)
    return substituted


def substitute_args(task: Task, spec: ToolSpec | None, observations: Mapping[int, str]) -> tuple[ArgValue, ...]:
    deps = {dep: observations[dep] for dep in task.depends_on if dep in observations}
    types: list[ArgType | None] = [p.type for p in spec.params] if spec is not None else []
    types += [None] * (len(task.args) - len(types))
    return tuple(substitute(arg, deps, kind) for arg, kind in zip(task.args, types, strict=False))


def args_json(args: tuple[ArgValue, ...]) -> list[Any]:
    def one(value: ArgValue) -> Any:
        return [one(item) for item in value] if isinstance(value, tuple) else value

    return [one(arg) for arg in args]


def _succeeded(state: TaskState) -> bool:
    return state.result is not None and state.result.ok


class Executor:
    """Runs the tasks of one plan round; ``wait`` returns when every added task has finished."""

    def __init__(self, round: int, tools: Mapping[str, ToolSpec], run_task: RunTask) -> None:
        self.round = round
        self._tools = tools
        self._run_task = run_task
        self.states: dict[int, TaskState] = {}
        self._running: list[asyncio.Task[None]] = []

    def add(self, task: Task) -> TaskState:
        """Schedule ``task`` (a non-join task whose dependencies were all added before it)."""
        state = TaskState(task, self.round)
        self.states[task.id] = state
        self._running.append(asyncio.create_task(self._run(state), name=f"task-{self.round}-{task.id}"))
        return state

    async def _run(self, state: TaskState) -> None:
        task = state.task
        for dep in task.depends_on:
            await self.states[dep].done.wait()
        observations = {dep: self.states[dep].observation for dep in task.depends_on}
        state.blocked_by = tuple(dep for dep in task.depends_on if not _succeeded(self.states[dep]))
        state.args = substitute_args(task, self._tools.get(task.tool), observations)
        try:
            state.result = await self._run_task(state)
        except Exception as exc:  # a bug in running one task must not strand its dependents
            log.exception("task %s failed", task.id)
            state.result = TaskResult(False, f"Error: {exc}", error_code="internal_error", error=str(exc))
        # Not in a finally: a cancelled task never completes, so its dependents never start.
        state.done.set()

    async def wait(self) -> None:
        # Not gather(): one task failing with a bug must not leave the others running unobserved.
        for running in list(self._running):
            await running

    async def cancel(self) -> None:
        """Abandon every task still running (their tool calls are dropped by the worker client)."""
        for running in self._running:
            running.cancel()
        for running in self._running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running

    @property
    def ordered(self) -> list[TaskState]:
        return [self.states[key] for key in sorted(self.states)]
