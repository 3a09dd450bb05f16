"""Agent routes: thin handlers over the planner and the tool registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tinyagent.api.cancellation import cancel_on_disconnect
from tinyagent.api.deps import RuntimeDep
from tinyagent.api.errors import error_responses
from tinyagent.api.plan import protocol as p
from tinyagent.api.plan import serving as s
from tinyagent.api.sse import named_event_stream, primed
from tinyagent.planning.prepare import prepare_plan
from tinyagent.timezones import user_zone

ERRORS = error_responses(400, 401, 403, 404, 413, 415, 503)
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "JSON; with stream=true SSE events: 'task' per plan line, then 'plan' (or 'error').",
    }
}

router = APIRouter(tags=["agent"], responses=ERRORS)


@router.get("/tools")
async def list_tools(runtime: RuntimeDep) -> p.ToolList:
    """The enabled tools, in planner order, with their planner description and argument schema."""
    return s.tool_list(runtime.tools(), runtime.mcp.status())


@router.post("/plan", response_model=p.PlanResponse, responses=STREAM)
async def plan(body: p.PlanBody, runtime: RuntimeDep, request: Request) -> Any:
    """Plan ``query`` with the model, or validate a given ``plan`` text without it.

    A plan that parses but is wrong (unknown tool, bad arguments, missing join, ...) is a result,
    not a request error: 200 with ``valid: false`` and line-level ``errors``, whether the model wrote
    it or the client sent it. 400 (OpenAI error envelope) is for requests that cannot be carried
    out: neither ``query`` nor ``plan``, a blank query, unknown or disabled tool/app names, an
    unknown time zone, unknown fields; 404 for a ``model`` that is not served; 503 while the model
    loads or when the queue is full. With ``stream`` the events are ``task`` (each line as soon as
    it completes), then ``plan`` (the same body as without ``stream``); an error after the stream
    has started is an ``error`` event carrying the envelope.
    """
    tools = runtime.tools().select(apps=body.apps, tools=body.tools)
    user_zone(body.timezone)  # a bad zone is a 400 even when no model is needed
    if body.plan is not None:
        checked = s.validate_text(body.plan, tools, body.query)
        return named_event_stream(s.given_plan_events(checked)) if body.stream else checked
    model = runtime.require_model()
    model.check_name(body.model)
    assert body.query is not None
    prepared = await prepare_plan(model, s.plan_options(body, runtime.settings, tools), runtime.toolrag)
    planner, req, choice = prepared.planner, prepared.request, s.toolrag_report(prepared)
    model_id = model.service.info.id
    if body.stream:
        events = await cancel_on_disconnect(request, primed(planner.stream(req)))
        return named_event_stream(s.plan_events(events, body.query, model_id, choice))
    finished = await cancel_on_disconnect(request, planner.plan(req))
    return s.finished_response(finished, body.query, model_id, choice)
