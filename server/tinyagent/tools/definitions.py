# The stubs are read, never called: their "..." bodies are intentional.
# mypy: disable-error-code="empty-body"
"""The 16 TinyAgent tools, declared as typed Python signatures.

Each stub's name, parameter annotations and docstring bullets are upstream's
(SqueezeAILab/TinyAgent, MIT) byte for byte once rendered, typos included, because the models
were fine-tuned on that text; ``@tool`` turns each into a ``ToolSpec``. Indented docstring lines
continue the bullet above (line-length only). The label is upstream's ToolRAG label id and the
registry (= prompt) order. ``str | None`` only where upstream says "None if not applicable".
"""

from __future__ import annotations

from collections.abc import Sequence

from tinyagent.tools.spec import Effect, ToolSpec, tool

# Lookup tools whose results other tools take (``resolves=``): see plans/inline.py.
EMAIL = "get_email_address"
PHONE = "get_phone_number"
FILE = "open_and_get_file_path"

# --- calendar / contacts / files -----------------------------------------------------------------


@tool(
    label=0,
    app="calendar",
    effect=Effect.WRITES,
    resolves={"invitees": EMAIL},
    formats={"start_date": "datetime", "end_date": "datetime"},
    texts=("title", "notes"),
)
def create_calendar_event(
    title: str,
    start_date: str,
    end_date: str,
    location: str | None,
    invitees: list[str],
    notes: str | None,
    calendar: str | None,
) -> str:
    """
    - Create a calendar event.
    - The format for start_date and end_date is 'YYYY-MM-DD HH:MM:SS'.
    - For invitees, you need a list of email addresses; use an empty list if not applicable.
    - For location, notes, and calendar, use an empty string or None if not applicable.
    - Returns the status of the event creation.
    """
    ...


@tool(label=1, app="contacts", effect=Effect.NONE)
def get_phone_number(name: str) -> str:
    """
    - Search for a contact by name.
    - Returns the phone number of the contact.
    """
    ...


@tool(label=2, app="contacts", effect=Effect.NONE)
def get_email_address(name: str) -> str:
    """
    - Search for a contact by name.
    - Returns the email address of the contact.
    """
    ...


@tool(label=3, app="files", effect=Effect.OPENS_APP)
def open_and_get_file_path(file_name: str) -> str:
    """
    - Opens the file and returns its path.
    """
    ...


@tool(label=4, app="files", effect=Effect.NONE, resolves={"pdf_path": FILE})
def summarize_pdf(pdf_path: str) -> str:
    """
    - Summarizes the content of a PDF file and returns the summary.
    - This tool can only be used AFTER calling open_and_get_file_path tool to get the PDF file path.
    """
    ...


# --- mail --------------------------------------------------------------------------------------------


@tool(
    label=5,
    app="mail",
    effect=Effect.WRITES,
    resolves={"recipients": EMAIL, "cc": EMAIL, "attachments": FILE},
    texts=("subject", "context"),
)
def compose_new_email(recipients: list[str], cc: list[str], subject: str, context: str, attachments: list[str]) -> str:
    """
    - Composes a new email and returns the status of the email composition.
    - The recipients and cc parameters can be a single email or a list of emails.
    - The attachments parameter can be a single file path or a list of file paths.
    - The context parameter is optional and should only be used to pass down some intermediate result.
      Otherwise, just leave it as empty string.
    - You MUST put a map location in the 'context' parameter if you want to send a location in the email.
    - If you want to send a zoom link, you MUST put the zoom link in the 'context' parameter.
    """
    ...


@tool(label=6, app="mail", effect=Effect.WRITES, resolves={"cc": EMAIL, "attachments": FILE}, texts=("context",))
def reply_to_email(cc: list[str], context: str, attachments: list[str]) -> str:
    """
    - Replies to the currently selected email in Mail with the given content.
    - The cc parameter can be a single email or a list of emails.
    - The attachments parameter can be a single file path or a list of file paths.
    - The context parameter is optional and should only be used to pass down some intermediate result.
      Otherwise, just leave it as empty string.
    """
    ...


@tool(
    label=7,
    app="mail",
    effect=Effect.WRITES,
    resolves={"recipients": EMAIL, "cc": EMAIL, "attachments": FILE},
    texts=("context",),
)
def forward_email(recipients: list[str], cc: list[str], context: str, attachments: list[str]) -> str:
    """
    - Forwards the currently selected email in Mail with the given content.
    - The recipients and cc parameters can be a single email or a list of emails.
    - The attachments parameter can be a single file path or a list of file paths.
    - The context parameter is optional and should only be used to pass down some intermediate result.
      Otherwise, just leave it as empty string.
    """
    ...


