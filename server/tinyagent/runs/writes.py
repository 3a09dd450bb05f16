"""What a write did, and what stands in for a task that is not run.

A run never repeats a write: ``write_key`` tells a repeat (the same tool and arguments, folded);
``already_done`` stands in for a repeat of a write that succeeded, ``not_retried`` for one whose
outcome is unknown (it timed out or lost its worker: the app may have acted), ``blocked`` for a task
whose dependency failed (upstream passed the error text on: an SMS could say "Error: ...").
"""

from __future__ import annotations

import re

from tinyagent.plans.plan import ArgValue
from tinyagent.runs.executor import TaskResult, TaskState
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
