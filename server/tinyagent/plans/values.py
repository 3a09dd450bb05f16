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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from tinyagent.plans.plan import ArgValue
from tinyagent.plans.query_spans import QUOTED, QuerySpans, query_spans
from tinyagent.plans.when import Moment, resolve_moments

# A value ends at a clause boundary: punctuation, or a word that starts the next part of the request.
_STOP = (
    r"(?=\s*(?:[,.;:!?()]|\s-\s|\s(?:and|then|so|but|to|from|by|for|with|on|at|in|into|via|using|after|before"
    r"|tomorrow|today|tonight|this|next|please|thanks|and\s+also)\b|$))"
)
_CHARS = r"[\w'&.\u00c0-\u024f-]"  # a word of a place: letters of Latin scripts, digits, & ' . -
_JOINER = r"(?:and|then|so|but|to|from|by|for|with|on|at|in|into|via)"
_PLACE_WORDS = rf"{_CHARS}+(?:\s+(?!{_JOINER}\b){_CHARS}+)*?"
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_HERE = re.compile(
    r"^(?:here|where I am|my (?:place|location|current location|hotel|house|home|flat|apartment))$", re.I
)

_ROUTE = re.compile(rf"\bfrom\s+(?P<a>{_PLACE_WORDS}){_STOP}\s+to\s+(?P<b>{_PLACE_WORDS}){_STOP}", re.I)
_ROUTE_BACK = re.compile(rf"\bto\s+(?P<b>{_PLACE_WORDS}){_STOP}\s+from\s+(?P<a>{_PLACE_WORDS}){_STOP}", re.I)
_DESTINATION = re.compile(
    rf"\b(?:directions|route|way|drive|walk|ride|get|go|head|transit|bus|train|driving|walking)\s+"
    rf"(?:\w+\s+){{0,2}}?to\s+(?P<b>{_PLACE_WORDS}){_STOP}",
    re.I,
)
_ORIGIN = re.compile(rf"\b(?:route|directions|drive|way|walk)\b.*?\bfrom\s+(?P<a>{_PLACE_WORDS}){_STOP}", re.I)
_AT_PLACE = re.compile(rf"\b(?:at|in)\s+(?P<p>(?:the\s+)?[A-Z0-9]{_CHARS}*(?:\s+{_CHARS}+)*?){_STOP}")
_NAMED = rf"(?:(?i:the)\s+)?[A-Z0-9]{_CHARS}*(?:\s+(?!(?i:on|in|is|so|and)\b){_CHARS}+)*"
_SHOW_PLACE = re.compile(
    r"\b(?i:where(?:'s| is)|show(?: me)?|pin|open|find|pull up|locate|location of|address of|map pin for)\s+"
    rf"(?P<p>{_NAMED}(?:\s+and\s+{_NAMED})*)"
    r"(?=\s+(?i:is|on|in)\b|\s*[?.!,]|\s+(?:and|so)\b|$)",
)
_COORDINATES = re.compile(r"-?\d{1,3}\.\d+,\s*-?\d{1,3}\.\d+")
_STREET = r"St|Street|Ave|Avenue|Blvd|Boulevard|Rd|Road|Lane|Ln|Way|Dr|Drive|Ct|Court|Pl|Place|Sq|Square"
_ADDRESS = re.compile(rf"\b\d{{1,5}}\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET})\b\.?")

_WALK = re.compile(r"\b(?:walk|walking|on foot|stroll)\b", re.I)
_TRANSIT = re.compile(
    r"\b(?:transit|bus|buses|train|trains|subway|metro|tram|public transport(?:ation)?|underground)\b", re.I
)

