"""Wiring for the agent runs: ``build_agent(runtime)`` at start-up, ``await agent.aclose()`` at shutdown."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tinyagent.errors import ServiceError
from tinyagent.runs.events import ApprovalPolicy
from tinyagent.runs.manager import EventHook, RunManager
from tinyagent.runs.request import RunConfig
from tinyagent.runs.store import RunStore
from tinyagent.runtime import Runtime
from tinyagent.settings import Settings
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.client import WorkerClient
from tinyagent.workers.mcp.hub import RoutedCaller


@dataclass
class AgentService:
    """What the /run routes use: the manager, the tools runs may use, and the settings' defaults."""

    manager: RunManager
    worker: WorkerClient
    settings: Settings
    # The enabled tools (MCP servers' included, once started); a request may narrow them, never widen them.
    tools: Callable[[], ToolSet]

    @property
    def default_approval(self) -> ApprovalPolicy:
        return self.settings.approval

    @property
    def cancel_on_disconnect(self) -> bool:
        return self.settings.cancel_on_disconnect

    @property
    def sync_run_timeout_s(self) -> float:
        return self.settings.sync_run_timeout_s

    async def aclose(self) -> None:
        await self.manager.aclose()
        await self.worker.aclose()


def run_config(settings: Settings) -> RunConfig:
    return RunConfig(
        tool_timeout_s=settings.tool_timeout_s,
        run_timeout_s=settings.run_timeout_s,
        max_tasks_per_run=settings.max_tasks_per_run,
        max_replans=settings.max_replans,
        approval_timeout_s=settings.approval_timeout_s,
        plan_tokens=settings.run_plan_tokens,
        send_drafts=settings.send_drafts,
        use_grammar=settings.plan_grammar,
        join_style=settings.join_style,
    )


def worker_for(settings: Settings, *, env: Mapping[str, str] | None = None, hidden: bool = False) -> WorkerClient:
    if settings.tool_worker_socket is not None:
        return WorkerClient(socket_path=settings.tool_worker_socket, env=env, allow_hidden_tools=hidden)
    backend = settings.tool_backend or (
        "macos" if sys.platform == "darwin" or platform.system() == "Darwin" else "sandbox"
    )
    return WorkerClient.for_backend(backend, data_dir=settings.data_dir, env=env, allow_hidden_tools=hidden)


def runs_db_path(settings: Settings) -> Path:
    return settings.runs_db if settings.runs_db is not None else Path(settings.data_dir) / "runs.sqlite"


def build_agent(
    runtime: Runtime,
    *,
    worker: WorkerClient | None = None,
    tools: ToolSet | None = None,
    on_event: EventHook | None = None,
) -> AgentService:
    """The agent runs' parts for ``runtime``; marks runs a previous process left in flight as interrupted.

    ``tools``: what runs may use (default: the runtime's enabled tools); ``on_event`` sees every run
    event once stored (metrics). Round one of a query run plans through ``runtime.toolrag``; MCP tools
    are called through ``runtime.mcp``, the others through the worker.
    """
    settings = runtime.settings
    worker = worker or worker_for(settings)
    manager = RunManager(
        RunStore(runs_db_path(settings)),
        RoutedCaller(worker, runtime.mcp),
        run_config(settings),
        model=lambda: runtime.loaded,
        toolrag=runtime.toolrag,
        on_event=on_event,
    )
    manager.recover()
    return AgentService(manager, worker, settings, (lambda: tools) if tools is not None else runtime.tools)


class AgentUnavailable(ServiceError):
    """The agent runs were not set up in this app (e.g. an app built without the agent)."""

    status_code = 503
    code = "agent_unavailable"
