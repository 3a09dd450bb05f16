"""MacOSBackend on Linux: osascript, open and mdfind are recording stand-ins (tests/macos_fakes.py).

Golden files under tests/golden/macos/: ``argv/<case>.json`` is the exact command list a tool
call ran, ``scripts/<name>.applescript`` a copy of each shipped script. After an intended change
run ``TINYAGENT_UPDATE_GOLDEN=1 pytest tests/test_workers_macos_backend.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fake_zoom import FakeZoom, running_fake_zoom
from macos_fakes import FakeMac
from tinyagent.tools.registry import TOOL_NAMES
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos import MacOSBackend
from tinyagent.workers.macos.dates import event_window
from tinyagent.workers.macos.runner import SCRIPTS_DIR, clean_error
from tinyagent.workers.macos.scope import FileScope
from tinyagent.workers.macos.zoom import ZoomConfig
from tinyagent.workers.sandbox.pdf import write_text_pdf

GOLDEN = Path(__file__).parent / "golden" / "macos"
UPDATE = os.environ.get("TINYAGENT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def mac(mac: FakeMac, monkeypatch: pytest.MonkeyPatch) -> FakeMac:
    monkeypatch.setenv("TZ", "Europe/Istanbul")  # the fake Mac's zone: the requests' (ctx) zone, unless a test moves it
    return mac


@pytest.fixture
def zoom_server() -> Iterator[FakeZoom]:
    with running_fake_zoom(token="tok") as server:
        yield server


@pytest.fixture
def backend(zoom_server: FakeZoom, tmp_path: Path) -> MacOSBackend:
    # Files may come from the canned Spotlight hits' home and from the test's own folder.
    scope = FileScope.of(["/Users/u", tmp_path])
    return MacOSBackend(zoom_config=ZoomConfig(token="tok", api_base=zoom_server.base_url), file_scope=scope)


def ctx(*, send: bool = False, deadline: float = 20.0) -> CallContext:
    return CallContext(call_id="t1", deadline_s=deadline, timezone="Europe/Istanbul", send_drafts=send)


def _normalise(calls: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    def fix(arg: str) -> str:
        return arg.replace(str(SCRIPTS_DIR), "<scripts>").replace(str(tmp), "<tmp>")

    return [{"prog": c["prog"], "argv": [fix(a) for a in c["argv"]]} for c in calls]


def check_golden(path: Path, actual: Any) -> None:
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with TINYAGENT_UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == actual, f"{path.name} differs from its golden"


def make_pdf(path: Path, text: str) -> Path:
    """A one-page text PDF, written with the sandbox's own minimal PDF writer."""
    write_text_pdf(path, text, [])
    return path


@dataclass
class Case:
    name: str
    tool: str
    args: tuple[Any, ...]
    expected: str
    responses: dict[str, list[str]] = field(default_factory=dict)
    send: bool = False


