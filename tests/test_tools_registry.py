"""Tool registry: upstream fidelity, JSON schema, argument validation, selection."""

from __future__ import annotations

import pytest

from tinyagent.errors import InvalidRequest
from tinyagent.tools.registry import (
    APPS,
    TOOL_NAMES,
    TOOLS,
    ArgType,
    Effect,
    ToolSet,
    get_tool,
    reference_id,
)

# Upstream §2.1 verbatim (SqueezeAILab/TinyAgent, MIT): the 16 descriptions, blank-line separated.
UPSTREAM_DESCRIPTIONS = """\
create_calendar_event(title: str, start_date: str, end_date: str, location: str, invitees: list[str], notes: str, calendar: str) -> str
 - Create a calendar event.
 - The format for start_date and end_date is 'YYYY-MM-DD HH:MM:SS'.
 - For invitees, you need a list of email addresses; use an empty list if not applicable.
 - For location, notes, and calendar, use an empty string or None if not applicable.
 - Returns the status of the event creation.

get_phone_number(name: str) -> str
 - Search for a contact by name.
 - Returns the phone number of the contact.

get_email_address(name: str) -> str
 - Search for a contact by name.
 - Returns the email address of the contact.

open_and_get_file_path(file_name: str) -> str
 - Opens the file and returns its path.

summarize_pdf(pdf_path: str) -> str
 - Summarizes the content of a PDF file and returns the summary.
 - This tool can only be used AFTER calling open_and_get_file_path tool to get the PDF file path.

compose_new_email(recipients: list[str], cc: list[str], subject: str, context: str, attachments: list[str]) -> str
 - Composes a new email and returns the status of the email composition.
 - The recipients and cc parameters can be a single email or a list of emails.
 - The attachments parameter can be a single file path or a list of file paths.
 - The context parameter is optional and should only be used to pass down some intermediate result. Otherwise, just leave it as empty string.
 - You MUST put a map location in the 'context' parameter if you want to send a location in the email.
 - If you want to send a zoom link, you MUST put the zoom link in the 'context' parameter.

reply_to_email(cc: list[str], context: str, attachments: list[str]) -> str
 - Replies to the currently selected email in Mail with the given content.
 - The cc parameter can be a single email or a list of emails.
 - The attachments parameter can be a single file path or a list of file paths.
 - The context parameter is optional and should only be used to pass down some intermediate result. Otherwise, just leave it as empty string.

forward_email(recipients: list[str], cc: list[str], context: str, attachments: list[str]) -> str
 - Forwards the currently selected email in Mail with the given content.
 - The recipients and cc parameters can be a single email or a list of emails.
 - The attachments parameter can be a single file path or a list of file paths.
 - The context parameter is optional and should only be used to pass down some intermediate result. Otherwise, just leave it as empty string.

maps_open_location(location: str) -> str
 - Opens the specified location in Apple Maps.
 - The query can be a place name, address, or coordinates.
 - Returns the URL of the location in Apple Maps.

maps_show_directions(start_location: str, end_location: str, transport: str) -> str
 - Show directions from a start location to an end location in Apple Maps.
 - The transport parameter defaults to 'd' (driving), but can also be 'w' (walking) or 'r' (public transit).
 - The start location can be left empty to default to the current location of the device.
 - Returns the URL of the location and directions in Apple Maps.

create_note(name: str, content: str, folder: str) -> str
 - Creates a new note with the given content.
 - The name is used as the title of the note.
 - The content is the main text of the note.
 - The folder is optional, use an empty string if not applicable.
 - Returns the status of the note creation.

open_note(name: str, folder: str) -> str
 - Opens an existing note by its name.
 - If a folder is specified, the note is created in that folder; otherwise, it's created in the default folder.
 - Returns the content of the note.

append_note_content(name: str, content: str, folder: str) -> str
 - Appends content to an existing note.
 - If a folder is specified, the note is created in that folder; otherwise, it's created in the default folder.
 - Returns the status of the content appending.

create_reminder(name: str, due_date: str, notes: str, list_name: str, priority: int, all_day: bool) -> str
 - Creates a new reminder and returns the status of the reminder creation.
 - The format for due_date is 'YYYY-MM-DD HH:MM:SS'. If 'all_day' is True, then the format is 'YYYY-MM-DD'.
 - The list_name is optional, use an empty string if not applicable.
 - The priority is optional and defaults to 0.
 - The all_day parameter is optional and defaults to False.

send_sms(recipients: list[str], message: str) -> str
 - Send an SMS to a list of phone numbers.
 - The recipients argument can be a single phone number or a list of phone numbers.
 - Returns the status of the SMS.

get_zoom_meeting_link(topic: str, start_time: str, duration: int, meeting_invitees: Sequence[str]) -> str
 - Creates a Zoom meeting and returns the join URL.
 - You need to call create_calendar_event to attach the zoom link as a note to the calendar event, or compose_new_email to send the link to the invitees in the body of the email.
 - 'topic', 'start_time', 'duration', and 'meeting_invitees' are required.
 - 'duration' is in minutes.
 - The format for start_time is 'YYYY-MM-DD HH:MM:SS'.
"""  # noqa: E501

