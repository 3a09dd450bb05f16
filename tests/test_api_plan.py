"""POST /plan and GET /tools end to end: the real app under uvicorn, the tiny real GGUF, httpx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest

from harness import LiveServer, live_server, wait_for
from tinyagent.api.plan import protocol as p
from tinyagent.api.plan import serving
from tinyagent.planning.prepare import plan_request
from tinyagent.settings import Settings
from tinyagent.toolrag.select import ToolChoice
from tinyagent.tools.registry import TOOL_NAMES, get_tool

PLAN = '1. get_phone_number("Sid")\nThought: now text him\n2. send_sms(["$1"], "Running late")\n3. join()'


@pytest.fixture(scope="module")
def plan_server(tiny_settings: Settings) -> Iterator[LiveServer]:
    # The planner prompt is ~10k tokens for the tiny model's character-level vocabulary.
    with live_server(tiny_settings.model_copy(update={"n_ctx": 16384})) as server:
        yield server


@pytest.fixture
def http(plan_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=plan_server.url, timeout=120) as client:
        yield client


def sse_events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    name = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line.removeprefix("data:").strip())))
            name = "message"
    return events


def check_error(response: httpx.Response, status: int, param: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = cast(dict[str, Any], response.json()["error"])
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param
    return error


# --- /tools ------------------------------------------------------------------------------------------


def test_tools_lists_the_16_with_schemas_and_effects(http: httpx.Client) -> None:
    body = http.get("/tools").json()
    p.ToolList.model_validate(body)
    assert body["object"] == "list"
    assert [t["name"] for t in body["data"]] == list(TOOL_NAMES)
    for tool in body["data"]:
        spec = get_tool(tool["name"])
        assert tool["description"] == spec.planner_description
        assert tool["parameters"]["type"] == "object"
        assert tool["parameters"]["required"] == [param.name for param in spec.params]
        assert tool["side_effects"] is spec.has_side_effects and tool["effect"] == spec.effect.value
    by_name = {t["name"]: t for t in body["data"]}
    assert by_name["get_email_address"]["side_effects"] is False
    assert by_name["send_sms"]["effect"] == "writes"
    assert by_name["create_reminder"]["parameters"]["properties"]["priority"] == {"type": "integer"}


# --- generated plans ---------------------------------------------------------------------------------


def test_zero_tools_plan_is_a_valid_join(http: httpx.Client, plan_server: LiveServer) -> None:
    response = http.post("/plan", json={"query": "What is the meaning of life?", "tools": []})
    assert response.status_code == 200, response.text
    body = response.json()
    p.PlanResponse.model_validate(body)
    assert body["valid"] is True and body["errors"] == []
    # The random model may write a thought before the join (its prompt holds the clock, so which one
    # varies from run to run); with no tools the grammar leaves it nothing else.
    assert [{k: v for k, v in t.items() if k != "thought"} for t in body["tasks"]] == [
        {"id": 1, "tool": "join", "args": [], "depends_on": []}
    ]
    assert body["plan_id"].startswith("plan-") and body["query"] == "What is the meaning of life?"
    assert body["model"] == httpx.get(plan_server.url + "/health").json()["model"]
    assert body["usage"]["prompt_tokens"] > 1000 and body["usage"]["completion_tokens"] > 0
    assert {"total_s", "time_to_first_task_s", "tokens_per_s"} <= set(body["timings"])


def test_generated_plan_body_shape(http: httpx.Client) -> None:
    request = {"query": "Text Sid hi", "tools": ["get_phone_number", "send_sms"], "seed": 3, "max_tokens": 120}
    body = http.post("/plan", json=request).json()
    p.PlanResponse.model_validate(body)
    assert body["raw"]
    # Valid or not, a generated plan is a result: invalid ones say why, line by line.
    assert body["valid"] is not any(e["severity"] == "error" for e in body["errors"])
    if not body["valid"]:
        assert body["errors"]


@pytest.mark.parametrize("query", ["Remind me at 3pm to stretch", "Reply to the email saying I will be there at 3pm"])
def test_a_time_without_a_day_plans_guided_against_the_user_s_clock(http: httpx.Client, query: str) -> None:
    """The server's clock is aware (the user's zone); a time with no day once compared it with a naive one: 500."""
    request = {"query": query, "guided": True, "seed": 1, "max_tokens": 120, "timezone": "Europe/Berlin"}
    reply = http.post("/plan", json=request)
    assert reply.status_code == 200, reply.text
    p.PlanResponse.model_validate(reply.json())


def test_stream_sends_tasks_then_the_plan(http: httpx.Client) -> None:
    request = {"query": "Text Sid hi", "tools": ["get_phone_number"], "seed": 1, "max_tokens": 200, "stream": True}
    with http.stream("POST", "/plan", json=request) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    names = [name for name, _ in events]
    assert names[-1] == "plan" and set(names[:-1]) <= {"task"}
    final = events[-1][1]
    p.PlanResponse.model_validate(final)
    streamed = [data for name, data in events if name == "task"]
    assert streamed == final["tasks"]
    for task in streamed:
        p.PlanTask.model_validate(task)


def test_stream_errors_before_the_first_byte_are_statuses(http: httpx.Client) -> None:
    response = http.post("/plan", json={"query": "hi", "tools": ["nope"], "stream": True})
    check_error(response, 400, "tools")


def test_disconnect_frees_the_model(plan_server: LiveServer) -> None:
    # All 16 tools under the default grammar bounds: the random-weight model would write for a long time.
    request = {"query": "Email Sid and Ann the notes", "seed": 5, "stream": True}
    with httpx.Client(timeout=120) as client, client.stream("POST", plan_server.url + "/plan", json=request) as r:
        assert r.status_code == 200  # primed: the first token has been generated
        assert httpx.get(plan_server.url + "/health").json()["queue"]["busy"] is True
    wait_for(lambda: httpx.get(plan_server.url + "/health").json()["queue"]["busy"] is False, "free")


# --- given plans (no model) --------------------------------------------------------------------------


def test_given_valid_plan_is_parsed_without_the_model(http: httpx.Client) -> None:
    body = http.post("/plan", json={"plan": PLAN, "query": "Text Sid I'm late"}).json()
    assert body["valid"] is True and body["errors"] == []
    assert body["model"] is None and body["usage"] is None and body["raw"] == PLAN
    assert body["query"] == "Text Sid I'm late"
    assert body["tasks"] == [
        {"id": 1, "tool": "get_phone_number", "args": ["Sid"], "depends_on": [], "thought": None},
        {"id": 2, "tool": "send_sms", "args": [["$1"], "Running late"], "depends_on": [1], "thought": "now text him"},
        {"id": 3, "tool": "join", "args": [], "depends_on": [1, 2], "thought": None},
    ]


def test_given_invalid_plan_is_200_with_line_errors(http: httpx.Client) -> None:
    text = '1. get_contact_info("Sid")\n2. join()'
    body = http.post("/plan", json={"plan": text}).json()
    assert body["valid"] is False and body["tasks"] == []
    error = body["errors"][0]
    assert error == {
        "line": 1,
        "text": '1. get_contact_info("Sid")',
        "code": "unknown_tool",
        "message": "Tool get_contact_info not found",
        "severity": "error",
    }


def test_given_plan_is_checked_against_the_selected_tools(http: httpx.Client) -> None:
    body = http.post("/plan", json={"plan": PLAN, "apps": ["contacts"]}).json()
    assert body["valid"] is False
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(3, "unknown_tool")]
    assert "not enabled" in body["errors"][0]["message"]
    assert [t["id"] for t in body["tasks"]] == [1]


def test_given_plan_warnings_keep_it_valid(http: httpx.Client) -> None:
    body = http.post("/plan", json={"plan": '1. maps_open_location("Paris")\n3. join()'}).json()
    assert body["valid"] is True
    assert [(e["code"], e["severity"]) for e in body["errors"]] == [("id_gap", "warning")]


def test_given_plan_stream(http: httpx.Client) -> None:
    with http.stream("POST", "/plan", json={"plan": PLAN, "stream": True}) as response:
        events = sse_events(response)
    assert [name for name, _ in events] == ["task", "task", "task", "plan"]
    assert events[-1][1]["valid"] is True


# --- request errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_body", "param", "needle"),
    [
        ({"query": "hi", "tools": ["send_fax"]}, "tools", "send_fax"),
        ({"query": "hi", "apps": ["fax"]}, "apps", "fax"),
        ({"query": "hi", "timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"plan": PLAN, "timezone": "../etc"}, "timezone", "time zone"),
        ({}, "query", "query"),
        ({"query": "   "}, "query", "blank"),
        ({"query": "hi", "tool": ["send_sms"]}, "tool", "Unknown field 'tool'"),
        ({"query": "hi", "max_tokens": 0}, "max_tokens", "greater than"),
    ],
)
def test_bad_requests_are_400_in_the_openai_envelope(
    http: httpx.Client, request_body: dict[str, Any], param: str, needle: str
) -> None:
    error = check_error(http.post("/plan", json=request_body), 400, param)
    assert error["type"] == "invalid_request_error"
    assert needle in error["message"]


def test_unknown_model_is_404(http: httpx.Client) -> None:
    error = check_error(http.post("/plan", json={"query": "hi", "tools": [], "model": "gpt-9"}), 404, "model")
    assert error["code"] == "model_not_found"


# --- request conversion (no server) ------------------------------------------------------------------


def test_plan_request_uses_zone_setting_instructions_and_grammar_default() -> None:
    settings = Settings(planner_instructions="Be brief.", plan_grammar=False)
    body = p.PlanBody(query="hi", timezone="Asia/Tokyo", instructions="Use French.")
    options = serving.plan_options(body, settings, settings.enabled_tools().select(apps=body.apps, tools=body.tools))
    req = plan_request(options, ToolChoice(options.tools))
    assert req.now.utcoffset() == timedelta(hours=9)
    assert req.user_instructions == ("Be brief.", "Use French.")
    assert req.use_grammar is False and len(req.tools) == 16
    forced = plan_request(
        serving.plan_options(p.PlanBody(query="hi", grammar=True), settings, req.tools), ToolChoice(req.tools)
    )
    assert forced.use_grammar is True
    assert forced.now.utcoffset() is not None  # the server's local zone, never a naive time


def test_enabled_apps_setting_limits_tools() -> None:
    settings = Settings(enabled_apps=["sms", "contacts"])
    assert settings.enabled_tools().names == ("get_phone_number", "get_email_address", "send_sms")
    assert serving.tool_list(settings.enabled_tools(), []).apps == ["contacts", "sms"]
    assert len(Settings(enabled_apps=[]).enabled_tools()) == 0  # none enabled means none


# --- ToolRAG -----------------------------------------------------------------------------------------


def test_toolrag_narrows_the_prompt_and_says_what_it_chose(http: httpx.Client) -> None:
    query = "Text Sid that I'm running ten minutes late"
    body = http.post("/plan", json={"query": query, "toolrag": True, "max_tokens": 60}).json()
    chosen = body["toolrag"]
    assert {"get_phone_number", "send_sms"} <= set(chosen["tools"]) and len(chosen["tools"]) < 16
    assert 0 < len(chosen["examples"]) <= 6
    # The grammar only offers the chosen tools, so the plan can only name those.
    assert {t["tool"] for t in body["tasks"]} <= set(chosen["tools"]) | {"join"}
    plain = http.post("/plan", json={"query": query, "toolrag": False, "max_tokens": 60}).json()
    assert plain["toolrag"] is None
