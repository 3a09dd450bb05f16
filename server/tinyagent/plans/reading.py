"""Reading what a request names, by kind: places and routes, transport, notes, folders, reminder lists,
calendars, priority, who goes in cc, whose address. What it says to write (messages, titles, a note's
content, what to be reminded of) is read by ``plans/wording.py``.

Regular expressions over English requests, general on purpose: developed on the dev set and on the
660 hand-written bank requests, never on the holdout. ``plans/values.py`` turns what they find into
the values a plan's parameters may take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tinyagent.plans.query_spans import FILE_EXT, QUOTED, QuerySpans
from tinyagent.plans.when import MONTHS, WEEKDAYS

# A value ends at a clause boundary: punctuation, or a word that starts the next part of the request.
_STOP = (
    r"(?=\s*(?:[,.;:!?()]|\s-\s|\s(?:and|then|so|but|to|from|by|for|with|on|at|in|into|via|using|after|before"
    r"|about|listing|containing|saying|tomorrow|today|tonight|this|next|please|thanks|and\s+also)\b|$))"
)
_CHARS = r"[\w'&.\u00c0-\u024f-]"  # a word of a place: letters of Latin scripts, digits, & ' . -
_JOINER = r"(?:and|then|so|but|to|from|by|for|with|on|at|in|into|via)"
_PLACE_WORDS = rf"{_CHARS}+(?:\s+(?!{_JOINER}\b){_CHARS}+)*?"
# "the best way to walk to Glen Canyon Park", "how to walk there from London Bridge": not places.
_NOT_A_PLACE = r"(?!(?:walk|drive|get|go|head|ride|bike|cycle|there|here)\b)"
ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_HERE = re.compile(
    r"^(?:here|where I am|my (?:place|location|current location|hotel|house|home|flat|apartment))$", re.I
)

_NOT_NAME_WORD = r"(?i:on|in|is|are|so|and|for|by|with|to|there|please)\b"
# A place said as a kind and then named: "the hardware store, Cole Hardware"; case-sensitive inside the
# case-blind route patterns. "from my hotel, the Fairmont, to ...": a start named so.
_APPOSITIVE_NAME = rf"(?-i:[A-Z0-9]){_CHARS}*(?:\s+(?!{_NOT_NAME_WORD})(?-i:[A-Z0-9&]){_CHARS}*)*"
_NAMED_START = rf"(?:,\s+(?:the\s+)?{_APPOSITIVE_NAME},)?"
_ROUTE = re.compile(rf"\bfrom\s+(?P<a>{_PLACE_WORDS}){_STOP}{_NAMED_START}\s+to\s+(?P<b>{_PLACE_WORDS}){_STOP}", re.I)
_ROUTE_BACK = re.compile(
    rf"\bto\s+{_NOT_A_PLACE}(?P<b>{_PLACE_WORDS}){_STOP}\s+from\s+(?P<a>{_PLACE_WORDS}){_STOP}", re.I
)
_DESTINATION = re.compile(
    rf"\b(?:directions|route|way|drive|walk|ride|get|go|head|transit|bus|train|driving|walking)\s+"
    rf"(?:\w+\s+){{0,2}}?to\s+{_NOT_A_PLACE}(?P<b>{_PLACE_WORDS}){_STOP}",
    re.I,
)
_ORIGIN = re.compile(rf"\b(?:route|directions|drive|way|walk)\b.*?\bfrom\s+(?P<a>{_PLACE_WORDS}){_STOP}", re.I)
_AT_PLACE = re.compile(  # not "loop in Ingrid"
    rf"(?<!\bloop )(?<!\blooping )\b(?:at|in)\s+(?P<p>(?:the\s+)?[A-Z0-9]{_CHARS}*(?:\s+{_CHARS}+)*?){_STOP}"
)
_NAMED = rf"(?:(?i:the)\s+)?[A-Z0-9]{_CHARS}*(?:\s+(?!{_NOT_NAME_WORD}){_CHARS}+)*"
_SHOW_PLACE = re.compile(
    r"\b(?i:where(?:'s| is)(?: exactly)?|where exactly is|whereabouts is|show(?: me)?(?: where)?|where|pin(?: on| at)?"
    r"|open|find|pull up|look up|locate|location of|address of|map pin for|map of|map link to|pin for"
    r"|where [^,.;!?]{1,30} is, it'?s)\s+"
    rf"(?!(?:I|We|You|He|She|They|It)\b)(?P<p>{_NAMED}(?:\s+and\s+{_NAMED})*)"
    r"(?=\s+(?i:is|are|located|on|in|for|by|with|to|and|so|there|pls|please)\b|\s*[?.!,]|$)",
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.I)
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+")
_APPOSITIVE = re.compile(rf",\s+(?:(?:it's|it is)\s+)?(?:the\s+)?(?P<n>{_APPOSITIVE_NAME})")
_COORDINATES = re.compile(r"-?\d{1,3}\.\d+,\s*-?\d{1,3}\.\d+")
_STREET = r"St|Street|Ave|Avenue|Blvd|Boulevard|Rd|Road|Lane|Ln|Way|Dr|Drive|Ct|Court|Pl|Place|Sq|Square" + (
    r"|Loop|Plaza|Pkwy|Parkway"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET})\b\.?"
    r"(?:,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?=\s*(?:[,.;!?]|$)|\s+(?:and|from|to|on|at|by|for|in)\b))?"
)  # with its town when one follows: "1 Infinite Loop, Cupertino"

_WALK = re.compile(r"\b(?:walk\w*|on foot|stroll)\b", re.I)  # "walknig" too
_TRANSIT = re.compile(
    r"\b(?:transit|bus|buses|train|trains|subway|metro|tram|pub\w*c transport(?:ation)?|underground|tube|bart"
    r"|muni|light rail|streetcar)\b",
    re.I,
)

_NOTE_BARE = re.compile(r"\b(?:my|the)\s+(?P<n>[A-Z][\w'-]*(?:\s+[A-Z0-9][\w'-]*)*)\s+note\b")
_NOTE_CALLED = re.compile(rf"\bnote\s+(?:called|named|titled)\s+(?P<n>[^'\"\u2018\u201c]+?){_STOP}", re.I)
NOTE_BEFORE = re.compile(r"\s*note\b", re.I)  # 'Camping gear' note
# note called 'Gift ideas', new note: 'Gift ideas', a note in Recipes called 'Pierogi'
_NOTE_AFTER = re.compile(r"\bnote(?:\s*:|(?:\s+\S+){0,4}?\s+(?:called|named|titled))?\s*$", re.I)
_QUOTE = r"['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]"
_FOLDER = re.compile(
    r"\b(?:in|from|into)\s+(?:my\s+|the\s+)?(?P<f>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+folder\b"
    rf"|\b(?i:note|note to self)(?:\s+(?:called|named|titled))?(?:\s+{_QUOTE})?"
    r"\s+(?:in|from)\s+(?P<g>[A-Z][\w'-]*)(?=\s*[,.;:!?]|\s+(?:called|named|titled|and|then|with)\b|$)"
)
_LIST = re.compile(
    r"\b(?:to|in|on|into)\s+(?:my\s+|the\s+)?(?P<l>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+list\b"
    r"|\bput (?:it|this|that) (?:in|on)\s+(?:my\s+|the\s+)?(?P<m>[A-Z][\w'-]*)\b(?!\s+(?:calendar|note|folder))"
    # "a reminder in Work for Friday": the list right after the word reminder
    r"|\breminders?\s+(?:in|on|to)\s+(?:my\s+|the\s+)?(?P<r>[A-Z][\w'-]*)\b(?!\s+(?:calendar|note|folder))"
)
_CALENDAR = re.compile(r"\b(?:to|on|in|into)\s+(?:my\s+|the\s+)?(?P<c>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+calendar\b")
_PRIORITY = ((re.compile(r"\b(?:high|top|urgent|important)\b", re.I), 1),
             (re.compile(r"\bmedium\b", re.I), 5),
             (re.compile(r"\blow\b", re.I), 9))  # fmt: skip
_PRIORITY_CUE = re.compile(r"\b(?:priority|urgent|important)\b", re.I)

# "cc Lena", "cc'ing Rafaela", "with Nadia in cc", "copy my dad", "loop in Raj": those names go in cc.
# "copy" names who goes in cc unless a thing follows ("copy the summary into ..."). The dots of an address
# ("cc legal@northwind.com") and of a title ("cc Dr. Ames") do not end the names.
_CC_AFTER = re.compile(
    r"\b(?:cc|cc'?ing|cc'?d|(?:copy(?:ing)?|copied)(?!\s+(?:the|a|an|this|that|it|its|over|down|out)\b)"
    r"|loop(?:ing)? in)\b\s*:?\s*(?P<x>(?:[^.;!?]|\.(?=\w)|(?<=Dr|Mr|Ms|St)\.|(?<=Mrs)\.)*)",
    re.I,
)
_CC_BEFORE = re.compile(r"(?P<x>[^,.;!?]*?)\s+(?:in|on)\s+cc\b", re.I)
# Where the names in cc end: "and" before a verb (not before a name: "cc Rutger and Sven"), what it is about.
_CC_END = re.compile(
    r",?\s+(?:and|then)\s+(?!cc)(?-i:[a-z]+)\b.*$|\s+(?:to|about|with|asking|saying|telling|that|so)\s.*$", re.I
)


_DATE_WORDS = frozenset((*WEEKDAYS, *MONTHS.split("|")))
_DAY_AND_MONTH_NAMES = "|".join(w.capitalize() for w in (*WEEKDAYS, *MONTHS.split("|")))
_NOT_STREETS = rf"(?:{_DAY_AND_MONTH_NAMES}|Apple|Maps|Zoom|Google)\b"
_STREET_OF = re.compile(rf"\s+on\s+(?!{_NOT_STREETS})(?:[A-Z0-9][\w'.-]*)(?:\s+(?!{_NOT_STREETS})[A-Z][\w'.-]*)*")
_THEIR_PLACE = re.compile(r"^(?:my|our|his|her|their)\s+\w+$", re.I)
_AT_WHERE = re.compile(r"\s+at\s+(?P<p>\d+\s+[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*|[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*)")
_NOT_PLACES = frozenset({"there", "here", "it", "them", "home", "work", "maps", "apple maps", "google maps"})


_PERSON = r"[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*"
_OWNED = {
    "email": re.compile(rf"(?P<n>{_PERSON})'s?\s+(?:e-?mail|address)\b|\be-?mail(?: address)? of (?P<m>{_PERSON})"),
    "phone": re.compile(
        rf"(?P<n>{_PERSON})'s?\s+(?:phone|number|cell|mobile)\b|\b(?:phone|number) of (?P<m>{_PERSON})"
    ),
}


def unique(items: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def capital(text: str) -> str:
    text = text.strip().strip("'\"\u2018\u2019\u201c\u201d").strip()
    return text[:1].upper() + text[1:]


# How or when said after a place, not part of it: "to Coit Tower walking", "where's Union Square located".
_TRAILING = re.compile(r"\s+(?:walk\w*|driving|located|pls|plz|please)$", re.I)


def clean_place(text: str) -> str:
    """A place as plans name it: no leading article, no trailing punctuation, 'here' is ''; "our flat at
    14 Rue Oberkampf" is the address."""
    place = ARTICLE.sub("", text.strip().strip(".,;:!?'\"")).strip()
    place = re.sub(r"^(?:my|our|his|her|their)\s+\w+\s+(?:at|on|in)\s+", "", place)
    place = _TRAILING.sub("", place)
    return "" if _HERE.match(place) else place


