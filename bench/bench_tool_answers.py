"""Answers after a tool result: do they hold the result, and does tool syntax leak into them?

Sixteen conversations that end in one tool result (written for issue 17's check; each names the fact
the answer should carry) go through /v1/chat/completions of a running server, greedy, with the tool
still offered under tool_choice "auto". Per reply: whether the fact is in it, and whether it contains
"<tool" / "</tool" (the Hermes blocks a small model copies from its prompt).

Usage: tinyagent serve --model smollm2-135m --offline --port 8765 &
       python bench/bench_tool_answers.py [--base-url http://127.0.0.1:8765/v1]
One model process on the machine at a time.
"""

from __future__ import annotations

import argparse
import json

import openai

# (question, tool, arguments, result, the fact the answer should hold)
CASES = (
    ("What is the weather in Paris?", "get_weather", {"city": "Paris"}, "Sunny and 21 C in Paris", "21"),
    ("What's the weather in Berlin?", "get_weather", {"city": "Berlin"}, "Rainy, 12 C", "12"),
    ("What's Kenji's phone number?", "get_phone_number", {"name": "Kenji"}, "+81 90 1234 5678", "1234"),
    ("How many open tasks do I have?", "list_tasks", {"status": "open"}, "- buy milk\n- call mom\n- pay rent", "milk"),
    ("What time is it in Tokyo?", "get_current_time", {"timezone": "Asia/Tokyo"},
     '{"datetime": "2026-12-07T11:02:00+09:00"}', "11"),
    ("Find my bookmarks about rust", "search_bookmarks", {"query": "rust"},
     "Async Rust guide: https://example.com/rust-async", "Async Rust"),
    ("Convert 100 USD to EUR", "convert_currency", {"amount": "100", "from": "USD", "to": "EUR"}, "92.31 EUR", "92"),
    ("Who wrote Dune?", "search_books", {"title": "Dune"}, "Dune (1965) by Frank Herbert", "Herbert"),
    ("Is it going to rain in London tomorrow?", "get_forecast", {"city": "London", "day": "tomorrow"},
     "Tomorrow in London: heavy rain, 9 C", "rain"),
    ("What's the email address of Priya?", "get_email_address", {"name": "Priya"}, "priya.k@example.com",
     "priya.k@example.com"),
    ("How far is it from Lyon to Geneva?", "get_distance", {"from": "Lyon", "to": "Geneva"},
     "151 km, about 1 h 50 min by car", "151"),
    ("What's on my calendar today?", "list_events", {"day": "today"}, "10:00 Standup; 14:30 Dentist", "Dentist"),
    ("What's the stock price of ACME?", "get_quote", {"symbol": "ACME"},
     '{"symbol": "ACME", "price": 41.7, "currency": "USD"}', "41.7"),
    ("Translate 'good night' into Spanish", "translate", {"text": "good night", "to": "es"}, "buenas noches",
     "buenas noches"),
    ("When does the next train to Oxford leave?", "next_departure", {"to": "Oxford"},
     "Next train to Oxford: 16:42 from platform 3", "16:42"),
    ("How many unread emails do I have?", "count_unread", {}, "7", "7"),
)  # fmt: skip


def conversation(question: str, tool: str, arguments: dict[str, str], result: str) -> tuple[list, list]:
    params = {"type": "object", "properties": {k: {"type": "string"} for k in arguments}}
    tools = [
        {"type": "function", "function": {"name": tool, "description": tool.replace("_", " "), "parameters": params}}
    ]
    call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": json.dumps(arguments)}}
    messages = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]
    return messages, tools


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8765/v1")
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key="unused", max_retries=0)
    held = leaked = 0
    for question, tool, arguments, result, fact in CASES:
        messages, tools = conversation(question, tool, arguments, result)
        reply = client.chat.completions.create(
            model="default",
            messages=messages,
            tools=tools,
            temperature=0,
            max_tokens=60,  # type: ignore[arg-type]
        )
        text = reply.choices[0].message.content or ""
        held += fact in text
        leaked += "<tool" in text or "</tool" in text
        print(f"{'held' if fact in text else 'lost'}  {text[:100]!r}")
    print(f"answers holding the result {held}/{len(CASES)}, with tool syntax {leaked}")


if __name__ == "__main__":
    main()
