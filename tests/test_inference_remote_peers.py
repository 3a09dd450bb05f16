"""The remote backend against servers we did not write, each started as a subprocess on a tiny GGUF with this
server in front: llama-cpp-python's own OpenAI server (``python -m llama_cpp.server``) and llama.cpp's
``llama-server`` (built by scripts/llama_server.sh, as `make test` does).

llama-cpp-python's server publishes no context length and sends no usage; llama-server answers /props
and streams usage. Both take a GBNF grammar in ``grammar``. The random-weight model writes noise, so a
call whose arguments parse, a JSON document matching a schema or a plan the parser accepts can only come
back if the grammar reached the remote generation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import openai
import pytest

from gguf_factory import write_tiny_gguf
from harness import LiveServer, free_port, live_server, llama_server_binary, needs_llama_server, wait_for
from run_helpers import sse_events, stored_events, stream_run
from tinyagent.plans.parser import parse_plan
from tinyagent.settings import Settings
from tinyagent.tools.registry import ToolSet

LLAMA_SERVER = llama_server_binary()
PEERS = ["llama-cpp-python", pytest.param("llama-server", marks=needs_llama_server(LLAMA_SERVER))]
USER = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 10}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/models", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def peer_command(peer: str, gguf: Path, n_ctx: int, port: int) -> list[str]:
    if peer == "llama-server":
        assert LLAMA_SERVER is not None, "no llama-server built (make llama-server)"
        return [str(LLAMA_SERVER), "--model", str(gguf), "--ctx-size", str(n_ctx), "--threads", "1",
                "--host", "127.0.0.1", "--port", str(port), "--no-webui"]  # fmt: skip
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--n_ctx", str(n_ctx),
            "--n_threads", "1", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip


@contextmanager
def peer_server(peer: str, gguf: Path, n_ctx: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The peer server on ``gguf`` at a free loopback port: its /v1 URL and its process."""
    url, process = _start_peer(peer, gguf, n_ctx)
    try:
        yield url, process
    finally:
        process.kill()
        process.wait(timeout=20)


