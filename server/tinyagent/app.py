"""The app factory: one Settings object in, a FastAPI app out; the model loads in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from tinyagent import __version__
from tinyagent.api import health, toolrag
from tinyagent.api.console import router as console_router
from tinyagent.api.errors import install_error_handlers
from tinyagent.api.observability import HttpMetrics, RequestId, metrics_endpoint
from tinyagent.api.openai import router as openai_router
from tinyagent.api.plan import router as plan_router
from tinyagent.api.responses import router as responses_router
from tinyagent.api.responses.store import ResponseStore
from tinyagent.api.runs import router as runs_router
from tinyagent.api.security import ApiKeyGuard, BodyLimit, HostGuard, StateChangeGuard, handled_by
from tinyagent.embeddings import Embedder
from tinyagent.metrics import Metrics
from tinyagent.models.resolve import ResolvedModel
from tinyagent.runs.service import build_agent
from tinyagent.runtime import Runtime
from tinyagent.settings import Settings, is_loopback

DESCRIPTION = (
    "A local, private agent server: OpenAI-compatible chat completions with tool calling over a GGUF model, "
    "LLMCompiler planning and tool execution for TinyAgent models."
)


def create_app(
    settings: Settings,
    *,
    resolved: ResolvedModel | None = None,
    on_fatal: Callable[[str], None] | None = None,
) -> FastAPI:
    """Build the app. ``resolved`` skips model resolution (the CLI resolves before binding, to fail fast);
    ``on_fatal`` is called if the model fails to load after start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics: Metrics = app.state.metrics
        runtime = Runtime(
            settings=settings,
            embedder=Embedder(settings.embedding_model, backend=settings.embedding_backend),
            on_usage=lambda usage: metrics.count_tokens(usage.prompt_tokens, usage.completion_tokens),
        )
        app.state.runtime = runtime
        app.state.responses = ResponseStore(Path(settings.data_dir) / "responses.sqlite")
        runtime.start(resolved, on_fatal)
        agent = build_agent(runtime, on_event=app.state.metrics.record_run_event)
        app.state.agent = agent
        try:
            yield
        finally:
            await agent.aclose()
            await runtime.aclose()

    app = FastAPI(title="TinyAgent Server", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(openai_router.router)
    app.include_router(responses_router.router)
    app.include_router(openai_router.extras)
    app.include_router(toolrag.router)
    app.include_router(plan_router.router)
    app.include_router(runs_router.router)
    app.include_router(console_router.router)
    # One registry per app, so several apps can share a process; not in the spec (not an API route).
    app.state.metrics = Metrics()
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    _install_middleware(app, settings)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    # add_middleware wraps outward: the last added runs first (request id, metrics, Host check, size, CORS,
    # cross-site state changes, key).
    if settings.api_key is not None:
        app.add_middleware(ApiKeyGuard, api_key=settings.api_key.get_secret_value())
    # Inside CORS, so an allowed origin's refusals still carry its CORS headers.
    handled = handled_by(app.router.routes)
    app.add_middleware(StateChangeGuard, allowed_origins=frozenset(settings.cors_origins), handled=handled)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "last-event-id"],
            allow_credentials=False,
            expose_headers=["x-request-id", "retry-after"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Bound beyond loopback, Host names are not known in advance; the required API key protects instead.
    if is_loopback(settings.host) or settings.allowed_hosts:
        app.add_middleware(HostGuard, allowed=settings.host_allow_list())
    # Outermost, so rejected requests are counted and logged with their request id too.
    app.add_middleware(HttpMetrics, metrics=app.state.metrics)
    app.add_middleware(RequestId)