def route(query: str, said: tuple[str, ...] | None = None) -> tuple[str, str] | None:
    """Where from and where to; ``said``: the request's ``places``, when the caller has them already."""
    ends = _route(query)
    if ends is None:
        return None
    areas = places(query) if said is None else said
    return _in_its_area(ends[0], areas), _in_its_area(ends[1], areas)


def _in_its_area(end: str, places_said: tuple[str, ...]) -> str:
    """An end said with its area is one place: "to Salt & Straw in Hayes Valley"."""
    return next((p for p in places_said if end and p.startswith(f"{end}, ")), end)


def _route(query: str) -> tuple[str, str] | None:
    if match := _ROUTE.search(query) or _ROUTE_BACK.search(query):
        return _end_of(match, "a"), _end_of(match, "b")
    if match := _DESTINATION.search(query):
        return "", _end_of(match, "b")
    if match := _ORIGIN.search(query):
        return clean_place(_named_after(match, "a")), ""
    return None


def _end_of(match: re.Match[str], group: str) -> str:
    return _with_street(clean_place(_named_after(match, group)), match.string)


def _named_after(match: re.Match[str], group: str) -> str:
    """A place said as a kind and then named ("the hardware store, Cole Hardware", "my hotel, the
    Fairmont,"): the name."""
    said = match.group(group)
    named = _APPOSITIVE.match(match.string, match.end(group))
    return named.group("n") if named and said == said.lower() else said


