"""Property-based fuzzing of the HTTP API from its exported OpenAPI spec (schemathesis), bounded for CI.

Against a live tiny-model server: no 5xx, every 4xx body is the OpenAI error envelope, and
responses conform to the spec (status codes, content types, bodies). bench/fuzz_api.py is the
longer run.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

# Imported here, not lazily by hypothesis mid-run (st.randoms() during syntax fuzzing): pytest rewrites the
# plugin's modules with ast while the live server's thread may parse too, and CPython 3.11's AST parser then
# fails ("recursion depth mismatch", as tests/test_mcp.py describes); one clean-clone run in three saw it.
from hypothesis.strategies._internal import random as _hypothesis_random  # noqa: F401
from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance as spec_positive_data_acceptance

from harness import LiveServer
from tinyagent.api.errors import SEMANTIC_CODES
from tinyagent.openapi import export_openapi

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
ENVELOPE_FIELDS = {"message", "type", "param", "code"}

schema = schemathesis.openapi.from_dict(export_openapi())


def envelope_problem(status: int, content_type: str, text: str) -> str | None:
    """Why a 4xx body is not the OpenAI error envelope, or None if it is."""
    if not 400 <= status < 500:
        return None
    if not content_type.startswith("application/json"):
        return f"{status} with content-type {content_type!r}"
    try:
        body: Any = json.loads(text)
    except ValueError:
        return f"{status} body is not JSON: {text[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != ENVELOPE_FIELDS:
        return f"{status} body is not the error envelope: {text[:300]}"
    if not isinstance(error["message"], str) or not isinstance(error["type"], str):
        return f"{status} envelope has a non-string message/type: {text[:300]}"
    return None


# Generation length is the one cost the spec lets a client choose freely (the default is "until the context
# ends", minutes on a loaded CI box); cap it, in-schema, so every case stays cheap. /run has no such field:
# its plan is bounded by the plan's size.
TOKEN_FIELDS = {
    "/v1/chat/completions": ("max_tokens", "max_completion_tokens"),
    "/v1/completions": ("max_tokens",),
    "/v1/responses": ("max_output_tokens",),
    "/plan": ("max_tokens",),
}
TOKEN_CAP = 8


def cap_generation(case: schemathesis.Case) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    for field in TOKEN_FIELDS.get(case.path, ()):
        value = body.get(field)
        # Only valid counts are lowered: a negative case (1.5, true, "8") must stay invalid.
        count = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
        if value is None or (count and value > TOKEN_CAP):
            body[field] = TOKEN_CAP


def positive_data_acceptance(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """Schemathesis's check, except for a 400 whose code says the body is valid but cannot be served
    here (api/errors.py SEMANTIC_CODES: an unknown tool, a plan that does not parse...): the spec cannot
    state those, and says so in every 400's description. Any other 400 for a valid body still fails."""
    if response.status_code == 400 and _error_code(response.text) in SEMANTIC_CODES:
        return None
    return spec_positive_data_acceptance(ctx, response, case)


def _error_code(text: str) -> str | None:
    try:
        return str(json.loads(text)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


load_all_checks()
# Every check schemathesis has, positive data acceptance as above.
CHECKS = [
    positive_data_acceptance if check is spec_positive_data_acceptance else check for check in REGISTERED.get_all()
]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases every CI run: a failure here is reproducible
)
def test_api_conforms(case: schemathesis.Case, tiny_server: LiveServer) -> None:
    cap_generation(case)
    response = case.call(base_url=tiny_server.url, timeout=60)
    problem = envelope_problem(response.status_code, response.headers.get("content-type", [""])[0], response.text)
    assert problem is None, f"{case.method} {case.formatted_path} body={case.body!r}: {problem}"
    case.validate_response(response, checks=CHECKS)


def test_api_stateful(tiny_server: LiveServer) -> None:
    """The stateful phase: schemathesis follows the spec's links (a run started by POST /run or listed by
    GET /runs, to its events, approve, deny and cancel) with every check on each step."""
    base = schema.as_state_machine()

    class Machine(base):  # type: ignore[misc,valid-type]
        def before_call(self, case: schemathesis.Case) -> None:
            cap_generation(case)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": tiny_server.url, "timeout": 60}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            content_type = response.headers.get("content-type", [""])[0]
            problem = envelope_problem(response.status_code, content_type, response.text)
            assert problem is None, f"{case.method} {case.formatted_path}: {problem}"
            case.validate_response(response, checks=CHECKS)

    Machine.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )


@pytest.mark.parametrize(
    ("status", "content_type", "text", "ok"),
    [
        (400, "application/json", '{"error": {"message": "m", "type": "t", "param": null, "code": null}}', True),
        (404, "application/json", '{"detail": "Not Found"}', False),
        (400, "text/plain", "bad", False),
        (200, "text/plain", "fine", True),
    ],
)
def test_envelope_check(status: int, content_type: str, text: str, ok: bool) -> None:
    assert (envelope_problem(status, content_type, text) is None) is ok
