"""The one handle on a loaded model: its queued generator, chat service, profile and chat format.

Everything that generates (chat, the planner, the joiner, PDF summaries) takes a ``LoadedModel``;
``load_model`` builds it from Settings, ``LoadedModel.assemble`` from a backend already at hand.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from tinyagent.chat.auto import Encode, SimilarityDecider, ToolDecider
from tinyagent.chat.auto_rule import LearnedRule
from tinyagent.chat.formats import ChatFormatter, ModelTemplate, get_chat_format
from tinyagent.chat.service import ChatService
from tinyagent.embeddings import Embedder
from tinyagent.errors import NotFound
from tinyagent.inference.service import ModelService
from tinyagent.inference.types import Backend, Usage
from tinyagent.models.profiles import GENERIC, ModelProfile
from tinyagent.models.resolve import ResolvedModel, resolve_model
from tinyagent.settings import Settings

UsageHook = Callable[[Usage], None]


@dataclass(frozen=True)
class LoadedModel:
    service: ModelService  # the queued generator every caller goes through
    chat: ChatService
    profile: ModelProfile
    formatter: ChatFormatter  # the settings' chat_format override, else the profile's
    aliases: frozenset[str]  # the names a request's "model" may use for it

    @property
    def stop(self) -> tuple[str, ...]:
        """The profile's stop sequences, applied to every generation for this model."""
        return self.profile.stop

    @classmethod
    def assemble(
        cls,
        backend: Backend,
        profile: ModelProfile,
        formatter: ChatFormatter | None = None,
        *,
        queue_depth: int = 8,
        slots: int = 1,
        on_usage: UsageHook | None = None,
        aliases: Iterable[str | None] = (),
        embedder: Embedder | None = None,
    ) -> LoadedModel:
        """The handle over ``backend``: one FIFO queue in front of it, the chat service on top.

        ``embedder``: for the profiles whose tool_choice "auto" is decided by similarity."""
        formatter = formatter or get_chat_format(profile.chat_format, getattr(backend, "model_template", None))
        service = ModelService(backend, queue_depth=queue_depth, on_usage=on_usage, slots=slots)
        names = frozenset(a for a in (backend.info.id, "default", *aliases) if a)
        decider = decider_for(profile, embedder)
        chat = ChatService(
            service,
            formatter,
            stop=profile.stop,
            decider=decider,
            check_calls=not backend.info.grammar,
            call_repeat_guard=profile.call_repeat_guard,
        )
        return cls(service, chat, profile, formatter, names)

    def check_name(self, requested: str | None) -> None:
        """A request's ``model`` must name this model (or be absent): a client asking for another model
        must not silently get this one's answers."""
        if requested is not None and requested not in self.aliases:
            served = self.service.info.id
            raise NotFound(
                f"The model '{requested}' is not served here; this server serves '{served}'.",
                param="model",
                code="model_not_found",
            )

    async def aclose(self) -> None:
        await self.service.backend.aclose()


def decider_for(profile: ModelProfile, embedder: Embedder | None) -> ToolDecider | None:
    if profile.auto_choice != "similarity" or embedder is None:
        return None
    return SimilarityDecider(embedding_rows(embedder), rule=LearnedRule.for_vectors(embedder.vector_id))


def embedding_rows(embedder: Embedder) -> Encode:
    async def encode(texts: list[str]) -> np.ndarray:
        return (await embedder.encode(texts)).vectors

    return encode


async def load_model(
    settings: Settings,
    resolved: ResolvedModel | None,
    *,
    on_usage: UsageHook | None = None,
    embedder: Embedder | None = None,
) -> LoadedModel:
    """The model ``settings`` name (``resolved`` skips resolving it again), local or remote."""
    if settings.llm_base_url:
        backend, profile = await _connect_remote(settings)
    else:
        local = resolved if resolved is not None else await asyncio.to_thread(resolve_model, settings)
        if settings.engine == "llama-server":
            backend = await _start_llama_server(settings, local)
        else:
            backend = await asyncio.to_thread(_load_local, settings, local)
        profile = local.profile
    # One in-process context generates one request at a time; llama.cpp's server batches its slots.
    slots = settings.parallel if settings.llm_base_url or settings.engine == "llama-server" else 1
    return LoadedModel.assemble(
        backend,
        profile,
        _formatter(settings, profile, backend),
        queue_depth=settings.queue_depth,
        slots=slots,
        on_usage=on_usage,
        aliases=(settings.model, settings.model_alias),
        embedder=embedder,
    )


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
        adapt_threads=settings.adapt_threads,
    )


async def _start_llama_server(settings: Settings, local: ResolvedModel) -> Backend:
    """The local GGUF served by a llama-server child (inference/llama_server.py), spoken to as a remote."""
    from tinyagent.inference.cpu_share import usable_cores
    from tinyagent.inference.llama_server import LlamaServerOptions, LlamaServerProcess, find_binary
    from tinyagent.inference.remote_backend import RemoteBackend
    from tinyagent.inference.tokenizer import vocab_tokenizer

    n_ctx, model_id = local.profile.context_length, settings.model_alias or local.model_id
    options = LlamaServerOptions(
        model=local.path, n_ctx=n_ctx, threads=settings.n_threads or usable_cores(), slots=settings.parallel,
        cache_mb=settings.prompt_cache_mb, work_dir=settings.data_dir / "llama-server", alias=model_id,
        extra=tuple(shlex.split(settings.llama_server_args)),
    )  # fmt: skip
    server = await LlamaServerProcess.start(find_binary(settings.llama_server_path), options)
    try:
        tokenizer = await asyncio.to_thread(vocab_tokenizer, local.path)
        backend = await RemoteBackend.connect(
            # No context_length: llama-server's own /props says what a slot really holds (it caps n_ctx at the
            # model's training context).
            server.url + "/v1", api_key=server.key, model=model_id, tokenizer=tokenizer,
            on_close=server.stop, source=local.source, fallback_reason=local.fallback_reason, loopback=True,
        )  # fmt: skip
    except BaseException:
        await server.stop()
        raise
    return backend


async def _connect_remote(settings: Settings) -> tuple[Backend, ModelProfile]:
    from tinyagent.inference.remote_backend import RemoteBackend

    assert settings.llm_base_url is not None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    backend = await RemoteBackend.connect(
        settings.llm_base_url, api_key=key, model=settings.llm_remote_model,
        context_length=settings.llm_context_length, dialect=settings.llm_dialect,
    )  # fmt: skip
    # We format prompts ourselves and send raw completions, so the profile still matters.
    profile = replace(GENERIC, name="remote", context_length=backend.info.context_length or GENERIC.context_length)
    return backend, profile


def _formatter(settings: Settings, profile: ModelProfile, backend: Backend) -> ChatFormatter:
    name = settings.chat_format or profile.chat_format
    # Only a local GGUF carries a chat template; a remote backend has none to offer.
    template: ModelTemplate | None = getattr(backend, "model_template", None)
    return get_chat_format(name, template)
