"""The running service's parts, built from one Settings object (no FastAPI here).

The model loads in the background so /health can answer 503 while it loads;
everything that needs the model asks for it through ``require_model``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tinyagent.embeddings import Embedder
from tinyagent.errors import ModelNotReady, ServiceError
from tinyagent.inference.types import Usage
from tinyagent.models.loaded import LoadedModel, load_model
from tinyagent.models.resolve import ResolvedModel
from tinyagent.planning.warmup import warm_up
from tinyagent.settings import Settings
from tinyagent.toolrag.select import ExtraExamples, LazyToolRAG
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.mcp.config import load_config
from tinyagent.workers.mcp.hub import McpHub

log = logging.getLogger(__name__)

ModelStatus = Literal["loading", "warming", "ready", "failed"]


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    status: ModelStatus = "loading"
    error: str | None = None
    loaded: LoadedModel | None = None
    on_usage: Callable[[Usage], None] | None = None  # token counts of every generation (metrics)
    # ``await runtime.toolrag()``: the ToolRAG index, built (or loaded from its disk cache) on first use.
    toolrag: LazyToolRAG = field(init=False, repr=False)
    # The MCP servers of --mcp-config (none without one); started with the model, closed with it.
    mcp: McpHub = field(init=False, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _mcp_task: asyncio.Task[None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.mcp = mcp_hub(self.settings)
        self.toolrag = LazyToolRAG(self.settings, self.embedder, self._toolrag_extras)

    def tools(self) -> ToolSet:
        """The enabled tools: the built-in apps' and those of every MCP server that has started."""
        return self.mcp.toolset(self.settings.enabled_tools())

    async def _toolrag_extras(self) -> tuple[ToolSet, ExtraExamples]:
        # ToolRAG parses the whole bank, so it knows every built-in tool, enabled or not.
        await self.mcp.started.wait()
        return self.mcp.toolset(ToolSet.all()), tuple((e.query, e.plan) for e in self.mcp.examples)

    def require_model(self) -> LoadedModel:
        if self.loaded is None:
            detail = f": {self.error}" if self.error else "; retry shortly"
            raise ModelNotReady(f"The model is {self.status}{detail}")
        return self.loaded

    def start(self, resolved: ResolvedModel | None, on_fatal: Callable[[str], None] | None) -> None:
        self._task = asyncio.create_task(self._load(resolved, on_fatal))
        self._mcp_task = asyncio.create_task(self.mcp.start(ToolSet.all()))

    async def _load(self, resolved: ResolvedModel | None, on_fatal: Callable[[str], None] | None) -> None:
        try:
            loaded = await load_model(self.settings, resolved, on_usage=self.on_usage, embedder=self.embedder)
            await self._warm_up(loaded)
            self.loaded, self.status = loaded, "ready"
            info = loaded.service.info
            # resolve_model has already warned loudly about a fallback; this line says it is ready.
            fallback = " (fallback)" if info.fallback_reason else ""
            log.info("model %s%s ready (context %d, from %s)", info.id, fallback, info.context_length, info.source)
        except Exception as exc:  # any load failure must be reported, not lost in a task
            self.status, self.error = "failed", str(exc)
            log.error("model failed to load: %s", exc, exc_info=not isinstance(exc, ServiceError))
            if on_fatal is not None:
                on_fatal(str(exc))

    async def _warm_up(self, loaded: LoadedModel) -> None:
        if not self.settings.warm_up:
            return
        self.status = "warming"
        log.info("warming up: loading ToolRAG and writing one plan before /health turns 200")
        start = time.perf_counter()
        await asyncio.to_thread(self.embedder.load)
        await self.mcp.started.wait()  # the plan is written over every tool the server will offer
        try:
            plan_s = await warm_up(loaded, self.settings, self.tools(), self.toolrag)
        except ServiceError as exc:  # a warm-up that fails costs speed, not service: the first request retries
            log.warning("warm-up plan failed: %s", exc)
            return
        log.info("warmed up in %.1f s (a plan in %.1f s)", time.perf_counter() - start, plan_s)

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._mcp_task is not None and not self._mcp_task.done():
            self._mcp_task.cancel()
        await self.mcp.aclose()
        if self.loaded is not None:
            await self.loaded.aclose()


async def listed_mcp(settings: Settings) -> tuple[McpHub, list[dict[str, Any]]]:
    """Start the settings' MCP servers, list their tools and examples, stop them (the CLIs that only list):
    the hub keeps what it listed; the states are as they were before stopping."""
    hub = mcp_hub(settings)
    try:
        await hub.start(ToolSet.all())
        return hub, hub.status()
    finally:
        await hub.aclose()


def mcp_hub(settings: Settings) -> McpHub:
    """The hub of the settings' MCP config; a malformed config raises McpConfigError (start-up stops)."""
    configs = load_config(settings.mcp_config, settings.mcp_servers) if settings.mcp_config is not None else ()
    log_dir = settings.data_dir / "mcp" if configs else None
    return McpHub(configs, start_timeout_s=settings.mcp_start_timeout_s, log_dir=log_dir)
