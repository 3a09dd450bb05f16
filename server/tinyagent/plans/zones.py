"""The IANA time zones a request names by their cities: "Tokyo" -> Asia/Tokyo, "New York" ->
America/New_York. For tools whose parameter asks for an IANA zone (an MCP time server's), a small model
does not know the names ("Japan/Tokyo"); the guided grammar then offers only the zones the request names.

The tz database names one city per zone; the aliases add the large cities it does not name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
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
    # The tz database's current names where a city's first zone is an old link ("Asia/Istanbul").
    "istanbul": "Europe/Istanbul", "tel aviv": "Asia/Jerusalem", "kiev": "Europe/Kyiv", "calcutta": "Asia/Kolkata",
    "buenos aires": "America/Argentina/Buenos_Aires", "montreal": "America/Toronto", "saigon": "Asia/Ho_Chi_Minh",
    "ho chi minh city": "Asia/Ho_Chi_Minh",
    # US zones by name and abbreviation, and large cities the database does not name.
    "pacific time": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "eastern time": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "central time": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "mountain time": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "san diego": "America/Los_Angeles", "las vegas": "America/Los_Angeles", "portland": "America/Los_Angeles",
    "san jose": "America/Los_Angeles", "palo alto": "America/Los_Angeles", "bay area": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles", "philadelphia": "America/New_York", "dc": "America/New_York",
    "pittsburgh": "America/New_York", "baltimore": "America/New_York", "orlando": "America/New_York",
    "new jersey": "America/New_York", "minneapolis": "America/Chicago", "new orleans": "America/Chicago",
    "nashville": "America/Chicago", "st louis": "America/Chicago", "san antonio": "America/Chicago",
    "salt lake city": "America/Denver", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
    # Other zones by their abbreviation, and countries with one zone people mean.
    "bst": "Europe/London", "ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "aest": "Australia/Sydney",
    "hkt": "Asia/Hong_Kong", "sgt": "Asia/Singapore", "edinburgh": "Europe/London", "manchester": "Europe/London",
    "glasgow": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
    "wellington": "Pacific/Auckland", "new zealand": "Pacific/Auckland", "abu dhabi": "Asia/Dubai",
    "uae": "Asia/Dubai", "australia": "Australia/Sydney", "brazil": "America/Sao_Paulo",
    "netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam", "ireland": "Europe/Dublin",
    "switzerland": "Europe/Zurich", "israel": "Asia/Jerusalem", "egypt": "Africa/Cairo", "kenya": "Africa/Nairobi",
    "nigeria": "Africa/Lagos", "south africa": "Africa/Johannesburg", "thailand": "Asia/Bangkok",
    "indonesia": "Asia/Jakarta", "philippines": "Asia/Manila", "taiwan": "Asia/Taipei",
    "argentina": "America/Argentina/Buenos_Aires", "colombia": "America/Bogota", "peru": "America/Lima",
    "turkey": "Europe/Istanbul", "russia": "Europe/Moscow", "portugal": "Europe/Lisbon", "greece": "Europe/Athens",
    "sweden": "Europe/Stockholm", "norway": "Europe/Oslo", "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "poland": "Europe/Warsaw", "austria": "Europe/Vienna",
    "belgium": "Europe/Brussels", "ukraine": "Europe/Kyiv", "pakistan": "Asia/Karachi", "bangladesh": "Asia/Dhaka",
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
    # Accents folded: "São Paulo", "Zürich" and "Bogotá" are the database's "Sao Paulo", "Zurich", "Bogota".
    folded = "".join(c for c in unicodedata.normalize("NFKD", query) if not unicodedata.combining(c))
    text = " " + re.sub(r"[^a-z ]+", " ", folded.lower()) + " "
    found = []
    for city, zone in _cities().items():
        for match in re.finditer(rf"(?<= ){re.escape(city)}(?= )", text):
            found.append((match.start(), -len(city), zone))
    return tuple(dict.fromkeys(zone for *_, zone in sorted(found)))
