"""Between the run routes and the core: body -> RunRequest (planning through ``planning.prepare``, as
/plan does), run state -> wire shapes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path

from tinyagent.api.runs import protocol as p
from tinyagent.errors import INVALID_PLAN, InvalidRequest, ServiceError
from tinyagent.planning.prepare import PlanOptions
from tinyagent.plans.parser import parse_plan
from tinyagent.runs.manager import RunState
from tinyagent.runs.request import RunRequest
from tinyagent.runs.service import AgentService
from tinyagent.runs.store import RunRow
from tinyagent.timezones import user_zone

log = logging.getLogger(__name__)


def local_zone_name() -> str:
    """The server's IANA zone name for tool calls (dates without an offset), UTC if unknown."""
    if tz := os.environ.get("TZ"):
        return tz.lstrip(":")
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def run_request(body: p.RunBody, agent: AgentService) -> RunRequest:
    tools = agent.tools().select(apps=body.apps, tools=body.tools)
    zone = user_zone(body.timezone)
    outcome = None
    if body.plan is not None:
        outcome = parse_plan(body.plan, tools)
        if outcome.plan is None:
            problems = "; ".join(str(e) for e in outcome.fatal_errors)
            raise InvalidRequest(f"The plan cannot run: {problems}", param="plan", code=INVALID_PLAN)
        cap = agent.manager.config.max_tasks_per_run
        if len(outcome.plan.actions) > cap:
            # Known before anything runs, so a request error rather than a failed run.
            message = (
                f"The plan has {len(outcome.plan.actions)} tasks; a run may have at most {cap} (max_tasks_per_run)."
            )
            raise InvalidRequest(message, param="plan", code=INVALID_PLAN)
    now = datetime.now(zone)
    planning = None
    if outcome is None and body.query is not None:
        planning = PlanOptions.from_settings(
            agent.settings,
            body.query,
            tools,
            now,
            instructions=body.instructions,
            toolrag=body.toolrag,
            guided=body.guided,
        )
    return RunRequest(
        query=body.query,
        tools=tools,
        now=now,
        timezone=body.timezone or local_zone_name(),
        plan=outcome,
        plan_text=body.plan,
        approval=body.approval or agent.default_approval,
        joiner=body.joiner,
        planning=planning,
    )


def _text(state: RunState, sync_timeout: float | None) -> str:
    run = state.run
    if run.status == "succeeded":
        return run.answer or ""
    if run.status == "waiting_approval":
        waiting = [t for t in state.tasks if t.status == "waiting_approval"]
        what = ", ".join(f"task {t.task_id} ({t.tool} {t.args})" for t in waiting) or "a task"
        return f"Waiting for your approval of {what}. Approve or deny it with POST /runs/{run.id}/approve or /deny."
    if run.status == "running":
        after = f" after {sync_timeout:g} s" if sync_timeout is not None else ""
        return f"The run is still running{after}; GET /runs/{run.id} for its result."
    return run.error or f"The run ended: {run.status}."


def run_out(state: RunState, sync_timeout: float | None) -> p.RunOut:
    run = state.run
    tasks = [
        p.RunTask(
            id=t.task_id,
            round=t.round,
            tool=t.tool,
            args=t.args,
            depends_on=t.depends_on,
            thought=t.thought,
            status=t.status,
            result=t.result,
            error=t.error,
            error_code=t.error_code,
        )
        for t in state.tasks
    ]
    return p.RunOut(
        run_id=run.id,
        status=run.status,
        query=run.query,
        text=_text(state, sync_timeout),
        answer=run.answer,
        error=run.error,
        approval=run.approval,
        pending_approvals=state.pending_approvals,
        tasks=tasks,
        created=run.created,
        updated=run.updated,
        timings=run.timings,
    )


def summary(row: RunRow) -> p.RunSummary:
    return p.RunSummary(
        run_id=row.id,
        status=row.status,
        query=row.query,
        created=row.created,
        updated=row.updated,
        answer=row.answer,
        error=row.error,
    )


async def cancel_quietly(agent: AgentService, run_id: str) -> None:
    with contextlib.suppress(ServiceError):  # already finished: nothing to cancel
        await agent.manager.cancel(run_id)


async def decide(agent: AgentService, run_id: str, body: p.DecisionBody, *, approved: bool) -> p.RunOut:
    task_id = agent.manager.decide(run_id, body.task_id, approved=approved)
    # Let the run act on the decision so the state we return shows it (a few loop turns, no timing).
    for _ in range(50):
        if task_id not in agent.manager.state(run_id).pending_approvals:
            break
        await asyncio.sleep(0)
    return run_out(agent.manager.state(run_id), None)
