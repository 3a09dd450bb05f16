"""The remote backend against a server we did not write: llama-cpp-python's own OpenAI server
(``python -m llama_cpp.server``), started as a subprocess on the tiny GGUF, with this server in front.

It publishes no context length and sends no usage; it takes a GBNF grammar in ``grammar``. The
random-weight model writes noise, so a call whose arguments parse, a JSON document matching a schema
or a plan the parser accepts can only come back if the grammar reached the remote generation.
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

from harness import LiveServer, free_port, live_server, wait_for
from tinyagent.plans.parser import parse_plan
from tinyagent.settings import Settings
from tinyagent.tools.registry import ToolSet

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


@contextmanager
def llama_cpp_server(gguf: Path, n_ctx: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """llama-cpp-python's server on ``gguf`` at a free loopback port: its /v1 URL and its process."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--n_ctx", str(n_ctx)]
    command += ["--n_threads", "1", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for(lambda: _up(url) or process.poll() is not None, "llama_cpp.server up", timeout=60)
        assert process.poll() is None, "llama_cpp.server exited"
        yield url, process
    finally:
        process.kill()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def remote(tiny_gguf: Path) -> Iterator[str]:
    with llama_cpp_server(tiny_gguf, 8192) as (url, _):
        yield url


@pytest.fixture(scope="module")
def front(remote: str, tiny_settings: Settings) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(update={"llm_base_url": remote, "chat_format": "chatml"})
    with live_server(settings) as server:
        yield server


def test_an_unknown_context_length_is_no_limit(front: LiveServer) -> None:
    health = httpx.get(front.url + "/health").json()
    assert health["context_length"] is None and health["remote"]["dialect"] == "openai"
    assert httpx.get(front.v1 + "/models").json()["data"][0]["context_length"] is None
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


def test_the_remote_going_away_mid_stream_is_a_clean_error(tiny_gguf: Path, tiny_settings: Settings) -> None:
    with llama_cpp_server(tiny_gguf, 4096) as (url, process):
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
