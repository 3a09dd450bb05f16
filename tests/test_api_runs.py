"""POST /run end to end: a live server, the tiny model, a real sandbox tool worker.

Given plans make tool behaviour checkable (the sandbox's SQLite world is inspected afterwards);
model-written plans on the random tiny model are checked for structure only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import LiveServer
from run_helpers import agent_server, check_order, read_sse, stored_events, stream_run, world
from tinyagent.runs.store import RunStore
from tinyagent.settings import Settings

ALL_TOOLS_PLAN = """\
1. get_email_address("Sid")
2. get_phone_number("Nick")
3. open_and_get_file_path("Apple Demo")
4. summarize_pdf("$3")
5. compose_new_email(["$1"], [], "Demo summary", "$4", ["$3"])
6. reply_to_email([], "Thanks, see you then.", [])
7. forward_email(["$1"], [], "FYI", [])
8. maps_open_location("Apple Park")
9. maps_show_directions("", "Apple Park", "d")
10. create_note("Trip plan", "Call Nick", "")
11. open_note("Meeting notes", "Work")
12. append_note_content("Trip plan", "Meeting: $11 ($10)", "")
13. create_reminder("Call Nick", "2026-12-01 10:00:00", "Number: $2", "", 1, False)
14. send_sms(["$2"], "Running late")
15. get_zoom_meeting_link("Demo", "2026-12-02 15:00:00", 30, ["$1"])
16. create_calendar_event("Demo", "2026-12-02 15:00:00", "2026-12-02 15:30:00", "Apple Park", ["$1"], "$15", None)
17. join()<END_OF_PLAN>"""


@pytest.fixture(scope="module")
def server(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The joiner prompt alone is ~2.5k characters: room for it and a 16-task scratchpad.
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("run-data"), "n_ctx": 8192})
    with agent_server(settings) as live:
        yield live


def _by_type(events: list[dict[str, object]], kind: str) -> list[dict[str, object]]:
    return [e for e in events if e["type"] == kind]


def test_every_tool_runs_from_a_given_plan(server: LiveServer) -> None:
    events = [
        e.data for e in stream_run(server.url, {"plan": ALL_TOOLS_PLAN, "query": "Do everything", "joiner": False})
    ]
    check_order(events)
    assert events[-1]["status"] == "succeeded", json.dumps(events[-2])
    finished = {e["task_id"]: e for e in _by_type(events, "task_finished")}
    assert sorted(finished) == list(range(1, 17))
    failed = {k: v["error"] for k, v in finished.items() if not v["ok"]}
    assert not failed
    started = {e["task_id"]: e for e in _by_type(events, "task_started")}
    assert started[5]["args"][0] == ["sid@example.com"]  # $1 substituted inside a list
    assert started[14]["args"][0] == [finished[2]["result"]]
    assert started[16]["args"][5] == finished[15]["result"]
    assert events == stored_events(server.url, str(events[0]["run_id"]))
    with world(server.settings) as db:
        drafts = db.execute("SELECT recipients, attachments FROM messages WHERE subject = 'Demo summary'").fetchall()
        assert drafts and "sid@example.com" in drafts[0][0] and "Apple Demo" in drafts[0][1]
        assert db.execute("SELECT COUNT(*) FROM sms WHERE message = 'Running late'").fetchone()[0] == 1
        notes = db.execute("SELECT notes FROM events WHERE title = 'Demo'").fetchone()
        assert notes[0].startswith("https://zoom.us/j/")
        body = db.execute("SELECT body FROM notes WHERE name = 'Trip plan'").fetchone()[0]
        assert "Demo on Thursday" in body
        assert db.execute("SELECT COUNT(*) FROM reminders WHERE name = 'Call Nick'").fetchone()[0] == 1


def test_parallel_and_dependent_shapes(server: LiveServer) -> None:
    plan = (
        '1. get_phone_number("Sid")\n2. get_phone_number("Amir")\n3. get_email_address("Nick")\n'
        '4. send_sms(["$1", "$2"], "Hi from ${3}")\n5. maps_open_location("$3 office")\n6. join()'
    )
    events = [e.data for e in stream_run(server.url, {"plan": plan, "joiner": False})]
    check_order(events)
    started = {e["task_id"]: e for e in _by_type(events, "task_started")}
    assert started[4]["args"][1] == "Hi from nick@example.com"
    assert started[5]["args"] == ["nick@example.com office"]
    created = {e["task_id"]: e["depends_on"] for e in _by_type(events, "task")}
    assert created == {1: [], 2: [], 3: [], 4: [1, 2, 3], 5: [3]}


def test_model_written_run_completes(server: LiveServer) -> None:
    body = {"query": "Text Sid that I am late", "tools": ["get_phone_number", "send_sms"], "timezone": "Europe/Paris"}
    events = [e.data for e in stream_run(server.url, body)]
    check_order(events)
    last = events[-1]
    assert last["status"] in ("succeeded", "failed"), last
    if last["status"] == "succeeded":
        assert _by_type(events, "answer")[-1]["text"] == last["answer"]
    else:  # noise may be too many tasks, or too long for the tiny context; anything else is a bug
        code = _by_type(events, "error")[0]["code"]
        assert code in ("too_many_tasks", "context_length_exceeded"), json.dumps(events[-2])


def test_stream_false_returns_one_flat_object(server: LiveServer) -> None:
    plan = '1. get_email_address("Amir")\n2. join()'
    response = httpx.post(server.url + "/run", json={"plan": plan, "stream": False, "joiner": False}, timeout=120)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded" and body["text"] == "amir@example.com"
    assert body["tasks"][0] | {"round": 1} == body["tasks"][0]
    assert body["tasks"][0]["result"] == "amir@example.com" and body["tasks"][0]["status"] == "succeeded"
    assert httpx.get(f"{server.url}/runs/{body['run_id']}").json()["status"] == "succeeded"
    listed = httpx.get(server.url + "/runs").json()["runs"]
    assert listed[0]["run_id"] == body["run_id"]


def test_tool_error_is_an_observation(server: LiveServer) -> None:
    plan = '1. get_phone_number("Nobody Atall")\n2. send_sms(["$1"], "hi")\n3. join()'
    events = [e.data for e in stream_run(server.url, {"plan": plan, "joiner": False})]
    check_order(events)
    finished = {e["task_id"]: e for e in _by_type(events, "task_finished")}
    assert not finished[1]["ok"] and str(finished[1]["observation"]).startswith("Error: ")
    assert events[-1]["status"] == "succeeded"


def test_bad_requests(server: LiveServer) -> None:
    cases = [
        ({}, 400),
        ({"query": "  "}, 400),
        ({"plan": '1. no_such_tool("x")\n2. join()'}, 400),
        ({"query": "x", "approval": "sometimes"}, 400),
        ({"query": "x", "tools": ["nope"]}, 400),
    ]
    for body, status in cases:
        response = httpx.post(server.url + "/run", json=body, timeout=30)
        assert response.status_code == status, (body, response.text)
        assert "message" in response.json()["error"]
    missing = httpx.get(server.url + "/runs/run-nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "run_not_found"
    assert httpx.get(server.url + "/runs/run-nope/events").status_code == 404
    assert httpx.post(server.url + "/runs/run-nope/cancel", json={}).status_code == 404


def test_finished_run_cannot_be_cancelled_or_approved(server: LiveServer) -> None:
    body = httpx.post(
        server.url + "/run", json={"plan": "1. join()", "stream": False, "joiner": False}, timeout=60
    ).json()
    for action in ("cancel", "approve", "deny"):
        response = httpx.post(f"{server.url}/runs/{body['run_id']}/{action}", json={})
        assert response.status_code == 409, action
        assert response.json()["error"]["code"] == "run_state_conflict"


def test_resume_after_a_dropped_connection_loses_nothing(server: LiveServer) -> None:
    plan = "\n".join(f'{i}. get_phone_number("Sid")' for i in range(1, 7)) + "\n7. join()"
    with httpx.stream("POST", server.url + "/run", json={"plan": plan, "joiner": False}, timeout=60) as response:
        first = read_sse(response, stop_after=3)  # then the connection is dropped
    run_id = str(first[0].data["run_id"])
    headers = {"Last-Event-ID": str(first[-1].id)}
    with httpx.stream("GET", f"{server.url}/runs/{run_id}/events", headers=headers, timeout=60) as response:
        rest = read_sse(response)
    seen = [e.data for e in first + rest]
    assert seen == stored_events(server.url, run_id)
    assert [int(e.id or 0) for e in first + rest] == [e["seq"] for e in seen]
    check_order(seen)


def test_unwritable_run_store_is_a_clear_503(tiny_settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with agent_server(settings) as live:
        agent = live.app.state.agent
        agent.manager.store = RunStore(blocker / "runs.sqlite")  # its parent is a file: cannot be created
        assert agent.manager.recover() == []  # start-up survives it (logged)
        response = httpx.post(live.url + "/run", json={"plan": "1. join()", "stream": False}, timeout=30)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "run_store_unavailable" and "runs.sqlite" in error["message"]
        assert httpx.get(live.url + "/health").status_code == 200


def test_event_data_is_the_typed_event(server: LiveServer) -> None:
    plan = {"plan": '1. maps_open_location("Paris")\n2. join()'}
    with httpx.stream("POST", server.url + "/run", json=plan, timeout=120) as r:
        events = read_sse(r)
    assert [e.event for e in events][:2] == ["run_started", "task"]
    for sse in events:
        assert sse.event == sse.data["type"] and sse.id == str(sse.data["seq"])
        assert json.dumps(sse.data)  # plain JSON
    task = next(e.data for e in events if e.event == "task_finished")
    assert task["task_id"] == 1 and task["run_id"] == events[0].data["run_id"]


def test_the_app_wires_the_agent_and_counts_runs(tiny_settings: Settings, tmp_path: Path) -> None:
    from harness import live_server

    settings = tiny_settings.model_copy(update={"data_dir": tmp_path, "toolrag": False})
    with live_server(settings) as live:  # the app's own agent, as `tinyagent serve` builds it
        plan = {"plan": '1. maps_open_location("Paris")\n2. join()', "stream": False, "joiner": False}
        body = httpx.post(live.url + "/run", json=plan, timeout=120).json()
        assert body["status"] == "succeeded" and body["text"].startswith("Location of Paris")
        metrics = httpx.get(live.url + "/metrics").text
        assert 'tinyagent_runs_total{status="succeeded"} 1.0' in metrics
        assert 'tinyagent_tool_calls_total{outcome="ok",tool="maps_open_location"} 1.0' in metrics
    assert (tmp_path / "runs.sqlite").exists()