UPSTREAM_APPS = {
    "calendar": ["create_calendar_event"],
    "contacts": ["get_phone_number", "get_email_address"],
    "files": ["open_and_get_file_path", "summarize_pdf"],
    "mail": ["compose_new_email", "reply_to_email", "forward_email"],
    "maps": ["maps_open_location", "maps_show_directions"],
    "notes": ["create_note", "open_note", "append_note_content"],
    "reminders": ["create_reminder"],
    "sms": ["send_sms"],
    "zoom": ["get_zoom_meeting_link"],
}
WRITERS = {
    "create_calendar_event",
    "compose_new_email",
    "reply_to_email",
    "forward_email",
    "create_note",
    "append_note_content",
    "create_reminder",
    "send_sms",
    "get_zoom_meeting_link",
}


def test_descriptions_are_byte_identical_to_upstream() -> None:
    assert "\n".join(t.planner_description for t in TOOLS) == UPSTREAM_DESCRIPTIONS


def test_each_description_matches_its_upstream_block() -> None:
    blocks = UPSTREAM_DESCRIPTIONS.split("\n\n")
    assert len(blocks) == 16
    for spec, block in zip(TOOLS, blocks, strict=True):
        assert spec.planner_description.rstrip("\n") == block.rstrip("\n"), spec.name


def test_labels_are_upstream_positions_and_names_unique() -> None:
    assert [t.label for t in TOOLS] == list(range(16))
    assert len(set(TOOL_NAMES)) == 16
    assert TOOL_NAMES[0] == "create_calendar_event" and TOOL_NAMES[15] == "get_zoom_meeting_link"


def test_apps_map_matches_upstream() -> None:
    assert set(APPS) == set(UPSTREAM_APPS)
    for app, names in UPSTREAM_APPS.items():
        assert [t.name for t in TOOLS if t.app == app] == names


def test_effects() -> None:
    assert {t.name for t in TOOLS if t.writes} == WRITERS
    opens = {t.name for t in TOOLS if t.effect is Effect.OPENS_APP}
    assert opens == {"maps_open_location", "maps_show_directions", "open_and_get_file_path"}
    assert all(t.has_side_effects for t in TOOLS if t.name in WRITERS | opens)
    assert not get_tool("get_email_address").has_side_effects


def test_openai_schema_properties_in_positional_order() -> None:
    schema = get_tool("create_reminder").openai_schema()
    fn = schema["function"]
    assert schema["type"] == "function" and fn["name"] == "create_reminder"
    params = fn["parameters"]
    assert list(params["properties"]) == ["name", "due_date", "notes", "list_name", "priority", "all_day"]
    assert params["required"] == list(params["properties"])
    assert params["properties"]["priority"] == {"type": "integer"}
    assert params["properties"]["all_day"] == {"type": "boolean"}
    assert fn["description"].startswith("Creates a new reminder")


def test_openai_schema_lists_and_nullables() -> None:
    props = get_tool("create_calendar_event").openai_schema()["function"]["parameters"]["properties"]
    assert props["invitees"] == {"type": "array", "items": {"type": "string"}}
    assert props["calendar"] == {"type": ["string", "null"]}
    assert props["title"] == {"type": "string"}
    zoom = get_tool("get_zoom_meeting_link")
    assert zoom.params[3].type is ArgType.STR_SEQUENCE
    assert zoom.openai_schema()["function"]["parameters"]["properties"]["meeting_invitees"]["type"] == "array"


