"""Security middleware: Host allow-list, cross-site state changes, body size limit and API key, as plain ASGI.

Plain ASGI rather than BaseHTTPMiddleware so streaming responses pass through
untouched and a rejected request never reaches the app.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from tinyagent.api.errors import service_error_body
from tinyagent.errors import Forbidden, InvalidRequest, PayloadTooLarge, ServiceError, Unauthorized

# What answers without the key: probes, and the console's page and files (they hold no secret; the page
# asks for the key and sends it with every API call it makes).
PUBLIC_PATHS = frozenset({"/health", "/"})
PUBLIC_PREFIXES = ("/console/",)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def send_error(send: Send, exc: ServiceError) -> None:
    """The app's own envelope and headers for ``exc``, sent before the request reaches the app."""
    payload = json.dumps(service_error_body(exc)).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in exc.headers().items()]
    await send({"type": "http.response.start", "status": exc.status_code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def host_name(host_header: str) -> str:
    """'localhost:8000' -> 'localhost'; '[::1]:8000' -> '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostGuard:
    """Rejects unknown Host headers: a DNS-rebinding page cannot reach the API."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = _header(scope, b"host")
            if host is None or host_name(host) not in self.allowed:
                message = f"Host header {host!r} is not allowed; add it with --allowed-hosts if it is yours."
                await send_error(send, Forbidden(message, code="host_not_allowed"))
                return
        await self.app(scope, receive, send)


class UnsupportedMediaType(InvalidRequest):
    status_code = 415
    code = "json_required"


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Whether a route of the app would run a handler for this request (path and method both match).
Handled = Callable[[Scope], bool]


def handled_by(routes: Iterable[BaseRoute]) -> Handled:
    return lambda scope: any(route.matches(scope)[0] == Match.FULL for route in routes)


class StateChangeGuard:
    """State changes only from JSON requests of allowed origins.

    A web page can make a browser send a "simple" request to localhost without asking the server first:
    a form or ``text/plain`` POST, or a POST with no body and no Content-Type (issue 16: an empty POST to
    ``/runs/{id}/approve`` from another site ran a pending ``send_sms``). Such requests never say
    ``Content-Type: application/json`` (that needs a CORS preflight, which only configured origins pass),
    and the browser adds their ``Origin``. So every state-changing request must be JSON with a body
    (``{}`` when there is nothing to say), and an ``Origin``, when present, must be a configured CORS
    origin or this server itself. A request no route would handle runs nothing: it goes on to the
    router's 404 or 405, which say what is wrong with it.
    """

    def __init__(self, app: ASGIApp, allowed_origins: frozenset[str], handled: Handled) -> None:
        self.app = app
        self.allowed = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self.handled = handled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING and self.handled(scope):
            refusal = self._refusal(scope)
            if refusal is not None:
                await send_error(send, refusal)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> ServiceError | None:
        origin = _header(scope, b"origin")
        if origin is not None and not self._origin_allowed(origin.strip().rstrip("/").lower(), scope):
            return Forbidden(f"Origin {origin!r} may not change state here.", code="origin_not_allowed")
        if scope["method"] == "DELETE":  # never a "simple" request: a page's DELETE is preflighted, so Origin suffices
            return None
        media = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            message = "Send the body as JSON with the header 'Content-Type: application/json' ({} for no fields)."
            return UnsupportedMediaType(message)
        length = _header(scope, b"content-length")
        if (length is not None and length.strip() == "0") or (
            length is None and not _header(scope, b"transfer-encoding")
        ):
            return InvalidRequest("The body is empty: send a JSON object ({} for no fields).", code="json_required")
        return None

    def _origin_allowed(self, origin: str, scope: Scope) -> bool:
        if origin in self.allowed:
            return True
        host = (_header(scope, b"host") or "").strip().lower()
        return bool(host) and origin in (f"http://{host}", f"https://{host}")  # this server's own pages


class BodyLimit:
    """413 for bodies over the limit, whether announced by Content-Length or streamed in chunks."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await send_error(send, PayloadTooLarge(self._message()))
            return
        received = 0

        async def counting_receive() -> dict[str, object]:
            nonlocal received
            message = dict(await receive())
            received += len(bytes(message.get("body", b"")))
            if received > self.max_bytes:
                # Raised inside the app, so the one error mapping turns it into the 413 envelope.
                raise PayloadTooLarge(self._message())
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return f"Request body is larger than the limit of {self.max_bytes} bytes."


class ApiKeyGuard:
    """Bearer-key check with a constant-time compare; ``is_public`` paths (/health, the console) need none."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not is_public(scope["path"]) and scope["method"] != "OPTIONS":
            given = (_header(scope, b"authorization") or "").encode("latin-1")
            if not hmac.compare_digest(given, self.expected):
                message = "Missing or invalid API key: send 'Authorization: Bearer <key>'."
                await send_error(send, Unauthorized(message))
                return
        await self.app(scope, receive, send)
