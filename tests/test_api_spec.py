"""The spec says what the server takes (issue 23): strict types, stated bounds and 'one of', 405s with the
whole Allow list, codes for the refusals no schema can state, and links that let a client follow a run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from harness import LiveServer
from tinyagent.api.errors import SEMANTIC_CODES
from tinyagent.openapi import export_openapi

SPEC = export_openapi()
USER = [{"role": "user", "content": "hi"}]


def schema(name: str) -> dict[str, Any]:
    return dict(SPEC["components"]["schemas"][name])


def post(server: LiveServer, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=120)


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/toolrag", {"query": "Text Sid", "top_k": False}, "top_k"),  # false is not an integer
        ("/toolrag", {"query": "Text Sid", "top_k": "2"}, "top_k"),
        ("/v1/chat/completions", {"messages": USER, "max_tokens": True}, "max_tokens"),
        ("/v1/chat/completions", {"messages": USER, "max_tokens": 0}, "max_tokens"),
        ("/v1/chat/completions", {"messages": USER, "stream": 0}, "stream"),  # 0 is not a boolean
        (
            "/v1/chat/completions",
            {"messages": USER, "tools": [{"type": "function", "function": {"name": "f", "strict": 0}}]},
            "tools.0.function.strict",
        ),
        ("/v1/completions", {"prompt": ""}, "prompt"),
        ("/v1/embeddings", {"input": ""}, "input"),
        ("/run", {"query": "   "}, "query"),
    ],
)
def test_what_the_spec_refuses_the_server_refuses(
    tiny_server: LiveServer, path: str, body: dict[str, Any], param: str
) -> None:
    response = post(tiny_server, path, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_an_integral_number_is_an_integer_as_json_schema_says(tiny_server: LiveServer) -> None:
    answers = [
        post(tiny_server, "/v1/chat/completions", {"messages": USER, "max_tokens": n, "temperature": 0})
        for n in (2.0, 2)
    ]
    assert [a.status_code for a in answers] == [200, 200], answers[0].text
    usage = [a.json()["usage"]["completion_tokens"] for a in answers]
    assert usage[0] == usage[1]  # the same budget either way


def test_bounds_and_one_of_are_in_the_spec() -> None:
    chat = schema("ChatCompletionRequest")["properties"]
    assert {"minimum": 1, "type": "integer"} in chat["max_tokens"]["anyOf"]
    assert '"ge"' not in str(SPEC).replace("'", '"')  # pydantic's name, which JSON Schema ignores
    for body in ("PlanBody", "RunBody"):
        one_of = schema(body)["anyOf"]
        assert [entry["required"] for entry in one_of] == [["query"], ["plan"]]
        assert schema(body)["additionalProperties"] is False


@pytest.mark.parametrize("path", ["/plan", "/run"])
def test_neither_query_nor_plan_is_refused_naming_both(tiny_server: LiveServer, path: str) -> None:
    error = post(tiny_server, path, {}).json()["error"]
    assert "'query'" in error["message"] and "'plan'" in error["message"] and error["param"] == "query"


def test_a_method_no_route_serves_is_405_with_every_method_of_the_path(tiny_server: LiveServer) -> None:
    response = httpx.put(tiny_server.url + "/v1/responses/resp_x", timeout=30)
    assert response.status_code == 405  # not the state-change guard's 415: nothing would run
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "DELETE"}
    assert httpx.post(tiny_server.url + "/health", json={}, timeout=30).status_code == 405
    assert httpx.post(tiny_server.url + "/no/such/path", content="x", timeout=30).status_code == 404


def test_refusals_no_schema_can_state_carry_their_own_code(tiny_server: LiveServer) -> None:
    cases = [
        ("/toolrag", {"query": "Text Sid", "tools": ["send_fax"]}, "unknown_tool"),
        ("/toolrag", {"query": "Text Sid", "apps": ["fax"]}, "unknown_app"),
        ("/plan", {"plan": "1. join()", "timezone": "Mars/Olympus"}, "unknown_timezone"),
        ("/run", {"plan": "1. send_sms(", "joiner": False}, "invalid_plan"),
        ("/v1/chat/completions", {"messages": USER, "tool_choice": "required", "max_tokens": 2}, "invalid_tool_choice"),
        ("/v1/embeddings", {"input": "hi", "dimensions": 100000}, "dimensions_too_large"),
    ]
    for path, body, code in cases:
        error = post(tiny_server, path, body).json()["error"]
        assert error["code"] == code and code in SEMANTIC_CODES, (path, error)
    description = SPEC["paths"]["/plan"]["post"]["responses"]["400"]["description"]
    assert all(code in description for code in SEMANTIC_CODES)


def test_runs_are_linked_to_their_operations() -> None:
    targets = {"getRun", "getRunEvents", "approveRun", "denyRun", "cancelRun"}
    operations = {op["operationId"] for path in SPEC["paths"].values() for op in path.values() if "operationId" in op}
    assert targets <= operations
    started = SPEC["paths"]["/run"]["post"]["responses"]["200"]["links"]
    listed = SPEC["paths"]["/runs"]["get"]["responses"]["200"]["links"]
    assert set(started) == set(listed) == targets
    assert started["getRun"]["parameters"] == {"run_id": "$response.body#/run_id"}
    assert listed["cancelRun"]["parameters"] == {"run_id": "$response.body#/runs/0/run_id"}


def test_last_event_id_is_digits_as_the_spec_says(tiny_server: LiveServer) -> None:
    run_id = httpx.post(tiny_server.url + "/run", json={"plan": "1. join()", "joiner": False, "stream": False})
    events = f"{tiny_server.url}/runs/{run_id.json()['run_id']}/events"
    for bad in ("abc", "-1", "null"):
        response = httpx.get(events, headers={"last-event-id": bad}, timeout=30)
        assert response.status_code == 400 and "last-event-id" in response.json()["error"]["param"], response.text
    assert httpx.get(events, headers={"last-event-id": "0"}, timeout=30).status_code == 200


def test_the_state_change_guard_sees_every_state_changing_route() -> None:
    """The guard skips only requests no route handles; if matching ever missed a real handler, the guard
    would silently not run. Every POST/PUT/PATCH/DELETE operation of the app must count as handled."""
    from tinyagent.api.security import handled_by
    from tinyagent.app import create_app
    from tinyagent.settings import Settings

    app = create_app(Settings(model="spec-only"))
    handled = handled_by(app.router.routes)
    checked = 0
    for path, operations in SPEC["paths"].items():
        concrete = path.replace("{run_id}", "run-1").replace("{response_id}", "resp_1").replace("{model_id}", "m")
        for method in operations:
            if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
                scope = {"type": "http", "path": concrete, "method": method.upper(), "root_path": "", "headers": []}
                assert handled(scope), (method, path)
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "image_url"),
        ("/v1/responses", {"input": [{"role": "user", "content": [{"type": "input_image"}]}]}, "input_image"),
    ],
)
def test_a_part_this_text_model_cannot_read_is_refused_by_name(
    tiny_server: LiveServer, path: str, body: dict[str, Any], kind: str
) -> None:
    error = post(tiny_server, path, body).json()["error"]
    assert f"'{kind}' content parts are not supported" in error["message"], error
    assert error["code"] == "unsupported_parameter"


def test_an_absurd_last_event_id_is_a_400_not_a_500(tiny_server: LiveServer) -> None:
    run_id = httpx.post(tiny_server.url + "/run", json={"plan": "1. join()", "joiner": False, "stream": False})
    events = f"{tiny_server.url}/runs/{run_id.json()['run_id']}/events"
    assert httpx.get(events, headers={"last-event-id": "9" * 5000}, timeout=30).status_code == 400
    assert httpx.get(events, params={"after": 2**63}, timeout=30).status_code == 400
