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
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from harness import LiveServer
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
# ends", minutes on a loaded CI box); cap it, in-schema, so every case stays cheap.
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
TOKEN_CAP = 8


def cap_generation(body: Any) -> None:
    if not isinstance(body, dict) or not ({"messages", "prompt", "query", "input"} & set(body)):
        return
    for field in TOKEN_FIELDS:
        value = body.get(field)
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > TOKEN_CAP):
            body[field] = TOKEN_CAP
    if isinstance(body.get("n"), int) and body["n"] > 1:
        body["n"] = 1


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases every CI run: a failure here is reproducible
)
def test_api_conforms(case: schemathesis.Case, tiny_server: LiveServer) -> None:
    cap_generation(case.body)
    response = case.call(base_url=tiny_server.url, timeout=60)
    problem = envelope_problem(response.status_code, response.headers.get("content-type", [""])[0], response.text)
    assert problem is None, f"{case.method} {case.formatted_path} body={case.body!r}: {problem}"
    case.validate_response(response, checks=CHECKS)


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
