"""The running service's parts, built from one Settings object (no FastAPI here).

The model loads in the background so /health can answer 503 while it loads;
everything that needs the model asks for it through ``require_model``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from tinyagent.chat.formats import ChatFormatter, ModelTemplate, get_chat_format
from tinyagent.chat.service import ChatService
from tinyagent.embeddings import Embedder
from tinyagent.errors import ModelNotReady, ServiceError
from tinyagent.inference.service import ModelService
from tinyagent.inference.types import Backend, ModelInfo, Usage
from tinyagent.models.profiles import GENERIC, ModelProfile
from tinyagent.models.resolve import ResolvedModel, resolve_model
from tinyagent.settings import Settings

if TYPE_CHECKING:
    from tinyagent.planning.planner import Planner
    from tinyagent.toolrag.select import ToolRAG

log = logging.getLogger(__name__)

ModelStatus = Literal["loading", "ready", "failed"]


@dataclass
class LoadedModel:
    service: ModelService
    chat: ChatService
    profile: ModelProfile
    aliases: frozenset[str]
    formatter: ChatFormatter  # the settings' chat_format override, else the profile's

    def planner(self) -> Planner:
        from tinyagent.planning.planner import Planner

        return Planner(self.service, self.formatter, stop=self.profile.stop)


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    status: ModelStatus = "loading"
    error: str | None = None
    loaded: LoadedModel | None = None
    on_usage: Callable[[Usage], None] | None = None  # token counts of every generation (metrics)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _toolrag: ToolRAG | None = field(default=None, repr=False)
    _toolrag_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def toolrag(self) -> ToolRAG:
        """The ToolRAG index, built (or loaded from its disk cache) on first use, off the event loop."""
        async with self._toolrag_lock:
            if self._toolrag is None:
                self._toolrag = await asyncio.to_thread(self._create_toolrag)
            return self._toolrag

    def _create_toolrag(self) -> ToolRAG:
        from tinyagent.toolrag.select import ToolRAG

        s = self.settings
        return ToolRAG.create(
            self.embedder,
            data_dir=s.data_dir,
            mode=s.toolrag_mode,
            classifier_model=s.toolrag_classifier,
            offline=s.offline,
            threshold=s.toolrag_threshold,
        )

    def require_model(self) -> LoadedModel:
        if self.loaded is None:
            detail = f": {self.error}" if self.error else "; retry shortly"
            raise ModelNotReady(f"The model is {self.status}{detail}")
        return self.loaded

    def start(self, resolved: ResolvedModel | None, on_fatal: Callable[[str], None] | None) -> None:
        self._task = asyncio.create_task(self._load(resolved, on_fatal))

    async def _load(self, resolved: ResolvedModel | None, on_fatal: Callable[[str], None] | None) -> None:
        try:
            self.loaded = await load_model(self.settings, resolved, on_usage=self.on_usage)
            self.status = "ready"
            info = self.loaded.service.info
            # resolve_model has already warned loudly about a fallback; this line says it is ready.
            fallback = " (fallback)" if info.fallback_reason else ""
            log.info("model %s%s ready (context %d, from %s)", info.id, fallback, info.context_length, info.source)
        except Exception as exc:  # any load failure must be reported, not lost in a task
            self.status, self.error = "failed", str(exc)
            log.error("model failed to load: %s", exc, exc_info=not isinstance(exc, ServiceError))
            if on_fatal is not None:
                on_fatal(str(exc))

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.loaded is not None:
            await self.loaded.service.backend.aclose()


async def load_model(
    settings: Settings, resolved: ResolvedModel | None, *, on_usage: Callable[[Usage], None] | None = None
) -> LoadedModel:
    if settings.llm_base_url:
        backend, profile = await _connect_remote(settings)
    else:
        local = resolved if resolved is not None else await asyncio.to_thread(resolve_model, settings)
        backend = await asyncio.to_thread(_load_local, settings, local)
        profile = local.profile
    formatter = _formatter(settings, profile, backend)
    service = ModelService(backend, queue_depth=settings.queue_depth, on_usage=on_usage)
    info = backend.info
    aliases = frozenset(a for a in {info.id, settings.model, settings.model_alias, "default"} if a)
    chat = ChatService(service, formatter, stop=profile.stop)
    return LoadedModel(service=service, chat=chat, profile=profile, aliases=aliases, formatter=formatter)


def _load_local(settings: Settings, resolved: ResolvedModel) -> Backend:
    from tinyagent.inference.llama_backend import LlamaBackend

    return LlamaBackend.load(
        resolved.path,
        model_id=settings.model_alias or resolved.model_id,
        source=resolved.source,
        n_ctx=resolved.profile.context_length,
        n_threads=settings.n_threads,
        n_batch=settings.n_batch,
        prompt_cache_mb=settings.prompt_cache_mb,
        fallback_reason=resolved.fallback_reason,
        stream_interval_s=settings.stream_interval_ms / 1000,
    )


async def _connect_remote(settings: Settings) -> tuple[Backend, ModelProfile]:
    from tinyagent.inference.remote_backend import RemoteBackend

    assert settings.llm_base_url is not None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    backend = await RemoteBackend.connect(settings.llm_base_url, api_key=key, model=settings.llm_remote_model)
    # We format prompts ourselves and send raw completions, so the profile still matters.
    profile = replace(GENERIC, name="remote", context_length=backend.info.context_length)
    return backend, profile


def _formatter(settings: Settings, profile: ModelProfile, backend: Backend) -> ChatFormatter:
    name = settings.chat_format or profile.chat_format
    # Only a local GGUF carries a chat template; a remote backend has none to offer.
    template: ModelTemplate | None = getattr(backend, "model_template", None)
    return get_chat_format(name, template)


def model_info(runtime: Runtime) -> ModelInfo | None:
    return runtime.loaded.service.info if runtime.loaded else None