# "<tmp>" in args and expected strings is the test's temp dir.
CASES = [
    Case(
        "calendar_event",
        "create_calendar_event",
        ("Team sync", "2026-12-01 10:00:00", "", "Room 4", ["ana@example.com", "Bo"], None, "Work"),
        'Event created successfully in the "Work" calendar.',
        {"contacts_lookup": ["ok\nbo@example.com\n"], "calendar_create_event": ["ok\nWork\n2\n"]},
    ),
    Case(
        "calendar_event_default_calendar",
        "create_calendar_event",
        ("Dentist", "", "2026-02-28 23:30:00", "", [], "bring card", "None"),
        'Event created successfully in the "Home" calendar.',
        {"calendar_create_event": ["ok\nHome\n0\n"]},
    ),
    Case(
        "phone_number",
        "get_phone_number",
        ("Sid Smith",),
        "+1(555) 010-2030",
        {"contacts_lookup": ["ok\n(555) 010-2030\n"]},
    ),
    Case(
        "phone_number_international",
        "get_phone_number",
        ("Ayşe",),
        "+90 212 555 0101",
        {"contacts_lookup": ["ok\n+90 212 555 0101\n"]},
    ),
    Case(
        "email_address",
        "get_email_address",
        ("Sid",),
        "sid@example.com",
        {"contacts_lookup": ["ok\nsid@example.com\n"]},
    ),
    Case(
        "open_file_exact",
        "open_and_get_file_path",
        ("Report.pdf",),
        "/Users/u/Documents/report.pdf",
        {"mdfind": ["/Users/u/Old/report-v1.pdf\n/Users/u/Documents/report.pdf\n"]},
    ),
    Case(
        "open_file_fuzzy",
        "open_and_get_file_path",
        ("quartely report.pdf",),
        "/Users/u/quarterly report.pdf",
        {"mdfind": ["", "/Users/u/notes.txt\n/Users/u/quarterly report.pdf\n"]},
    ),
    Case(
        "summarize_pdf",
        "summarize_pdf",
        ("<tmp>/q3.pdf",),
        "Revenue grew 12 percent in Q3.",
    ),
    Case(
        "compose_email",
        "compose_new_email",
        (["ana@example.com"], "Bo", "Lunch?", "Are you free at noon?", ["<tmp>/menu.txt"]),
        "New email composed successfully with attachments and cc. (Body: 21 characters, 1 attachment.)",
        {"contacts_lookup": ["ok\nbo@example.com\n"], "mail_compose": ["ok\ndrafted\n21\n1\n"]},
    ),
    Case(
        "compose_email_send",
        "compose_new_email",
        ("ana@example.com", [], "Hi", "", []),
        "New email sent successfully with attachments and cc. (Body: 0 characters, 0 attachments.)",
        {"mail_compose": ["ok\nsent\n0\n0\n"]},
        send=True,
    ),
    Case(
        "reply_email",
        "reply_to_email",
        (["cc@example.com"], "Thanks, see you then.", []),
        "Saved a reply to the selected email in Drafts. (Body: 120 characters, 0 attachments.)",
        {"mail_reply": ["ok\ndrafted\n120\n0\n"]},
    ),
    Case(
        "forward_email",
        "forward_email",
        (["ana@example.com"], [], "FYI", ["<tmp>/menu.txt"]),
        "Saved a forward of the selected email in Drafts. (Body: 300 characters, 1 attachment.)",
        {"mail_forward": ["ok\ndrafted\n300\n1\n"]},
    ),
    Case(
        "maps_location",
        "maps_open_location",
        ("Golden Gate Park, San Francisco",),
        "Location of Golden Gate Park, San Francisco in Apple Maps: "
        "https://maps.apple.com/?q=Golden+Gate+Park%2C+San+Francisco",
    ),
    Case(
        "maps_directions",
        "maps_show_directions",
        ("1 Infinite Loop, Cupertino", "SFO", "w"),
        "Directions to SFO in Apple Maps: "
        "https://maps.apple.com/?saddr=1+Infinite+Loop%2C+Cupertino&daddr=SFO&dirflg=w",
    ),
    Case(
        "maps_directions_defaults",
        "maps_show_directions",
        ("", "Ferry Building", "teleport"),
        "Directions to Ferry Building in Apple Maps: https://maps.apple.com/?daddr=Ferry+Building&dirflg=d",
    ),
    Case(
        "create_note",
        "create_note",
        ("Groceries", "milk\neggs & <ham>", "Home"),
        "Note created and focused successfully.",
        {"notes_create": ["ok\nHome\n"]},
    ),
    Case(
        "open_note",
        "open_note",
        ("groceries", ""),
        "Groceries\nmilk\neggs & ham",
        {
            "notes_list": ["ok\nx-coredata://1/ICNote/p1\x1fWork plan\x1ex-coredata://1/ICNote/p2\x1fGroceries\n"],
            "notes_read": ["ok\n<div><h1>Groceries</h1></div><div>milk</div><div>eggs &amp; ham</div>\n"],
        },
    ),
    Case(
        "append_note",
        "append_note_content",
        ("Grocery", "bread", "Home"),
        "Content appended to note 'Groceries' successfully.",
        {
            "notes_list": ["ok\nx-coredata://1/ICNote/p1\x1fWork plan\x1ex-coredata://1/ICNote/p2\x1fGroceries\n"],
            "notes_append": ["ok\nGroceries\n"],
        },
    ),
    Case(
        "reminder_all_day",
        "create_reminder",
        ("Call mom", "2026-12-01", "", "Family", 0, True),
        "Reminder 'Call mom' created successfully in the 'Family' list.",
        {"reminders_create": ["ok\nFamily\n"]},
    ),
    Case(
        "reminder_timed_default_list",
        "create_reminder",
        ("Pay rent", "2026-12-01 09:00:00", "transfer", "", 1, False),
        "Reminder 'Pay rent' created successfully in the 'Reminders' list.",
        {"reminders_create": ["ok\nReminders\n"]},
    ),
    Case(
        "reminder_no_due_date",
        "create_reminder",
        ("Buy stamps", "", "", "", 0, False),
        "Reminder 'Buy stamps' created successfully in the 'Reminders' list.",
        {"reminders_create": ["ok\nReminders\n"]},
    ),
    Case(
        "sms_draft",
        "send_sms",
        (["+15550102030", "Sid"], "On my way & 5 min late"),
        "SMS draft: a conversation with +15550102030 is open in Messages. Add +44 20 7946 0000 to it. macOS "
        'does not let a link fill in the text; type or paste it: "On my way & 5 min late"',
        {"contacts_lookup": ["ok\n+44 20 7946 0000\n"]},
    ),
    Case(
        "sms_send",
        "send_sms",
        ("+15550102030", "On my way"),
        "SMS sent",
        {"messages_send": ["ok\nsingle\n"]},
        send=True,
    ),
    Case(
        "sms_send_group",
        "send_sms",
        (["+15550102030", "+44 20 7946 0000"], "On my way"),
        "SMS sent to the group chat",
        {"messages_send": ["ok\ngroup\n"]},
        send=True,
    ),
    Case(
        "zoom_link",
        "get_zoom_meeting_link",
        ("Sync", "2026-12-01 10:00:00", 30, ["ana@example.com"]),
        "https://us05web.zoom.us/j/81234567891?pwd=fakepwd",
    ),
]


