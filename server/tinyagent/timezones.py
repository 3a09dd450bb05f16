"""The user's time zone: requests and the CLI name one, or the server's own applies."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tinyagent.errors import UNKNOWN_TIMEZONE, InvalidRequest


def user_zone(name: str | None) -> tzinfo:
    """``name`` as an IANA zone (InvalidRequest if unknown), or the server's local zone for None."""
    if name is None:
        local = datetime.now().astimezone().tzinfo
        assert local is not None  # astimezone() always attaches a zone
        return local
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(
            f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Paris' or 'America/New_York'.",
            param="timezone",
            code=UNKNOWN_TIMEZONE,
        ) from None
