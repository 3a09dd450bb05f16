"""The one registry of the 16 TinyAgent tools.

Every consumer derives from the declarations in ``TOOLS``: the planner description text
(byte-identical to upstream), the OpenAI ``tools`` JSON schema, argument validation of
plan calls and the plan grammar. Order matters: the position is upstream's label id and
the order tools appear in the planner prompt.

Decisions (see docs in the report):

* ``None`` is accepted only where upstream's description says "None if not applicable":
  ``create_calendar_event``'s ``location``, ``notes`` and ``calendar``. Everywhere else the
  prompt asks for an empty string, so ``None`` is a type error.
* ``bool`` is not an ``int`` here (``priority=True`` is an error) and ``int`` is not a ``str``.
* A string that is exactly a reference (``"$N"`` / ``"${N}"``) fits any parameter type: it is
  replaced by a task's output at run time.
* ``list[str]``/``Sequence[str]`` parameters also take a bare string, as upstream's wrappers
  normalise one to a one-element list. Tuples count as lists (plan args are frozen to tuples).
* Effects: ``WRITES`` for the nine tools that create or send something (mail and SMS only
  produce drafts upstream, but a draft is still a write); ``OPENS_APP`` for ``maps_*`` and
  ``open_and_get_file_path``, which change what is on screen but store nothing; ``NONE`` for
  pure look-ups. ``has_side_effects`` is true for both of the former.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise
from typing import Any

from tinyagent.errors import InvalidRequest

APPS: tuple[str, ...] = ("calendar", "contacts", "files", "mail", "maps", "notes", "reminders", "sms", "zoom")

# A whole-string reference to another task's output; upstream accepts "$N" and "${N}".
REFERENCE_RE = re.compile(r"\$([0-9]+)|\$\{([0-9]+)\}")


def reference_id(value: object) -> int | None:
    """The task id if ``value`` is a string that is exactly one reference, else None."""
    if not isinstance(value, str):
        return None
    match = REFERENCE_RE.fullmatch(value)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


class ArgType(Enum):
    """A parameter type; the value is how upstream spells it in the signature line."""

    STR = "str"
    INT = "int"
    BOOL = "bool"
    STR_LIST = "list[str]"
    # Only get_zoom_meeting_link uses it; kept distinct so its signature renders as upstream's.
    STR_SEQUENCE = "Sequence[str]"

    @property
    def is_list(self) -> bool:
        return self in (ArgType.STR_LIST, ArgType.STR_SEQUENCE)


class Effect(Enum):
    NONE = "none"
    OPENS_APP = "opens_app"
    WRITES = "writes"


@dataclass(frozen=True)
class Param:
    name: str
    type: ArgType
    nullable: bool = False

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any]
        if self.type.is_list:
            schema = {"type": "array", "items": {"type": "string"}}
        else:
            base = {ArgType.STR: "string", ArgType.INT: "integer", ArgType.BOOL: "boolean"}[self.type]
            schema = {"type": [base, "null"] if self.nullable else base}
        return schema

    def accepts(self, value: object) -> bool:
        if reference_id(value) is not None:
            return True
        if value is None:
            return self.nullable
        if self.type is ArgType.STR:
            return isinstance(value, str)
        if self.type is ArgType.INT:
            return isinstance(value, int) and not isinstance(value, bool)
        if self.type is ArgType.BOOL:
            return isinstance(value, bool)
        if isinstance(value, str):
            return True
        return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True)
class ArgIssue:
    """One problem with a call's arguments; ``code`` is ``wrong_arity`` or ``wrong_type``."""

    code: str
    message: str
    position: int | None = None


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


@dataclass(frozen=True)
class ToolSpec:
    name: str
    label: int
    app: str
    effect: Effect
    params: tuple[Param, ...]
    bullets: tuple[str, ...]

    @property
    def has_side_effects(self) -> bool:
        return self.effect is not Effect.NONE

    @property
    def writes(self) -> bool:
        return self.effect is Effect.WRITES

    @property
    def signature(self) -> str:
        params = ", ".join(f"{p.name}: {p.type.value}" for p in self.params)
        return f"{self.name}({params}) -> str"

    @property
    def planner_description(self) -> str:
        """Upstream's description: signature line, one `` - `` bullet per line, final newline."""
        return self.signature + "".join(f"\n - {bullet}" for bullet in self.bullets) + "\n"

    @property
    def description(self) -> str:
        return "\n".join(self.bullets)

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.json_schema() for p in self.params},
                    "required": [p.name for p in self.params],
                    "additionalProperties": False,
                },
            },
        }

    def check_args(self, args: Sequence[object]) -> list[ArgIssue]:
        """Arity and type problems of positional ``args``; empty when the call is well-formed."""
        if len(args) != len(self.params):
            return [
                ArgIssue(
                    "wrong_arity",
                    f"{self.name}() takes {len(self.params)} positional arguments but {len(args)} were given",
                )
            ]
        return [
            ArgIssue(
                "wrong_type",
                f"{self.name}() argument {i + 1} ({param.name}) must be {param.type.value}"
                f"{' or None' if param.nullable else ''}, got {_type_name(value)}",
                position=i,
            )
            for i, (param, value) in enumerate(zip(self.params, args, strict=True))
            if not param.accepts(value)
        ]