def test_openai_tools_for_a_toolset() -> None:
    tools = ToolSet.for_apps(["sms"]).openai_tools()
    assert [t["function"]["name"] for t in tools] == ["send_sms"]


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("get_email_address", ("Sid",)),
        ("get_email_address", ("$1",)),
        ("create_calendar_event", ("t", "s", "e", None, [], None, None)),
        ("create_calendar_event", ("t", "s", "e", "", ("a@b.c",), "", "Work")),
        ("send_sms", ("$2", "hi")),  # a reference fits a list parameter
        ("send_sms", ("+15551234", "hi")),  # bare string for list[str], as upstream normalises
        ("send_sms", (["$1", "${2}"], "hi $1")),
        ("create_reminder", ("n", "2024-01-01", "", "", 0, False)),
        ("create_reminder", ("n", "2024-01-01", "", "", "$1", "${1}")),
        ("get_zoom_meeting_link", ("Apple Meeting", "2022-10-14 15:00:00", 60, ["$1"])),
    ],
)
def test_valid_args(tool: str, args: tuple[object, ...]) -> None:
    assert get_tool(tool).check_args(args) == []


@pytest.mark.parametrize(
    ("tool", "args", "code", "position"),
    [
        ("get_email_address", (), "wrong_arity", None),
        ("get_email_address", ("a", "b"), "wrong_arity", None),
        ("compose_new_email", (["$1"], [], "Meeting Postponed,", []), "wrong_arity", None),
        ("get_email_address", (3,), "wrong_type", 0),
        ("get_email_address", (None,), "wrong_type", 0),  # None only where upstream allows it
        ("create_reminder", ("n", "d", "", "", True, False), "wrong_type", 4),  # bool is not int
        ("create_reminder", ("n", "d", "", "", 0, 1), "wrong_type", 5),  # int is not bool
        ("create_reminder", ("n", "d", "", "", "3", False), "wrong_type", 4),  # str is not int
        ("create_reminder", ("n", "d", "", "", "$1 min", False), "wrong_type", 4),  # not a whole ref
        ("send_sms", ([1], "hi"), "wrong_type", 0),
        ("send_sms", (None, "hi"), "wrong_type", 0),
        ("get_zoom_meeting_link", ("t", "s", 1.5, []), "wrong_type", 2),
    ],
)
def test_invalid_args(tool: str, args: tuple[object, ...], code: str, position: int | None) -> None:
    issues = get_tool(tool).check_args(args)
    assert [(i.code, i.position) for i in issues] == [(code, position)]
    assert tool in issues[0].message


def test_arity_message_is_python_like() -> None:
    [issue] = get_tool("summarize_pdf").check_args(("a", "b"))
    assert issue.message == "summarize_pdf() takes 1 positional arguments but 2 were given"


def test_reference_id() -> None:
    assert reference_id("$3") == 3
    assert reference_id("${12}") == 12
    assert reference_id("$3 ") is None
    assert reference_id("x$3") is None
    assert reference_id(3) is None
    assert reference_id("${3") is None
    assert reference_id("$\u06f4") is None  # an Arabic-Indic digit is not a reference


def test_toolset_for_apps_keeps_registry_order() -> None:
    ts = ToolSet.for_apps(["sms", "contacts"])
    assert ts.names == ("get_phone_number", "get_email_address", "send_sms")
    assert ts.apps == ("contacts", "sms")
    assert "send_sms" in ts and "compose_new_email" not in ts
    assert len(ts) == 3 and ts.get("send_sms") is get_tool("send_sms") and ts.get("nope") is None


def test_toolset_all_and_empty() -> None:
    assert ToolSet.all().names == TOOL_NAMES
    assert len(ToolSet.for_apps([])) == 0


def test_toolset_unknown_app_lists_valid_ones() -> None:
    with pytest.raises(InvalidRequest) as exc:
        ToolSet.for_apps(["mail", "telegram"])
    assert "telegram" in exc.value.message and "calendar, contacts" in exc.value.message


def test_select_union_of_apps_and_tools() -> None:
    ts = ToolSet.all().select(apps=["maps"], tools=["send_sms"])
    assert ts.names == ("maps_open_location", "maps_show_directions", "send_sms")
    assert ToolSet.all().select() == ToolSet.all()
    assert ToolSet.all().select(tools=[]).names == ()


def test_select_unknown_or_disabled_names() -> None:
    enabled = ToolSet.for_apps(["contacts", "sms"])
    with pytest.raises(InvalidRequest) as exc:
        enabled.select(tools=["send_email"])
    assert exc.value.param == "tools"
    assert "send_email" in exc.value.message and "get_phone_number, get_email_address, send_sms" in exc.value.message
    with pytest.raises(InvalidRequest, match="compose_new_email"):
        enabled.select(tools=["compose_new_email"])  # exists, but its app is disabled
    with pytest.raises(InvalidRequest, match="Valid apps: contacts, sms"):
        enabled.select(apps=["mail"])


def test_toolset_rejects_unordered_construction() -> None:
    with pytest.raises(ValueError):
        ToolSet((get_tool("send_sms"), get_tool("get_phone_number")))
