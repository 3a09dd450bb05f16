"""Tool calling through the official openai client: a plain request, then a streamed one with
``client.chat.completions.stream`` (argument fragments as they arrive, then the finished call).

    BASE_URL=http://127.0.0.1:50001 [API_KEY=...] [MODEL=default] python clients/python/openai_tools.py

The server constrains tool calls with a grammar, so arguments are valid JSON for the schema even on a
small model; ``tool_choice="auto"`` lets the model decide, a named tool forces that call.
"""

from __future__ import annotations

import json
import os
import sys

import openai

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:50001").rstrip("/")
API_KEY = os.environ.get("API_KEY") or "sk-no-key-required"
MODEL = os.environ.get("MODEL", "default")
TOOL_CHOICE = os.environ.get("TOOL_CHOICE", "get_weather")  # "auto" to let the model choose

TOOLS: list[openai.types.chat.ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    # Bounds help small models: a string the grammar leaves open can run to max_tokens,
                    # and a call cut short is dropped, never returned half-written.
                    "city": {"type": "string", "maxLength": 40},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
    }
]
MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [
    {"role": "user", "content": "What's the weather in Paris, in celsius?"}
]


def tool_choice() -> openai.types.chat.ChatCompletionToolChoiceOptionParam:
    if TOOL_CHOICE in ("auto", "none", "required"):
        return TOOL_CHOICE  # type: ignore[return-value]
    return {"type": "function", "function": {"name": TOOL_CHOICE}}


def plain(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, tools=TOOLS, tool_choice=tool_choice(), max_tokens=128
    )
    choice = completion.choices[0]
    message = choice.message
    print(f"plain: finish_reason={choice.finish_reason}")
    for call in message.tool_calls or []:
        print(f"plain: tool call {call.id} {call.function.name}({call.function.arguments})")
        # The grammar guarantees JSON for the schema, and a call cut by max_tokens is never returned.
        print(f"plain: parsed arguments {json.loads(call.function.arguments)}")
    if message.content:
        print(f"plain: text {message.content!r}")


def streamed(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model=MODEL, messages=MESSAGES, tools=TOOLS, tool_choice=tool_choice(), max_tokens=128
    ) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.delta":
                print(f"stream: [{event.index}] {event.name} += {event.arguments_delta!r}")
            elif event.type == "tool_calls.function.arguments.done":
                print(f"stream: [{event.index}] {event.name} done: {event.arguments}")
            elif event.type == "content.delta":
                print(f"stream: text += {event.delta!r}")
        try:
            finish_reason = stream.get_final_completion().choices[0].finish_reason
        except openai.LengthFinishReasonError:
            # max_tokens ran out before any whole call: raise max_tokens (a real model rarely needs to).
            finish_reason = "length"
    print(f"stream: finish_reason={finish_reason}")


def main() -> int:
    with openai.OpenAI(base_url=BASE_URL + "/v1", api_key=API_KEY, max_retries=2) as client:
        plain(client)
        streamed(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
