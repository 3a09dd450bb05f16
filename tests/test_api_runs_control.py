"""Run control end to end: approval (approve, deny, timeout), cancel, tool and run deadlines, a worker
crash mid-run, task caps, and runs surviving a server restart.

The sandbox's hidden debug tools (``_debug_sleep``...) stand in for slow and crashing tools; every
wait below is an upper bound that only catches hangs, never a timing assertion.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import LiveServer
from run_helpers import Sse, agent_server, check_order, install_agent, sse_events, stored_events, world
from tinyagent.runs.store import RunStore
from tinyagent.settings import Settings

SMS_PLAN = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Approval test {tag}")\n3. join()'


@pytest.fixture(scope="module")
def settings(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("control"), "n_ctx": 4096})


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[LiveServer]:
    with agent_server(settings, debug=True) as live:
        yield live


@pytest.fixture
def agent_config(server: LiveServer) -> Iterator[Any]:
    """Rebuild the agent with some config for one test, then restore the defaults."""

    def apply(**config: Any) -> None:
        install_agent(server, debug=True, **config)

    yield apply
    install_agent(server, debug=True)


def _sms_count(settings: Settings, tag: str) -> int:
    with world(settings) as db:
        return int(db.execute("SELECT COUNT(*) FROM sms WHERE message = ?", (f"Approval test {tag}",)).fetchone()[0])


def _run_deciding(url: str, body: dict[str, Any], action: str | None) -> list[Sse]:
    """Stream a run; at approval_required, POST ``action`` (approve/deny) or do nothing."""
    events: list[Sse] = []
    with httpx.stream("POST", url + "/run", json=body, timeout=120) as response:
        assert response.status_code == 200
        for event in sse_events(response):
            events.append(event)
            if event.event == "approval_required" and action is not None:
                decided = httpx.post(
                    f"{url}/runs/{event.data['run_id']}/{action}", json={"task_id": event.data["task_id"]}, timeout=30
                )
                assert decided.status_code == 200, decided.text
    return events


def test_approve_lets_the_write_run(server: LiveServer) -> None:
    events = _run_deciding(server.url, {"plan": SMS_PLAN.format(tag="yes"), "approval": "writes"}, "approve")
    data = [e.data for e in events]
    check_order(data)
    asked = [e for e in data if e["type"] == "approval_required"]
    assert len(asked) == 1 and asked[0]["tool"] == "send_sms" and asked[0]["task_id"] == 2
    assert asked[0]["args"][0] == ["+1 (415) 555-0101"]  # exactly the call, after substitution
    finished = {e["task_id"]: e for e in data if e["type"] == "task_finished"}
    assert finished[2]["ok"] and data[-1]["status"] == "succeeded"
    assert _sms_count(server.settings, "yes") == 1


def test_deny_skips_the_write_and_says_so(server: LiveServer) -> None:
    events = _run_deciding(
        server.url, {"plan": SMS_PLAN.format(tag="no"), "approval": "writes", "joiner": False}, "deny"
    )
    data = [e.data for e in events]
    check_order(data)
    finished = {e["task_id"]: e for e in data if e["type"] == "task_finished"}
    assert not finished[2]["ok"] and finished[2]["error_code"] == "denied"
    assert "denied" in str(finished[2]["observation"])
    assert not any(e["type"] == "task_started" and e["task_id"] == 2 for e in data)
    assert _sms_count(server.settings, "no") == 0


def test_approval_times_out(server: LiveServer, agent_config: Any) -> None:
    agent_config(approval_timeout_s=0.3)
    events = _run_deciding(
        server.url, {"plan": SMS_PLAN.format(tag="late"), "approval": "writes", "joiner": False}, None
    )
    finished = [e.data for e in events if e.event == "task_finished" and e.data["task_id"] == 2]
    assert finished[0]["error_code"] == "approval_timeout"
    assert _sms_count(server.settings, "late") == 0


def test_sync_run_waiting_for_approval_returns_and_can_be_approved(server: LiveServer) -> None:
    body = {"plan": SMS_PLAN.format(tag="sync"), "approval": "writes", "stream": False, "joiner": False}
    first = httpx.post(server.url + "/run", json=body, timeout=120).json()
    assert first["status"] == "waiting_approval" and first["pending_approvals"] == [2]
    assert "approval" in first["text"] and "send_sms" in first["text"]
    run_id = first["run_id"]
    approved = httpx.post(f"{server.url}/runs/{run_id}/approve", json={}, timeout=30)
    assert approved.status_code == 200 and approved.json()["pending_approvals"] == []
    events = stored_events(server.url, run_id)  # follows the run live to its end
    assert events[-1]["status"] == "succeeded"
    assert _sms_count(server.settings, "sync") == 1


# What a page on another site can make a browser send without a CORS preflight: a simple form, text/plain,
# or no body at all, each with the page's Origin; and the same without an Origin (a script, a curl typo).
CROSS_SITE = [
    ({"origin": "http://evil.example", "content-type": "application/x-www-form-urlencoded"}, b"task_id=2", 403),
    ({"origin": "http://evil.example", "content-type": "text/plain"}, b'{"task_id": 2}', 403),
    ({"origin": "http://evil.example"}, b"", 403),
    ({"origin": "null", "content-type": "application/json"}, b"{}", 403),
    ({"content-type": "application/x-www-form-urlencoded"}, b"task_id=2", 415),
    ({"content-type": "text/plain"}, b'{"task_id": 2}', 415),
    ({}, b"", 415),
    ({"content-type": "application/json"}, b"", 400),
]


@pytest.mark.parametrize("action", ["approve", "deny", "cancel"])
def test_cross_site_requests_cannot_decide_or_cancel(server: LiveServer, action: str) -> None:
    body = {"plan": SMS_PLAN.format(tag=f"csrf-{action}"), "approval": "writes", "stream": False, "joiner": False}
    run_id = httpx.post(server.url + "/run", json=body, timeout=120).json()["run_id"]
    for headers, content, status in CROSS_SITE:
        refused = httpx.post(f"{server.url}/runs/{run_id}/{action}", headers=headers, content=content, timeout=30)
        assert refused.status_code == status, (headers, refused.text)
        assert refused.json()["error"]["code"] in ("origin_not_allowed", "json_required")
    state = httpx.get(f"{server.url}/runs/{run_id}").json()
    assert state["status"] == "waiting_approval" and state["pending_approvals"] == [2]  # nothing was decided
    own = {"origin": server.url, "content-type": "application/json"}  # the server's own pages may
    assert httpx.post(f"{server.url}/runs/{run_id}/deny", headers=own, content=b"{}", timeout=30).status_code == 200
    assert _sms_count(server.settings, f"csrf-{action}") == 0


def test_cancel_stops_a_running_run(server: LiveServer) -> None:
    plan = '1. _debug_sleep("60")\n2. maps_open_location("$1")\n3. join()'
    with httpx.stream("POST", server.url + "/run", json={"plan": plan, "joiner": False}, timeout=120) as response:
        stream = sse_events(response)
        events = [next(stream) for _ in range(4)]  # run_started, task, task, task_started
        assert events[-1].event == "task_started"
        run_id = events[0].data["run_id"]
        cancelled = httpx.post(f"{server.url}/runs/{run_id}/cancel", json={}, timeout=30)
        events += list(stream)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert {t["status"] for t in cancelled.json()["tasks"]} == {"cancelled"}
    data = [e.data for e in events]
    check_order(data)
    assert data[-1]["status"] == "cancelled" and data[-2]["type"] == "error"
    assert not any(e["type"] == "task_started" and e["task_id"] == 2 for e in data)


def test_tool_timeout_is_an_observation(server: LiveServer, agent_config: Any) -> None:
    agent_config(tool_timeout_s=1.0)
    events = _run_deciding(server.url, {"plan": '1. _debug_sleep("30")\n2. join()', "joiner": False}, None)
    finished = next(e.data for e in events if e.event == "task_finished")
    assert finished["error_code"] == "timeout" and str(finished["observation"]).startswith("Error: ")
    assert events[-1].data["status"] == "succeeded"


def test_run_deadline(server: LiveServer, agent_config: Any) -> None:
    agent_config(run_timeout_s=0.5)
    events = _run_deciding(server.url, {"plan": '1. _debug_sleep("30")\n2. join()', "joiner": False}, None)
    assert events[-1].data["status"] == "timed_out"
    assert events[-2].data["code"] == "run_timeout"


def test_worker_crash_mid_run(server: LiveServer) -> None:
    plan = '1. _debug_crash()\n2. maps_open_location("Paris $1")\n3. join()'
    data = [e.data for e in _run_deciding(server.url, {"plan": plan, "joiner": False}, None)]
    check_order(data)
    finished = {e["task_id"]: e for e in data if e["type"] == "task_finished"}
    assert finished[1]["error_code"] == "worker_crashed"
    # Task 2 would have run on the crash's error text: it is blocked, not run.
    assert finished[2]["error_code"] == "dependency_failed" and not finished[2]["ok"]
    assert data[-1]["status"] == "succeeded"
    # A fresh worker takes the next call.
    after = [
        e.data
        for e in _run_deciding(server.url, {"plan": '1. maps_open_location("Paris")\n2. join()', "joiner": False}, None)
    ]
    assert next(e for e in after if e["type"] == "task_finished")["ok"]


def test_task_cap(server: LiveServer, agent_config: Any) -> None:
    agent_config(max_tasks_per_run=2)
    plan = "\n".join(f'{i}. get_phone_number("Sid")' for i in (1, 2, 3)) + "\n4. join()"
    # A given plan over the cap is known to be too big before anything runs: a request error.
    response = httpx.post(server.url + "/run", json={"plan": plan, "joiner": False, "stream": False}, timeout=60)
    assert response.status_code == 400 and response.json()["error"]["param"] == "plan"
    assert "max_tasks_per_run" in response.json()["error"]["message"]
    # Within the cap it runs.
    small = '1. get_phone_number("Sid")\n2. join()'
    assert (
        httpx.post(server.url + "/run", json={"plan": small, "joiner": False, "stream": False}, timeout=60).json()[
            "status"
        ]
        == "succeeded"
    )


def test_restart_keeps_finished_runs_and_interrupts_in_flight_ones(tiny_settings: Settings, tmp_path: Path) -> None:
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path, "n_ctx": 4096})
    with agent_server(settings) as first:
        done = httpx.post(
            first.url + "/run", json={"plan": "1. join()", "stream": False, "joiner": False}, timeout=120
        ).json()
        body = {"plan": SMS_PLAN.format(tag="restart"), "approval": "writes", "stream": False, "joiner": False}
        waiting = httpx.post(first.url + "/run", json=body, timeout=120).json()
        assert waiting["status"] == "waiting_approval"
        before = stored_events(first.url, done["run_id"])
    # A process that died without shutting down leaves a run "running": simulate one.
    store = RunStore(tmp_path / "runs.sqlite")
    store.create_run("run-crashed", "q", None, "never")
    store.close()
    with agent_server(settings) as second:
        assert httpx.get(f"{second.url}/runs/{done['run_id']}").json()["status"] == "succeeded"
        assert stored_events(second.url, done["run_id"]) == before
        for run_id in (waiting["run_id"], "run-crashed"):
            state = httpx.get(f"{second.url}/runs/{run_id}").json()
            assert state["status"] == "interrupted", state
            events = stored_events(second.url, run_id)
            assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "interrupted"
        listed = {r["run_id"] for r in httpx.get(second.url + "/runs").json()["runs"]}
        assert {done["run_id"], waiting["run_id"], "run-crashed"} <= listed


def test_resume_while_the_run_is_live(server: LiveServer) -> None:
    plan = '1. _debug_sleep("1")\n2. maps_open_location("after $1")\n3. join()'
    with httpx.stream("POST", server.url + "/run", json={"plan": plan, "joiner": False}, timeout=60) as response:
        stream = sse_events(response)
        first = [next(stream) for _ in range(3)]  # run_started and the two tasks; the sleep is running
    run_id = first[0].data["run_id"]
    assert httpx.get(f"{server.url}/runs/{run_id}").json()["status"] == "running"
    with httpx.stream("GET", f"{server.url}/runs/{run_id}/events", params={"after": 3}, timeout=60) as response:
        rest = list(sse_events(response))
    seen = [e.data for e in first + rest]
    check_order(seen)
    assert seen == stored_events(server.url, run_id)


def test_cancel_on_disconnect_setting(server: LiveServer) -> None:
    agent = server.app.state.agent
    default = agent.settings
    agent.settings = default.model_copy(update={"cancel_on_disconnect": True})
    try:
        plan = '1. _debug_sleep("60")\n2. join()'
        with httpx.stream("POST", server.url + "/run", json={"plan": plan, "joiner": False}, timeout=60) as response:
            stream = sse_events(response)
            run_id = next(stream).data["run_id"]
        events = stored_events(server.url, run_id)  # follows the run to its end
        assert events[-1]["status"] == "cancelled"
    finally:
        agent.settings = default
