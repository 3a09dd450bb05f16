"""--engine llama-server: llama.cpp's own server as a child process, on the tiny GGUF (real binary).

The binary comes from scripts/llama_server.sh (`make test` builds it once per machine and flag set).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from gguf_factory import write_tiny_gguf
from harness import LiveServer, live_server, llama_server_binary, needs_llama_server
from tinyagent.settings import Settings

BINARY = llama_server_binary()
# CI builds it (make test); a developer who has not run `make llama-server` sees these skipped, not failed.
pytestmark = needs_llama_server(BINARY)


@pytest.fixture(scope="module")
def engine_server(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("engine")
    # llama-server caps a slot's context at the model's training context: the planner prompt needs 8k.
    model = write_tiny_gguf(folder / "tiny-8k.gguf", n_ctx_train=8192)
    update = {"engine": "llama-server", "llama_server_path": BINARY, "parallel": 2, "n_ctx": 8192,
              "model": str(model), "data_dir": folder}  # fmt: skip
    with live_server(tiny_settings.model_copy(update=update)) as server:
        yield server


def child_pids(server: LiveServer) -> list[int]:
    key_file = server.settings.data_dir / "llama-server" / "llama-server.key"
    out = subprocess.run(["pgrep", "-f", str(key_file)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_health_names_the_engine_and_the_child_is_private(engine_server: LiveServer) -> None:
    health = httpx.get(engine_server.url + "/health").json()
    assert health["engine"] == "llama-server" and "remote" not in health
    assert health["queue"]["slots"] == 2 and health["context_length"] == 8192
    key_file = engine_server.settings.data_dir / "llama-server" / "llama-server.key"
    assert key_file.stat().st_mode & 0o077 == 0  # the key is readable by its owner only
    (pid,) = child_pids(engine_server)
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    port = args[args.index(b"--port") + 1].decode()
    assert args[args.index(b"--host") + 1] == b"127.0.0.1"
    # Without the key the child refuses work: other local processes cannot use our model.
    refused = httpx.post(f"http://127.0.0.1:{port}/v1/completions", json={"prompt": "hi", "max_tokens": 2})
    assert refused.status_code == 401


def test_completions_stream_and_count(engine_server: LiveServer) -> None:
    body = {"prompt": "Once upon a time", "max_tokens": 12, "temperature": 0}
    plain = httpx.post(engine_server.url + "/v1/completions", json=body, timeout=60).json()
    assert plain["usage"]["completion_tokens"] == 12 and plain["usage"]["prompt_tokens"] > 0
    with httpx.stream("POST", engine_server.url + "/v1/completions", json={**body, "stream": True}, timeout=60) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: {")]
    assert len(lines) >= 2  # streamed, not one chunk
    assert plain["choices"][0]["text"]


def test_grammars_reach_the_child(engine_server: LiveServer) -> None:
    # Random weights write noise: a forced call whose arguments parse can only come from the grammar.
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string", "maxLength": 10}}, "required": ["city"],
        "additionalProperties": False}}}  # fmt: skip
    with openai.OpenAI(base_url=engine_server.v1, api_key="x", max_retries=0) as client:
        forced = client.chat.completions.create(
            model="default", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=[tool],  # type: ignore[list-item]
            tool_choice="required", seed=2, max_tokens=200,
        )  # fmt: skip
    calls = forced.choices[0].message.tool_calls
    assert calls and calls[0].function.name == "get_weather", forced  # type: ignore[union-attr]
    assert set(json.loads(calls[0].function.arguments)) == {"city"}  # type: ignore[union-attr]
    body = {"query": "Text Sid that I am late", "tools": ["get_phone_number", "send_sms"], "max_tokens": 120}
    plan = httpx.post(engine_server.url + "/plan", json=body, timeout=120).json()
    last = len(plan["raw"].rstrip("\n").split("\n"))
    for error in plan["errors"]:  # only the token cap leads out of the grammar
        assert error["code"] != "unparsable_line" or error["line"] == last, plan


@pytest.mark.parametrize(
    ("update", "code"),
    [({"grammar": "root ::= ("}, None), ({"prompt": "the and " * 5000}, "context_length_exceeded")],
    ids=["grammar-the-child-refuses", "prompt-past-the-context"],
)
def test_a_streamed_request_that_cannot_run_is_a_4xx_not_an_error_event(
    engine_server: LiveServer, update: dict[str, str], code: str | None
) -> None:
    """The stream's headers leave once the child has answered 200 (inference/admission.py), before the
    first token: what the child or the context refuses must still come before them, as a status."""
    body = {"prompt": "Once upon a time", "max_tokens": 4, "stream": True, **update}
    response = httpx.post(engine_server.url + "/v1/completions", json=body, timeout=60)
    assert response.status_code == 400, response.text
    assert code is None or response.json()["error"]["code"] == code


def test_two_requests_generate_at_once(engine_server: LiveServer) -> None:
    body = {"prompt": "Count slowly:", "max_tokens": 64, "temperature": 0}

    def complete() -> int:
        return httpx.post(engine_server.url + "/v1/completions", json=body, timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda _: complete(), range(4))) == [200] * 4


def test_the_child_stops_with_the_server(tiny_settings: Settings, tmp_path: Path) -> None:
    update = {"engine": "llama-server", "llama_server_path": BINARY, "data_dir": tmp_path}
    with live_server(tiny_settings.model_copy(update=update)) as server:
        (pid,) = child_pids(server)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_missing_binary_fails_health_with_the_reason(tiny_settings: Settings, tmp_path: Path) -> None:
    update = {"engine": "llama-server", "llama_server_path": tmp_path / "nope", "data_dir": tmp_path}
    with live_server(tiny_settings.model_copy(update=update), wait_ready=False) as server:
        from harness import wait_for

        wait_for(lambda: httpx.get(server.url + "/health").json()["status"] == "failed", "failed")
        assert "not an executable" in httpx.get(server.url + "/health").json()["error"]["message"]


def test_a_port_taken_before_the_child_binds_it_is_retried(
    tiny_gguf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race CI met once: the port we found free is taken before the child binds it.
    from tinyagent.inference import llama_server

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        ports = iter([taken])
        free = llama_server._free_port
        monkeypatch.setattr(llama_server, "_free_port", lambda: next(ports, None) or free())
        options = llama_server.LlamaServerOptions(model=tiny_gguf, n_ctx=512, threads=1, slots=1, cache_mb=0,
                                                  work_dir=tmp_path, alias="tiny")  # fmt: skip

        async def start_and_stop() -> str:
            child = await llama_server.LlamaServerProcess.start(BINARY, options)
            await child.stop()
            return child.url

        url = asyncio.run(start_and_stop())
    assert url != f"http://127.0.0.1:{taken}"
