"""What a request says that a plan's arguments may take: places, notes, lists, numbers, bodies, dates.

Guided planning (the small embedded models) lets the model write an argument only where the request
leaves it open. Where the request names the value -- a place, a note, a folder, a reminder list, a
priority, what to text, a date -- ``choices`` gives the values a parameter may take and the grammar
offers only those, as it already offers only the request's names to lookups (``query_spans.py``). A
135M model copies an example's "Cold Coit Tower" or an example's date far more often than it reads
the request right; a rule reads the request the same way every time. The conventions are those of
docs/arguments.md. English only, like the rest of the guided path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from tinyagent.plans import reading, wording
from tinyagent.plans.plan import ArgValue
from tinyagent.plans.query_spans import QuerySpans, query_spans
from tinyagent.plans.when import Moment, resolve_moments, spelt_weekday
from tinyagent.plans.zones import zones_named
from tinyagent.tools.registry import ArgType, Param, ToolSpec


@dataclass(frozen=True)
class RequestValues:
    """The values a request names, by what they are; empty where it names none."""

    query: str
    spans: QuerySpans
    moments: tuple[Moment, ...] = ()
    route: tuple[str, str] | None = None  # (start, end); start "" when not said
    places: tuple[str, ...] = ()
    transport: str = "d"
    notes: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    priority: int = 0
    bodies: tuple[str, ...] = field(default_factory=tuple)
    tasks: tuple[str, ...] = ()  # what to be reminded of
    cc: tuple[str, ...] = ()  # the names and addresses said to go in cc
    titles: tuple[str, ...] = ()  # what an event, meeting or email is called or about
    contents: tuple[str, ...] = ()  # what to write in a note


def read_values(query: str, now: datetime) -> RequestValues:
    spans = query_spans(query)
    places = reading.places(query)
    values = RequestValues(
        query=query,
        spans=spans,
        moments=resolve_moments(query, now),
        route=reading.route(query, places),
        places=places,
        transport=reading.transport(query),
        notes=reading.notes(query),
        folders=reading.folders(query),
        lists=reading.lists(query),
        calendars=reading.calendars(query),
        priority=reading.priority(query),
        bodies=wording.bodies(query),
        tasks=wording.tasks(query, spans),
        cc=reading.cc_names(query, spans),
        titles=wording.titles(query, spans),
        contents=wording.contents(query),
    )
    return replace(values, spans=replace(spans, names=_people(values)))


def _people(values: RequestValues) -> tuple[str, ...]:
    """The name spans that can be people: not a place (after "at", "from", "to"), note, folder, list or
    calendar the request names, not a letter ("the A string") or a short code in capitals. With none
    left, the capitalised words inside quotes ("add 'call Lucretia back' ... and find her number")."""
    things = [*reading.at_places(values.query), *values.notes, *values.folders, *values.lists, *values.calendars]
    things += values.route or ()
    names = values.spans.names or _quoted_names(values.spans.quoted)
    return tuple(
        name
        for name in names
        if len(name) > 1
        and not (name.isupper() and len(name) <= 3)  # "LH 457", "PDF": codes, not people
        and not spelt_weekday(name)  # "Firday"
        and not any(name in thing or thing in name for thing in things if thing)
    )


def _quoted_names(quoted: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for q in quoted for w in re.findall(r"(?<=\s)[A-Z][a-z]+(?:\s[A-Z][a-z]+)*", " " + q[1:]))


def by_schema(values: RequestValues, spec: ToolSpec, param: Param) -> tuple[ArgValue, ...] | None:
    """An MCP tool's parameter: its schema's ``enum`` when it has one; a list, what the request lists after
    the parameter's name ("tags rust and async"); else by its format (``by_format``)."""
    enum = _options(spec, param)
    if enum and all(v is not None and param.accepts(v) for v in enum):
        return tuple(_said(enum, values.query)) + ((None,) if param.nullable else ())
    if param.type.is_list and param.resolves is None:
        named = reading.listed(values.query, param.name)
        return (named,) if named else None
    if param.format == "timezone" and (ordered := _zone_in_order(values, spec, param)):
        return ordered
    return by_format(values, param.format, param.nullable)


