"""Chat with TinyAgent Server through the official openai client: one plain request, one streamed.

BASE_URL=http://127.0.0.1:50001 [API_KEY=...] [MODEL=default] python clients/python/openai_chat.py
"""

from __future__ import annotations

import os
import sys

import openai

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:50001").rstrip("/")
# The server needs no key on loopback, but the openai client insists on having one.
API_KEY = os.environ.get("API_KEY") or "sk-no-key-required"
MODEL = os.environ.get("MODEL", "default")  # "default" always names the served model
MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Name three uses of a paperclip."},
]


def plain(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, max_tokens=48)
    choice = completion.choices[0]
    print(f"plain: finish_reason={choice.finish_reason} usage={completion.usage}")
    print(choice.message.content)


def streamed(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, max_tokens=48, stream=True, stream_options={"include_usage": True}
    )
    print("stream: ", end="")
    for chunks, chunk in enumerate(stream, start=1):
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
        if chunk.usage is not None:
            print(f"\nstream: {chunks} chunks, usage={chunk.usage}")


def main() -> int:
    with openai.OpenAI(base_url=BASE_URL + "/v1", api_key=API_KEY, max_retries=2) as client:
        plain(client)
        streamed(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