_NOTE_BARE = re.compile(r"\b(?:my|the)\s+(?P<n>[A-Z][\w'-]*(?:\s+[A-Z0-9][\w'-]*)*)\s+note\b")
_NOTE_CALLED = re.compile(rf"\bnote\s+(?:called|named|titled)\s+(?P<n>[^'\"\u2018\u201c]+?){_STOP}", re.I)
_NOTE_BEFORE = re.compile(r"\s*note\b", re.I)  # 'Camping gear' note
_NOTE_AFTER = re.compile(r"\bnote(?:\s+(?:called|named|titled))?\s*$", re.I)  # note called 'Gift ideas'
_QUOTE = r"['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]"
_FOLDER = re.compile(
    r"\b(?:in|from|into)\s+(?:my\s+|the\s+)?(?P<f>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+folder\b"
    rf"|\b(?i:note|note to self)(?:\s+(?:called|named|titled))?(?:\s+{_QUOTE})?"
    r"\s+(?:in|from)\s+(?P<g>[A-Z][\w'-]*)(?=\s*[,.;:!?]|\s+(?:called|named|titled|and|then|with)\b|$)"
)
_LIST = re.compile(
    r"\b(?:to|in|on|into)\s+(?:my\s+|the\s+)?(?P<l>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+list\b"
    r"|\bput (?:it|this|that) (?:in|on)\s+(?:my\s+|the\s+)?(?P<m>[A-Z][\w'-]*)\b(?!\s+(?:calendar|note|folder))"
)
_CALENDAR = re.compile(r"\b(?:to|on|in|into)\s+(?:my\s+|the\s+)?(?P<c>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+calendar\b")
_PRIORITY = ((re.compile(r"\b(?:high|top|urgent|important)\b", re.I), 1),
             (re.compile(r"\bmedium\b", re.I), 5),
             (re.compile(r"\blow\b", re.I), 9))  # fmt: skip
_PRIORITY_CUE = re.compile(r"\b(?:priority|urgent|important)\b", re.I)

_TASK = re.compile(
    r"\b(?:remind(?:er)?s?(?: me)?|remember|forget|set an? (?:all-day )?reminder)\b[^,.;:!?]*?\bto\s+(?P<t>[^,.;!?]+)"
    r"|\b(?:remind(?:er)?s?(?: me)?|reminder)\b[^:]*:\s*(?P<u>[^,.;!?]+)",
    re.I,
)
# Where a task's words end and its time begins: "call the vet | on Wednesday at 9:30".
_WHEN_WORDS = re.compile(
    r"\s+(?:on|at|by|tomorrow|today|tonight|this|next|every|in \d|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|due\b)"
    r"|\s+(?:and|then)\s+(?:text|email|send|open|show|find|put|add|tell|create)\b",
    re.I,
)
# "cc Lena", "cc'ing Rafaela", "with Nadia in cc", "copy my dad": the names there go in cc.
_CC_AFTER = re.compile(r"\b(?:cc|cc'?ing|cc'?d|copy(?:ing)?|copied)\b\s*:?\s*(?P<x>[^.;!?]*)", re.I)
_CC_BEFORE = re.compile(r"(?P<x>[^,.;!?]*?)\s+(?:in|on)\s+cc\b", re.I)
_CC_END = re.compile(r",?\s+(?:and|then)\s+(?!cc)(?:[a-z]+)\b.*$|\s+(?:to|about|with)\s.*$", re.I)
_TITLE = re.compile(
    r"\b(?:called|titled|named)\s+(?P<a>[^'\"\u2018\u201c,.;!?][^,.;!?]*)"
    r"|\b(?:about|regarding|re:)\s+(?P<b>[^,.;!?]+)"
    r"|\bto\s+(?:go over|discuss|review|talk about|talk through|plan|prepare)\s+(?P<c>[^,.;!?]+)"
    r"|\b(?:zoom|meeting|call|event|calendar hold|hold|session)\s+for\s+"
    r"(?P<d>(?!(?:today|tomorrow|tonight|this|next|\d|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b)[^,.;!?]+)"
    r"|\bcalendar\s*:\s*(?P<f>[^,.;!?]+)"
    r"|\b(?:add|put|schedule)\s+(?P<e>(?:the|a|an|my|our)\s+[^,;!?]+?)\s+(?:to|on|in)\s+(?:my|the)\s+calendar\b",
    re.I,
)
_TITLE_END = re.compile(
    r"\s+(?:at|on|by|for|from|with|to|and|then|tomorrow|today|tonight|this|next|every|in \d)\b.*$"
    r"|\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b.*$",
    re.I,
)
_CONTENT = re.compile(
    r"\bnote\b[^.;!?]*?\b(?:with(?:\s+the)?|listing|saying|containing)\s*:?\s*(?P<a>[^.;!?]+)"
    r"|\bnote\b[^:;!?]*?:\s+(?:['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]\s*-\s*)?(?P<b>[^;!?]+)"
    r"|\b(?:add|append|put|write|log|jot down)\s+(?P<c>(?!to\b)[^;!?]+?)\s+(?:to|in|into|on)\s+(?:my|the)\s+"
    r"(?:(?:new|existing)\s+)?(?:note\b|['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]\s+note\b)",
    re.I,
)
_BODY = re.compile(
    r"(?:\b(?:that|saying|say|says|telling (?:him|her|them)|to say|with the message|message:|asking (?=whether|if))"
    r"|\breply(?:\s+to\s+(?:this|the|that)(?:\s+(?:email|message|thread|mail))?)?\s*(?=:|(?:yes|no|ok|sure|thanks)\b))"
    r"\s*[:,]?\s*(?P<b>.+)$",
    re.I,
)
_BODY_END = re.compile(
    r"(?:,?\s+(?:and|then)\s+(?:remind|email|text|send|put|add|create|show|open|forward|reply|cc|attach|"
    r"schedule|set|make)\b.*$|,?\s+cc\b.*$)",
    re.I,
)


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
    values = RequestValues(
        query=query,
        spans=spans,
        moments=resolve_moments(query, now),
        route=_route(query),
        places=_places(query),
        transport=_transport(query),
        notes=_notes(query),
        folders=_unique(m.group("f") or m.group("g") for m in _FOLDER.finditer(query)),
        lists=_unique(m.group("l") or m.group("m") for m in _LIST.finditer(query)),
        calendars=_unique(m.group("c") for m in _CALENDAR.finditer(query)),
        priority=_priority(query),
        bodies=_bodies(query),
        tasks=_tasks(query, spans),
        cc=_cc(query, spans),
        titles=_titles(query, spans),
        contents=_contents(query),
    )
    return replace(values, spans=replace(spans, names=_people(values)))