def _p(name: str, type_: ArgType = ArgType.STR, *, nullable: bool = False) -> Param:
    return Param(name, type_, nullable)


_S, _I, _B, _L = ArgType.STR, ArgType.INT, ArgType.BOOL, ArgType.STR_LIST
_CONTEXT_BULLET = (
    "The context parameter is optional and should only be used to pass down some intermediate result. "
    "Otherwise, just leave it as empty string."
)
_ATTACHMENTS_BULLET = "The attachments parameter can be a single file path or a list of file paths."
_NOTE_FOLDER_BULLET = (
    # Upstream copy-paste ("created") kept on purpose: the models were trained on this text.
    "If a folder is specified, the note is created in that folder; "
    "otherwise, it's created in the default folder."
)


def _spec(
    label: int, name: str, app: str, effect: Effect, params: tuple[Param, ...], *bullets: str
) -> ToolSpec:
    return ToolSpec(name=name, label=label, app=app, effect=effect, params=params, bullets=bullets)


TOOLS: tuple[ToolSpec, ...] = (
    _spec(
        0,
        "create_calendar_event",
        "calendar",
        Effect.WRITES,
        (
            _p("title"),
            _p("start_date"),
            _p("end_date"),
            _p("location", nullable=True),
            _p("invitees", _L),
            _p("notes", nullable=True),
            _p("calendar", nullable=True),
        ),
        "Create a calendar event.",
        "The format for start_date and end_date is 'YYYY-MM-DD HH:MM:SS'.",
        "For invitees, you need a list of email addresses; use an empty list if not applicable.",
        "For location, notes, and calendar, use an empty string or None if not applicable.",
        "Returns the status of the event creation.",
    ),
    _spec(
        1,
        "get_phone_number",
        "contacts",
        Effect.NONE,
        (_p("name"),),
        "Search for a contact by name.",
        "Returns the phone number of the contact.",
    ),
    _spec(
        2,
        "get_email_address",
        "contacts",
        Effect.NONE,
        (_p("name"),),
        "Search for a contact by name.",
        "Returns the email address of the contact.",
    ),
    _spec(
        3,
        "open_and_get_file_path",
        "files",
        Effect.OPENS_APP,
        (_p("file_name"),),
        "Opens the file and returns its path.",
    ),
    _spec(
        4,
        "summarize_pdf",
        "files",
        Effect.NONE,
        (_p("pdf_path"),),
        "Summarizes the content of a PDF file and returns the summary.",
        "This tool can only be used AFTER calling open_and_get_file_path tool to get the PDF file path.",
    ),
    _spec(
        5,
        "compose_new_email",
        "mail",
        Effect.WRITES,
        (_p("recipients", _L), _p("cc", _L), _p("subject"), _p("context"), _p("attachments", _L)),
        "Composes a new email and returns the status of the email composition.",
        "The recipients and cc parameters can be a single email or a list of emails.",
        _ATTACHMENTS_BULLET,
        _CONTEXT_BULLET,
        "You MUST put a map location in the 'context' parameter if you want to send a location in the email.",
        "If you want to send a zoom link, you MUST put the zoom link in the 'context' parameter.",
    ),
    _spec(
        6,
        "reply_to_email",
        "mail",
        Effect.WRITES,
        (_p("cc", _L), _p("context"), _p("attachments", _L)),
        "Replies to the currently selected email in Mail with the given content.",
        "The cc parameter can be a single email or a list of emails.",
        _ATTACHMENTS_BULLET,
        _CONTEXT_BULLET,
    ),
    _spec(
        7,
        "forward_email",
        "mail",
        Effect.WRITES,
        (_p("recipients", _L), _p("cc", _L), _p("context"), _p("attachments", _L)),
        "Forwards the currently selected email in Mail with the given content.",
        "The recipients and cc parameters can be a single email or a list of emails.",
        _ATTACHMENTS_BULLET,
        _CONTEXT_BULLET,
    ),
    _spec(
        8,
        "maps_open_location",
        "maps",
        Effect.OPENS_APP,
        (_p("location"),),
        "Opens the specified location in Apple Maps.",
        "The query can be a place name, address, or coordinates.",
        "Returns the URL of the location in Apple Maps.",
    ),
    _spec(
        9,
        "maps_show_directions",
        "maps",
        Effect.OPENS_APP,
        (_p("start_location"), _p("end_location"), _p("transport")),
        "Show directions from a start location to an end location in Apple Maps.",
        "The transport parameter defaults to 'd' (driving), "
        "but can also be 'w' (walking) or 'r' (public transit).",
        "The start location can be left empty to default to the current location of the device.",
        "Returns the URL of the location and directions in Apple Maps.",
    ),
    _spec(
        10,
        "create_note",
        "notes",
        Effect.WRITES,
        (_p("name"), _p("content"), _p("folder")),
        "Creates a new note with the given content.",
        "The name is used as the title of the note.",
        "The content is the main text of the note.",
        "The folder is optional, use an empty string if not applicable.",
        "Returns the status of the note creation.",
    ),
    _spec(
        11,
        "open_note",
        "notes",
        Effect.NONE,
        (_p("name"), _p("folder")),
        "Opens an existing note by its name.",
        _NOTE_FOLDER_BULLET,
        "Returns the content of the note.",
    ),
    _spec(
        12,
        "append_note_content",
        "notes",
        Effect.WRITES,
        (_p("name"), _p("content"), _p("folder")),
        "Appends content to an existing note.",
        _NOTE_FOLDER_BULLET,
        "Returns the status of the content appending.",
    ),
    _spec(
        13,
        "create_reminder",
        "reminders",
        Effect.WRITES,
        (_p("name"), _p("due_date"), _p("notes"), _p("list_name"), _p("priority", _I), _p("all_day", _B)),
        "Creates a new reminder and returns the status of the reminder creation.",
        "The format for due_date is 'YYYY-MM-DD HH:MM:SS'. "
        "If 'all_day' is True, then the format is 'YYYY-MM-DD'.",
        "The list_name is optional, use an empty string if not applicable.",
        "The priority is optional and defaults to 0.",
        "The all_day parameter is optional and defaults to False.",
    ),
    _spec(
        14,
        "send_sms",
        "sms",
        Effect.WRITES,
        (_p("recipients", _L), _p("message")),
        "Send an SMS to a list of phone numbers.",
        "The recipients argument can be a single phone number or a list of phone numbers.",
        "Returns the status of the SMS.",
    ),
    _spec(
        15,
        "get_zoom_meeting_link",
        "zoom",
        Effect.WRITES,
        (_p("topic"), _p("start_time"), _p("duration", _I), _p("meeting_invitees", ArgType.STR_SEQUENCE)),
        "Creates a Zoom meeting and returns the join URL.",
        "You need to call create_calendar_event to attach the zoom link as a note to the calendar event, "
        "or compose_new_email to send the link to the invitees in the body of the email.",
        "'topic', 'start_time', 'duration', and 'meeting_invitees' are required.",
        "'duration' is in minutes.",
        "The format for start_time is 'YYYY-MM-DD HH:MM:SS'.",
    ),
)