def _fill(value: Any, tmp: Path) -> Any:
    if isinstance(value, str):
        return value.replace("<tmp>", str(tmp))
    if isinstance(value, list):
        return [_fill(v, tmp) for v in value]
    return value


@pytest.fixture
def files(tmp_path: Path) -> Path:
    make_pdf(tmp_path / "q3.pdf", "Revenue grew 12 percent in Q3.")
    (tmp_path / "menu.txt").write_text("soup", encoding="utf-8")
    return tmp_path


def test_cases_cover_every_tool() -> None:
    assert {c.tool for c in CASES} == set(TOOL_NAMES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_tool_call_argv_and_result(case: Case, mac: FakeMac, backend: MacOSBackend, files: Path) -> None:
    for key, answers in case.responses.items():
        mac.respond(key, *answers)
    args = tuple(_fill(a, files) for a in case.args)
    result = backend.call(case.tool, args, ctx(send=case.send))
    assert result == _fill(case.expected, files)
    calls = mac.calls()
    for call in calls:
        if call["prog"] == "osascript":
            # A script file from the package, never -e with generated source.
            assert Path(call["argv"][0]).parent == SCRIPTS_DIR
            assert Path(call["argv"][0]).is_file()
    check_golden(GOLDEN / "argv" / f"{case.name}.json", _normalise(calls, files))


def test_zoom_case_sent_the_fixed_body(mac: FakeMac, backend: MacOSBackend, zoom_server: FakeZoom) -> None:
    mac.respond("contacts_lookup", "ok\nbo@example.com\n")
    backend.call("get_zoom_meeting_link", ("Sync", "2026-12-01 10:00:00", 30, ["Bo"]), ctx())
    assert zoom_server.requests[-1]["body"]["settings"] == {"meeting_invitees": [{"email": "bo@example.com"}]}
    assert zoom_server.requests[-1]["body"]["start_time"] == "2026-12-01T07:00:00Z"


def test_note_body_is_escaped_html(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("notes_create", "ok\nNotes\n")
    backend.call("create_note", ("<b>Plan</b>", "a & b\n<script>", ""), ctx())
    [call] = mac.calls()
    assert call["argv"][2] == (
        "<div><h1>&lt;b&gt;Plan&lt;/b&gt;</h1></div><div>a &amp; b</div><div>&lt;script&gt;</div>"
    )


# --- error mapping ---------------------------------------------------------------------------


def failure(backend: MacOSBackend, tool: str, args: tuple[Any, ...], **kw: Any) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        backend.call(tool, args, ctx(**kw))
    return info.value


def test_unknown_contact(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("contacts_lookup", "not_found\n")
    err = failure(backend, "get_email_address", ("Nobody Here",))
    assert (err.code, err.message) == ("not_found", "No contacts found")
    assert mac.calls()[0]["argv"][1:] == ["email", "Nobody Here", "Nobody"]


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        ("get_phone_number", "Contact doesn't appear to have a phone number."),
        ("get_email_address", "Contact doesn't appear to have an email address."),
    ],
)
def test_contact_without_value(mac: FakeMac, backend: MacOSBackend, tool: str, message: str) -> None:
    mac.respond("contacts_lookup", "no_value\n")
    err = failure(backend, tool, ("Sid",))
    assert (err.code, err.message) == ("not_found", message)


def test_unknown_recipient_name_stops_the_email(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("contacts_lookup", "not_found\n")
    err = failure(backend, "compose_new_email", (["Nobody"], [], "s", "b", []))
    assert err.code == "not_found"
    assert [c["key"] for c in mac.calls()] == ["contacts_lookup.applescript"]


def test_missing_file(mac: FakeMac, backend: MacOSBackend) -> None:
    err = failure(backend, "open_and_get_file_path", ("nothing.pdf",))
    assert (err.code, err.message) == ("not_found", "No file found with exact or fuzzy name.")
    assert [c["argv"] for c in mac.calls()] == [["-name", "nothing.pdf"], ["-name", "nothing"]]


def test_missing_attachment(mac: FakeMac, backend: MacOSBackend) -> None:
    err = failure(backend, "compose_new_email", (["a@example.com"], [], "s", "b", ["/nope/x.pdf"]))
    assert err.code == "not_found"
    assert all(c["prog"] == "mdfind" for c in mac.calls())


def test_summarize_pdf_not_a_pdf(mac: FakeMac, backend: MacOSBackend, tmp_path: Path) -> None:
    bogus = tmp_path / "fake.pdf"
    bogus.write_text("not a pdf", encoding="utf-8")
    err = failure(backend, "summarize_pdf", (str(bogus),))
    assert err.code == "invalid_argument"


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        ("reply_to_email", ([], "x", []), "An email has to be viewed in Mail to reply to it."),
        (
            "forward_email",
            (["a@example.com"], [], "x", []),
            "An email has to be viewed in Mail to forward it.",
        ),
    ],
)
def test_no_selected_email(mac: FakeMac, backend: MacOSBackend, tool: str, args: tuple[Any, ...], message: str) -> None:
    mac.respond("mail_reply", "no_selection\n")
    mac.respond("mail_forward", "no_selection\n")
    err = failure(backend, tool, args)
    assert (err.code, err.message) == ("no_selection", message)


