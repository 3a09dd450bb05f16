"""The examples in clients/ run against a live tiny-model server (with the agent on a sandbox worker)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import LiveServer
from tinyagent.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PYTHON_CLIENTS = ROOT / "clients" / "python"
CURL_CLIENTS = ROOT / "clients" / "curl"
PLAN = '1. get_phone_number("Amir")\n2. get_email_address("Amir")\n3. join()'


@pytest.fixture(scope="module")
def server(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from run_helpers import agent_server

    # The planner prompt (tools and examples) needs more context than the default 2048.
    update = {"data_dir": tmp_path_factory.mktemp("clients-data"), "n_ctx": 16384}
    settings = tiny_settings.model_copy(update=update)
    with agent_server(settings) as live:
        yield live


def run_client(server: LiveServer, command: list[str], **env: str) -> str:
    full_env = {**os.environ, "BASE_URL": server.url, **env}
    done = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def curl(server: LiveServer, script: str, **env: str) -> str:
    return run_client(server, ["sh", str(CURL_CLIENTS / script)], **env)


def test_openai_chat_example(server: LiveServer) -> None:
    out = run_client(server, [sys.executable, str(PYTHON_CLIENTS / "openai_chat.py")])
    assert "plain: finish_reason=" in out
    assert "chunks, usage=" in out


def test_openai_tools_example(server: LiveServer) -> None:
    out = run_client(server, [sys.executable, str(PYTHON_CLIENTS / "openai_tools.py")])
    assert "plain: tool call" in out and "get_weather(" in out
    assert "get_weather done:" in out


def test_run_sse_example_resumes_after_a_drop(server: LiveServer) -> None:
    script = str(PYTHON_CLIENTS / "run_sse.py")
    out = run_client(server, [sys.executable, script], PLAN=PLAN, JOINER="0", DROP_AFTER="2")
    assert "dropping the connection after seq 2" in out
    lines = [line.split() for line in out.splitlines() if line[:4].strip().isdigit()]
    seqs = [int(parts[0]) for parts in lines]
    assert seqs == list(range(1, len(seqs) + 1)), out  # nothing lost, nothing twice across the resume
    assert lines[-1][1] == "run_finished"
    assert ": succeeded:" in out


pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


@pytest.mark.parametrize(
    ("script", "key"),
    [("health.sh", "status"), ("models.sh", "data"), ("chat.sh", "choices"), ("completions.sh", "choices")],
)
def test_curl_json_endpoints(server: LiveServer, script: str, key: str) -> None:
    assert key in json.loads(curl(server, script))


def test_curl_chat_stream(server: LiveServer) -> None:
    out = curl(server, "chat_stream.sh")
    assert out.strip().splitlines()[-1] == "data: [DONE]"


def test_curl_chat_tools(server: LiveServer) -> None:
    message = json.loads(curl(server, "chat_tools.sh"))["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"


def test_curl_embeddings(server: LiveServer) -> None:
    body = json.loads(curl(server, "embeddings.sh"))
    assert len(body["data"]) == 2


def test_curl_agent_endpoints(server: LiveServer) -> None:
    assert json.loads(curl(server, "tools.sh"))
    assert "tools" in json.loads(curl(server, "toolrag.sh"))
    assert "tasks" in json.loads(curl(server, "plan.sh", MAX_TOKENS="32", APPS="sms"))
    assert len(json.loads(curl(server, "plan.sh", PLAN=PLAN))["tasks"]) == 3


def test_curl_run_and_runs(server: LiveServer) -> None:
    run = json.loads(curl(server, "run.sh", PLAN=PLAN, JOINER="false"))
    assert run["status"] == "succeeded", run
    assert run["run_id"] in {r["run_id"] for r in json.loads(curl(server, "runs.sh"))["runs"]}
    assert json.loads(curl(server, "runs.sh", RUN_ID=run["run_id"]))["status"] == "succeeded"
    events = curl(server, "runs.sh", RUN_ID=run["run_id"], EVENTS="1")
    assert "event: run_finished" in events


def test_curl_sends_the_api_key(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    from pydantic import SecretStr

    from harness import live_server

    settings = tiny_settings.model_copy(
        update={"api_key": SecretStr("sk-clients"), "data_dir": tmp_path_factory.mktemp("keyed")}
    )
    with live_server(settings) as live:
        assert "data" in json.loads(curl(live, "models.sh", API_KEY="sk-clients"))
        done = subprocess.run(
            ["sh", str(CURL_CLIENTS / "models.sh")],
            env={**os.environ, "BASE_URL": live.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and "invalid_api_key" in done.stdout
