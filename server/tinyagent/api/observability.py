"""Request id and HTTP metrics middleware, as plain ASGI (like ``security.py``).

Plain ASGI so streamed responses pass through untouched; both wrap the security middleware so
rejected requests (401/403/413) are counted and carry a request id too.
"""

from __future__ import annotations

import time

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinyagent.metrics import CONTENT_TYPE, Metrics
from tinyagent.request_context import HEADER, bind_request_id, choose_request_id, unbind_request_id

UNMATCHED = "unmatched"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RequestId:
    """Binds a request id for the request's log lines and returns it in ``x-request-id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = choose_request_id(_header(scope, HEADER.encode()))
        raw_id = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), raw_id)]}
            await send(message)

        token = bind_request_id(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            unbind_request_id(token)


def route_template(scope: Scope) -> str:
    """The matched route's path template ('/runs/{run_id}'), never the raw path: bounded labels."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class HttpMetrics:
    """Counts requests by method/route/status and times them until the response (or stream) ends."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # A request that dies before answering is what the client sees as a 500.
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], route_template(scope), status, seconds)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus scrape target; samples the model queue first so its gauges are current."""
    metrics: Metrics = request.app.state.metrics
    runtime = getattr(request.app.state, "runtime", None)
    loaded = getattr(runtime, "loaded", None)
    if loaded is not None:
        metrics.sample_model(loaded.service.waiting, loaded.service.busy)
    return Response(metrics.render(), media_type=CONTENT_TYPE)