@pytest.mark.parametrize(
    ("tool", "args", "needle"),
    [
        ("create_calendar_event", ("t", "tomorrow at 5", "", "", [], "", ""), "start_date"),
        (
            "create_calendar_event",
            ("t", "2026-12-01 10:00:00", "2026-13-01 10:00:00", "", [], "", ""),
            "end_date",
        ),
        (
            "create_calendar_event",
            ("t", "2026-12-01 10:00:00", "2026-12-01 09:00:00", "", [], "", ""),
            "before",
        ),
        ("create_reminder", ("r", "someday", "", "", 0, False), "due_date"),
        ("create_reminder", ("r", "2026-02-30", "", "", 0, True), "due_date"),
        ("create_reminder", ("r", "2026-12-01", "", "", 11, True), "priority"),
        ("get_zoom_meeting_link", ("t", "noon", 30, []), "start_time"),
    ],
)
def test_bad_dates_are_invalid_arguments(
    mac: FakeMac, backend: MacOSBackend, tool: str, args: tuple[Any, ...], needle: str
) -> None:
    err = failure(backend, tool, args)
    assert err.code == "invalid_argument"
    assert needle in err.message
    assert mac.calls() == []


def test_calendar_without_a_writable_calendar(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("calendar_create_event", "no_calendar\n")
    err = failure(backend, "create_calendar_event", ("t", "2026-12-01 10:00:00", "", "", [], "", "Nope"))
    assert err.message == "Can't find a default calendar. Please try again and specify a calendar name."


def test_script_error_keeps_upstreams_wording(mac: FakeMac, backend: MacOSBackend) -> None:
    stderr = "/x/reminders_create.applescript: execution error: Reminders got an error: AppleEvent timed out. (-1712)\n"
    mac.respond("reminders_create", {"stderr": stderr, "rc": 1})
    err = failure(backend, "create_reminder", ("r", "", "", "", 0, False))
    assert (err.code, err.message) == (
        "failed",
        "Failed to create reminder: Reminders got an error: AppleEvent timed out.",
    )


def test_permission_denied_is_unavailable(mac: FakeMac, backend: MacOSBackend) -> None:
    stderr = "execution error: Not authorized to send Apple events to Contacts. (-1743)\n"
    mac.respond("contacts_lookup", {"stderr": stderr, "rc": 1})
    err = failure(backend, "get_phone_number", ("Sid",))
    assert err.code == "unavailable"
    assert "Contacts" in err.message and "Automation" in err.message


def test_not_on_macos(backend: MacOSBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no osascript, open or mdfind anywhere
    for tool, args in [("get_phone_number", ("Sid",)), ("maps_open_location", ("Paris",))]:
        err = failure(backend, tool, args)
        assert (err.code, err.message) == ("unavailable", "This method is only supported on MacOS")


def test_deadline_bounds_the_script(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("contacts_lookup", {"stdout": "ok\nlate\n", "sleep": 10})
    err = failure(backend, "get_phone_number", ("Sid",), deadline=0.5)
    assert err.code == "timeout"  # not "failed": the app may still act on the delivered Apple Event
    assert "did not finish" in err.message


def test_wrong_arity_and_unknown_tool(mac: FakeMac, backend: MacOSBackend) -> None:
    assert failure(backend, "get_phone_number", ()).code == "invalid_argument"
    assert failure(backend, "rm_rf", ("x",)).code == "invalid_argument"
    assert mac.calls() == []


def test_send_sms_failure_wording(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("messages_send", {"stderr": "execution error: Messages got an error: nope (-1708)", "rc": 1})
    err = failure(backend, "send_sms", (["+15550102030"], "hi"), send=True)
    assert (err.code, err.message) == (
        "failed",
        "An error occurred while composing the SMS: Messages got an error: nope",
    )


def test_existing_path_is_opened_without_spotlight(mac: FakeMac, backend: MacOSBackend, files: Path) -> None:
    path = str(files / "menu.txt")
    assert backend.call("open_and_get_file_path", (path,), ctx()) == path
    assert [(c["prog"], c["argv"]) for c in mac.calls()] == [("open", [path])]


def test_event_window_defaults() -> None:
    start, end = event_window("", "", "UTC")
    assert end - start == timedelta(hours=1)
    assert event_window("2026-12-01 10:00:00", "", "UTC")[1] == datetime(2026, 12, 1, 11)
    # An explicit offset is converted to the user's wall-clock time.
    assert event_window("2026-12-01T10:00:00+00:00", "", "Europe/Istanbul")[0] == datetime(2026, 12, 1, 13)


def test_clean_error() -> None:
    stderr = '/s/x.applescript:120:135: execution error: Notes got an error: Can’t get note id "x". (-1728)\n'
    assert clean_error(stderr) == 'Notes got an error: Can’t get note id "x".'
    assert clean_error("") == "unknown error"


def test_launcher_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinyagent.workers.macos import create_backend

    monkeypatch.setenv("TINYAGENT_ZOOM_TOKEN", "from-env")
    backend = create_backend(tmp_path)
    assert backend.name == "macos"
    backend.close()


def test_exact_file_match_ignores_unicode_normal_form(mac: FakeMac, backend: MacOSBackend) -> None:
    decomposed = "/Users/u/Cafe\u0301 menu.pdf"  # how macOS stores "Café menu.pdf"
    mac.respond("mdfind", f"/Users/u/Cafe menu.pdf\n{decomposed}\n")
    assert backend.call("open_and_get_file_path", ("café menu.pdf",), ctx()) == decomposed


def test_sms_to_several_without_a_group_chat_says_it_went_separately(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("messages_send", "ok\nseparately\n", "no_account\n", "ok\nmaybe\n")
    result = backend.call("send_sms", (["+15550102030", "+15550102031"], "hi"), ctx(send=True))
    assert result.startswith("SMS sent to each recipient separately")
    assert failure(backend, "send_sms", (["+15550102030"], "hi"), send=True).code == "unavailable"
    assert failure(backend, "send_sms", (["+15550102030"], "hi"), send=True).code == "failed"  # never claims success


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("body_lost\n", "Mail did not take the message text; nothing was sent."),
        ("attachments_missing\n1\n", "Mail attached only 1 of the files in time; nothing was sent."),
        ("ok\nsent\n", "Unexpected output from the mail script: 'ok'"),
    ],
)
def test_mail_never_claims_what_the_script_did_not_report(
    mac: FakeMac, backend: MacOSBackend, answer: str, message: str
) -> None:
    mac.respond("mail_reply", answer)
    err = failure(backend, "reply_to_email", ([], "On my way", []), send=True)
    assert (err.code, err.message) == ("failed", message)


def test_invitees_a_local_calendar_refused_are_reported(mac: FakeMac, backend: MacOSBackend) -> None:
    mac.respond("calendar_create_event", "ok\nOn My Mac\n0\n")
    result = backend.call(
        "create_calendar_event", ("Sync", "2026-12-01 10:00:00", "", "", ["a@x.io", "b@x.io"], "", ""), ctx()
    )
    assert result == (
        'Event created successfully in the "On My Mac" calendar. '
        "2 of 2 invitees could not be added to this calendar: invite them yourself."
    )
