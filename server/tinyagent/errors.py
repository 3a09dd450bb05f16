"""One error hierarchy for the whole service.

Core code raises these where a problem is detected; the app maps every
subclass to an HTTP response in one place (``api/errors.py``), so the status
code never has to be guessed from message text.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: carries everything the OpenAI error envelope needs."""

    status_code: int = 500
    error_type: str = "server_error"
    code: str | None = "internal_error"
    # Deterministic failures tell the openai client not to re-send an expensive request.
    retryable: bool = False

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code

    def headers(self) -> dict[str, str]:
        return {"x-should-retry": "true" if self.retryable else "false"}


# Codes of 400s for requests the OpenAPI spec cannot refuse, because they depend on what this server has
# (its tools and apps, the model's context, its time zones) or on what a value means (a plan that does not
# parse, a JSON schema that cannot be compiled, a tool_choice naming no given tool): docs/openai.md.
# The one list: every raise below uses these names, and the spec's 400 descriptions list SEMANTIC_CODES.
UNKNOWN_TOOL = "unknown_tool"
UNKNOWN_APP = "unknown_app"
UNKNOWN_TIMEZONE = "unknown_timezone"
INVALID_PLAN = "invalid_plan"
TOOL_CHOICE = "invalid_tool_choice"
TOOLS = "invalid_tools"
JSON_SCHEMA = "invalid_json_schema"
GRAMMAR = "invalid_grammar"
CONTEXT_LENGTH = "context_length_exceeded"
DIMENSIONS = "dimensions_too_large"
TEMPLATE = "template_rejected"
SEMANTIC_CODES = (
    UNKNOWN_TOOL,
    UNKNOWN_APP,
    UNKNOWN_TIMEZONE,
    INVALID_PLAN,
    TOOL_CHOICE,
    TOOLS,
    JSON_SCHEMA,
    GRAMMAR,
    CONTEXT_LENGTH,
    DIMENSIONS,
    TEMPLATE,
)


class InvalidRequest(ServiceError):
    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"


class ContextLengthExceeded(InvalidRequest):
    code = CONTEXT_LENGTH


class Unauthorized(ServiceError):
    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "www-authenticate": "Bearer"}


class Forbidden(ServiceError):
    status_code = 403
    error_type = "permission_error"
    code = "forbidden"


class NotFound(ServiceError):
    status_code = 404
    error_type = "not_found_error"
    code = "not_found"


class PayloadTooLarge(ServiceError):
    status_code = 413
    error_type = "invalid_request_error"
    code = "payload_too_large"


class ServerBusy(ServiceError):
    """The request queue is full: the client may retry after a pause."""

    status_code = 503
    error_type = "server_error"
    code = "server_busy"
    retryable = True

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "retry-after": str(self.retry_after)}


class ModelNotReady(ServerBusy):
    code = "model_not_ready"


class UpstreamError(ServiceError):
    """The remote inference backend failed or answered with an error."""

    status_code = 502
    error_type = "server_error"
    code = "upstream_error"


class ModelLoadError(ServiceError):
    """A model reference that cannot be resolved or loaded (a start-up error, not a request error)."""

    code = "model_load_error"
