"""Between the /plan and /tools routes and the core: body -> PlanOptions, planner events -> wire shapes.

What a plan is made of (tools, examples, skeleton, instructions, grammar) is decided by
``planning.prepare``, the path /run, ``tinyagent plan`` and ``tinyagent eval`` share.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from tinyagent.api.plan import protocol as p
from tinyagent.api.sse import NamedEvent
from tinyagent.planning.planner import PlanEvent, PlanFinished, TaskParsed
from tinyagent.planning.prepare import PlanOptions, PreparedPlan
from tinyagent.plans.parser import PlanOutcome, parse_plan
from tinyagent.plans.plan import ArgValue, Task
from tinyagent.settings import Settings
from tinyagent.timezones import user_zone
from tinyagent.tools.registry import ToolSet, ToolSpec


def plan_options(body: p.PlanBody, settings: Settings, tools: ToolSet) -> PlanOptions:
    assert body.query is not None
    options = PlanOptions.from_settings(
        settings,
        body.query,
        tools,
        datetime.now(user_zone(body.timezone)),
        instructions=body.instructions,
        grammar=body.grammar,
        toolrag=body.toolrag,
        guided=body.guided,
    )
    return dataclasses.replace(options, max_tokens=body.max_tokens, seed=body.seed, temperature=body.temperature)


def toolrag_report(prepared: PreparedPlan) -> p.ToolRAGChoice | None:
    """What to tell the client of the choice: a guided plan's skeleton and examples, or ToolRAG's pick."""
    req = prepared.request
    if req.guide is not None:
        skeleton = [line.tool for line in req.guide.skeleton.lines]
        shots = [q for q, _ in req.guide.shots]
        return p.ToolRAGChoice(tools=list(req.tools.names), examples=shots, skeleton=skeleton)
    if prepared.retrieved is None:
        return None
    examples = [q for q, _, _ in prepared.retrieved.examples]
    return p.ToolRAGChoice(tools=list(req.tools.names), examples=examples)


# --- core -> wire ------------------------------------------------------------------------------------


def _arg_json(value: ArgValue) -> Any:
    return [_arg_json(item) for item in value] if isinstance(value, tuple) else value


def task_out(task: Task) -> p.PlanTask:
    return p.PlanTask(
        id=task.id,
        tool=task.tool,
        args=[_arg_json(arg) for arg in task.args],
        depends_on=list(task.depends_on),
        thought=task.thought,
    )


def plan_response(
    outcome: PlanOutcome,
    raw: str,
    query: str | None,
    *,
    finished: PlanFinished | None = None,
    model: str | None,
) -> p.PlanResponse:
    errors = [
        p.PlanErrorOut(line=e.line, text=e.text, code=e.code, message=e.message, severity=e.severity.value)
        for e in outcome.errors
    ]
    usage = None
    if finished is not None:
        u = finished.usage
        usage = p.PlanUsage(
            prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens, total_tokens=u.total_tokens
        )
    return p.PlanResponse(
        plan_id=f"plan-{uuid.uuid4().hex}",
        query=query,
        tasks=[task_out(t) for t in outcome.tasks],
        raw=raw,
        model=model,
        usage=usage,
        timings=dict(finished.timings) if finished is not None else {},
        errors=errors,
        valid=outcome.plan is not None,
    )


def finished_response(
    finished: PlanFinished, query: str, model: str, choice: p.ToolRAGChoice | None = None
) -> p.PlanResponse:
    response = plan_response(finished.outcome, finished.raw, query, finished=finished, model=model)
    return response.model_copy(update={"toolrag": choice})


def validate_text(text: str, tools: ToolSet, query: str | None) -> p.PlanResponse:
    """A given plan, parsed and checked against ``tools`` without the model."""
    return plan_response(parse_plan(text, tools), text, query, model=None)


async def plan_events(
    events: AsyncIterator[PlanEvent], query: str, model: str, choice: p.ToolRAGChoice | None = None
) -> AsyncIterator[NamedEvent]:
    """Planner events as SSE events: ``task`` per completed line, then ``plan``."""
    async for event in events:
        if isinstance(event, TaskParsed):
            yield NamedEvent("task", task_out(event.task))
        elif isinstance(event, PlanFinished):
            yield NamedEvent("plan", finished_response(event, query, model, choice))


async def given_plan_events(response: p.PlanResponse) -> AsyncIterator[NamedEvent]:
    for task in response.tasks:
        yield NamedEvent("task", task)
    yield NamedEvent("plan", response)


def tool_out(spec: ToolSpec) -> p.ToolOut:
    schema = spec.openai_schema()["function"]["parameters"]
    return p.ToolOut(
        name=spec.name,
        app=spec.app,
        description=spec.planner_description,
        parameters=schema,
        side_effects=spec.has_side_effects,
        effect=spec.effect.value,
        source=spec.source,
        destructive=spec.remote.destructive if spec.remote is not None else spec.writes,
    )


def tool_list(tools: ToolSet, servers: list[dict[str, Any]]) -> p.ToolList:
    return p.ToolList(
        apps=list(tools.apps), data=[tool_out(t) for t in tools], mcp_servers=[p.McpServerOut(**s) for s in servers]
    )
