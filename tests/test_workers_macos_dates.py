"""The macOS worker's dates: AppleScript reads the numbers it is given as the Mac's local time, so a
request's wall-clock time is converted to the Mac's zone first (issue 18)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from macos_fakes import FakeMac
from tinyagent.workers.backend import CallContext
from tinyagent.workers.macos import MacOSBackend
from tinyagent.workers.macos.dates import for_script, system_zone


@pytest.mark.parametrize(
    ("moment", "tz", "mac", "expected"),
    [
        ("2025-06-16 09:00", "America/New_York", "Europe/Paris", "2025-06-16T15:00:00"),
        ("2025-06-16 09:00", "Europe/Paris", "Europe/Paris", "2025-06-16T09:00:00"),
        ("2025-06-16 23:30", "Asia/Tokyo", "America/Los_Angeles", "2025-06-16T07:30:00"),
        # New York is on summer time from March 9 2025, Paris only from March 30: 5 hours, not 6.
        ("2025-03-10 09:00", "America/New_York", "Europe/Paris", "2025-03-10T14:00:00"),
        ("2025-03-31 09:00", "America/New_York", "Europe/Paris", "2025-03-31T15:00:00"),
    ],
)
def test_request_times_become_the_macs_wall_clock(moment: str, tz: str, mac: str, expected: str) -> None:
    assert for_script(datetime.fromisoformat(moment), tz, ZoneInfo(mac)) == expected


def test_the_macs_zone_comes_from_tz_then_localtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert system_zone() == ZoneInfo("Asia/Tokyo")
    monkeypatch.delenv("TZ")
    link = tmp_path / "localtime"
    target = tmp_path / "var/db/timezone/zoneinfo/Europe/Paris"  # macOS's layout
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    link.symlink_to(target)
    assert system_zone(link) == ZoneInfo("Europe/Paris")
    assert system_zone(tmp_path / "missing").utcoffset(datetime.now()) is not None  # a fixed offset, at worst


@pytest.mark.parametrize(
    ("mac_zone", "start"), [("Europe/Paris", "2025-06-16T15:00:00"), ("America/New_York", "2025-06-16T09:00:00")]
)
def test_calendar_and_reminders_use_the_macs_zone(
    mac: FakeMac, monkeypatch: pytest.MonkeyPatch, mac_zone: str, start: str
) -> None:
    monkeypatch.setenv("TZ", mac_zone)
    mac.respond("calendar_create_event", "ok\nWork\n0\n")
    mac.respond("reminders_create", "ok\nReminders\n")
    ctx = CallContext(call_id="t", deadline_s=10, timezone="America/New_York", send_drafts=False)
    backend = MacOSBackend()
    backend.call("create_calendar_event", ("Standup", "2025-06-16 09:00:00", "", "", [], "", ""), ctx)
    backend.call("create_reminder", ("Pay rent", "2025-06-16 09:00:00", "", "", 0, False), ctx)
    backend.call("create_reminder", ("Trip", "2025-06-16", "", "", 0, True), ctx)
    argvs = [c["argv"] for c in mac.calls() if c["prog"] == "osascript"]
    assert argvs[0][2:4] == [start, start[:11] + f"{int(start[11:13]) + 1:02d}" + start[13:]]
    assert argvs[1][-1] == start
    assert argvs[2][-2:] == ["date", "2025-06-16T00:00:00"]  # a day stays the same day
