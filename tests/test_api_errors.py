"""Bad input gets a clear 4xx in the OpenAI envelope, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from harness import LiveServer

USER = [{"role": "user", "content": "hi"}]


def post(server: LiveServer, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=30, **kwargs)


def assert_envelope(response: httpx.Response, status: int, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if param is not None:
        assert error["param"] == param
    return dict(error)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, None),
        ({"messages": USER, "temperature": 5}, "temperature"),
        ({"messages": USER, "n": 2}, "n"),
        ({"messages": USER, "max_tokens": 0}, "max_tokens"),
        ({"messages": USER, "max_tokens": 10_000_000}, "max_tokens"),
        ({"messages": USER, "stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"messages": USER, "tool_choice": "required"}, "tool_choice"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
            None,
        ),
        ({"messages": USER, "response_format": {"type": "xml"}}, None),
    ],
)
def test_bad_chat_requests_are_400(tiny_server: LiveServer, body: dict[str, Any], param: str | None) -> None:
    response = post(tiny_server, "/v1/chat/completions", body)
    error = assert_envelope(response, 400, param)
    assert error["type"] == "invalid_request_error"
    assert response.headers["x-should-retry"] == "false"


def test_named_tool_not_in_tools(tiny_server: LiveServer) -> None:
    tool = {"type": "function", "function": {"name": "a", "parameters": {"type": "object", "properties": {}}}}
    body = {"messages": USER, "tools": [tool], "tool_choice": {"type": "function", "function": {"name": "b"}}}
    assert_envelope(post(tiny_server, "/v1/chat/completions", body), 400, "tool_choice")


def test_invalid_json_and_invalid_utf8(tiny_server: LiveServer) -> None:
    headers = {"content-type": "application/json"}
    for raw in (b"{not json", b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}'):
        response = httpx.post(tiny_server.url + "/v1/chat/completions", content=raw, headers=headers)
        assert_envelope(response, 400)


def test_a_form_encoded_body_is_told_to_send_json(tiny_server: LiveServer) -> None:
    """curl -d '{...}' without a header sends application/x-www-form-urlencoded: refused, and said why."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = httpx.post(tiny_server.url + "/plan", content=b'{"query": "Text Sid"}', headers=form)
    assert_envelope(response, 415)
    assert "Content-Type: application/json" in response.json()["error"]["message"]


def test_unknown_model_and_route(tiny_server: LiveServer) -> None:
    assert_envelope(post(tiny_server, "/v1/chat/completions", {"model": "gpt-9", "messages": USER}), 404, "model")
    assert_envelope(httpx.get(tiny_server.url + "/v1/nothing-here"), 404)


def test_oversized_body_is_413(tiny_server: LiveServer) -> None:
    big = "x" * (tiny_server.settings.max_body_bytes + 1)
    assert_envelope(post(tiny_server, "/v1/chat/completions", {"messages": [{"role": "user", "content": big}]}), 413)


def test_prompt_longer_than_context(tiny_server: LiveServer) -> None:
    long_text = "the and " * 3000  # far more tokens than the 2048-token context
    response = post(tiny_server, "/v1/chat/completions", {"messages": [{"role": "user", "content": long_text}]})
    error = assert_envelope(response, 400)
    assert error["code"] == "context_length_exceeded"


def test_openai_client_raises_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="default", messages=USER, temperature=3)
    assert info.value.param == "temperature"


def test_bad_grammar_is_400(tiny_server: LiveServer) -> None:
    response = post(tiny_server, "/v1/completions", {"prompt": "x", "grammar": "root ::= ((("})
    assert_envelope(response, 400, "grammar")
