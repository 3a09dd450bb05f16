"""/metrics, request ids and the log filter."""

from __future__ import annotations

import io
import json
import logging

import httpx

from harness import LiveServer
from tinyagent.logging_setup import JsonFormatter
from tinyagent.metrics import Metrics
from tinyagent.request_context import RequestIdFilter, bind_request_id, choose_request_id, unbind_request_id


def test_metrics_expose_http_queue_and_token_families(tiny_server: LiveServer) -> None:
    httpx.get(tiny_server.url + "/health", timeout=30)
    httpx.post(tiny_server.v1 + "/chat/completions", json={"messages": "nope"}, timeout=30)
    response = httpx.get(tiny_server.url + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'tinyagent_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert 'tinyagent_http_requests_total{method="POST",route="/v1/chat/completions",status="400"}' in text
    for family in (
        "tinyagent_http_request_duration_seconds_bucket",
        "tinyagent_model_queue_waiting",
        "tinyagent_model_busy",
        "tinyagent_prompt_tokens_total",
        "tinyagent_completion_tokens_total",
    ):
        assert family in text


def _counter(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def test_token_counters_follow_generations(tiny_server: LiveServer) -> None:
    before = httpx.get(tiny_server.url + "/metrics", timeout=30).text
    body = {"prompt": "the", "max_tokens": 3, "grammar": "root ::= [a-z] [a-z] [a-z]"}
    usage = httpx.post(tiny_server.v1 + "/completions", json=body, timeout=60).json()["usage"]
    after = httpx.get(tiny_server.url + "/metrics", timeout=30).text
    for name, key in (
        ("tinyagent_prompt_tokens_total", "prompt_tokens"),
        ("tinyagent_completion_tokens_total", "completion_tokens"),
    ):
        assert _counter(after, name) - _counter(before, name) == usage[key]


def test_unknown_paths_share_one_label(tiny_server: LiveServer) -> None:
    httpx.get(tiny_server.url + "/definitely/not/here", timeout=30)
    text = httpx.get(tiny_server.url + "/metrics", timeout=30).text
    assert 'route="unmatched",status="404"' in text
    assert "definitely" not in text


def test_request_id_is_honoured_or_generated(tiny_server: LiveServer) -> None:
    given = httpx.get(tiny_server.url + "/health", headers={"x-request-id": "abc-123"}, timeout=30)
    assert given.headers["x-request-id"] == "abc-123"
    fresh = httpx.get(tiny_server.url + "/health", headers={"x-request-id": "bad id\twith spaces"}, timeout=30)
    assert fresh.headers["x-request-id"] not in {"", "bad id\twith spaces"}
    assert len(fresh.headers.get_list("x-request-id")) == 1


def test_error_responses_carry_a_request_id(tiny_server: LiveServer) -> None:
    response = httpx.get(tiny_server.url + "/health", headers={"host": "evil.example"}, timeout=30)
    assert response.status_code == 403
    assert response.headers["x-request-id"]


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_request("GET", "/health", 200, 0.01)
    first.observe_request("BREW", "/health", 405, 0.01)
    first.tool_call("send_sms", "weird")
    assert b'method="OTHER"' in first.render()
    assert b'outcome="error",tool="send_sms"' in first.render()
    assert b"/health" not in second.render()


def test_run_events_count_runs_and_tool_calls() -> None:
    from tinyagent.runs.events import RunFinished, TaskFinished, TaskStarted

    metrics = Metrics()
    common = {"run_id": "r", "ts": 0.0, "round": 1, "tool": "send_sms"}
    metrics.record_run_event(TaskStarted(seq=1, task_id=1, args=[], **common))
    metrics.record_run_event(TaskFinished(seq=2, task_id=1, ok=True, **common))
    metrics.record_run_event(TaskFinished(seq=3, task_id=2, ok=False, error_code="denied", **common))
    metrics.record_run_event(RunFinished(run_id="r", seq=4, ts=0.0, status="succeeded"))
    text = metrics.render().decode()
    assert 'tinyagent_tool_calls_total{outcome="ok",tool="send_sms"} 1.0' in text
    assert 'tinyagent_tool_calls_total{outcome="denied",tool="send_sms"} 1.0' in text
    assert 'tinyagent_runs_total{status="succeeded"} 1.0' in text


def test_sane_request_ids() -> None:
    assert choose_request_id("req_1.2:3-x") == "req_1.2:3-x"
    for bad in (None, "", "x" * 129, "a\nb", "é"):
        assert choose_request_id(bad) != bad


def test_log_lines_carry_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tinyagent.test_observability")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside")
        token = bind_request_id("rid-7")
        try:
            logger.warning("inside")
        finally:
            unbind_request_id(token)
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["-", "rid-7"]