def _zone_in_order(values: RequestValues, spec: ToolSpec, param: Param) -> tuple[ArgValue, ...] | None:
    """With as many zones said as the tool has zone parameters, each takes the zone said in its place:
    "14:00 London time, what is that in New York?" converts from London, and the model, offered both
    zones for both, swapped them. None otherwise: every zone said is offered (``by_format``)."""
    zones = zones_named(values.query)
    slots = [p.name for p in spec.params if p.format == "timezone"]
    if len(slots) > 1 and len(zones) == len(slots):
        return (zones[slots.index(param.name)],)
    return None


# Quoted alternatives, as descriptions list a parameter's values when the schema has no enum:
# "'open', 'done' or 'all'".
_QUOTED = r"""(?:'[\w-]+'|"[\w-]+")"""
_OPTIONS = re.compile(rf"{_QUOTED}(?:\s*(?:,\s*or|,|or)\s+{_QUOTED}|\s*,\s*{_QUOTED})+")


def _said(options: list[ArgValue], query: str) -> list[ArgValue]:
    """The options the request says, when it says any: "show me whats left open" is "open" (the model
    chose "done" from the same three)."""
    said: list[ArgValue] = [o for o in options if isinstance(o, str) and _says(query, o)]
    # "my whole task list, finished ones too": "all" takes in the other states said beside it.
    widest: list[ArgValue] = [o for o in said if isinstance(o, str) and o.lower() == "all"]
    return widest or said or options


# Other words for the states tools list, so "the tasks I've completed" is "done" (the model chose "all").
_SAID_AS = {
    "done": "completed|complete|finished|(?:checked|ticked|crossed) off",
    "open": "pending|outstanding|unfinished|not done|to ?do",
    "closed": "resolved|completed|finished",
    "all": "everything|whole|entire|every|both|too|as well|(?:done|finished|complete|completed) or not",
}


def _says(query: str, option: str) -> bool:
    words = re.escape(option) + (f"|{_SAID_AS[option.lower()]}" if option.lower() in _SAID_AS else "")
    return re.search(rf"\b(?:{words})\b", query, re.I) is not None


def _options(spec: ToolSpec, param: Param) -> list[ArgValue]:
    """A parameter's values: its schema's ``enum``, else the quoted alternatives its description (or the
    description of a tool with this one parameter) lists. The model wrote "completed" where the tool's
    text says "'open', 'done' or 'all'"."""
    prop = spec.remote.property(param.name) if spec.remote is not None else {}
    if isinstance(prop.get("enum"), list):
        return list(prop["enum"])
    text = str(prop.get("description") or (spec.description if len(spec.params) == 1 else ""))
    listed = _OPTIONS.search(text) if param.type is ArgType.STR else None
    return re.findall(r"""['"]([\w-]+)['"]""", listed.group()) if listed else []


def by_format(values: RequestValues, fmt: str | None, nullable: bool) -> tuple[ArgValue, ...] | None:
    """An MCP tool's parameter, by its schema's format: the dates the request names (none said: None, when
    the tool takes None), the IANA zones of the cities it names, the web addresses it gives, the times of day
    it says; None: the model writes it freely."""
    if fmt == "timezone":
        return zones_named(values.query) or None
    if fmt == "url":  # an address cannot be guessed: the model invented one beside the request's own
        return reading.urls(values.query) or None
    if fmt == "clock":  # "3pm", "half past two", "noon" as the 24-hour HH:MM the tool asks for
        return tuple(dict.fromkeys(m.start.strftime("%H:%M") for m in values.moments if m.timed)) or None
    if fmt not in ("date", "datetime"):
        return None
    found = [_stamp(m.start) if fmt == "datetime" and m.timed else m.start.strftime("%Y-%m-%d") for m in values.moments]
    return tuple(dict.fromkeys(found)) or ((None,) if nullable else None)


def choices(values: RequestValues, tool: str, param: str) -> tuple[ArgValue, ...] | None:
    """The values ``tool``'s ``param`` may take for this request; None: the model writes it freely."""
    table = _TABLE.get((tool, param))
    return table(values) if table is not None else None


