"""Follow an agent run over Server-Sent Events, resuming with Last-Event-ID if the connection drops.

    BASE_URL=http://127.0.0.1:50001 [API_KEY=...] python clients/python/run_sse.py "Text Amir that I'm late"
    # or execute a ready plan without the planner (and, with JOINER=0, without the model at all):
    PLAN='1. get_phone_number("Amir")
    2. join()' JOINER=0 python clients/python/run_sse.py
    # DROP_AFTER=3 closes the first connection after 3 events, to show the resume.

POST /run streams events as ``id: <seq>``, ``event: <type>``, ``data: <json>``; seq counts from 1
without gaps. After a drop, GET /runs/{id}/events with ``Last-Event-ID: <last seq seen>`` replays
what was missed and continues live until ``run_finished``. (The run goes on while nobody listens.)
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:50001").rstrip("/")
API_KEY = os.environ.get("API_KEY")
RETRIES = 5


@dataclass
class Event:
    id: int | None
    type: str
    data: dict[str, Any]


def sse_events(response: httpx.Response) -> Iterator[Event]:
    """Parses the SSE wire format: fields until a blank line; ':' lines are keep-alive pings."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if not line:
            if data:
                seq = fields.get("id")
                yield Event(int(seq) if seq else None, fields.get("event", "message"), json.loads("\n".join(data)))
            fields, data = {}, []
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        else:
            fields[name] = value


def headers() -> dict[str, str]:
    return {"authorization": f"Bearer {API_KEY}"} if API_KEY else {}


def show(event: Event) -> None:
    data = event.data
    details = {k: v for k, v in data.items() if k not in ("run_id", "seq", "ts", "type", "observation")}
    # One line per event, tokens included, so a reader can see that no seq is missing after a resume.
    print(f"{event.id:>4} {event.type:<18} {json.dumps(details)[:160]}")


class Follower:
    """Remembers the run id and last seq so any connection can pick up where the previous one ended."""

    def __init__(self, client: httpx.Client, drop_after: int | None) -> None:
        self.client = client
        self.drop_after = drop_after
        self.run_id: str | None = None
        self.last_seq = 0
        self.finished: dict[str, Any] | None = None

    def consume(self, response: httpx.Response, limit: int | None = None) -> None:
        if response.status_code != 200:
            response.read()
            raise SystemExit(f"HTTP {response.status_code}: {response.text}")
        for count, event in enumerate(sse_events(response), start=1):
            if event.type == "error" and event.id is None:
                raise SystemExit(f"stream error: {event.data}")
            self.run_id = self.run_id or event.data.get("run_id")
            self.last_seq = event.id or self.last_seq
            show(event)
            if event.type == "run_finished":
                self.finished = event.data
                return
            if limit is not None and count >= limit:
                print(f"---- dropping the connection after seq {self.last_seq} ----")
                return

    def start(self, body: dict[str, Any]) -> None:
        with self.client.stream("POST", "/run", json={**body, "stream": True}) as response:
            self.consume(response, self.drop_after)

    def resume(self) -> None:
        """GET /runs/{id}/events after the last seq seen, retrying with backoff on network errors."""
        for attempt in range(RETRIES):
            try:
                follow = {**headers(), "last-event-id": str(self.last_seq)}
                with self.client.stream("GET", f"/runs/{self.run_id}/events", headers=follow) as response:
                    self.consume(response)
                return
            except httpx.TransportError as exc:
                print(f"---- connection lost ({exc!r}); resuming after seq {self.last_seq} ----")
                time.sleep(min(2**attempt, 10))
        raise SystemExit("gave up resuming")


def request_body(argv: list[str]) -> dict[str, Any]:
    plan = os.environ.get("PLAN")
    query = " ".join(argv) or os.environ.get("QUERY") or (None if plan else "What is Amir's phone number?")
    body: dict[str, Any] = {"query": query}
    if plan:
        body["plan"] = plan
        body["joiner"] = os.environ.get("JOINER", "1") not in ("0", "false", "no")
    return body


def main(argv: list[str]) -> int:
    drop = os.environ.get("DROP_AFTER")
    timeout = httpx.Timeout(10.0, read=300.0)
    with httpx.Client(base_url=BASE_URL, headers=headers(), timeout=timeout) as client:
        follower = Follower(client, int(drop) if drop else None)
        follower.start(request_body(argv))
        while follower.finished is None:
            if follower.run_id is None:
                raise SystemExit("the stream ended before the run started")
            follower.resume()
    finished = follower.finished
    print(f"run {follower.run_id}: {finished['status']}: {finished.get('answer') or finished.get('error')}")
    return 0 if finished["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