def _with_street(place: str, query: str) -> str:
    """ "Supercuts on Fillmore", "the DMV on Fell St": a place and the street it is on; "our flat at
    14 Rue Oberkampf": the address."""
    at = query.find(place)
    if at < 0:
        return place
    if _THEIR_PLACE.match(place) and (address := _AT_WHERE.match(query, at + len(place))):
        return address.group("p")
    if street := _STREET_OF.match(query, at + len(place)):
        return place + street.group(0)
    return place


def places(query: str) -> tuple[str, ...]:
    found = [m.group(0) for m in _COORDINATES.finditer(query)]
    found += [m.group(0) for m in _ADDRESS.finditer(query)]
    found += [clean_place(p) for m in _SHOW_PLACE.finditer(query) for p in m.group("p").split(" and ")]
    found += [clean_place(m.group("p")) for m in _AT_PLACE.finditer(query)]
    if ends := _route(query):
        found += [p for p in ends if p]
    found = [_with_street(p, query) for p in found]
    found = [p for p in found if p and not _is_time(p) and p.lower() not in _NOT_PLACES | _DATE_WORDS]
    found = [p for p in found if not _KEPT_IN.search(p) and not FILE_EXT.search(p)]  # "pull up W-2 2024.pdf"
    return unique(_in_areas(found, query))