# Parameters that take their values together, one moment each: an event's start and end, a Zoom
# meeting's start and length. The grammar offers the pairs, so an end never belongs to another start.
JOINT: dict[str, tuple[str, str]] = {
    "create_calendar_event": ("start_date", "end_date"),
    "get_zoom_meeting_link": ("start_time", "duration"),
}


def _cued(values: RequestValues, remind: bool) -> list[Moment]:
    """The moments said in a reminder's clause (or in another's); all of them when none is."""
    mine = [m for m in values.moments if (m.cue == "remind") == remind]
    return mine or list(values.moments)


def joint_choices(values: RequestValues, tool: str) -> tuple[tuple[ArgValue, ArgValue], ...] | None:
    """The value pairs of ``tool``'s JOINT parameters; None when the request names no time for them."""
    timed = [m for m in _cued(values, remind=False) if m.timed]
    if tool not in JOINT or not timed:
        return None
    if tool == "get_zoom_meeting_link":
        return tuple(dict.fromkeys((_stamp(m.start), m.length) for m in timed))
    return tuple(dict.fromkeys((_stamp(m.start), _stamp(m.until)) for m in timed))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _due(values: RequestValues) -> tuple[ArgValue, ...] | None:
    """A reminder's due date: the day alone when no time was said (then all_day is True)."""
    found = [_stamp(m.start) if m.timed else m.start.strftime("%Y-%m-%d") for m in _cued(values, remind=True)]
    return tuple(dict.fromkeys(found)) or None


def _all_day(values: RequestValues) -> tuple[ArgValue, ...]:
    flags = tuple(dict.fromkeys(not m.timed for m in _cued(values, remind=True)))
    return flags or (False,)


def _start(v: RequestValues) -> tuple[ArgValue, ...]:
    return (v.route[0],) if v.route else ("",)


def _pins(v: RequestValues) -> tuple[str, ...]:
    """Places to show on the map: those that are not a route's ends, when there are such."""
    ends = set(v.route or ())
    return tuple(p for p in v.places if p not in ends) or v.places


def people(values: RequestValues, param: str, lookup: str) -> tuple[str, ...]:
    """The names (or addresses) a name-taking list may hold: cc only those said to go in cc, the
    other roles the rest."""
    found = values.spans.for_lookup(lookup)
    if lookup == "open_and_get_file_path":
        return found
    if param == "cc":
        return tuple(n for n in found if n in values.cc)
    return tuple(n for n in found if n not in values.cc)


def _file_subjects(v: RequestValues) -> tuple[str, ...]:
    """An email about a file the request names is titled by the file: "vaccination record.pdf" is
    "Vaccination Record", a summary's too (46 of the bank's 53 emails with an attachment, 12 of 13 with
    a summary, say so; the model wrote "I sent it." from another clause)."""
    stems = (re.sub(r"\.[A-Za-z0-9]{2,5}$", "", f).replace("_", " ").strip() for f in v.spans.files)
    return reading.unique(" ".join(w[:1].upper() + w[1:] for w in stem.split()) for stem in stems if stem)


_ZOOM = re.compile(r"\bzoom\b", re.I)


def _subjects(v: RequestValues) -> tuple[str, ...]:
    """What an email is about; one that sends a Zoom link says so, as the bank's do ("Zoom Meeting: Retro")."""
    if _ZOOM.search(v.query):
        return tuple(f"Zoom Meeting: {t}" for t in v.titles)
    return v.titles


_MEETS_WITH = re.compile(r"\bwith\b", re.I)
_WHEN_WORD = (
    r"(?:\d|tomorrow|today|tonight|next|this|the\s+\d|noon|midday|\w+day\b|jan|feb|mar|apr|may|jun|jul|aug|"
    r"sep|oct|nov|dec|her\b|him\b|them\b|me\b|my\s+\w+\s+(?:calendar|note)|(?:a|the)\s+(?:new\s+)?note\b)"
)
# Words that say what the meeting is for, which the title reader may not have read ("for weekly sync", "to
# go through the audit", "book club zoom", "tomorrow's 10am mentoring session"): the topic is left to them.
_TOPIC_SAID = re.compile(
    rf"\b(?:for|on|about|to|re)\s+(?!(?:a\s+|an\s+)?{_WHEN_WORD})[a-z]"
    r"|\b(?!(?:a|an|the|up|get|me|my|new|min|mins|minute|minutes|hour)\b)[a-z]+\s+zoom\b"
    r"|\b(?:\d{1,2}(?::\d\d)?\s*(?:am|pm)|\w+['\u2019]s)\s+(?!(?:with|for|on|at|and|in|to|zoom|call)\b)[a-z]",
    re.I,
)


