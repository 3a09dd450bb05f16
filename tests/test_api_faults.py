"""Hostile input the fuzzer does not produce: deep nesting, huge plans. Each gets a clear 4xx and the
server keeps serving."""

from __future__ import annotations

import httpx

from harness import LiveServer


def still_serving(server: LiveServer) -> None:
    assert httpx.get(server.url + "/health", timeout=30).status_code == 200


def test_deeply_nested_json_is_400(tiny_server: LiveServer) -> None:
    depth = 100_000
    body = '{"messages": ' + "[" * depth + "]" * depth + "}"
    response = httpx.post(
        tiny_server.v1 + "/chat/completions", content=body, headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    still_serving(tiny_server)


def test_plan_of_ten_thousand_tasks(tiny_server: LiveServer) -> None:
    lines = [f'{i}. get_email_address("Person {i}")' for i in range(1, 10_001)]
    plan = "\n".join([*lines, "10001. join()"])
    checked = httpx.post(tiny_server.url + "/plan", json={"plan": plan}, timeout=120)
    assert checked.status_code == 200
    assert len(checked.json()["tasks"]) == 10_001 and checked.json()["valid"] is True
    # Running it is refused up front: the run's task cap, not 10,000 worker calls.
    run = httpx.post(tiny_server.url + "/run", json={"plan": plan, "stream": False}, timeout=120)
    assert run.status_code == 400, run.text
    assert "task" in run.json()["error"]["message"].lower()
    still_serving(tiny_server)