def _in_areas(found: list[str], query: str) -> list[str]:
    """ "Heath Ceramics in Sausalito": one place, "Heath Ceramics, Sausalito", as every such bank reference has it."""
    merged = list(found)
    for place in found:
        for area in found:
            if area != place and re.search(rf"{re.escape(place)}\s+in\s+(?:the\s+)?{re.escape(area)}\b", query):
                merged = [f"{place}, {area}" if p == place else p for p in merged if p != area]
    # "at 1 Infinite Loop, Cupertino": the address with its town, not also the address alone.
    return [p for p in merged if not any(q.startswith(f"{p}, ") for q in merged)]


# "in the Travel folder named 'Kyoto temples'" names where a note is kept, not a place.
_KEPT_IN = re.compile(r"\b(?:folder|note|notes|calendar|list)\b", re.I)


def _is_time(text: str) -> bool:
    return bool(re.match(r"^\d{1,2}(?::\d{2})?\s*(?:am|pm)?$|^(?:noon|midnight)$", text, re.I))


def transport(query: str) -> str:
    if _WALK.search(query):
        return "w"
    return "r" if _TRANSIT.search(query) else "d"


def notes(query: str) -> tuple[str, ...]:
    """Quoted text right before "note" or right after "note (called)", then unquoted names."""
    found = [
        m.group(2)
        for m in QUOTED.finditer(query)
        if NOTE_BEFORE.match(query, m.end()) or _NOTE_AFTER.search(query, 0, m.start())
    ]
    found += [m.group("n") for m in _NOTE_CALLED.finditer(query)]
    found += [m.group("n") for m in _NOTE_BARE.finditer(query)]
    return unique(found)


def urls(query: str) -> tuple[str, ...]:
    """The web addresses the request gives, without the sentence's closing punctuation."""
    return unique(m.group().rstrip(".,;:!?)]") for m in _URL.finditer(query))


def listed(query: str, name: str) -> tuple[str, ...]:
    """What the request lists after a list parameter's name: "tags rust and async", "tagged: a, b",
    "labels x & y". Items of up to three words; the list ends at the clause's end or a longer phrase."""
    stem = re.escape(name.lower().rstrip("s"))
    found = re.search(
        rf"\b{stem}\w*\s*(?:(?:it|them|this|that)\s+)?(?:as\s+|with\s+|:\s*)?(?P<items>[^.;!?\n]+)", query, re.I
    )
    if found is None or len(stem) < 3:
        return ()
    items = []
    for item in _LIST_SEPARATOR.split(found.group("items")):
        words = item.strip(" '\"‘’“”").split()
        if not words or len(words) > 3:
            break
        items.append(" ".join(words))
    return unique(items)


def priority(query: str) -> int:
    if not _PRIORITY_CUE.search(query):
        return 0
    return next((value for pattern, value in _PRIORITY if pattern.search(query)), 0)


def cc_names(query: str, spans: QuerySpans) -> tuple[str, ...]:
    segments = [_CC_END.sub("", m.group("x")) for m in _CC_AFTER.finditer(query)]
    segments += [m.group("x").split(" with ")[-1] for m in _CC_BEFORE.finditer(query)]
    people = (*spans.names, *spans.emails)
    return tuple(p for p in people if any(p in segment for segment in segments))


def owners(query: str, names: tuple[str, ...], what: str) -> tuple[str, ...]:
    """The people whose email (or phone) the request asks for: "Seraphina's email and Augustin's phone
    number" looks up Seraphina's email only; every name when the request ties none to it."""
    wanted = [m.group("n") or m.group("m") for m in _OWNED[what].finditer(query)]
    tied = tuple(n for n in names if any(n in o for o in wanted))
    others = [m.group("n") or m.group("m") for kind, p in _OWNED.items() if kind != what for m in p.finditer(query)]
    untied = tuple(n for n in names if not any(n in o for o in others))
    return tied or untied or names


def folders(query: str) -> tuple[str, ...]:
    return unique(m.group("f") or m.group("g") for m in _FOLDER.finditer(query))


def lists(query: str) -> tuple[str, ...]:
    return unique(m.group("l") or m.group("m") or m.group("r") for m in _LIST.finditer(query))


def calendars(query: str) -> tuple[str, ...]:
    return unique(m.group("c") for m in _CALENDAR.finditer(query))


def at_places(query: str) -> list[str]:
    """Places said after "at" or "in" ("at the Lantern Room")."""
    return [clean_place(m.group("p")) for m in _AT_PLACE.finditer(query)]