def _with_whom(v: RequestValues) -> tuple[str, ...]:
    """A Zoom said only by who it is with is a call with them: 20 of the bank's and dev's 47 Zooms with no
    title word name their topic by the person ("Call with Aaron", "Meeting with Rosa"); the model had
    copied an example's "Office Hours"."""
    names = people(v, "invitees", "get_email_address")
    if not names or not _MEETS_WITH.search(v.query) or _TOPIC_SAID.search(v.query):
        return ()
    party = next((g for g in v.spans.together if names[0] in g), (names[0],))
    return (f"Call with {' and '.join(party)}",)


_WHERE_ASKED = re.compile(r"\b(?:location|address|map|pin|where)\b", re.I)


def _place_subjects(v: RequestValues) -> tuple[str, ...]:
    """An email that sends a route or a place is titled by it, as the bank's are: "Directions to Napa",
    "Location: Twin Peaks" (the model copied an example's "Directions to 350 Mission St")."""
    if v.route and v.route[1]:
        return (f"Directions to {v.route[1]}",)
    if _WHERE_ASKED.search(v.query):
        return tuple(f"Location: {place}" for place in _pins(v))
    return ()


def _end(v: RequestValues) -> tuple[ArgValue, ...] | None:
    if v.route and v.route[1]:
        return (v.route[1],)
    others = tuple(p for p in v.places if not v.route or p != v.route[0])
    return others or None


_TABLE: dict[tuple[str, str], Callable[[RequestValues], tuple[ArgValue, ...] | None]] = {
    ("maps_show_directions", "start_location"): _start,
    ("maps_show_directions", "end_location"): _end,
    ("maps_show_directions", "transport"): lambda v: (v.transport,),
    ("maps_open_location", "location"): lambda v: _pins(v) or None,
    ("get_email_address", "name"): lambda v: reading.owners(v.query, v.spans.names, "email") or None,
    ("get_phone_number", "name"): lambda v: reading.owners(v.query, v.spans.names, "phone") or None,
    ("open_and_get_file_path", "file_name"): lambda v: v.spans.files or None,
    ("create_note", "name"): lambda v: v.notes or None,
    ("create_note", "content"): lambda v: (v.contents or v.bodies) or None,
    ("append_note_content", "content"): lambda v: (v.contents or v.bodies) or None,
    ("create_calendar_event", "title"): lambda v: v.titles or None,
    ("get_zoom_meeting_link", "topic"): lambda v: v.titles or _with_whom(v) or None,
    ("compose_new_email", "subject"): lambda v: (
        (_subjects(v) or _file_subjects(v) or _place_subjects(v) or v.bodies) or None
    ),
    ("create_calendar_event", "notes"): lambda v: wording.said_notes(v.query) or None,
    ("create_calendar_event", "location"): lambda v: v.places or ("",),
    ("create_calendar_event", "calendar"): lambda v: v.calendars or (None,),
    ("create_reminder", "list_name"): lambda v: v.lists or ("",),
    ("create_reminder", "priority"): lambda v: (v.priority,),
    ("create_reminder", "name"): lambda v: v.tasks or None,
    ("create_reminder", "due_date"): _due,
    ("create_reminder", "all_day"): _all_day,
    ("create_note", "folder"): lambda v: v.folders or ("",),
    ("open_note", "folder"): lambda v: v.folders or ("",),
    ("append_note_content", "folder"): lambda v: v.folders or ("",),
    ("open_note", "name"): lambda v: v.notes or None,
    ("append_note_content", "name"): lambda v: v.notes or None,
    ("send_sms", "message"): lambda v: v.bodies[:1] or None,
    ("compose_new_email", "context"): lambda v: v.bodies[:1] or None,
    ("reply_to_email", "context"): lambda v: v.bodies[:1] or None,
    ("forward_email", "context"): lambda v: v.bodies[:1] or None,
}
