"""The shipped AppleScripts as data, and hostile inputs through MacOSBackend.

Script goldens: ``tests/golden/macos/scripts/`` holds a copy of every script; a script that
changes without its copy fails here. Update with ``TINYAGENT_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from macos_fakes import FakeMac
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos import MacOSBackend
from tinyagent.workers.macos.notes import note_html, to_html
from tinyagent.workers.macos.runner import SCRIPTS_DIR
from tinyagent.workers.macos.zoom import ZoomConfig

GOLDEN_SCRIPTS = Path(__file__).parent / "golden" / "macos" / "scripts"
UPDATE = os.environ.get("TINYAGENT_UPDATE_GOLDEN") == "1"
SCRIPTS = sorted(SCRIPTS_DIR.glob("*.applescript"))


def test_scripts_match_their_goldens() -> None:
    if UPDATE:
        shutil.rmtree(GOLDEN_SCRIPTS, ignore_errors=True)
        GOLDEN_SCRIPTS.mkdir(parents=True)
        for script in SCRIPTS:
            shutil.copyfile(script, GOLDEN_SCRIPTS / script.name)
    assert [p.name for p in SCRIPTS] == sorted(p.name for p in GOLDEN_SCRIPTS.glob("*.applescript"))
    for script in SCRIPTS:
        golden = (GOLDEN_SCRIPTS / script.name).read_text(encoding="utf-8")
        assert script.read_text(encoding="utf-8") == golden, (
            f"{script.name} changed; if intended, rerun with TINYAGENT_UPDATE_GOLDEN=1 and review the diff"
        )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_reads_argv_and_runs_no_shell(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())  # without comments
    assert re.search(r"^on run argv$", code, re.MULTILINE)
    for forbidden in (
        "do shell script",
        "run script",
        "System Events",
        "keystroke",
        "load script",
        "osascript",
    ):
        assert forbidden.lower() not in code.lower()
    # The only string literals are fixed words; no user data is ever baked into a script.
    assert text.isascii()


# --- hostile inputs --------------------------------------------------------------------------


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


def hostile_inputs(marker: Path) -> list[str]:
    return [
        'Bob "The Builder"',
        f'" & do shell script "touch {marker}" & "',
        f'\'; do shell script "touch {marker}" --',
        'back\\slash \\" end',
        "line one\nline two\r\nthree",
        f"$(touch {marker})",
        f"`touch {marker}`; touch {marker}",
        "Erdoğan 🎉 naïve — 東京",
        "-e",
        "«data utxt0041»",
    ]


def _ctx(send: bool = False) -> CallContext:
    return CallContext(call_id="h", deadline_s=20.0, timezone="UTC", send_drafts=send)


def _script_args(mac: FakeMac, script: str) -> list[dict[str, Any]]:
    return [c for c in mac.calls() if c["key"] == f"{script}.applescript"]


def _assert_byte_exact(call: dict[str, Any], index: int, value: str) -> None:
    assert call["argv"][index] == value
    assert bytes.fromhex(call["argv_hex"][index]) == value.encode("utf-8")


def _run_all_tools_with(backend: MacOSBackend, mac: FakeMac, text: str) -> None:
    mac.respond("contacts_lookup", "ok\nx@example.com\n")
    mac.respond("calendar_create_event", "ok\nWork\n0\n")
    mac.respond("reminders_create", "ok\nInbox\n")
    mac.respond("mail_compose", "ok\ndrafted\n5\n0\n")
    mac.respond("mail_reply", "ok\ndrafted\n5\n0\n")
    mac.respond("mail_forward", "ok\ndrafted\n5\n0\n")
    mac.respond("notes_create", "ok\nNotes\n")
    mac.respond("notes_list", f"ok\nid-1\x1f{text}\n")
    mac.respond("notes_read", "ok\n<div>body</div>\n")
    mac.respond("notes_append", "ok\nx\n")
    mac.respond("messages_send", "ok\nsingle\n")
    mac.respond("mdfind", "/Users/u/found.pdf\n")
    call = backend.call
    call("get_phone_number", (text,), _ctx())
    call("create_calendar_event", (text, "2026-12-01 10:00:00", "", text, [], text, text), _ctx())
    call("create_reminder", (text, "", text, text, 0, False), _ctx())
    call("compose_new_email", (["a@example.com"], [], text, text, []), _ctx())
    call("reply_to_email", ([], text, []), _ctx())
    call("forward_email", (["a@example.com"], [], text, []), _ctx())
    call("create_note", (text, text, text), _ctx())
    call("open_note", (text, text), _ctx())
    call("append_note_content", (text, text, text), _ctx())
    call("send_sms", (["+15550100"], text), _ctx(send=True))
    call("send_sms", (["+15550100"], text), _ctx())
    call("maps_open_location", (text,), _ctx())
    call("maps_show_directions", (text, text, "d"), _ctx())
    with pytest.raises(ToolFailure):  # no file is close enough to a hostile name: not found, after the search
        call("open_and_get_file_path", (text,), _ctx())


@pytest.mark.parametrize("index", range(10))
def test_hostile_text_reaches_argv_unchanged(mac: FakeMac, marker: Path, index: int) -> None:
    text = hostile_inputs(marker)[index]
    backend = MacOSBackend(zoom_config=ZoomConfig(token=None))
    pwned_before = Path("/tmp/pwned").exists()
    _run_all_tools_with(backend, mac, text)

    _assert_byte_exact(_script_args(mac, "contacts_lookup")[0], 2, text)
    calendar = _script_args(mac, "calendar_create_event")[0]
    for i in (1, 4, 5, 6):  # title, location, notes, calendar
        _assert_byte_exact(calendar, i, text)
    reminder = _script_args(mac, "reminders_create")[0]
    for i in (1, 2, 3):  # name, notes, list
        _assert_byte_exact(reminder, i, text)
    for i in (1, 2):  # subject, body
        _assert_byte_exact(_script_args(mac, "mail_compose")[0], i, text)
    _assert_byte_exact(_script_args(mac, "mail_reply")[0], 1, text)
    _assert_byte_exact(_script_args(mac, "mail_forward")[0], 1, text)
    created = _script_args(mac, "notes_create")[0]
    _assert_byte_exact(created, 1, text)
    _assert_byte_exact(created, 2, note_html(text, text))  # escaped HTML, built in Python
    _assert_byte_exact(_script_args(mac, "notes_list")[0], 1, text)
    _assert_byte_exact(_script_args(mac, "notes_append")[0], 2, to_html(text))
    _assert_byte_exact(_script_args(mac, "messages_send")[0], 1, text)
    opened = [c["argv"][0] for c in mac.calls() if c["prog"] == "open"]
    sms, location, directions = opened[0], opened[1], opened[2]
    assert sms == "sms:+15550100"  # the documented form: the text never travels in it
    assert parse_qs(urlsplit(location).query)["q"] == [text]
    assert parse_qs(urlsplit(directions).query)["saddr"] == [text]
    assert parse_qs(urlsplit(directions).query)["daddr"] == [text]
    mdfind = next(c for c in mac.calls() if c["prog"] == "mdfind")
    assert mdfind["argv"][0] == "-name"
    _assert_byte_exact(mdfind, 1, text.strip())

    for call in mac.calls():
        if call["prog"] == "osascript":
            assert Path(call["argv"][0]).parent == SCRIPTS_DIR
    for script in SCRIPTS:
        assert text not in script.read_text(encoding="utf-8")
    assert not marker.exists()
    assert Path("/tmp/pwned").exists() == pwned_before


def test_nul_is_rejected_before_running_anything(mac: FakeMac) -> None:
    backend = MacOSBackend(zoom_config=ZoomConfig(token=None))
    with pytest.raises(ToolFailure) as info:
        backend.call("get_phone_number", ("Sid\x00Smith",), _ctx())
    assert info.value.code == "invalid_argument"
    assert mac.calls() == []
