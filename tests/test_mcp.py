"""MCP servers as tool sources, end to end against real servers (no mocks): ``mcp-server-time`` from
PyPI and the SDK-written servers of ``tests/mcp_servers/toy.py`` over stdio and Streamable HTTP, a
server that cannot start, and one whose ``${VAR}`` is unset. Listed, planned under the grammar, run
through /run (approval, tool errors, a crash mid-call, a hang past the deadline, the environment a
server sees) next to the sandbox's built-in tools. Waits are upper bounds that only catch hangs.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from harness import LiveServer, free_port, wait_for
from run_helpers import Sse, agent_server, check_order, sse_events, world
from tinyagent.settings import Settings

TOY = Path(__file__).parent / "mcp_servers" / "toy.py"

# anyio imports its parts lazily, and as a pytest plugin its modules go through pytest's assertion
# rewriter, which parses them with ast. The SDK's first subprocess then imported one in the server's thread
# while this thread parsed too, and CPython 3.11's AST parser failed ("recursion depth mismatch", the bug
# tests/test_layers.py works around); the time server then "failed to start" in one full run out of four.
# Importing every anyio module here, before any server thread, leaves nothing to import there.
for _module in pkgutil.walk_packages(anyio.__path__, "anyio."):
    with contextlib.suppress(ImportError):  # the trio backend, without trio
        importlib.import_module(_module.name)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The bookmarks server over Streamable HTTP on a loopback port; its data file."""
    data = tmp_path_factory.mktemp("bookmarks") / "bookmarks.json"
    port, proc = _start_http_toy(data)
    try:
        yield f"http://127.0.0.1:{port}/mcp", data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _start_http_toy(data: Path, tries: int = 3) -> tuple[int, subprocess.Popen[bytes]]:
    # A port found free can be taken before the server binds it: the server then exits, and we try another.
    env = {**os.environ, "BOOKMARKS_FILE": str(data)}
    for _ in range(tries):
        port = free_port()
        proc = subprocess.Popen([sys.executable, str(TOY), "bookmarks", "--http", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(lambda p=port, s=proc: _listening(p) or s.poll() is not None, "listening")  # type: ignore[misc]
        if proc.poll() is None:
            return port, proc
    raise AssertionError(f"the bookmarks server exited {tries} times")


@pytest.fixture(scope="module")
def tasks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tasks") / "tasks.json"


@pytest.fixture(scope="module")
def settings(
    tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory, http_server: tuple[str, Path], tasks_file: Path
) -> Settings:
    folder = tmp_path_factory.mktemp("mcp")
    config = {
        "mcpServers": {
            "time": {"command": sys.executable, "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"]},
            "tasks": {
                "command": sys.executable,
                "args": [str(TOY), "tasks", "--debug-tools"],
                "env": {"TASKS_FILE": str(tasks_file), "FROM_CONFIG": "${MCP_TEST_FROM_ENV}"},
                "timeout_s": 3,
            },
            "bookmarks": {"url": http_server[0], "headers": {"X-Token": "${MCP_TEST_FROM_ENV}"}},
            "broken": {"command": str(folder / "no-such-server")},
            "unset": {"command": sys.executable, "env": {"TOKEN": "${MCP_TEST_NEVER_SET}"}},
            "off": {"command": "never-started", "disabled": True},
        }
    }
    (folder / "mcp.json").write_text(json.dumps(config))
    return tiny_settings.model_copy(
        update={"data_dir": folder, "mcp_config": folder / "mcp.json", "n_ctx": 4096, "mcp_start_timeout_s": 20}
    )


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[LiveServer]:
    os.environ["MCP_TEST_FROM_ENV"] = "from-env"
    os.environ["MCP_TEST_SECRET"] = "must-not-leak"
    try:
        # The rules joiner: answers come from the observations, not from the tiny model's noise (seconds each).
        with agent_server(settings, join_style="rules") as live:
            wait_for(lambda: all(s["state"] != "starting" for s in _tools(live)["mcp_servers"]), "MCP started")
            yield live
    finally:
        os.environ.pop("MCP_TEST_FROM_ENV")
        os.environ.pop("MCP_TEST_SECRET")


def _tools(live: LiveServer) -> dict[str, Any]:
    response = httpx.get(live.url + "/tools", timeout=30)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _run(live: LiveServer, plan: str, *, approve: bool | None = None, **body: Any) -> list[Sse]:
    """Stream a run of ``plan``; at approval_required approve (True), deny (False) or wait (None)."""
    events: list[Sse] = []
    with httpx.stream("POST", live.url + "/run", json={"plan": plan, "stream": True, **body}, timeout=120) as resp:
        assert resp.status_code == 200, resp.read()
        for event in sse_events(resp):
            events.append(event)
            if event.event == "approval_required" and approve is not None:
                action = "approve" if approve else "deny"
                decided = httpx.post(f"{live.url}/runs/{event.data['run_id']}/{action}", json={}, timeout=30)
                assert decided.status_code == 200, decided.text
    check_order([e.data for e in events])
    return events


def _finished(events: list[Sse]) -> dict[int, dict[str, Any]]:
    return {e.data["task_id"]: e.data for e in events if e.event == "task_finished"}


def test_tools_lists_every_started_server_beside_the_builtin_tools(server: LiveServer) -> None:
    body = _tools(server)
    by_name = {t["name"]: t for t in body["data"]}
    assert by_name["get_phone_number"]["source"] == "builtin"
    now = by_name["time__get_current_time"]
    assert now["source"] == "mcp:time" and now["effect"] == "none" and not now["side_effects"]
    assert now["parameters"]["properties"] == {"timezone": {"type": "string"}}
    assert "IANA timezone name" in now["description"]
    add = by_name["tasks__add_task"]
    # readOnlyHint false: a write; the optional due date is a nullable trailing argument.
    assert add["effect"] == "writes" and add["side_effects"] and not add["destructive"]
    assert add["description"].startswith("tasks__add_task(title: str, due_date: str) -> str")
    assert by_name["tasks__big"]["effect"] == "writes" and by_name["tasks__big"]["destructive"]  # no annotations
    assert by_name["bookmarks__save_bookmark"]["parameters"]["properties"]["tags"]["type"] == "array"
    assert "mcp:time" in body["apps"] and "mcp:bookmarks" in body["apps"]
    assert not any(name.startswith(("broken__", "unset__", "off__")) for name in by_name)


def test_each_server_reports_its_state_and_a_failed_one_says_why(server: LiveServer) -> None:
    servers = {s["name"]: s for s in _tools(server)["mcp_servers"]}
    assert set(servers) == {"time", "tasks", "bookmarks", "broken", "unset"}  # "off" is disabled
    assert servers["time"]["state"] == "ready" and servers["time"]["tools"] == 2
    assert servers["bookmarks"] == {**servers["bookmarks"], "state": "ready", "transport": "http", "tools": 2}
    assert servers["broken"]["state"] == "failed" and "no-such-server" in servers["broken"]["error"]
    assert servers["unset"]["state"] == "failed" and "MCP_TEST_NEVER_SET" in servers["unset"]["error"]
    health = httpx.get(server.url + "/health", timeout=30).json()
    assert {s["name"]: s["state"] for s in health["mcp_servers"]}["broken"] == "failed"


def test_a_plan_mixes_builtin_and_mcp_tools_and_passes_results_between_them(
    server: LiveServer, settings: Settings, tasks_file: Path
) -> None:
    plan = (
        '1. get_phone_number("Sid")\n'
        '2. time__convert_time("America/New_York", "09:30", "Asia/Tokyo")\n'
        '3. tasks__add_task("$1", None)\n'
        '4. create_note("Tokyo time", "$2", "")\n'
        "5. join()"
    )
    events = _run(server, plan)
    done = _finished(events)
    assert all(task["ok"] for task in done.values()), done
    assert '"source": "mcp:time"' not in json.dumps(done)  # task_finished stays lean; the task event names it
    sources = {e.data["task_id"]: e.data["source"] for e in events if e.event == "task"}
    assert sources == {1: "builtin", 2: "mcp:time", 3: "mcp:tasks", 4: "builtin"}
    assert "23:30" in done[2]["result"]
    assert json.loads(tasks_file.read_text())[-1]["title"] == "+1 (415) 555-0101"
    with world(settings) as db:
        note = db.execute("SELECT body FROM notes WHERE name = 'Tokyo time'").fetchone()
    assert note is not None and "Asia/Tokyo" in note[0]


def test_streamable_http_server_runs_tools(server: LiveServer, http_server: tuple[str, Path]) -> None:
    plan = '1. bookmarks__save_bookmark("https://example.org/mcp", "MCP spec", ["mcp", "spec"])\n2. join()'
    assert _finished(_run(server, plan))[1]["ok"]
    found = _finished(_run(server, '1. bookmarks__search_bookmarks("spec")\n2. join()'))[1]
    assert found["ok"] and "MCP spec: https://example.org/mcp" in found["result"]
    assert json.loads(http_server[1].read_text())[0]["tags"] == ["mcp", "spec"]


def test_writes_wait_for_approval_and_lookups_do_not(server: LiveServer, tasks_file: Path) -> None:
    plan = '1. time__get_current_time("Europe/Warsaw")\n2. tasks__add_task("Approved task", "2026-12-24")\n3. join()'
    events = _run(server, plan, approve=True, approval="writes")
    asked = [e.data for e in events if e.event == "approval_required"]
    assert [(a["tool"], a["source"]) for a in asked] == [("tasks__add_task", "mcp:tasks")]
    assert all(t["ok"] for t in _finished(events).values())
    assert {"title": "Approved task", "due_date": "2026-12-24", "done": False} in json.loads(tasks_file.read_text())
    denied = _run(server, '1. tasks__add_task("Denied task", None)\n2. join()', approve=False, approval="writes")
    assert not _finished(denied)[1]["ok"]
    assert "Denied task" not in tasks_file.read_text()


def test_tool_errors_become_observations(server: LiveServer) -> None:
    plan = '1. time__get_current_time("Nowhere/Atlantis")\n2. tasks__complete_task("never added")\n3. join()'
    done = _finished(_run(server, plan))
    assert not done[1]["ok"] and done[1]["error_code"] == "failed" and "Nowhere/Atlantis" in done[1]["error"]
    assert not done[2]["ok"] and done[2]["error_code"] == "failed"
    bad = _finished(_run(server, '1. tasks__sleep("soon")\n2. join()'))[1]
    assert bad["error_code"] == "invalid_argument" and "must be a number" in bad["error"]


def test_a_server_that_crashes_mid_call_is_restarted_for_the_next_call(server: LiveServer) -> None:
    before = {s["name"]: s for s in _tools(server)["mcp_servers"]}["tasks"]["restarts"]
    done = _finished(_run(server, "1. tasks__crash()\n2. join()"))
    assert done[1]["error_code"] == "worker_crashed"
    after = _finished(_run(server, '1. tasks__list_tasks("all")\n2. join()'))
    assert after[1]["ok"]
    assert {s["name"]: s for s in _tools(server)["mcp_servers"]}["tasks"]["restarts"] == before + 1


def test_a_hanging_call_fails_at_its_deadline_and_the_server_keeps_serving(server: LiveServer) -> None:
    # The server's timeout_s (3 s) is below the tool deadline: the call fails then, not after 60 s.
    done = _finished(_run(server, '1. tasks__sleep("60")\n2. tasks__list_tasks("open")\n3. join()'))
    assert done[1]["error_code"] == "timeout"
    assert done[2]["ok"]


def test_a_stdio_server_sees_only_the_environment_its_config_names(server: LiveServer) -> None:
    plan = (
        '1. tasks__read_env("MCP_TEST_SECRET")\n2. tasks__read_env("FROM_CONFIG")\n'
        '3. tasks__read_env("TINYAGENT_DATA_DIR")\n4. join()'
    )
    done = _finished(_run(server, plan))
    assert [done[i]["result"] for i in (1, 2, 3)] == ["<unset>", "from-env", "<unset>"]


def test_a_long_result_is_cut_and_says_so(server: LiveServer) -> None:
    result = _finished(_run(server, "1. tasks__big(40000)\n2. join()"))[1]["result"]
    assert len(result) < 17_000 and result.endswith("more characters cut]")


def test_plans_and_requests_may_name_mcp_tools_and_servers(server: LiveServer) -> None:
    # The tiny model writes noise, but the grammar holds it to the one MCP tool it may use.
    body = {"query": "What time is it in Tokyo?", "tools": ["time__get_current_time"], "guided": False}
    plan = httpx.post(server.url + "/plan", json={**body, "toolrag": False, "max_tokens": 60}, timeout=120)
    assert plan.status_code == 200, plan.text
    assert {t["tool"] for t in plan.json()["tasks"]} <= {"time__get_current_time", "join"}
    narrowed = httpx.post(
        server.url + "/plan", json={"plan": "1. tasks__list_tasks(None)\n2. join()", "apps": ["mcp:tasks"]}, timeout=30
    )
    assert narrowed.status_code == 200 and narrowed.json()["valid"], narrowed.text
    refused = httpx.post(
        server.url + "/plan", json={"plan": "1. tasks__list_tasks(None)\n2. join()", "apps": ["mcp:time"]}, timeout=30
    )
    assert refused.status_code == 200 and not refused.json()["valid"]


def test_tinyagent_tools_lists_them_from_the_cli(
    server: LiveServer, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinyagent.cli.tools import tools_main

    code = tools_main(["--mcp-config", str(settings.mcp_config), "--data-dir", str(settings.data_dir)])
    out = capsys.readouterr().out
    assert code == 1  # a server failed to start: scripts can tell
    assert "time__convert_time                 mcp:time         none" in out
    assert "MCP server broken (stdio): failed" in out and "MCP server time (stdio): ready, 2 tools" in out
