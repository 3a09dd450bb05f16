"""Run routes: start a run (SSE or one flat JSON), follow it, approve/deny, cancel, list.

Thin: requests become ``RunRequest``s (``serving.py``), the ``RunManager`` does the work, and run
events become named SSE events (``id: seq``, ``event: type``, ``data: json``, framed by ``api/sse.py``)
so a client that lost its connection resumes with ``Last-Event-ID`` and misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse

from tinyagent.api.cancellation import ClientDisconnected, cancel_on_disconnect
from tinyagent.api.errors import error_responses
from tinyagent.api.runs import protocol as p
from tinyagent.api.runs import serving as s
from tinyagent.api.sse import NamedEvent, named_event_stream
from tinyagent.runs.events import RunFinished
from tinyagent.runs.service import AgentService, AgentUnavailable

ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 503)
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "With stream=true (default): SSE events (id = seq, event = type); stream=false: RunOut JSON.",
    }
}

# OpenAPI links from where a run id appears to the operations on that run, so that a client generator or
# a stateful fuzzer can follow a run through its events, approvals and cancellation.
RUN_OPERATIONS = ("getRun", "getRunEvents", "approveRun", "denyRun", "cancelRun")


def run_links(run_id: str) -> dict[str, Any]:
    return {name: {"operationId": name, "parameters": {"run_id": run_id}} for name in RUN_OPERATIONS}


STARTED: dict[int | str, dict[str, Any]] = {200: {**STREAM[200], "links": run_links("$response.body#/run_id")}}
LISTED: dict[int | str, dict[str, Any]] = {200: {"links": run_links("$response.body#/runs/0/run_id")}}

router = APIRouter(tags=["runs"], responses=ERRORS)


def get_agent(request: Request) -> AgentService:
    agent: AgentService | None = getattr(request.app.state, "agent", None)
    if agent is None:
        raise AgentUnavailable("Agent runs are not available in this server.")
    return agent


AgentDep = Annotated[AgentService, Depends(get_agent)]


async def _followed(agent: AgentService, run_id: str, after: int, *, owner: bool) -> AsyncIterator[NamedEvent]:
    """The run's events (``id`` = seq, for Last-Event-ID); if the client that started the run leaves
    early, maybe cancel it (setting)."""
    finished = False
    try:
        async for event in agent.manager.subscribe(run_id, after):
            finished = isinstance(event, RunFinished)
            yield NamedEvent(event.type, event.to_json(), str(event.seq))
    finally:
        if owner and not finished and agent.cancel_on_disconnect:
            # We may be inside a cancellation: cancel the run from a task of its own.
            asyncio.ensure_future(s.cancel_quietly(agent, run_id))


def run_stream(agent: AgentService, run_id: str, after: int, *, owner: bool = False) -> EventSourceResponse:
    return named_event_stream(_followed(agent, run_id, after, owner=owner))


@router.post("/run", response_model=p.RunOut, responses=STARTED, operation_id="startRun")
async def start_run(body: p.RunBody, agent: AgentDep, request: Request) -> Any:
    """Plan ``query`` and execute the plan while it is written (or execute a given ``plan``), join, answer.

    The run goes on in the background: a client that disconnects can follow it again with
    ``GET /runs/{id}/events`` (``Last-Event-ID``). 400 for a bad body or a given plan with errors,
    503 while the model loads (query runs) or when the run store is unusable.
    """
    run_id = agent.manager.start(s.run_request(body, agent))
    if body.stream:
        return run_stream(agent, run_id, 0, owner=True)
    try:
        await cancel_on_disconnect(request, agent.manager.settle(run_id, agent.sync_run_timeout_s))
    except ClientDisconnected:
        if agent.cancel_on_disconnect:
            await s.cancel_quietly(agent, run_id)
        raise
    return s.run_out(agent.manager.state(run_id), agent.sync_run_timeout_s)


@router.get("/runs", response_model=p.RunList, responses=LISTED, operation_id="listRuns")
async def list_runs(agent: AgentDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> p.RunList:
    """The most recent runs, newest first."""
    return p.RunList(runs=[s.summary(row) for row in agent.manager.recent(limit)])


@router.get("/runs/{run_id}", response_model=p.RunOut, operation_id="getRun")
async def get_run(run_id: str, agent: AgentDep) -> p.RunOut:
    """A run's state, tasks (with results) and answer."""
    return s.run_out(agent.manager.state(run_id), None)


@router.get("/runs/{run_id}/events", responses=STREAM, operation_id="getRunEvents")
async def run_events(
    run_id: str,
    agent: AgentDep,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="Only events with a larger seq.")] = None,
    # A string, never null: a header has no null, and a schema that allowed one would invite "null".
    last_event_id: Annotated[
        str,
        Header(
            pattern=r"^[ \t]*[0-9]{0,18}[ \t]*$", description="The seq of the last event seen; blank: from the start."
        ),
    ] = "",
) -> EventSourceResponse:
    """The run's events after ``Last-Event-ID`` (or ``?after=``), then live ones until ``run_finished``."""
    agent.manager.require(run_id)
    return run_stream(agent, run_id, _after(after, last_event_id))


def _after(after: int | None, last_event_id: str) -> int:
    if after is not None:
        return after
    # The header's pattern (digits, or blank) is checked with the rest of the request.
    return int(last_event_id) if last_event_id.strip() else 0


@router.post("/runs/{run_id}/cancel", response_model=p.RunOut, operation_id="cancelRun")
async def cancel_run(run_id: str, agent: AgentDep, _body: p.CancelBody) -> p.RunOut:
    """Stop the run: generation stops, pending tasks never start, running tool calls are abandoned."""
    return s.run_out(await agent.manager.cancel(run_id), None)


@router.post("/runs/{run_id}/approve", response_model=p.RunOut, operation_id="approveRun")
async def approve(run_id: str, agent: AgentDep, body: p.DecisionBody) -> p.RunOut:
    """Let the waiting task (``task_id``, default the earliest waiting) run. 409 if none waits."""
    return await s.decide(agent, run_id, body, approved=True)


@router.post("/runs/{run_id}/deny", response_model=p.RunOut, operation_id="denyRun")
async def deny(run_id: str, agent: AgentDep, body: p.DecisionBody) -> p.RunOut:
    """Refuse the waiting task: it does not run and its observation says so. 409 if none waits."""
    return await s.decide(agent, run_id, body, approved=False)
