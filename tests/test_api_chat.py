"""End to end: the real app under uvicorn, the tiny real GGUF, the official openai client."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from harness import LiveServer

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            # Bounded strings: the random-weight test model would otherwise ramble to max_tokens.
            "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer"}},
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
}
EMAIL = {
    "type": "function",
    "function": {
        "name": "get_email_address",
        "description": "Email address of a contact.",
        "parameters": {
            "type": "object",
            "properties": {"name": {"type": "string", "maxLength": 12}},
            "required": ["name"],
        },
    },
}
USER = [{"role": "user", "content": "What is the weather in Paris?"}]


def check_weather_args(arguments: str) -> None:
    args = json.loads(arguments)
    assert set(args) == {"city", "days"}
    assert isinstance(args["city"], str)
    assert isinstance(args["days"], int)


def test_models_and_health(client: openai.OpenAI, tiny_server: LiveServer) -> None:
    models = client.models.list().data
    health = httpx.get(tiny_server.url + "/health").json()
    assert health["status"] == "ready"
    assert health["model"] == models[0].id  # the served id first, then the aliases requests may use
    assert "default" in [m.id for m in models[1:]]
    for card in models:
        assert client.models.retrieve(card.id).id == card.id
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


@pytest.mark.parametrize(
    ("path", "extra", "param"),
    [
        ("/chat/completions", {"messages": USER, "logprobs": True}, "logprobs"),
        ("/chat/completions", {"messages": USER, "logprobs": True, "top_logprobs": 2}, "logprobs"),
        ("/completions", {"prompt": "Hi", "logprobs": 1}, "logprobs"),
        ("/responses", {"input": "Hi", "top_logprobs": 2}, "top_logprobs"),
        ("/responses", {"input": "Hi", "include": ["message.output_text.logprobs"]}, "include.0"),
    ],
)
def test_logprobs_are_refused_not_ignored(
    tiny_server: LiveServer, path: str, extra: dict[str, Any], param: str
) -> None:
    response = httpx.post(tiny_server.v1 + path, json={"max_tokens": 2, **extra})
    assert response.status_code == 400 and response.json()["error"]["param"] == param
    assert response.json()["error"]["code"] == "unsupported_parameter"


def test_plain_chat(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(model="default", messages=USER, max_tokens=8, seed=1)
    choice = result.choices[0]
    assert choice.finish_reason in {"stop", "length"}
    assert isinstance(choice.message.content, str)
    assert choice.message.tool_calls is None
    assert result.usage is not None and result.usage.prompt_tokens > 5
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens


def test_streaming_chat_with_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        messages=USER,
        model="default",
        max_tokens=8,
        stream=True,
        stream_options={"include_usage": True},
        seed=2,
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert len({c.id for c in chunks}) == 1


def test_forced_tool_call(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="default",
        messages=USER,
        tools=[WEATHER, EMAIL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        seed=3,
    )
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None and len(choice.message.tool_calls) == 1
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert call.id.startswith("call_")
    check_weather_args(call.function.arguments)


@pytest.mark.parametrize("seed", range(6))
def test_auto_tool_choice_is_well_formed(client: openai.OpenAI, seed: int) -> None:
    result = client.chat.completions.create(
        model="default", messages=USER, tools=[WEATHER], tool_choice="auto", seed=seed, max_tokens=64
    )
    choice = result.choices[0]
    if choice.message.tool_calls:
        assert choice.finish_reason == "tool_calls"
        for call in choice.message.tool_calls:
            assert call.function.name == "get_weather"
            check_weather_args(call.function.arguments)
    else:
        assert choice.finish_reason in {"stop", "length"}
        assert isinstance(choice.message.content, str)


def test_required_tool_choice(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="default",
        messages=USER,
        tools=[WEATHER, EMAIL],
        tool_choice="required",
        parallel_tool_calls=False,
        seed=4,
    )
    calls = result.choices[0].message.tool_calls
    assert calls is not None and len(calls) == 1
    assert calls[0].function.name in {"get_weather", "get_email_address"}
    json.loads(calls[0].function.arguments)


def test_streaming_tool_call_with_stream_helper(client: openai.OpenAI) -> None:
    # The SDK's helper concatenates repeated strings: a server that repeats id/name breaks it.
    with client.chat.completions.stream(
        model="default",
        messages=USER,
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        seed=5,
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 1
    assert calls[0].function.name == "get_weather"
    assert calls[0].id.startswith("call_") and calls[0].id.count("call_") == 1
    check_weather_args(calls[0].function.arguments)


def test_json_schema_response_format(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "maxLength": 12}, "score": {"type": "integer"}},
        "required": ["answer", "score"],
        "additionalProperties": False,
    }
    result = client.chat.completions.create(
        model="default",
        messages=USER,
        seed=6,
        max_tokens=200,
        response_format={"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}},
    )
    choice = result.choices[0]
    if choice.finish_reason == "stop":
        data = json.loads(choice.message.content or "")
        assert set(data) == {"answer", "score"} and isinstance(data["score"], int)
    else:  # random weights may ramble inside a string until max_tokens; the prefix must still be JSON-shaped
        assert (choice.message.content or "").startswith("{")
