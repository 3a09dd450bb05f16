"""Wiring for the agent runs: ``build_agent(runtime)`` at start-up, ``await agent.aclose()`` at shutdown."""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tinyagent.errors import ServiceError
from tinyagent.planning.planner import ToolChoice
from tinyagent.runs.events import ApprovalPolicy
from tinyagent.runs.loop import RunConfig, ToolChooser
from tinyagent.runs.manager import EventHook, RunManager
from tinyagent.runs.store import RunStore
from tinyagent.runs.summarize import ModelKit
from tinyagent.runtime import LoadedModel, Runtime
from tinyagent.settings import Settings
from tinyagent.tools.registry import ArgType, Effect, Param, ToolSet, ToolSpec
from tinyagent.workers.client import WorkerClient


@dataclass
class AgentService:
    """What the /run routes use: the manager plus the request-level defaults from Settings."""

    manager: RunManager
    worker: WorkerClient
    settings: Settings
    extra_tools: tuple[ToolSpec, ...] = ()  # test hooks (hidden sandbox tools); never from settings

    @property
    def default_approval(self) -> ApprovalPolicy:
        return self.settings.approval

    @property
    def cancel_on_disconnect(self) -> bool:
        return self.settings.cancel_on_disconnect

    @property
    def sync_run_timeout_s(self) -> float:
        return self.settings.sync_run_timeout_s

    def enabled_tools(self) -> ToolSet:
        base = ToolSet.for_apps(self.settings.enabled_apps)  # [] = no tools: join-only plans
        return ToolSet((*base.tools, *self.extra_tools)) if self.extra_tools else base

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
    )


def worker_for(settings: Settings, *, env: Mapping[str, str] | None = None, hidden: bool = False) -> WorkerClient:
    if settings.tool_worker_socket is not None:
        return WorkerClient(socket_path=settings.tool_worker_socket, env=env, allow_hidden_tools=hidden)
    backend = settings.tool_backend or (
        "macos" if sys.platform == "darwin" or platform.system() == "Darwin" else "sandbox"
    )
    return WorkerClient.for_backend(backend, data_dir=settings.data_dir, env=env, allow_hidden_tools=hidden)


def model_kit(loaded: LoadedModel | None) -> ModelKit | None:
    if loaded is None:
        return None
    return ModelKit(loaded.service, loaded.formatter, tuple(loaded.profile.stop))


def runs_db_path(settings: Settings) -> Path:
    return settings.runs_db if settings.runs_db is not None else Path(settings.data_dir) / "runs.sqlite"


def build_agent(
    runtime: Runtime,
    *,
    worker: WorkerClient | None = None,
    chooser: ToolChooser | None = None,
    on_event: EventHook | None = None,
    extra_tools: tuple[ToolSpec, ...] = (),
) -> AgentService:
    """The agent runs' parts for ``runtime``; marks runs a previous process left in flight as interrupted.

    ``chooser`` is the ToolRAG hook (None: plan with every enabled tool and the default examples; see
    ``toolrag_chooser``); ``on_event`` sees every run event once stored (metrics).
    """
    settings = runtime.settings
    worker = worker or worker_for(settings)
    manager = RunManager(
        RunStore(runs_db_path(settings)),
        worker,
        run_config(settings),
        model=lambda: model_kit(runtime.loaded),
        chooser=chooser,
        on_event=on_event,
    )
    manager.recover()
    return AgentService(manager, worker, settings, extra_tools)


def toolrag_chooser(runtime: Runtime) -> ToolChooser:
    """The ToolRAG hook for ``build_agent(chooser=...)``: ToolRAG's tools and examples for round one,
    and for a ``guided`` model profile the plan skeleton to fill."""

    async def choose(query: str, enabled: ToolSet) -> ToolChoice:
        rag = await runtime.toolrag()
        loaded = runtime.loaded
        guided = loaded is not None and loaded.profile.plan_style == "guided"
        choice, _ = await rag.achoose(query, enabled, toolrag=True, guided=guided, top_k=runtime.settings.toolrag_top_k)
        return choice

    return choose


def sandbox_debug_tools() -> tuple[ToolSpec, ...]:
    """Registry entries for the sandbox's hidden test tools (``TINYAGENT_SANDBOX_DEBUG=1``), so plans
    in tests and benchmarks can name them; pair with ``WorkerClient(allow_hidden_tools=True)``."""
    seconds = (Param("seconds", ArgType.STR),)  # a string: plan arguments have no floats
    message = (Param("message", ArgType.STR),)
    shapes = (("_debug_sleep", seconds), ("_debug_crash", ()), ("_debug_freeze", ()), ("_debug_raise", message))
    return tuple(
        ToolSpec(name, 100 + i, "files", Effect.NONE, params, (f"Sandbox test hook {name}.",))
        for i, (name, params) in enumerate(shapes)
    )


class AgentUnavailable(ServiceError):
    """The agent runs were not set up in this app (e.g. an app built without the agent)."""

    status_code = 503
    code = "agent_unavailable"
