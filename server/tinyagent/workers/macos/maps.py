"""Apple Maps: URLs built with urllib and opened with ``open`` (argument list, no shell)."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.runner import Call

MAPS_URL = "https://maps.apple.com/"
TRANSPORTS = ("d", "w", "r")


def maps_open_location(call: Call, location: str) -> str:
    if not location.strip():
        raise ToolFailure("invalid_argument", "A location is required.")
    url = f"{MAPS_URL}?q={quote_plus(location)}"
    call.command(["open", url])
    return f"Location of {location} in Apple Maps: {url}"


def maps_show_directions(call: Call, start_location: str, end_location: str, transport: str) -> str:
    if not end_location.strip():
        raise ToolFailure("invalid_argument", "An end location is required.")
    # Upstream: an unknown transport falls back to driving; an empty start is the current location.
    flag = transport.strip().lower()
    params = {"saddr": start_location} if start_location.strip() else {}
    params |= {"daddr": end_location, "dirflg": flag if flag in TRANSPORTS else "d"}
    url = f"{MAPS_URL}?{urlencode(params, quote_via=quote_plus)}"
    call.command(["open", url])
    return f"Directions to {end_location} in Apple Maps: {url}"
