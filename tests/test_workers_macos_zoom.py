"""Zoom meeting creation against a local fake of Zoom's API (tests/fake_zoom.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_zoom import FakeZoom, running_fake_zoom
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos import MacOSBackend
from tinyagent.workers.macos.zoom import (
    NO_TOKEN,
    ZoomConfig,
    create_meeting,
    meeting_body,
)


@pytest.fixture
def fake() -> Iterator[FakeZoom]:
    with running_fake_zoom(token="good-token") as server:
        yield server


def _backend(fake: FakeZoom, token: str | None = "good-token") -> MacOSBackend:
    return MacOSBackend(zoom_config=ZoomConfig(token=token, api_base=fake.base_url))


def _ctx(tz: str = "Europe/Istanbul") -> CallContext:
    return CallContext(call_id="c1", deadline_s=10.0, timezone=tz)


def test_creates_meeting_and_returns_join_url(fake: FakeZoom) -> None:
    args = ("Design review", "2026-12-01 15:30:00", 45, ["ana@example.com", "bo@example.com"])
    url = _backend(fake).call("get_zoom_meeting_link", args, _ctx())
    assert url.startswith("https://us05web.zoom.us/j/")
    [request] = fake.requests
    assert request["headers"]["Authorization"] == "Bearer good-token"
    assert request["body"] == {
        "topic": "Design review",
        "type": 2,
        "start_time": "2026-12-01T12:30:00Z",  # Istanbul is UTC+3
        "duration": 45,
        "settings": {"meeting_invitees": [{"email": "ana@example.com"}, {"email": "bo@example.com"}]},
    }


@pytest.mark.parametrize(
    ("tz", "local", "utc"),
    [
        ("UTC", "2026-07-01 09:00:00", "2026-07-01T09:00:00Z"),
        ("America/Los_Angeles", "2026-07-01 09:00:00", "2026-07-01T16:00:00Z"),  # PDT
        ("America/Los_Angeles", "2026-12-01 09:00:00", "2026-12-01T17:00:00Z"),  # PST
        ("Asia/Kolkata", "2026-01-01 00:15:00", "2025-12-31T18:45:00Z"),
    ],
)
def test_start_time_is_converted_from_the_users_time_zone(tz: str, local: str, utc: str) -> None:
    assert meeting_body("t", local, 30, [], tz)["start_time"] == utc


def test_topic_is_cut_to_200_characters(fake: FakeZoom) -> None:
    _backend(fake).call("get_zoom_meeting_link", ("x" * 300, "2026-12-01 10:00:00", 30, []), _ctx())
    assert fake.requests[0]["body"]["topic"] == "x" * 200


def test_no_token_is_unavailable_with_upstreams_message(fake: FakeZoom) -> None:
    with pytest.raises(ToolFailure) as info:
        _backend(fake, token=None).call("get_zoom_meeting_link", ("t", "2026-12-01 10:00:00", 30, []), _ctx())
    assert (info.value.code, info.value.message) == ("unavailable", NO_TOKEN)
    assert fake.requests == []


def test_wrong_token_reports_zooms_message(fake: FakeZoom) -> None:
    with pytest.raises(ToolFailure) as info:
        _backend(fake, token="stale").call("get_zoom_meeting_link", ("t", "2026-12-01 10:00:00", 30, []), _ctx())
    assert info.value.code == "unavailable"
    assert "Invalid access token." in info.value.message


def test_zoom_validation_error_is_passed_through(fake: FakeZoom) -> None:
    fake.next_error = (400, {"code": 300, "message": "The start_time is in the past."})
    with pytest.raises(ToolFailure) as info:
        _backend(fake).call("get_zoom_meeting_link", ("t", "2026-12-01 10:00:00", 30, []), _ctx())
    assert (info.value.code, info.value.message) == (
        "invalid_argument",
        "Zoom: The start_time is in the past.",
    )


def test_server_error_without_json_is_failed(fake: FakeZoom) -> None:
    fake.next_error = (503, {})
    with pytest.raises(ToolFailure) as info:
        create_meeting(
            ZoomConfig("good-token", fake.base_url), meeting_body("t", "2026-12-01 10:00:00", 5, [], "UTC"), 5
        )
    assert (info.value.code, info.value.message) == ("failed", "Zoom: HTTP 503")


@pytest.mark.parametrize(
    ("start", "duration", "needle"),
    [
        ("next tuesday", 30, "start_time"),
        ("2026-13-01 10:00:00", 30, "start_time"),
        ("2026-12-01 10:00:00", 0, "duration"),
    ],
)
def test_bad_arguments_never_reach_zoom(fake: FakeZoom, start: str, duration: int, needle: str) -> None:
    with pytest.raises(ToolFailure) as info:
        _backend(fake).call("get_zoom_meeting_link", ("t", start, duration, []), _ctx())
    assert info.value.code == "invalid_argument"
    assert needle in info.value.message
    assert fake.requests == []


def test_unreachable_zoom_is_unavailable() -> None:
    with running_fake_zoom() as server:
        base = server.base_url
    with pytest.raises(ToolFailure) as info:
        create_meeting(ZoomConfig("good-token", base), meeting_body("t", "2026-12-01 10:00:00", 5, [], "UTC"), 2)
    assert info.value.code == "unavailable"


def test_config_from_env() -> None:
    assert ZoomConfig.from_env({}) == ZoomConfig(None, "https://api.zoom.us/v2")
    env = {"TINYAGENT_ZOOM_TOKEN": "tok", "TINYAGENT_ZOOM_API_BASE": "http://127.0.0.1:1/v2"}
    assert ZoomConfig.from_env(env) == ZoomConfig("tok", "http://127.0.0.1:1/v2")


def test_fake_refuses_upstreams_top_level_invitees(fake: FakeZoom) -> None:
    # Guards the fake itself: the old body shape must not pass, or the test above proves nothing.
    body = meeting_body("t", "2026-12-01 10:00:00", 5, [], "UTC")
    body["meeting_invitees"] = [{"email": "a@example.com"}]
    with pytest.raises(ToolFailure) as info:
        create_meeting(ZoomConfig("good-token", fake.base_url), body, 5)
    assert "meeting_invitees" in info.value.message