TOOL_NAMES: tuple[str, ...] = tuple(t.name for t in TOOLS)
JOIN = "join"


def _unknown(kind: str, names: Iterable[str], valid: Iterable[str], param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Unknown {kind}: {', '.join(sorted(names))}. Valid {kind}s: {', '.join(valid)}.", param=param
    )


@dataclass(frozen=True)
class ToolSet:
    """An ordered (registry order) selection of tools: the enabled apps, narrowed per request."""

    tools: tuple[ToolSpec, ...] = TOOLS

    def __post_init__(self) -> None:
        # Registry order is prompt order; strictly increasing labels also rule out duplicates.
        if any(a.label >= b.label for a, b in pairwise(self.tools)):
            raise ValueError("ToolSet tools must be distinct and in registry order")

    @classmethod
    def all(cls) -> ToolSet:
        return cls(TOOLS)

    @classmethod
    def for_apps(cls, apps: Iterable[str]) -> ToolSet:
        """The tools of the enabled ``apps`` (settings level); unknown app names are rejected."""
        wanted = set(apps)
        if unknown := wanted - set(APPS):
            raise _unknown("app", unknown, APPS, "apps")
        return cls(tuple(t for t in TOOLS if t.app in wanted))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tools)

    @property
    def apps(self) -> tuple[str, ...]:
        return tuple(a for a in APPS if any(t.app == a for t in self.tools))

    def __len__(self) -> int:
        return len(self.tools)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self.tools)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def get(self, name: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.name == name), None)

    def select(self, *, apps: Iterable[str] | None = None, tools: Iterable[str] | None = None) -> ToolSet:
        """Narrow to the union of ``apps``' tools and the named ``tools`` (None for both = no change).

        Names that do not exist, or exist but are not in this set (disabled), raise InvalidRequest
        listing the valid choices.
        """
        if apps is None and tools is None:
            return self
        app_names, tool_names = set(apps or ()), set(tools or ())
        if unknown_apps := app_names - set(self.apps):
            raise _unknown("app", unknown_apps, self.apps, "apps")
        if unknown_tools := tool_names - set(self.names):
            raise _unknown("tool", unknown_tools, self.names, "tools")
        return ToolSet(tuple(t for t in self.tools if t.app in app_names or t.name in tool_names))

    def openai_tools(self) -> list[dict[str, Any]]:
        return [t.openai_schema() for t in self.tools]


def get_tool(name: str) -> ToolSpec:
    """The registry entry for ``name``; KeyError for unknown names (a programming error here)."""
    for spec in TOOLS:
        if spec.name == name:
            return spec
    raise KeyError(name)
