"""Wire models for the run routes (/run, /runs...).

The non-streamed answer is deliberately flat (``text`` at the top level, errors too) so that an
Apple Shortcut can read it with one "Get Dictionary Value" action.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tinyagent.api.wire import Int, NotBlank, OneOf, WireModel

Approval = Literal["never", "writes", "always"]


class RunBody(OneOf):
    model_config = ConfigDict(extra="forbid")
    ONE_OF = ("query", "plan")
    ONE_OF_MESSAGE = "Give 'query' (to plan and run) or 'plan' (to run a ready plan)."

    query: NotBlank | None = Field(None, description="The user's request. Required unless 'plan' is given.")
    plan: str | None = Field(
        None,
        description="A ready plan text (TinyAgent/LLMCompiler syntax) to execute without the planner; "
        "a plan with errors is refused (400) with its line-level errors.",
    )
    tools: list[str] | None = Field(None, description="Subset of the enabled tool names the planner may use.")
    apps: list[str] | None = Field(
        None, description="Enabled apps whose tools the planner may use (union with 'tools')."
    )
    approval: Approval | None = Field(
        None,
        description="Ask before running tools: never, writes (tools that create or send something), always. "
        "Default: the server's approval setting.",
    )
    timezone: str | None = Field(None, description="IANA time zone of the user; default: the server's local zone.")
    instructions: str | None = Field(None, description="Custom instructions for the planner prompt.")
    toolrag: bool | None = Field(
        None, description="Pick the planner's tools and examples with ToolRAG (default: the server's toolrag setting)."
    )
    guided: bool | None = Field(
        None,
        description="Fill a plan skeleton chosen from the example bank instead of writing the whole plan "
        "(default: on for models whose profile plans that way: the small embedded ones). As on /plan.",
    )
    joiner: bool = Field(
        True,
        description="With 'plan': false skips the model entirely; the answer is the last task's result. "
        "Ignored for 'query' runs (the model always answers those).",
    )
    stream: bool = Field(
        True,
        description="true: Server-Sent Events while the run goes on; false: one flat JSON object when it ends "
        "(or waits for approval, or after sync_run_timeout_s).",
    )


class DecisionBody(WireModel):
    """A JSON object, ``{}`` for none of its fields: a body that is not JSON is refused (cross-site safety)."""

    model_config = ConfigDict(extra="forbid")

    task_id: Int | None = Field(None, description="The task to decide; default: the earliest one waiting.")


class CancelBody(WireModel):
    """``{}``: cancelling takes no fields, but like every state change it must come as JSON."""

    model_config = ConfigDict(extra="forbid")


class RunTask(BaseModel):
    id: int
    round: int
    tool: str
    args: list[Any] = Field(description="After $N substitution once the task has started.")
    depends_on: list[int]
    thought: str | None = None
    status: str = Field(description="pending, waiting_approval, running, succeeded, failed, cancelled, interrupted")
    result: str | None = None
    error: str | None = None
    error_code: str | None = None


class RunOut(BaseModel):
    """A run's state; also the body of a non-streamed POST /run."""

    run_id: str
    object: Literal["run"] = "run"
    status: str
    query: str | None
    text: str = Field(description="The answer, or a readable account of why there is none (yet).")
    answer: str | None
    error: str | None
    approval: str
    pending_approvals: list[int] = Field(description="Ids of tasks waiting for approve/deny.")
    tasks: list[RunTask]
    created: float
    updated: float
    timings: dict[str, float]


class RunSummary(BaseModel):
    run_id: str
    status: str
    query: str | None
    created: float
    updated: float
    answer: str | None
    error: str | None


class RunList(BaseModel):
    object: Literal["list"] = "list"
    runs: list[RunSummary]