def _capital(text: str) -> str:
    text = text.strip().strip("'\"\u2018\u2019\u201c\u201d").strip()
    return text[:1].upper() + text[1:]


def _cc(query: str, spans: QuerySpans) -> tuple[str, ...]:
    segments = [_CC_END.sub("", m.group("x")) for m in _CC_AFTER.finditer(query)]
    segments += [m.group("x").split(" with ")[-1] for m in _CC_BEFORE.finditer(query)]
    people = (*spans.names, *spans.emails)
    return tuple(p for p in people if any(p in segment for segment in segments))


def _titles(query: str, spans: QuerySpans) -> tuple[str, ...]:
    """What an event, meeting or email is called or about, in the request's words."""
    found = []
    if re.search(r"\b(?:calendar|event|zoom|meeting)\b", query, re.I):
        found += [
            q
            for q in spans.quoted
            if not _NOTE_BEFORE.match(query, query.find(q) + len(q) + 1)
            and not re.search(r"\bnotes?:?\s*['\"\u2018\u201c]?$", query[: query.find(q)], re.I)
        ]
    for match in _TITLE.finditer(query):
        title = next(g for g in match.groups() if g)
        title = _ARTICLE.sub("", _TITLE_END.sub("", title).strip())
        if title and not re.match(r"^\d", title):
            found.append(title)
    return _unique(_capital(t) for t in found)


def _contents(query: str) -> tuple[str, ...]:
    """What to write in a note: "with ...", "listing ...", "note: ...", "add 'X' to my note"."""
    found = [next(g for g in m.groups() if g) for m in _CONTENT.finditer(query)]
    return _unique(_capital(_BODY_END.sub("", f).strip()) for f in found)


def _people(values: RequestValues) -> tuple[str, ...]:
    """The name spans that can be people: not a place, note, folder, list or calendar the request
    names, not a letter ("the A string") or a short code in capitals."""
    things = [*values.places, *values.notes, *values.folders, *values.lists, *values.calendars]
    if values.route:
        things += values.route
    return tuple(
        name
        for name in values.spans.names
        if len(name) > 1
        and not (name.isupper() and len(name) <= 3)  # "LH 457", "PDF": codes, not people
        and not any(name in thing or thing in name for thing in things if thing)
    )


