"""What a run is asked to do and under which limits (``RunRequest``, ``RunConfig``), what it calls tools
through (``ToolCaller``), and how it fails (``RunFailed``): shared by the loop, the manager, the API and the
benchmarks without importing the loop itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tinyagent.models.profiles import JoinStyle
from tinyagent.planning.prepare import PlanOptions
from tinyagent.plans.parser import PlanOutcome
from tinyagent.runs.events import ApprovalPolicy
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.protocol import ToolContext, ToolOutcome


class ToolCaller(Protocol):
    async def call(
        self, tool: str, args: Any, *, timeout: float, context: ToolContext | None = None
    ) -> ToolOutcome: ...


class RunFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class RunConfig:
    tool_timeout_s: float = 30.0
    run_timeout_s: float = 300.0
    max_tasks_per_run: int = 32
    max_replans: int = 1
    approval_timeout_s: float = 120.0
    plan_tokens: bool = False
    send_drafts: bool = False
    use_grammar: bool = True
    join_style: JoinStyle | None = None  # None: the model profile's
    # Tools whose apps are known to be slow get this many times tool_timeout_s: creating an event on an
    # iCloud/CalDAV calendar can take 15-30 s, and a timed-out write's outcome is unknown (issue 18).
    slow_tools: tuple[tuple[str, float], ...] = (("create_calendar_event", 2.0), ("create_reminder", 2.0))

    def tool_timeout(self, tool: str) -> float:
        return self.tool_timeout_s * dict(self.slow_tools).get(tool, 1.0)


@dataclass(frozen=True)
class RunRequest:
    query: str | None
    tools: ToolSet
    now: datetime  # the user's wall clock, in their zone
    timezone: str = "UTC"
    plan: PlanOutcome | None = None  # a given, already validated plan: no planner
    plan_text: str | None = None
    approval: ApprovalPolicy = "never"
    # False: no joiner model call; the answer is the last task's observation (given plans only).
    joiner: bool = True
    # A query run: how to plan it (instructions, grammar, ToolRAG, guided), built by
    # PlanOptions.from_settings from the same query, tools and clock; None: plain defaults.
    planning: PlanOptions | None = None

    def plan_options(self, config: RunConfig) -> PlanOptions:
        if self.planning is not None:
            return self.planning
        return PlanOptions(self.query or "", self.tools, self.now, grammar=config.use_grammar)
