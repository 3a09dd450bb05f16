"""The remote backend, tested against a second instance of our own server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from harness import LiveServer, live_server, wait_for
from tinyagent.settings import Settings

USER = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def front(tiny_server: LiveServer, tiny_settings: Settings) -> Iterator[LiveServer]:
    """A server with no model of its own, generating through the tiny server's /v1."""
    settings = tiny_settings.model_copy(update={"llm_base_url": tiny_server.v1, "chat_format": "chatml"})
    with live_server(settings) as server:
        yield server


def test_remote_serves_the_upstream_model(front: LiveServer, tiny_server: LiveServer) -> None:
    upstream = httpx.get(tiny_server.v1 + "/models").json()["data"][0]["id"]
    health = httpx.get(front.url + "/health").json()
    assert health["model"] == upstream
    assert health["source"].startswith(tiny_server.v1)


def test_remote_chat_stream_and_forced_tool(front: LiveServer) -> None:
    with openai.OpenAI(base_url=front.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(model="default", messages=USER, max_tokens=5, seed=1)
        assert result.usage is not None and result.usage.prompt_tokens > 0
        chunks = list(client.chat.completions.create(model="default", messages=USER, max_tokens=5, stream=True))
        assert chunks[-1].choices[0].finish_reason in {"stop", "length"}
        # The tool grammar must travel to the upstream server, or these arguments would not parse.
        forced = client.chat.completions.create(
            model="default",
            messages=USER,
            tools=[TOOL],
            seed=2,
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
        )
        calls = forced.choices[0].message.tool_calls
        assert calls is not None and calls[0].function.name == "get_weather"
        assert isinstance(json.loads(calls[0].function.arguments)["city"], str)


def test_remote_errors_keep_their_status(front: LiveServer) -> None:
    long_text = "the and " * 3000
    response = httpx.post(front.v1 + "/chat/completions", json={"messages": [{"role": "user", "content": long_text}]})
    assert response.status_code == 400
    assert "context" in response.json()["error"]["message"]


def test_unreachable_remote_fails_health(tiny_settings: Settings) -> None:
    settings = tiny_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    with live_server(settings, wait_ready=False) as server:
        wait_for(lambda: httpx.get(server.url + "/health").json()["status"] != "loading", "done loading")
        health = httpx.get(server.url + "/health")
        assert health.status_code == 503 and health.json()["status"] == "failed"
        chat = httpx.post(server.v1 + "/chat/completions", json={"messages": USER})
        assert chat.status_code == 503 and chat.json()["error"]["code"] == "model_not_ready"


# --- dialects by shape: vLLM cannot run here; these are the shapes its documentation gives -------------------

VLLM_MODELS = [{"id": "Qwen/Qwen2.5-1.5B-Instruct", "object": "model", "owned_by": "vllm", "max_model_len": 32768}]
LLAMA_SERVER_PROPS = {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1, "chat_template": "..."}


def test_dialects_learn_the_context_length_where_each_server_says_it() -> None:
    from tinyagent.inference.remote_backend import _model_info, _with_dialect

    vllm = _with_dialect(_model_info(VLLM_MODELS, None, "u"), VLLM_MODELS, None, None)
    assert (vllm.dialect, vllm.context_length) == ("vllm", 32768)
    plain = [{"id": "m", "object": "model", "owned_by": "me"}]
    llama_server = _with_dialect(_model_info(plain, None, "u"), plain, LLAMA_SERVER_PROPS, None)
    assert (llama_server.dialect, llama_server.context_length) == ("llama-server", 4096)
    unknown = _with_dialect(_model_info(plain, None, "u"), plain, None, None)
    assert (unknown.dialect, unknown.context_length) == ("openai", 0)  # 0 = unknown, never a limit
    assert _with_dialect(_model_info(plain, None, "u"), plain, None, 2048).context_length == 2048


def test_a_grammar_travels_in_each_dialects_field() -> None:
    from tinyagent.inference.remote_backend import _grammar_fields

    assert _grammar_fields("llama-server", "root ::= x") == {"grammar": "root ::= x"}
    assert _grammar_fields("openai", "g") == {"grammar": "g"}
    assert _grammar_fields("vllm", "g") == {"structured_outputs": {"grammar": "g"}, "guided_grammar": "g"}
