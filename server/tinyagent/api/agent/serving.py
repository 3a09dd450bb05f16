"""Between the agent routes and the core: request -> PlanRequest, planner events -> wire shapes.

Settings used here: ``enabled_apps`` (the tools at all), ``planner_instructions`` (before the
request's own), ``plan_grammar`` (the default of the request's ``grammar``), ``chat_format``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from tinyagent.api.agent import protocol as p
from tinyagent.errors import InvalidRequest
from tinyagent.planning.planner import PlanEvent, PlanFinished, PlanRequest, TaskParsed, ToolChoice
from tinyagent.plans.parser import PlanOutcome, parse_plan
from tinyagent.plans.plan import ArgValue, Task
from tinyagent.runtime import Runtime
from tinyagent.settings import Settings
from tinyagent.timezones import user_zone
from tinyagent.tools.registry import ToolSet, ToolSpec

# (event name, payload) pairs: what the SSE layer frames.
NamedEvent = tuple[str, p.TaskOut | p.PlanResponse]


def enabled_tools(settings: Settings) -> ToolSet:
    return ToolSet.for_apps(settings.enabled_apps)


def selected_tools(settings: Settings, body: p.PlanBody) -> ToolSet:
    return enabled_tools(settings).select(apps=body.apps, tools=body.tools)


def check_body(body: p.PlanBody) -> None:
    """No unknown fields; a plan to validate, or a non-blank query to plan."""
    if body.model_extra:
        names = sorted(body.model_extra)
        valid = ", ".join(p.PlanBody.model_fields)
        raise InvalidRequest(f"Unknown field(s): {', '.join(names)}. Valid fields: {valid}.", param=names[0])
    if body.plan is None and body.query is None:
        raise InvalidRequest("Give 'query' (to plan) or 'plan' (to validate a plan text).", param="query")
    if body.plan is None and body.query is not None and not body.query.strip():
        raise InvalidRequest("'query' must not be blank.", param="query")


async def toolrag_choice(
    runtime: Runtime, body: p.PlanBody, tools: ToolSet, *, guided: bool = False
) -> tuple[ToolChoice, p.ToolRAGChoice | None]:
    """The prompt's tools and examples (ToolRAG's, when it is on for this request) or, for a ``guided``
    plan (see ``guided_for``), the skeleton to fill and its examples; and what to report of the choice."""
    use = body.toolrag if body.toolrag is not None else runtime.settings.toolrag
    if body.query is None or len(tools) == 0 or not (use or guided):
        return ToolChoice(tools), None
    rag = await runtime.toolrag()
    choice, result = await rag.achoose(
        body.query, tools, toolrag=use, guided=guided, top_k=runtime.settings.toolrag_top_k
    )
    if choice.guide is not None:
        skeleton = [line.tool for line in choice.guide.skeleton.lines]
        shots = [q for q, _ in choice.guide.shots]
        return choice, p.ToolRAGChoice(tools=list(tools.names), examples=shots, skeleton=skeleton)
    if result is None:
        return choice, None
    return choice, p.ToolRAGChoice(tools=list(choice.tools.names), examples=[q for q, _, _ in result.examples])


def guided_for(body: p.PlanBody, plan_style: str) -> bool:
    return body.guided if body.guided is not None else plan_style == "guided"


def plan_request(body: p.PlanBody, settings: Settings, choice: ToolChoice) -> PlanRequest:
    assert body.query is not None
    texts = (settings.planner_instructions, body.instructions)
    instructions = tuple(text for text in texts if text and text.strip())
    grammar = body.grammar if body.grammar is not None else settings.plan_grammar
    return PlanRequest(
        query=body.query,
        tools=choice.tools,
        now=datetime.now(user_zone(body.timezone)),
        user_instructions=instructions,
        use_grammar=grammar,
        examples=choice.examples,
        guide=choice.guide,
        max_tokens=body.max_tokens,
        seed=body.seed,
        temperature=body.temperature,
    )


# --- core -> wire ------------------------------------------------------------------------------------


def _arg_json(value: ArgValue) -> Any:
    return [_arg_json(item) for item in value] if isinstance(value, tuple) else value


def task_out(task: Task) -> p.TaskOut:
    return p.TaskOut(
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
        usage = p.UsageOut(
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
            yield "task", task_out(event.task)
        elif isinstance(event, PlanFinished):
            yield "plan", finished_response(event, query, model, choice)


async def given_plan_events(response: p.PlanResponse) -> AsyncIterator[NamedEvent]:
    for task in response.tasks:
        yield "task", task
    yield "plan", response


def tool_out(spec: ToolSpec) -> p.ToolOut:
    schema = spec.openai_schema()["function"]["parameters"]
    return p.ToolOut(
        name=spec.name,
        app=spec.app,
        description=spec.planner_description,
        parameters=schema,
        side_effects=spec.has_side_effects,
        effect=spec.effect.value,
    )


def tool_list(tools: ToolSet) -> p.ToolList:
    return p.ToolList(apps=list(tools.apps), data=[tool_out(t) for t in tools])
