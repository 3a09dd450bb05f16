"""The spans of a query that can name a contact or a file: what guided plans may put in a lookup.

Heuristics for English requests, kept deliberately simple and general: quoted text (file and note
names), e-mail addresses, phone numbers, and runs of capitalised words (people, with an optional
title). A capitalised word that only starts the sentence, weekday and month names are not names.
The grammar offers these spans as choices; the model still decides which ones a plan uses.

People are often written in lower case ("text harriet im on my way", "forward this to beatriz", "text
mum and dad"): 54 of the bank's and dev's requests look someone up whose name was not capitalised, and
with no name to offer, the plan texted no one (an empty list: the run failed, and its replan wrote
what nobody asked for, issue 16). A lower-case word is read as a name only where a person stands:
after a word that sends to someone ("text X", "email it to X", "send X a text"), "zoom ... with X",
"X's number", a relative or role ("my brother keanu", "my dad"), and names joined to those by "and".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Quotes open after a non-letter and close before one: the apostrophe of "cc'ing" is not a quote.
QUOTED = re.compile(r"(?<!\w)(['\"\u2018\u201c])(.+?)(?:\1|[\u2019\u201d])(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_WORD = r"[A-Z\u00c0-\u00de][\w'\u00c0-\u024f-]*"
# Particles start a word (not the "der" of "cofounder Idris"); and "Jean-Luc St. Pierre".
_PARTICLE = r"(?:\b(?:de|van|von|da|del|der|la|le|bin|al)\b|St\.(?=\s[A-Z]))"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)"
_NAME = re.compile(rf"(?:{_TITLE}\.?\s)?(?:{_PARTICLE}\s)*{_WORD}(?:\s(?!{_TITLE}\.)(?:{_PARTICLE}|{_WORD}))*")
_NOT_NAMES = frozenset(
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "I",
        "I'm",
        "I'll",
        "Today",
        "Tomorrow",
        "Tonight",
        "Zoom",
        "Maps",
        "PDF",
        "OK",
    ]
)
# Not ":" or ";": after them comes a list ("the design team: Ines, Mateo and Sunniva"), not a verb.
_SENTENCE_END = (".", "!", "?")
# A file named without quotes: "Budget.xlsx", or capitalised words right before "pdf", "file"...
_EXTENSION = r"\.(?:pdf|docx?|xlsx?|pptx?|key|pages|numbers|txt|csv|md|rtf|jpe?g|png|heic|gif|zip)\b"
FILE_EXT = re.compile(_EXTENSION, re.I)
# A file named without quotes may have several words before its extension ("team offsite agenda.pdf"):
# up to three more words, none of them a word that starts the phrase instead (the, my, summarize...).
_NOT_IN_FILE = (
    r"(?:the|a|an|my|our|your|his|her|their|this|that|these|of|to|for|with|and|or|in|on|at|from|by|it'?s|is|"
    r"summari[sz]e|sum|up|open|attach|attaching|attached|send|email|e-mail|mail|forward|find|pull|read|share|"
    r"print|text|reply|get|give|show|boil|down|version|gist|points|summary|copy|called|named|titled|both|"
    r"through|skim|launch|bring|file|does|did|do|what|where|which|i|me|them|him|save|saved|review|check|see|"
    r"tl|dr|tldr|mean|pop|sum\w{0,3}ri[sz]e)"  # "tl;dr X.pdf", "I mean X.pdf", "sumamrize X.pdf"
)
_FILE_WORD = rf"(?!{_NOT_IN_FILE}\b)[\w-]+"
_BARE_FILE = re.compile(rf"(?<![\w.'-])(?:{_FILE_WORD}\s+){{0,3}}[a-z0-9_][\w-]*{_EXTENSION}", re.I)
_FILE_NOUN = re.compile(r"\s+(?:pdf|file|document|doc|deck|slides|spreadsheet|report|presentation)\b", re.I)


@dataclass(frozen=True)
class QuerySpans:
    quoted: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # quoted text, names with a file extension, names followed by "pdf" & co.
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    # Names said together ("Isadora and Magnus", "Ravi Shankar, Odile Martin and Bo"): one party.
    together: tuple[tuple[str, ...], ...] = ()

    def for_lookup(self, lookup: str) -> tuple[str, ...]:
        """The spans a parameter resolved by ``lookup`` may take (names, plus what needs no lookup)."""
        if lookup == "get_email_address":
            found = (*self.names, *self.emails)
        elif lookup == "get_phone_number":
            found = (*self.names, *self.phones)
        else:  # files are rarely named like people: offering people would let them be "attached"
            found = self.files
        return tuple(dict.fromkeys(found))


def _names(text: str) -> list[tuple[str, int]]:
    """Names with the offset where each ends."""
    names = []
    for match in _NAME.finditer(text):
        words = match.group(0).split(" ")
        before = text[: match.start()].rstrip()
        if (not before or before.endswith(_SENTENCE_END)) and not words[0].endswith("."):
            words = words[1:]  # "Invite Philippa": the first word is capitalised as the sentence start
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1] in _NOT_NAMES:
            words = words[:-1]
        name = re.sub(r"(?:'s|')$", "", " ".join(words))  # "Leopold's party"
        if name and name not in _NOT_NAMES:  # "Friday's 2pm update"
            names.append((name, match.end()))
    return names


# A lower-case word that can be a name: not one of the words that follow these slots in other roles.
_LOWER_WORD = r"[a-z\u00df-\u00ff][a-z\u00df-\u00ff-]*[a-z\u00df-\u00ff]"
_NOT_NAME_WORDS = """a an the my our your his her their its this that these those some any all both each every everyone
    everybody someone somebody anyone whoever me him them us you it i we they he she myself yourself to
    and or but with for about on in at from of by as if when whether what where which who how why than
    then so not no yes back again too also up out over off down into onto after before while until now
    later soon today tonight tomorrow yesterday morning afternoon evening night week weekend month year
    noon next last monday tuesday wednesday thursday friday saturday sunday am pm please pls plz thanks
    thank just quick quickly real asap directly right away here there re cc along plus via saying says
    say said asking ask telling tell let lets know reply replies answer message messages msg text texts
    email emails mail note notes link links invite invites details directions route address addresses
    number numbers phone photo photos file files pdf document summary list update updates reminder
    reminders meeting meetings call calendar event events group team crew family people folks guys
    rest others other same whole entire new old good happy is are was were be been being have has had
    do does did will would can could should shall may might must get got make made see need needs want
    wants going gonna wanna put add set remind send forward open show find check save share write move
    cancel book pick drop create schedule"""
_NOT_LOWER_NAMES = frozenset(_NOT_NAME_WORDS.split())
_KIN = (
    "mum|mom|mommy|mummy|mama|dad|daddy|papa|mother|father|grandma|grandpa|gran|granny|nan|nana|nanna|"
    "grandad|granddad|grandmother|grandfather"
)
# A role names the person after it ("my brother keanu", "the babysitter, Maddie"); alone, only "the
# plumber" of "the number for the plumber" is looked up as itself.
_ROLE = (
    "brother|sister|wife|husband|partner|son|daughter|aunt|auntie|uncle|cousin|boss|manager|landlord|"
    "landlady|plumber|flatmate|roommate|housemate|friend|neighbou?r|coach|tutor|teacher|babysitter|nanny|"
    "colleague|coworker|assistant|solicitor|lawyer|accountant|doctor|dentist|chef|ta"
)
_PERSON = re.compile(
    rf"(?:(?P<title>mr|mrs|ms|mx|dr|prof)\.?\s+(?P<titled>{_LOWER_WORD})"
    rf"|(?:(?:my|the|our|his|her|their)\s+)?(?:(?P<kin>{_KIN})\b(?!['\u2019]s)"
    rf"|(?P<role>{_ROLE})(?:\s*,?\s+(?P<named>{_LOWER_WORD}|[A-Z]))?)"
    rf"|(?P<word>{_LOWER_WORD}))(?![\w@-]|\.\w)"  # not an address's or a file's start
)
# "text" and "email" as verbs: not "a text wishing them luck", "an email inviting them".
_VERB = r"(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bby )(?<!\bover )(?<!\bvia )"
_SEND_WORD = r"text|txt|sms|message|msg|tell|ask|e-?mail|emial|ping|invite|cc|cc'?ing|copy in|loop in|fwd"
_OBJECT = r"(?:it|this|that|them|these|those|(?:a|an|the|this|that|my|our)\s+[\w-]+(?:\s+[\w-]+)?)"
_LOWER = r"(?=[a-z\u00df-\u00ff])"  # where a slot's person starts: a lower-case letter
_SENT = r"(?:send|shoot|forward|fwd|fw|share|pass|mail|e-?mail|text|txt)"
_MEET = r"(?:zoom|meeting|call|lunch|dinner|coffee|sync|catch-?up|1:1)"
_A_MESSAGE = r"(?:a|an|the)\s+(?:text|txt|sms|message|msg|e-?mail|mail|note|line|link|invite)\b"
_ASIDE = r"(?i:do|i|you|we|have|saved|got|on|file)"  # "the number I have saved for the plumber"
_CONTACT = r"(?:e-?mail|number|phone|cell|mobile|address|contact)\b"
# Where only a person stands, and whether a role alone is one; "owner" marks "X's number", where the
# person comes before the slot's words.
_SLOTS = tuple(
    (re.compile(slot), alone)
    for slot, alone in (
        (rf"{_VERB}\b(?:{_SEND_WORD})\s+{_LOWER}", False),
        (rf"{_VERB}\b{_SENT}\s+{_OBJECT}\s+(?:along\s+)?(?:to|with)\s+{_LOWER}", False),
        # not a plural ("dinner with clients"): a group is no contact
        (rf"\b{_MEET}\b[^.;!?]{{0,40}}?\bwith\s+(?:me\s+and\s+)?{_LOWER}(?![\w-]*[^s\W]s\b)", False),
        (rf"\bzoom\s+me\s+and\s+{_LOWER}", False),
        (rf"\bsend\s+(?={_LOWER_WORD}\s+{_A_MESSAGE})", False),
        (rf"\b(?:number|e-?mail|address|contact)(?:\s+{_ASIDE})*\s+for\s+{_LOWER}", True),
        (rf"(?<![\w'])(?=(?P<owner>{_LOWER_WORD})['\u2019]s\s+{_CONTACT})", False),
    )
)
_AND_NEXT = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+)")


def _lower_names(text: str, files: tuple[str, ...]) -> list[tuple[str, int]]:
    """People written in lower case where only a person can stand, capitalised, with their end offsets."""
    found: list[tuple[str, int]] = []
    for pattern, alone in _SLOTS:
        for slot in pattern.finditer(text):
            at = slot.start("owner") if "owner" in pattern.groupindex else slot.end()
            while (person := _person(text, at, alone)) is not None:
                if not any(person[0].lower() in f.lower() for f in files):  # "email solar panel quote.pdf"
                    found.append(person)
                joined = _AND_NEXT.match(text, person[1])
                if joined is None:
                    break
                at = joined.end()
    return found


def _person(text: str, at: int, alone: bool) -> tuple[str, int] | None:
    match = _PERSON.match(text, at)
    if match is None or (match.group("named") or "a").isupper():  # "my brother Kofi": his capitals say it
        return None
    title, name = match.group("title"), match.group("titled") or match.group("named") or match.group("word")
    if name is not None and (name in _NOT_LOWER_NAMES or _near_any(name)):
        return None
    if name is None and match.group("role") and not alone:
        return None
    word = name or match.group("kin") or match.group("role")
    person = "-".join(part.capitalize() for part in word.split("-"))
    return (f"{title.capitalize()}. {person}" if title else person), match.end()


def _near_any(word: str) -> bool:
    """A misspelt stop word ("adderss", "emial"): one slip from a long one."""
    return len(word) >= 5 and any(len(stop) >= 5 and one_slip(word, stop) for stop in _NOT_LOWER_NAMES)


def one_slip(a: str, b: str) -> bool:
    """``a`` is ``b`` with one letter dropped, added or changed, or two neighbours swapped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 or swapped
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def query_spans(query: str) -> QuerySpans:
    quoted = [m.group(2).strip() for m in QUOTED.finditer(query)]
    rest = QUOTED.sub(" | ", query)  # a file's capitalised words are not a person
    emails = _EMAIL.findall(rest)
    rest = _EMAIL.sub(" | ", rest)
    phones = [p.strip() for p in _PHONE.findall(rest)]
    names = _names(rest)
    files = [*quoted]
    for name, end in names:
        if ext := FILE_EXT.match(rest, end):
            files.append(name + ext.group(0))
        elif _FILE_NOUN.match(rest, end):
            files.append(name)
    files += [f for f in _BARE_FILE.findall(rest) if not any(f in known for known in files)]
    said = {n for n, _ in names}
    lower = [(n, end) for n, end in _lower_names(rest, tuple(files)) if n not in said]
    names = sorted([*names, *dict(lower).items()], key=lambda name: name[1])
    return QuerySpans(
        quoted=tuple(dict.fromkeys(q for q in quoted if q)),
        names=tuple(dict.fromkeys(n for n, _ in names)),
        files=tuple(dict.fromkeys(f for f in files if f)),
        emails=tuple(dict.fromkeys(emails)),
        phones=tuple(dict.fromkeys(phones)),
        together=_together(rest, names),
    )


_AND = re.compile(r"\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+")


def _together(text: str, names: list[tuple[str, int]]) -> tuple[tuple[str, ...], ...]:
    """Runs of names joined only by commas and "and"."""
    runs: list[list[str]] = []
    last_end = -1
    lowered = text.lower()  # names read in lower case are capitalised: find them case-blind
    for name, end in names:
        start = lowered.rfind(name.lower(), 0, end)
        if runs and _AND.fullmatch(text[last_end:start]):
            runs[-1].append(name)
        else:
            runs.append([name])
        last_end = start + len(name)
    return tuple(tuple(dict.fromkeys(run)) for run in runs if len(set(run)) > 1)
