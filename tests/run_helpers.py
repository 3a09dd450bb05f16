"""Helpers for the /run tests: a live server with the agent on a sandbox worker, an SSE reader, checks."""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from harness import LiveServer, live_server
from tinyagent.runs.request import RunConfig
from tinyagent.runs.service import AgentService, build_agent, run_config
from tinyagent.settings import Settings
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.client import WorkerClient
from tinyagent.workers.sandbox.backend import debug_tool_specs


@dataclass(frozen=True)
class Sse:
    id: str | None
    event: str
    data: dict[str, Any]


def sse_events(response: httpx.Response) -> Iterator[Sse]:
    """Events of an SSE response as they arrive; comments (pings) are skipped. Call once per response."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if line == "":
            if data:
                yield Sse(fields.get("id"), fields.get("event", "message"), json.loads("\n".join(data)))
            fields, data = {}, []
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        else:
            fields[name] = value


def read_sse(response: httpx.Response, *, stop_after: int | None = None) -> list[Sse]:
    """All events of an SSE response (or the first ``stop_after``)."""
    return list(itertools.islice(sse_events(response), stop_after))


def stream_run(url: str, body: dict[str, Any], timeout: float = 120) -> list[Sse]:
    with httpx.stream("POST", url + "/run", json={**body, "stream": True}, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        return read_sse(response)


def stored_events(url: str, run_id: str) -> list[dict[str, Any]]:
    with httpx.stream("GET", f"{url}/runs/{run_id}/events", params={"after": 0}, timeout=120) as response:
        assert response.status_code == 200
        return [e.data for e in read_sse(response)]


async def _install(live: LiveServer, debug: bool, config: RunConfig | None) -> AgentService:
    app = live.app
    old: AgentService | None = getattr(app.state, "agent", None)
    if old is not None:
        await old.aclose()
    env = {"TINYAGENT_SANDBOX_DEBUG": "1"} if debug else None
    worker = WorkerClient.for_backend("sandbox", data_dir=live.settings.data_dir, env=env, allow_hidden_tools=debug)
    runtime = app.state.runtime
    tools = ToolSet((*live.settings.enabled_tools(), *debug_tool_specs())) if debug else None
    agent = build_agent(runtime, worker=worker, tools=tools)
    if config is not None:
        agent.manager.config = config
    app.state.agent = agent
    return agent


def install_agent(live: LiveServer, *, debug: bool = False, **config: Any) -> AgentService:
    """(Re)build the server's agent on a sandbox worker, optionally with hidden debug tools and config."""
    base = run_config(live.settings)
    return live.call(_install(live, debug, dataclasses.replace(base, **config) if config else None))


@contextmanager
def agent_server(settings: Settings, *, debug: bool = False, **config: Any) -> Iterator[LiveServer]:
    with live_server(settings) as live:
        install_agent(live, debug=debug, **config)
        try:
            yield live
        finally:
            agent: AgentService | None = getattr(live.app.state, "agent", None)
            if agent is not None:
                live.call(agent.aclose())
                live.app.state.agent = None


def world(settings: Settings) -> sqlite3.Connection:
    return sqlite3.connect(Path(settings.data_dir) / "sandbox" / "world.sqlite")


def check_order(events: list[dict[str, Any]]) -> None:
    """The ordering promises of a finished run's event list."""
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(events) + 1)), seqs
    assert events[0]["type"] == "run_started"
    assert events[-1]["type"] == "run_finished"
    assert sum(e["type"] == "run_finished" for e in events) == 1
    position: dict[tuple[str, int, int], int] = {}
    for index, event in enumerate(events):
        if "task_id" in event:
            key = (event["type"], event["round"], event["task_id"])
            assert key not in position, f"duplicate {key}"
            position[key] = index
    for (kind, rnd, tid), index in position.items():
        if kind in ("task_started", "task_finished", "approval_required"):
            assert position[("task", rnd, tid)] < index
        if kind == "task_finished" and ("task_started", rnd, tid) in position:
            assert position[("task_started", rnd, tid)] < index
    for event in events:
        if event["type"] == "task":
            started = position.get(("task_started", event["round"], event["task_id"]))
            if started is None:
                continue  # never started: cancelled, denied, or the run ended first
            for dep in event["depends_on"]:
                finished = position[("task_finished", event["round"], dep)]
                assert finished < started, f"task {event['task_id']} started before {dep} finished"