def _start_peer(peer: str, gguf: Path, n_ctx: int, tries: int = 3) -> tuple[str, subprocess.Popen[bytes]]:
    # A port found free can be taken before the peer binds it; the peer then exits and we try another.
    for _ in range(tries):
        port = free_port()
        process = subprocess.Popen(peer_command(peer, gguf, n_ctx, port), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        url = f"http://127.0.0.1:{port}/v1"
        wait_for(lambda u=url, p=process: _up(u) or p.poll() is not None, f"{peer} up", timeout=60)  # type: ignore[misc]
        if process.poll() is None:
            return url, process
    raise AssertionError(f"{peer} exited {tries} times")


@pytest.fixture(scope="module")
def peer_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # llama-server caps a slot's context at the model's training context: the planner prompt needs 8k.
    return write_tiny_gguf(tmp_path_factory.mktemp("peer") / "tiny-8k.gguf", n_ctx_train=8192)


@pytest.fixture(scope="module", params=PEERS)
def peer(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def remote(peer: str, peer_gguf: Path) -> Iterator[str]:
    with peer_server(peer, peer_gguf, 8192) as (url, _):
        yield url


@pytest.fixture(scope="module")
def front(remote: str, tiny_settings: Settings) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(update={"llm_base_url": remote, "chat_format": "chatml"})
    with live_server(settings) as server:
        yield server


def test_the_context_length_is_learnt_or_unknown(front: LiveServer, peer: str) -> None:
    health = httpx.get(front.url + "/health").json()
    listed = httpx.get(front.v1 + "/models").json()["data"][0]["context_length"]
    if peer == "llama-server":  # its /props says
        assert health["context_length"] == listed == 8192 and health["remote"]["dialect"] == "llama-server"
    else:  # nothing says: unknown, which is no limit
        assert health["context_length"] is listed is None and health["remote"]["dialect"] == "openai"
    assert health["remote"]["grammar"] is True  # tried at connect time
    # Before: every request with max_tokens was "max_tokens (10) must be smaller than ... (0)".
    reply = httpx.post(front.v1 + "/chat/completions", json={"messages": USER, "max_tokens": 10}, timeout=60)
    assert reply.status_code == 200, reply.text


def test_the_setting_gives_the_context_length(remote: str, tiny_settings: Settings) -> None:
    settings = tiny_settings.model_copy(
        update={"llm_base_url": remote, "chat_format": "chatml", "llm_context_length": 8192}
    )
    with live_server(settings) as server:
        assert httpx.get(server.url + "/health").json()["context_length"] == 8192
        too_long = httpx.post(server.v1 + "/chat/completions", json={"messages": USER, "max_tokens": 9000})
        assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "context_length_exceeded"


def test_usage_is_counted_when_the_remote_sends_none(front: LiveServer) -> None:
    with openai.OpenAI(base_url=front.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(model="default", messages=USER, max_tokens=6, seed=1)
        chunks = list(
            client.chat.completions.create(
                model="default",
                messages=USER,
                max_tokens=6,
                seed=1,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    assert result.usage is not None and result.usage.prompt_tokens > 10 and result.usage.completion_tokens >= 1
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == result.usage.prompt_tokens


def test_tool_calls_and_schemas_come_back_valid(front: LiveServer) -> None:
    with openai.OpenAI(base_url=front.v1, api_key="x", max_retries=0) as client:
        for choice in ({"type": "function", "function": {"name": "get_weather"}}, "required"):
            forced = client.chat.completions.create(
                model="default",
                messages=USER,
                tools=[TOOL],
                tool_choice=choice,
                seed=2,
                max_tokens=200,  # type: ignore[arg-type]
            )
            calls = forced.choices[0].message.tool_calls
            assert calls and calls[0].function.name == "get_weather", forced
            assert set(json.loads(calls[0].function.arguments)) == {"city"}
        schema = {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}},
            "required": ["ok"],
            "additionalProperties": False,
        }
        answer = client.chat.completions.create(
            model="default",
            messages=USER,
            seed=3,
            max_tokens=50,
            response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": schema}},
        )
    assert isinstance(json.loads(answer.choices[0].message.content or "")["ok"], bool)


def test_a_remote_that_ignores_the_grammar_is_said_and_its_calls_are_checked(
    remote: str, tiny_settings: Settings
) -> None:
    # Both servers ignore vLLM's structured_outputs field: a real server that takes no grammar.
    update = {"llm_base_url": remote, "chat_format": "chatml", "llm_dialect": "vllm", "warm_up": False}
    with live_server(tiny_settings.model_copy(update=update)) as server:
        said = httpx.get(server.url + "/health").json()["remote"]
        assert said == {"url": remote, "dialect": "vllm", "grammar": False}
        body = {"messages": USER, "tools": [TOOL], "max_tokens": 60, "seed": 2,
                "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}  # fmt: skip
        forced = httpx.post(server.v1 + "/chat/completions", json=body, timeout=60)
        # The noise is no call that fits the schema: an error, never a call passed on as valid.
        assert forced.status_code == 502 and "takes no grammar" in forced.json()["error"]["message"], forced.text
        plan = httpx.post(server.url + "/plan", json={"query": "Text Sid", "stream": False, "max_tokens": 60}).json()
        assert plan["valid"] is False and plan["errors"]


@pytest.mark.parametrize("guided", [False, True])
def test_plans_through_the_remote_obey_the_grammar(front: LiveServer, guided: bool) -> None:
    body = {"query": "Text Sid that I am late", "guided": guided, "stream": False, "seed": 1}
    response = httpx.post(front.url + "/plan", json=body, timeout=120)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["usage"]["completion_tokens"] > 0 and plan["timings"]
    if plan["valid"]:
        assert parse_plan(plan["raw"], ToolSet.all()).plan is not None
    else:  # only the token cap leads out of the grammar: a line it cut is the last; nothing else is off
        last = len(plan["raw"].rstrip("\n").split("\n"))
        for error in plan["errors"]:
            assert error["code"] != "named_reference", plan
            assert error["code"] != "unparsable_line" or error["line"] == last, plan


def test_the_remote_going_away_mid_stream_is_a_clean_error(peer: str, peer_gguf: Path, tiny_settings: Settings) -> None:
    with peer_server(peer, peer_gguf, 4096) as (url, process):
        settings = tiny_settings.model_copy(update={"llm_base_url": url, "chat_format": "chatml"})
        with live_server(settings) as front:
            body = {"messages": USER, "max_tokens": 3000, "stream": True, "temperature": 1.0}
            lines: list[str] = []
            with httpx.stream("POST", front.v1 + "/chat/completions", json=body, timeout=60) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    lines.append(line)
                    if len(lines) == 6:
                        process.kill()  # the remote dies while it generates
            data = [json.loads(line[5:]) for line in lines if line.startswith("data:") and line != "data: [DONE]"]
            assert "error" in data[-1] and data[-1]["error"]["type"] == "server_error"
            assert lines[-1] == "data: [DONE]" or lines[-2] == "data: [DONE]"
            assert httpx.get(front.url + "/health").status_code == 200  # the front stays up


@pytest.mark.parametrize("stream", [False, True])
def test_a_prompt_past_the_remote_context_is_a_400(front: LiveServer, stream: bool) -> None:
    # ~1 token per character on the tiny vocabulary: well past the remote's 8192. llama-cpp-python's server
    # says nothing of its context and answers a streamed request with an empty 200: the front asks again,
    # unstreamed, to learn why.
    body = {"messages": [{"role": "user", "content": "the and " * 1500}], "max_tokens": 5, "stream": stream}
    response = httpx.post(front.v1 + "/chat/completions", json=body, timeout=60)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_a_run_end_to_end_on_the_sandbox_worker(front: LiveServer) -> None:
    # Guided: the skeleton fixes the tools, so the noise cannot be a plan without tasks.
    body = {"query": "Text Sid that I am late", "approval": "never", "guided": True}
    events = [e.data for e in stream_run(front.url, body, 180)]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished", kinds
    assert "task" in kinds  # the grammar made the noise a plan, and its tasks ran on the sandbox worker
    run = httpx.get(f"{front.url}/runs/{events[0]['run_id']}").json()
    assert run["tasks"] and all(t["status"] in {"succeeded", "failed"} for t in run["tasks"]), run
    assert stored_events(front.url, run["run_id"]) == events


def test_the_remote_going_away_mid_run_fails_the_run_and_keeps_its_events(
    peer: str, peer_gguf: Path, tiny_settings: Settings
) -> None:
    plan = '1. get_phone_number("Sid")\n2. join()<END_OF_PLAN>'
    with peer_server(peer, peer_gguf, 8192) as (url, process):
        update = {"llm_base_url": url, "chat_format": "chatml", "warm_up": False}
        with live_server(tiny_settings.model_copy(update=update)) as front:
            body = {"plan": plan, "query": "Find Sid's number", "stream": True}
            with httpx.stream("POST", front.url + "/run", json=body, timeout=120) as response:
                events = []
                for event in sse_events(response):
                    events.append(event.data)
                    if event.event == "task_finished":
                        process.kill()  # the remote dies before the joiner's turn
            assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "failed", events[-1]
            assert "remote model server" in str(events[-1]["error"])
            run = httpx.get(f"{front.url}/runs/{events[0]['run_id']}").json()
            assert run["status"] == "failed" and run["tasks"][0]["status"] == "succeeded"
            assert stored_events(front.url, run["run_id"]) == events
            assert httpx.get(front.url + "/health").status_code in (200, 503)  # the front still answers
