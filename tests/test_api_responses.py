"""/v1/responses end to end: the real app, the tiny real GGUF, the official openai client."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from pydantic import BaseModel

from harness import LiveServer

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    # Bounded strings: the random-weight test model would otherwise ramble to max_output_tokens.
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 12}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
FORCE = {"type": "function", "name": "get_weather"}


def test_text_response(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="default",
        input="Say hi",
        instructions="Be brief.",
        max_output_tokens=8,
        metadata={"k": "v"},
        extra_body={"seed": 1},
    )
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status in ("completed", "incomplete") and response.metadata == {"k": "v"}
    message = response.output[0]
    assert message.type == "message" and message.content[0].type == "output_text"
    assert response.output_text == message.content[0].text
    assert response.usage is not None and response.usage.output_tokens >= 1 and response.usage.input_tokens > 0
    if response.status == "incomplete":
        assert response.incomplete_details is not None
        assert response.incomplete_details.reason == "max_output_tokens"


def test_function_call_round_trip_and_previous_response(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model="default", input="Weather in Oslo?", tools=[WEATHER], tool_choice=FORCE, max_output_tokens=64
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and first.status == "completed"
    assert isinstance(json.loads(calls[0].arguments)["city"], str) and calls[0].call_id
    output = {"type": "function_call_output", "call_id": calls[0].call_id, "output": "12C, rain"}
    second = client.responses.create(
        model="default",
        previous_response_id=first.id,
        input=[output],
        tools=[WEATHER],
        tool_choice="none",
        max_output_tokens=8,
    )
    assert second.previous_response_id == first.id and second.output[0].type == "message"
    # The whole conversation reached the model: the earlier call and its result are in the prompt.
    alone = client.responses.create(
        model="default", input="Weather in Oslo?", tools=[WEATHER], tool_choice="none", max_output_tokens=1
    )
    assert second.usage is not None and alone.usage is not None
    assert second.usage.input_tokens > alone.usage.input_tokens + 10
    # The same turn without the chain: the client sends the call item itself.
    third = client.responses.create(
        model="default",
        input=[{"role": "user", "content": "Weather in Oslo?"}, calls[0].model_dump(exclude_none=True), output],
        max_output_tokens=8,
    )
    assert third.output[0].type == "message"


def test_stream_events_are_ordered_and_complete(client: openai.OpenAI) -> None:
    with client.responses.stream(model="default", input="Hello", max_output_tokens=8, extra_body={"seed": 2}) as stream:
        events = list(stream)
    final = events[-1].response  # type: ignore[union-attr]  # the helper's final response needs "completed"
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] in ("response.completed", "response.incomplete")
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert kinds.index("response.output_item.added") < kinds.index("response.content_part.added")
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = next(e for e in events if e.type == "response.output_text.done")
    assert done.text == deltas == final.output_text


def test_streamed_function_call(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="default", input="Weather in Rome?", tools=[WEATHER], tool_choice=FORCE, max_output_tokens=64
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert "response.function_call_arguments.delta" in kinds and kinds[-1] == "response.completed"
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    call = final.output[0]
    assert call.type == "function_call" and done.arguments == call.arguments
    assert json.loads(call.arguments)["city"] is not None


class Person(BaseModel):
    name: str
    age: int


def test_parse_with_a_pydantic_format(client: openai.OpenAI) -> None:
    parsed = client.responses.parse(
        model="default", input="A person", text_format=Person, max_output_tokens=200, extra_body={"seed": 3}
    )
    if parsed.status == "completed":  # random weights may need more tokens than that for one object
        assert isinstance(parsed.output_parsed, Person)


def test_retrieve_replay_items_and_delete(client: openai.OpenAI, tiny_server: LiveServer) -> None:
    created = client.responses.create(model="default", input=[{"role": "user", "content": "Hi"}], max_output_tokens=4)
    assert client.responses.retrieve(created.id).output_text == created.output_text
    items = client.responses.input_items.list(created.id)
    assert [i.type for i in items.data] == ["message"] and items.data[0].id.startswith("msg_")
    replay = httpx.get(f"{tiny_server.v1}/responses/{created.id}", params={"stream": "true", "starting_after": 1})
    lines = [json.loads(line[5:]) for line in replay.text.splitlines() if line.startswith("data:")]
    assert lines[0]["sequence_number"] == 2 and lines[-1]["type"] in ("response.completed", "response.incomplete")
    assert client.responses.delete(created.id) is None
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)


def test_store_false_is_not_kept(client: openai.OpenAI) -> None:
    response = client.responses.create(model="default", input="Hi", max_output_tokens=2, store=False)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError) as err:
        client.responses.create(model="default", input="Hi", previous_response_id=response.id)
    assert err.value.body["param"] == "response_id"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": [{"type": "input_image", "image_url": "x"}]}, "input.0"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}, "input.0.content"),
        (
            {
                "input": "x",
                "tools": [{"type": "function", "name": "a"}],
                "tool_choice": {"type": "function", "name": "b"},
            },
            "tool_choice",
        ),
        ({"input": "x", "tools": [{"type": "function"}]}, "tools.0"),  # a function needs its name
        ({"input": "x", "tools": [{"name": "a"}]}, "tools.0"),
        ({"input": "x", "max_output_tokens": 100000}, "max_output_tokens"),
        ({"input": []}, "input"),
    ],
)
def test_bad_requests_are_400s(tiny_server: LiveServer, body: dict[str, object], param: str | None) -> None:
    response = httpx.post(f"{tiny_server.v1}/responses", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    if param is not None:
        assert error["param"].startswith(param), error


def test_tools_this_server_cannot_run_are_accepted_and_not_offered(tiny_server: LiveServer) -> None:
    # What Codex sends with every turn: functions, a namespace of functions and the hosted web search.
    tools = [
        {"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {}}},
        {"type": "namespace", "name": "multi_agent_v1", "tools": [{"type": "function", "name": "close_agent"}]},
        {"type": "web_search", "external_web_access": False},
    ]
    body = {"input": "Hi", "tools": tools, "max_output_tokens": 4, "reasoning": {"summary": "auto"},
            "include": ["reasoning.encrypted_content"], "client_metadata": {"session_id": "s"}}  # fmt: skip
    response = httpx.post(f"{tiny_server.v1}/responses", json=body, timeout=60)
    assert response.status_code == 200, response.text
    assert [t["name"] for t in response.json()["tools"]] == ["exec_command"]
    only_hosted = httpx.post(f"{tiny_server.v1}/responses", json={**body, "tools": tools[2:]}, timeout=60).json()
    assert only_hosted["tools"] == [] and only_hosted["tool_choice"] == "none"


def test_a_delete_from_another_site_is_refused(client: openai.OpenAI, tiny_server: LiveServer) -> None:
    created = client.responses.create(model="default", input="Hi", max_output_tokens=2)
    url = f"{tiny_server.v1}/responses/{created.id}"
    refused = httpx.delete(url, headers={"origin": "http://evil.example"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    assert client.responses.retrieve(created.id).id == created.id  # nothing lost
    assert httpx.delete(url).json() == {"id": created.id, "object": "response", "deleted": True}
