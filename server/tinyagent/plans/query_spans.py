"""The spans of a query that can name a contact or a file: what guided plans may put in a lookup.

Heuristics for English requests, kept deliberately simple and general: quoted text (file and note
names), e-mail addresses, phone numbers, and runs of capitalised words (people, with an optional
title). A capitalised word that only starts the sentence, weekday and month names are not names.
The grammar offers these spans as choices; the model still decides which ones a plan uses.
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
        if name:
            names.append((name, match.end()))
    return names


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
    for name, end in names:
        start = text.rfind(name, 0, end)
        if runs and _AND.fullmatch(text[last_end:start]):
            runs[-1].append(name)
        else:
            runs.append([name])
        last_end = start + len(name)
    return tuple(tuple(dict.fromkeys(run)) for run in runs if len(set(run)) > 1)