def _unique(items: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def clean_place(text: str) -> str:
    """A place as plans name it: no leading article, no trailing punctuation, 'here' is ''; "our flat at
    14 Rue Oberkampf" is the address."""
    place = _ARTICLE.sub("", text.strip().strip(".,;:!?'\"")).strip()
    place = re.sub(r"^(?:my|our|his|her|their)\s+\w+\s+(?:at|on|in)\s+", "", place)
    return "" if _HERE.match(place) else place


def _route(query: str) -> tuple[str, str] | None:
    if match := _ROUTE.search(query) or _ROUTE_BACK.search(query):
        return clean_place(match.group("a")), clean_place(match.group("b"))
    if match := _DESTINATION.search(query):
        return "", clean_place(match.group("b"))
    if match := _ORIGIN.search(query):
        return clean_place(match.group("a")), ""
    return None


def _places(query: str) -> tuple[str, ...]:
    found = [m.group(0) for m in _COORDINATES.finditer(query)]
    found += [m.group(0) for m in _ADDRESS.finditer(query)]
    found += [clean_place(p) for m in _SHOW_PLACE.finditer(query) for p in m.group("p").split(" and ")]
    found += [clean_place(m.group("p")) for m in _AT_PLACE.finditer(query)]
    if route := _route(query):
        found += [p for p in route if p]
    return _unique(p for p in found if p and not _is_time(p))


def _is_time(text: str) -> bool:
    return bool(re.match(r"^\d{1,2}(?::\d{2})?\s*(?:am|pm)?$|^(?:noon|midnight)$", text, re.I))


def _transport(query: str) -> str:
    if _WALK.search(query):
        return "w"
    return "r" if _TRANSIT.search(query) else "d"


def _notes(query: str) -> tuple[str, ...]:
    """Quoted text right before "note" or right after "note (called)", then unquoted names."""
    found = [
        m.group(2)
        for m in QUOTED.finditer(query)
        if _NOTE_BEFORE.match(query, m.end()) or _NOTE_AFTER.search(query, 0, m.start())
    ]
    found += [m.group("n") for m in _NOTE_CALLED.finditer(query)]
    found += [m.group("n") for m in _NOTE_BARE.finditer(query)]
    return _unique(found)


def _priority(query: str) -> int:
    if not _PRIORITY_CUE.search(query):
        return 0
    return next((value for pattern, value in _PRIORITY if pattern.search(query)), 0)


def _bodies(query: str) -> tuple[str, ...]:
    """What to write, in the request's words: the clause after "that", "saying", "asking"..."""
    if match := _BODY.search(query):
        body = _BODY_END.sub("", match.group("b")).strip().rstrip(".!")
        if body:
            return (body[0].upper() + body[1:] + ".",)
    return ()


def _tasks(query: str, spans: QuerySpans) -> tuple[str, ...]:
    """What to be reminded of, in the request's words, without its time: "Call the vet"."""
    found = []
    for match in _TASK.finditer(query):
        words = _WHEN_WORDS.split(match.group("t") or match.group("u"))[0].strip()
        named = [q for q in spans.quoted if query.find(q) < match.start()]
        if named:  # "open the 'HOA bylaws' PDF and remind me to read it": read the HOA bylaws
            words = re.sub(r"\b(?:it|them)\b", named[-1], words)
        if words:
            found.append(words[0].upper() + words[1:])
    if not found and re.search(r"\bremind|\breminders?\b|\blist\b", query, re.I):
        found = [q[0].upper() + q[1:] for q in spans.quoted]
    return _unique(found)


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
    ("get_email_address", "name"): lambda v: v.spans.names or None,
    ("get_phone_number", "name"): lambda v: v.spans.names or None,
    ("open_and_get_file_path", "file_name"): lambda v: v.spans.files or None,
    ("create_note", "name"): lambda v: v.notes or None,
    ("create_note", "content"): lambda v: (v.contents or v.bodies) or None,
    ("append_note_content", "content"): lambda v: (v.contents or v.bodies) or None,
    ("create_calendar_event", "title"): lambda v: v.titles or None,
    ("get_zoom_meeting_link", "topic"): lambda v: v.titles or None,
    ("compose_new_email", "subject"): lambda v: v.titles or None,
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