# --- maps / notes ------------------------------------------------------------------------------------


@tool(label=8, app="maps", effect=Effect.OPENS_APP)
def maps_open_location(location: str) -> str:
    """
    - Opens the specified location in Apple Maps.
    - The query can be a place name, address, or coordinates.
    - Returns the URL of the location in Apple Maps.
    """
    ...


@tool(label=9, app="maps", effect=Effect.OPENS_APP)
def maps_show_directions(start_location: str, end_location: str, transport: str) -> str:
    """
    - Show directions from a start location to an end location in Apple Maps.
    - The transport parameter defaults to 'd' (driving),
      but can also be 'w' (walking) or 'r' (public transit).
    - The start location can be left empty to default to the current location of the device.
    - Returns the URL of the location and directions in Apple Maps.
    """
    ...


@tool(label=10, app="notes", effect=Effect.WRITES, texts=("content",))
def create_note(name: str, content: str, folder: str) -> str:
    """
    - Creates a new note with the given content.
    - The name is used as the title of the note.
    - The content is the main text of the note.
    - The folder is optional, use an empty string if not applicable.
    - Returns the status of the note creation.
    """
    ...


# Upstream's copy-paste ("the note is created") in open_note/append_note_content is kept on purpose.
@tool(label=11, app="notes", effect=Effect.NONE)
def open_note(name: str, folder: str) -> str:
    """
    - Opens an existing note by its name.
    - If a folder is specified, the note is created in that folder;
      otherwise, it's created in the default folder.
    - Returns the content of the note.
    """
    ...


@tool(label=12, app="notes", effect=Effect.WRITES, texts=("content",))
def append_note_content(name: str, content: str, folder: str) -> str:
    """
    - Appends content to an existing note.
    - If a folder is specified, the note is created in that folder;
      otherwise, it's created in the default folder.
    - Returns the status of the content appending.
    """
    ...


# --- reminders / sms / zoom --------------------------------------------------------------------------


@tool(label=13, app="reminders", effect=Effect.WRITES, formats={"due_date": "date"}, texts=("name", "notes"))
def create_reminder(name: str, due_date: str, notes: str, list_name: str, priority: int, all_day: bool) -> str:
    """
    - Creates a new reminder and returns the status of the reminder creation.
    - The format for due_date is 'YYYY-MM-DD HH:MM:SS'. If 'all_day' is True, then the format is 'YYYY-MM-DD'.
    - The list_name is optional, use an empty string if not applicable.
    - The priority is optional and defaults to 0.
    - The all_day parameter is optional and defaults to False.
    """
    ...


@tool(label=14, app="sms", effect=Effect.WRITES, resolves={"recipients": PHONE}, texts=("message",))
def send_sms(recipients: list[str], message: str) -> str:
    """
    - Send an SMS to a list of phone numbers.
    - The recipients argument can be a single phone number or a list of phone numbers.
    - Returns the status of the SMS.
    """
    ...


# Sequence[str], not list[str]: upstream's signature says so, and the model saw that text.
@tool(
    label=15,
    app="zoom",
    effect=Effect.WRITES,
    resolves={"meeting_invitees": EMAIL},
    formats={"start_time": "datetime"},
    texts=("topic",),
)
def get_zoom_meeting_link(topic: str, start_time: str, duration: int, meeting_invitees: Sequence[str]) -> str:
    """
    - Creates a Zoom meeting and returns the join URL.
    - You need to call create_calendar_event to attach the zoom link as a note to the calendar event,
      or compose_new_email to send the link to the invitees in the body of the email.
    - 'topic', 'start_time', 'duration', and 'meeting_invitees' are required.
    - 'duration' is in minutes.
    - The format for start_time is 'YYYY-MM-DD HH:MM:SS'.
    """
    ...


DECLARED: tuple[ToolSpec, ...] = (
    create_calendar_event,
    get_phone_number,
    get_email_address,
    open_and_get_file_path,
    summarize_pdf,
    compose_new_email,
    reply_to_email,
    forward_email,
    maps_open_location,
    maps_show_directions,
    create_note,
    open_note,
    append_note_content,
    create_reminder,
    send_sms,
    get_zoom_meeting_link,
)
