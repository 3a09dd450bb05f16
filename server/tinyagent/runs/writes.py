"""What a write did, and what stands in for a task that is not run.

A run never repeats a write: ``write_key`` tells a repeat (the same tool and arguments, folded);
``already_done`` stands in for a repeat of a write that succeeded, ``not_retried`` for one whose
outcome is unknown (it timed out or lost its worker: the app may have acted), ``blocked`` for a task
whose dependency failed (upstream passed the error text on: an SMS could say "Error: ...").

A replan is for what failed, so it writes nothing else: ``WriteLedger`` lets a later round run a write
only in place of one of the same tool that failed earlier (once per failure), and ``not_asked`` stands
in for the rest. The embedded model's replans had texted the street it was routing to and put a second
event in the calendar after only the text failed (bench/bench_run_writes.py, issue 16). When the first
plan stopped on an error, what it would have written is unknown: then a replan may write what the
request has words for (``plans/asked.py``) and no write of its kind has succeeded yet.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence

from tinyagent.plans.asked import unasked_writes
from tinyagent.plans.plan import ArgValue
from tinyagent.runs.executor import TaskResult, TaskState
from tinyagent.runs.joiner import RoundRecord
from tinyagent.workers.protocol import TIMEOUT, WORKER_CRASHED


def write_key(tool: str, args: tuple[ArgValue, ...]) -> tuple[object, ...]:
    """What a write did, for telling a repeat: the tool and its arguments after substitution, strings
    folded (case, spacing, punctuation) and lists as sets. A replan that sends the same text to the same
    people again matches; one that reaches someone else, or says something else, does not."""
    return (tool, *(_folded(arg) for arg in args))


def _folded(value: ArgValue) -> object:
    if isinstance(value, tuple):
        return frozenset(_folded(v) for v in value)
    if isinstance(value, str):
        return re.sub(r"[\W_]+", "", value).casefold()
    return value


def blocked(failed: tuple[int, ...]) -> TaskResult:
    names = ", ".join(f"${dep}" for dep in failed)
    message = f"Not run: it needs the result of {names}, which failed."
    return TaskResult(False, f"Error: {message}", error_code="dependency_failed", error=message)


# A write that ended this way may still have happened: the app had the request (an Apple Event is
# delivered before osascript is killed) when the deadline passed or the worker died.
UNKNOWN_OUTCOME = frozenset({TIMEOUT, WORKER_CRASHED})


def outcome_unknown(tool: str, failed: TaskResult) -> TaskResult:
    message = (
        f"The outcome is unknown: {tool} did not answer in time ({failed.error}), and it may have been done."
        " It is not tried again in this run; check before asking again."
    )
    return TaskResult(False, f"Error: {message}", error_code="outcome_unknown", error=message)


def not_retried(earlier: TaskState) -> TaskResult:
    where = f"round {earlier.round}, task {earlier.task.id}"
    message = (
        f"Not run again: the same {earlier.task.tool} ({where}) may already have been done; its outcome is unknown."
    )
    return TaskResult(False, f"Error: {message}", error_code="outcome_unknown", error=message)


def already_done(earlier: TaskState) -> TaskResult:
    """Stands in for a write that already succeeded in this run: it is not run again."""
    where = f"round {earlier.round}, task {earlier.task.id}"
    note = f"Not run again: the same {earlier.task.tool} already succeeded ({where}): {earlier.observation}"
    return TaskResult(True, note, result=earlier.result.result if earlier.result else None)


def not_asked(tool: str) -> TaskResult:
    message = f"Not run: the replan added {tool}, and no earlier {tool} failed; a replan only redoes what failed."
    return TaskResult(False, f"Error: {message}", error_code="not_asked", error=message)


def from_example(tool: str, value: str) -> TaskResult:
    message = f"Not run: the replan gave {tool} '{value}', a value of the prompt's example that nobody said."
    return TaskResult(False, f"Error: {message}", error_code="not_asked", error=message)


# Failures a replan must not redo: the user said no or did not answer, the write may have happened, or
# it was itself a stand-in.
_NOT_REDONE = frozenset({"denied", "approval_timeout", "outcome_unknown", "not_asked"})


class WriteLedger:
    """The writes of one run: those that succeeded, those whose outcome is unknown, and those redone."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.done: dict[tuple[object, ...], TaskState] = {}
        self.unknown: dict[tuple[object, ...], TaskState] = {}
        self.redone: Counter[str] = Counter()
        self._locks: dict[tuple[object, ...], asyncio.Lock] = {}

    def lock(self, key: tuple[object, ...]) -> asyncio.Lock:
        """Held while a write of ``key`` is checked, approved and run."""
        return self._locks.setdefault(key, asyncio.Lock())

    def stand_in(self, state: TaskState, key: tuple[object, ...], rounds: Sequence[RoundRecord]) -> TaskResult | None:
        """The result that replaces running this write, or None when it may run."""
        if (earlier := self.done.get(key)) is not None:
            return already_done(earlier)
        if (earlier := self.unknown.get(key)) is not None:
            return not_retried(earlier)
        if state.round > 1 and not self._may_redo(state.task.tool, rounds):
            return not_asked(state.task.tool)
        return None

    def _may_redo(self, tool: str, earlier: Sequence[RoundRecord]) -> bool:
        """``earlier``: the rounds before this one, all finished."""
        failed = sum(1 for r in earlier for s in r.tasks if s.task.tool == tool and _redoable(s))
        if self.redone[tool] < failed:
            self.redone[tool] += 1
            return True
        # After a stopped plan, a write the request has words for, unless one of its kind already succeeded: a
        # plan cut off after its text (no join(), out of tokens) is replanned, and a replan that says the text
        # again in other words is no repeat by its key. The price: "text Ana ... and text Bo ..." cut off after
        # Ana's text does not text Bo; the answer says the plan stopped.
        stopped = any(r.plan_error is not None for r in earlier)
        return stopped and tool not in unasked_writes(self.query) and all(key[0] != tool for key in self.done)

    def record(self, key: tuple[object, ...], state: TaskState, result: TaskResult) -> TaskResult:
        """``result`` as the run sees it, noted: a success is not run again, nor an unknown outcome."""
        if result.ok:
            self.done.setdefault(key, state)
        elif result.error_code in UNKNOWN_OUTCOME:
            self.unknown.setdefault(key, state)
            return outcome_unknown(state.task.tool, result)
        return result


def _redoable(state: TaskState) -> bool:
    return state.result is not None and not state.result.ok and state.result.error_code not in _NOT_REDONE
