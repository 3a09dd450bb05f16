"""The IANA time zones a request names by their cities: "Tokyo" -> Asia/Tokyo, "New York" ->
America/New_York. For tools whose parameter asks for an IANA zone (an MCP time server's), a small model
does not know the names ("Japan/Tokyo"); the guided grammar then offers only the zones the request names.

The tz database names one city per zone; the aliases add the large cities it does not name.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

ALIASES: dict[str, str] = {
    "san francisco": "America/Los_Angeles", "sf": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "la": "America/Los_Angeles", "boston": "America/New_York", "washington": "America/New_York",
    "miami": "America/New_York", "atlanta": "America/New_York", "nyc": "America/New_York",
    "austin": "America/Chicago", "dallas": "America/Chicago", "houston": "America/Chicago",
    "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "india": "Asia/Kolkata", "beijing": "Asia/Shanghai", "china": "Asia/Shanghai", "japan": "Asia/Tokyo",
    "osaka": "Asia/Tokyo", "korea": "Asia/Seoul", "uk": "Europe/London", "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin", "germany": "Europe/Berlin", "france": "Europe/Paris", "spain": "Europe/Madrid",
    "barcelona": "Europe/Madrid", "italy": "Europe/Rome", "milan": "Europe/Rome", "geneva": "Europe/Zurich",
    "st petersburg": "Europe/Moscow", "cape town": "Africa/Johannesburg", "rio": "America/Sao_Paulo",
    "melbourne": "Australia/Melbourne", "hawaii": "Pacific/Honolulu", "utc": "UTC", "gmt": "UTC",
}  # fmt: skip


# Not places people mean: regions of the old aliases, sub-state zones ("America/Indiana/Knox"), and
# zone cities that are everyday words ("Indian/Christmas", "Pacific/Wake").
_SKIPPED = frozenset({"Etc", "SystemV", "US", "Antarctica", "Canada", "Brazil", "Chile", "Mexico"})
_WORDS = frozenset({"christmas", "easter", "wake", "midway", "casey", "jersey", "troll", "center", "factory"})


@functools.cache
def _cities() -> dict[str, str]:
    """City words -> zone, from the tz database ("America/New_York" -> "new york"), then the aliases."""
    cities: dict[str, str] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        parts = zone.split("/")
        city = parts[-1].replace("_", " ").lower()
        if len(parts) == 2 and parts[0] not in _SKIPPED and city not in _WORDS:
            cities.setdefault(city, zone)
    return cities | ALIASES


def zones_named(query: str) -> tuple[str, ...]:
    """Every zone whose city the request names, in the order they are said."""
    text = " " + re.sub(r"[^a-z ]+", " ", query.lower()) + " "
    found = []
    for city, zone in _cities().items():
        for match in re.finditer(rf"(?<= ){re.escape(city)}(?= )", text):
            found.append((match.start(), -len(city), zone))
    return tuple(dict.fromkeys(zone for *_, zone in sorted(found)))
