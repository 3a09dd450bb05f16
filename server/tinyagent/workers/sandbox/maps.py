"""Apple Maps URLs, byte-identical to upstream's; "opening" one is logged in the world."""

from __future__ import annotations

from urllib.parse import quote_plus

from tinyagent.workers.backend import CallContext
from tinyagent.workers.sandbox.rows import timestamp
from tinyagent.workers.sandbox.world import World

TRANSPORTS = frozenset({"d", "w", "r"})


def location_url(location: str) -> str:
    return f"https://maps.apple.com/?q={quote_plus(location)}"


def directions_url(start_location: str, end_location: str, transport: str) -> str:
    """Upstream: optional saddr, daddr, dirflg; an unknown transport means driving."""
    url = "https://maps.apple.com/?"
    if start_location:
        url += f"saddr={quote_plus(start_location)}&"
    flag = transport if transport in TRANSPORTS else "d"
    return url + f"daddr={quote_plus(end_location)}&dirflg={flag}"


def _log(world: World, url: str) -> None:
    with world.db() as conn:
        conn.execute("INSERT INTO maps_opened (url, opened_at) VALUES (?, ?)", (url, timestamp()))


def maps_open_location(world: World, _ctx: CallContext, location: str) -> str:
    url = location_url(location)
    _log(world, url)
    return f"Location of {location} in Apple Maps: {url}"


def maps_show_directions(
    world: World, _ctx: CallContext, start_location: str, end_location: str, transport: str
) -> str:
    url = directions_url(start_location, end_location, transport)
    _log(world, url)
    return f"Directions to {end_location} in Apple Maps: {url}"
