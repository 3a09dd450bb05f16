"""Zoom: create a scheduled meeting through the REST API and return its join URL.

Fixes upstream's bug 8: invitees go under ``settings.meeting_invitees``, the start time is
converted from the user's time zone (not a hard-coded US/Pacific), and the HTTP client is closed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos import dates

API_BASE_ENV = "TINYAGENT_ZOOM_API_BASE"
TOKEN_ENV = "TINYAGENT_ZOOM_TOKEN"
DEFAULT_API_BASE = "https://api.zoom.us/v2"
NO_TOKEN = "Couldn't find the Zoom access token. Please provide it in the settings."
MAX_TOPIC = 200  # Zoom rejects longer topics
SCHEDULED_MEETING = 2

_STATUS_CODES = {400: "invalid_argument", 401: "unavailable", 403: "unavailable", 404: "not_found"}


@dataclass(frozen=True)
class ZoomConfig:
    token: str | None = None
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ZoomConfig:
        env = os.environ if environ is None else environ
        return cls(
            token=env.get(TOKEN_ENV) or None,
            api_base=env.get(API_BASE_ENV) or DEFAULT_API_BASE,
        )


def meeting_body(topic: str, start_time: str, duration: int, invitees: Sequence[str], timezone: str) -> dict[str, Any]:
    """The create-meeting JSON; ``start_time`` is wall-clock time in ``timezone``."""
    if not topic.strip():
        raise ToolFailure("invalid_argument", "A meeting topic is required.")
    if duration <= 0:
        raise ToolFailure("invalid_argument", f"Invalid duration {duration}: it is in minutes and must be > 0.")
    local = dates.parse_datetime(start_time, "start_time", timezone).replace(tzinfo=dates.zone(timezone))
    return {
        "topic": topic[:MAX_TOPIC],
        "type": SCHEDULED_MEETING,
        "start_time": local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": duration,
        "settings": {"meeting_invitees": [{"email": e} for e in invitees]},
    }


def _failure(response: httpx.Response) -> ToolFailure:
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    code = _STATUS_CODES.get(response.status_code, "failed")
    return ToolFailure(code, f"Zoom: {message or f'HTTP {response.status_code}'}")


def create_meeting(config: ZoomConfig, body: Mapping[str, Any], timeout_s: float) -> str:
    """POST the meeting and return its ``join_url``."""
    if not config.token:
        raise ToolFailure("unavailable", NO_TOKEN)
    url = f"{config.api_base.rstrip('/')}/users/me/meetings"
    headers = {"Authorization": f"Bearer {config.token}"}
    try:
        with httpx.Client(timeout=timeout_s) as client:
            response = client.post(url, json=dict(body), headers=headers)
    except httpx.TimeoutException:
        raise ToolFailure("failed", "Zoom did not answer in time.") from None
    except httpx.HTTPError as exc:
        raise ToolFailure("unavailable", f"Could not reach Zoom: {exc}") from None
    if response.status_code >= 400:
        raise _failure(response)
    try:
        join_url = response.json()["join_url"]
    except (ValueError, KeyError, TypeError):
        raise ToolFailure("failed", "Zoom's answer has no join_url.") from None
    return str(join_url)
