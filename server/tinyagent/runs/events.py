"""Typed events of an agent run (``/run``), one per thing a client may want to show.

Every event carries the run id, a per-run sequence number (strictly increasing from 1, gapless:
a client that saw ``seq`` N and reconnects asks for "after N") and a wall-clock time. Events are
stored (``run_store.py``) before they are published, so the stored list is the truth and a live
stream is only a faster way to read it. ``to_json``/``event_from_json`` round-trip exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

RunStatus = Literal["running", "waiting_approval", "succeeded", "failed", "cancelled", "interrupted", "timed_out"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "interrupted", "timed_out"})
ApprovalPolicy = Literal["never", "writes", "always"]

# JSON shapes of plan arguments: str | int | bool | None | list of those.
JsonArgs = list[Any]


@dataclass(frozen=True, kw_only=True)
class RunEvent:
    type: ClassVar[str] = ""
    run_id: str
    seq: int
    ts: float

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, **dataclasses.asdict(self)}


@dataclass(frozen=True, kw_only=True)
class RunStarted(RunEvent):
    type: ClassVar[str] = "run_started"
    query: str | None
    plan: str | None = None  # a given plan text; None when the planner writes it
    tools: list[str] = field(default_factory=list)
    approval: ApprovalPolicy = "never"


@dataclass(frozen=True, kw_only=True)
class PlanTokenEvent(RunEvent):
    type: ClassVar[str] = "plan_token"
    round: int
    text: str


@dataclass(frozen=True, kw_only=True)
class TaskCreated(RunEvent):
    """A plan line was parsed (ids restart at 1 in each replanning round)."""

    type: ClassVar[str] = "task"
    round: int
    task_id: int
    tool: str
    args: JsonArgs
    depends_on: list[int]
    thought: str | None = None
    source: str = "builtin"  # or "mcp:<server>": where the tool runs


@dataclass(frozen=True, kw_only=True)
class TaskStarted(RunEvent):
    type: ClassVar[str] = "task_started"
    round: int
    task_id: int
    tool: str
    args: JsonArgs  # after $N substitution: exactly what the tool receives


@dataclass(frozen=True, kw_only=True)
class TaskFinished(RunEvent):
    type: ClassVar[str] = "task_finished"
    round: int
    task_id: int
    tool: str
    ok: bool
    result: str | None = None
    error_code: str | None = None
    error: str | None = None
    observation: str = ""  # what the joiner reads
    duration_s: float = 0.0


@dataclass(frozen=True, kw_only=True)
class ApprovalRequired(RunEvent):
    type: ClassVar[str] = "approval_required"
    round: int
    task_id: int
    tool: str
    args: JsonArgs
    timeout_s: float
    source: str = "builtin"


@dataclass(frozen=True, kw_only=True)
class ThoughtEvent(RunEvent):
    type: ClassVar[str] = "thought"
    round: int
    text: str


@dataclass(frozen=True, kw_only=True)
class ReplanEvent(RunEvent):
    type: ClassVar[str] = "replan"
    round: int  # the round about to start
    reason: str


@dataclass(frozen=True, kw_only=True)
class AnswerToken(RunEvent):
    type: ClassVar[str] = "answer_token"
    text: str


@dataclass(frozen=True, kw_only=True)
class AnswerEvent(RunEvent):
    type: ClassVar[str] = "answer"
    text: str


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(RunEvent):
    type: ClassVar[str] = "error"
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class RunFinished(RunEvent):
    type: ClassVar[str] = "run_finished"
    status: RunStatus
    answer: str | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


EVENT_TYPES: dict[str, type[RunEvent]] = {
    cls.type: cls
    for cls in (
        RunStarted,
        PlanTokenEvent,
        TaskCreated,
        TaskStarted,
        TaskFinished,
        ApprovalRequired,
        ThoughtEvent,
        ReplanEvent,
        AnswerToken,
        AnswerEvent,
        ErrorEvent,
        RunFinished,
    )
}


def event_from_json(data: dict[str, Any]) -> RunEvent:
    """The event ``to_json`` produced; unknown keys (from a newer server) are ignored."""
    cls = EVENT_TYPES[data["type"]]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
