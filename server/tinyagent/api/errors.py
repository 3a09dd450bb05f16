"""The one place where errors become HTTP responses, all in the OpenAI envelope."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from tinyagent.api.wire import UNSUPPORTED
from tinyagent.errors import SEMANTIC_CODES, ServiceError

log = logging.getLogger(__name__)

_HTTP_TYPES = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "forbidden"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "payload_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
}


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """The OpenAI error envelope: every surface's errors, HTTP or SSE, have this shape."""

    error: ErrorBody


# Bodies the spec allows but this server cannot serve carry one of SEMANTIC_CODES (tinyagent/errors.py).
BAD_REQUEST = (
    "A body the spec refuses (code invalid_request, unsupported_parameter or json_required), or one it allows "
    f"that this server cannot serve, with a code saying why: {', '.join(SEMANTIC_CODES)}."
)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """A router's ``responses=``: these statuses answer with the error envelope."""
    return {code: {"model": ErrorResponse, **({"description": BAD_REQUEST} if code == 400 else {})} for code in codes}


def error_body(message: str, error_type: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def service_error_body(exc: ServiceError) -> dict[str, Any]:
    return error_body(exc.message, exc.error_type, exc.param, exc.code)


def service_error_response(exc: ServiceError) -> JSONResponse:
    return JSONResponse(service_error_body(exc), status_code=exc.status_code, headers=exc.headers())


async def _on_service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if exc.status_code >= 500:
        log.warning("request failed: %s", exc.message)
    return service_error_response(exc)


# Discriminator values pydantic inserts into error locations of tagged unions (messages by role,
# content parts and response formats by type); they are not request fields.
_UNION_TAGS = frozenset(
    {
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
        "text",
        "image_url",
        "input_audio",
        "file",
        "refusal",
        "message",
        "function_call",
        "function_call_output",
    }
    | {"json_object", "json_schema"}
)
_GENERIC_ERRORS = ("_type", "literal_error", "union_tag_invalid")


def _is_field(loc: Sequence[Any], index: int) -> bool:
    part = loc[index]
    if isinstance(part, int):
        return True
    text = str(part)
    # Union branches show up as 'str', 'list[str]', "literal['a']" or a model class name.
    if "[" in text or text in {"str", "int", "float", "bool"} or text[:1].isupper() or text == "body":
        return False
    if text.startswith(("constrained-", "function-")):  # a union branch of a constrained or validated type
        return False
    # A tagged union's tag follows a list index (messages.0.<role>, content.1.<type>) or response_format.
    previous = loc[index - 1] if index > 0 else None
    is_tag = text in _UNION_TAGS and (isinstance(previous, int) or previous == "response_format")
    return not is_tag


def _most_specific(errors: Sequence[Any]) -> Any:
    """Of a union's failed branches, report the one that got furthest, not 'should be a string'; a wrong
    tag (which names the kind of item given and the kinds taken) before a wrong type."""
    specific = [e for e in errors if not str(e.get("type", "")).endswith(_GENERIC_ERRORS)]
    tags = [e for e in errors if e.get("type") == "union_tag_invalid"]
    return (specific or tags or list(errors))[0]


def _describe_validation(first: Any) -> tuple[str, str | None]:
    raw_loc = list(first.get("loc", ()))
    loc = [str(part) for i, part in enumerate(raw_loc) if _is_field(raw_loc, i)]
    param = ".".join(loc) or first.get("ctx", {}).get("param")
    message = str(first.get("msg", "invalid value"))
    if first.get("type") == "json_invalid":
        return f"The request body is not valid JSON: {first.get('ctx', {}).get('error', message)}", None
    if first.get("type") == "extra_forbidden":
        return f"Unknown field '{param}': this API refuses fields it does not know.", param
    if first.get("type") == "one_of_required":
        return message, param
    return (f"{param}: {message}" if param else message), param


def _not_json(request: Request, exc: RequestValidationError) -> bool:
    """A whole-body type error on a request that did not say JSON: curl -d without a content type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type not in ("application/json", "") and any(
        list(e.get("loc", ())) == ["body"] and e.get("type") == "model_attributes_type" for e in exc.errors()
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = _most_specific(errors) if errors else {}
    message, param = _describe_validation(first) if errors else ("Invalid request.", None)
    if _not_json(request, exc):
        # Form-encoded bodies stay refused: a web page can post a form to localhost, not JSON.
        message = "Send the body as JSON with the header 'Content-Type: application/json'."
    # unsupported_parameter for a value this server does not do (api/wire.py), else invalid_request.
    code = UNSUPPORTED if first.get("type") == UNSUPPORTED else "invalid_request"
    body = error_body(message, "invalid_request_error", param, code)
    return JSONResponse(body, status_code=400, headers={"x-should-retry": "false"})


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_type, code = _HTTP_TYPES.get(exc.status_code, ("invalid_request_error", None))
    body = error_body(str(exc.detail), error_type, None, code)
    headers = {"x-should-retry": "false", **(exc.headers or {})}
    if exc.status_code == 405:
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        # Starlette names only the first route that matched the path; a path served by several
        # routes (GET and DELETE /v1/responses/{id}) allows all their methods.
        headers["allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route fully matches on this path: asked of the router itself, method by method,
    so included routers and their prefixes answer as they do when routing."""
    routes: Iterable[Any] = request.app.router.routes
    scope: Scope = request.scope
    return [m for m in METHODS if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in routes)]


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    # A bug, not bad input: log the traceback, keep the envelope, tell clients not to resend.
    log.exception("unhandled error", exc_info=exc)
    body = error_body("Internal server error; see the server log.", "server_error", None, "internal_error")
    return JSONResponse(body, status_code=500, headers={"x-should-retry": "false"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
