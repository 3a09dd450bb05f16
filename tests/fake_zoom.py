"""A local fake of Zoom's create-meeting API (``POST /v2/users/me/meetings``) on 127.0.0.1.

It answers like Zoom: 401 ``{"code": 124, "message": "Invalid access token."}`` for a wrong
bearer token, 400 with code 300 for a body Zoom would refuse, 201 with the meeting otherwise.
It is stricter than Zoom on one point on purpose: unknown top-level fields are refused, so a
client that sends ``meeting_invitees`` at the top level (upstream's bug) fails loudly.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MEETINGS_PATH = "/v2/users/me/meetings"
_UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_FIELDS = {"topic", "type", "start_time", "duration", "timezone", "agenda", "password", "settings"}


@dataclass
class FakeZoom:
    token: str
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    next_error: tuple[int, dict[str, Any]] | None = None


def validate(body: object) -> str | None:
    """Why Zoom would refuse ``body``, or None."""
    if not isinstance(body, dict):
        return "Request Body should be a valid JSON object."
    if unknown := set(body) - _FIELDS:
        return f"Invalid field(s): {', '.join(sorted(unknown))}."
    topic = body.get("topic")
    if not isinstance(topic, str) or len(topic) > 200:
        return "Invalid field: topic."
    if body.get("type") not in (1, 2, 3, 8):
        return "Invalid field: type."
    if not isinstance(body.get("start_time"), str) or not _UTC_TIME.match(body["start_time"]):
        return "Invalid field: start_time."
    duration = body.get("duration")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0:
        return "Invalid field: duration."
    invitees = body.get("settings", {}).get("meeting_invitees", [])
    if not isinstance(invitees, list) or not all(
        isinstance(i, dict) and set(i) == {"email"} and "@" in str(i["email"]) for i in invitees
    ):
        return "Invalid field: settings.meeting_invitees."
    return None


def _meeting(body: dict[str, Any], number: int) -> dict[str, Any]:
    meeting_id = 81234567890 + number
    return {
        "uuid": f"fake-uuid-{number}==",
        "id": meeting_id,
        "host_id": "fakehost",
        "host_email": "host@example.com",
        "topic": body["topic"],
        "type": body["type"],
        "status": "waiting",
        "start_time": body["start_time"],
        "duration": body["duration"],
        "timezone": "UTC",
        "created_at": "2026-11-30T12:00:00Z",
        "join_url": f"https://us05web.zoom.us/j/{meeting_id}?pwd=fakepwd",
        "start_url": f"https://us05web.zoom.us/s/{meeting_id}?zak=fake",
        "password": "fakepwd",
        "settings": body.get("settings", {}),
    }


def _handler(state: FakeZoom) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != MEETINGS_PATH:
                self._reply(404, {"code": 404, "message": "Not found."})
                return
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._reply(401, {"code": 124, "message": "Invalid access token."})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            state.requests.append({"headers": dict(self.headers), "body": body})
            if state.next_error is not None:
                status, payload = state.next_error
                state.next_error = None
                self._reply(status, payload)
                return
            if (problem := validate(body)) is not None:
                self._reply(400, {"code": 300, "message": problem})
                return
            self._reply(201, _meeting(body, len(state.requests)))

    return Handler


@contextmanager
def running_fake_zoom(token: str = "good-token") -> Iterator[FakeZoom]:
    """A FakeZoom listening on a random 127.0.0.1 port; ``base_url`` ends in ``/v2``."""
    state = FakeZoom(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v2"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
