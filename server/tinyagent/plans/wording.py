"""Reading what a request says to write: a message's or an email's words, what an event, a meeting or
an email is called or about, what goes in a note, what to be reminded of.

Regular expressions over English requests, like ``plans/reading.py`` (which reads what it names):
developed on the dev set and the bank's requests, never on the holdout. ``plans/values.py`` offers what
they find to a plan's text parameters.
"""

from __future__ import annotations

import re

from tinyagent.plans.message_words import LATER_REQUEST_VERBS
from tinyagent.plans.query_spans import QuerySpans
from tinyagent.plans.reading import ARTICLE, NOTE_BEFORE, capital, notes, unique
from tinyagent.plans.when import MONTHS, WEEKDAYS

# Words that ask for a file's summary ("summery" is read as "summary" by plans/asked.py's slips).
ASKS_FOR_SUMMARY = re.compile(
    r"\b(summar\w*|sum\w{0,3}ri[sz]\w*|sum (?:it |this |that )?up|key \w+|gist|tl;?dr|tldr|highlights?|"
    r"boil\w*\b.{0,40}\bdown|main points|takeaways?|recap|overview|brief|skim|digest|condense|nutshell|bullets?|"
    r"short version|what(?:'s| is| does| did| are)\b.{1,40}\b(?:about|say|says|said|cover|covers)|"
    r"(?:time|chance) to read)\b",
    re.I,
)

_WEEKDAY = rf"(?:{'|'.join(WEEKDAYS)})"
_MONTH = rf"(?:{MONTHS})\b"
_TASK = re.compile(
    r"\b(?:remind(?:er)?s?(?: me)?|remember|forget|set an? (?:all-day )?reminder)\b[^,.;!?]*?\bto\s+(?P<t>[^,.;!?]+)"
    r"|\b(?:remind(?:er)?s?(?: me)?|reminder)\b[^:]*:\s*(?P<u>[^,.;!?]+)"
    r"|\breminder for\s+(?P<v>[^,.;!?]+)",
    re.I,
)
# Where a task's words end and its time begins: "call the vet | on Wednesday at 9:30".
_DAYISH = rf"(?:{_WEEKDAY}|tomorrow|today|tonight|the \d|\d|noon|midnight|{_MONTH})"
_WHEN_WORDS = re.compile(
    rf"\s+(?:(?:on|at|by)\s+(?:the\s+)?{_DAYISH}|tomorrow|today|tonight|this|next|every|in \d|due\b"
    rf"|{_WEEKDAY}|{_MONTH})"
    r"|\s+(?:and|then)\s+(?:text|email|send|open|show|find|put|add|tell|create)\b",
    re.I,
)
_TITLE = re.compile(
    r"\b(?:called|titled|named)\s+(?P<a>[^'\"\u2018\u201c,.;!?][^,.;!?]*)"
    r"|\b(?:about|regarding|re:)\s+(?P<b>[^,.;!?]+)"
    r"|\bto\s+(?:go over|discuss|review|talk about|talk through|plan|prepare)\s+(?P<c>[^,.;!?]+)"
    r"|\b(?:zoom|meeting|call|event|calendar hold|hold|session)\s+for\s+"
    rf"(?P<d>(?!(?:today|tomorrow|tonight|this|next|\d|{_WEEKDAY})\b)[^,.;!?]+)"
    r"|\bcalendar\s*:\s*(?P<f>[^,.;!?]+)"
    r"|\b(?:add|put|schedule)\s+(?P<e>(?:the|a|an|my|our)\s+[^,;!?]+?)\s+(?:to|on|in)\s+(?:my|the)\s+calendar\b",
    re.I,
)


def _ends_at(words: str) -> re.Pattern[str]:
    """Where a title ends: at one of ``words``, a time word or a weekday, and all after it."""
    return re.compile(rf"\s+(?:{words}|tomorrow|today|tonight|this|next|every|in \d)\b.*$|\s+(?:{_WEEKDAY})\b.*$", re.I)


_TITLE_END = _ends_at("at|on|by|for|from|with|to|and|then")
# What an event is for when nothing names it: "block my calendar at 1pm for a haircut", "a Zoom ... on the
# grant proposal". Not a length, a time, a day or where it goes ("for an hour", "on the calendar").
_EVENT_CUE = re.compile(r"\b(?:calend[ae]r|event|zoom|meeting|block|hold|schedule|invite|book)\b", re.I)
_NOT_WHAT = (
    r"(?!(?:an?\s+)?(?:hour|half|minute|min|mins|\d|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|ninety)\b)"
    rf"(?!(?:today|tomorrow|tonight|this|next|{_WEEKDAY})\b)"
)
_FOR_WHAT = re.compile(
    rf"\b(?:for|on)\s+(?:a|an|the|my|our)\s+(?!\d){_NOT_WHAT}"
    r"(?P<x>(?!(?:[\w'-]+\s+)?(?:calend[ae]rs?|cal|diary|map|list|note|way)\b)[^,.;!?]+)",
    re.I,
)
_WHAT_END = _ends_at("at|on|by|for|from|to|and|then")  # not "with": "a call with Yusuf" keeps who it is with
_CONTENT = re.compile(
    r"\bnote\b[^.;!?]*?\b(?:with(?:\s+the)?|listing|saying|containing)\s*:?\s*(?P<a>[^.;!?]+)"
    r"|\bnote\b[^:;!?]*?:\s+(?:['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]\s*-\s*)?(?P<b>[^;!?]+)"
    r"|\b(?:add|append|put|write|log|jot down)\s+(?P<c>(?!to\b)[^;!?]+?)\s+(?:to|in|into|on)\s+(?:my|the)\s+"
    r"(?:(?:new|existing)\s+)?(?:note\b|['\"\u2018\u201c][^'\"\u2019\u201d]*['\"\u2019\u201d]\s+note\b)",
    re.I,
)
_ADDRESSEE = r"(?:(?-i:[A-Z][\w'.-]*(?:\s+(?:and\s+)?[A-Z][\w'.-]*)*)|him|her|them|everyone|both)"
_BODY = re.compile(
    # whole words: the "Say" of "Fatima Al-Sayed" is not a cue
    r"(?:\b(?:(?:that|saying|say|says)(?![\w-])|telling (?:him|her|them)|to say|with the message|message:"
    r"|(?:asking|to ask) (?=whether|if))"
    r"|\breply(?:\s+to\s+(?:this|the|that)(?:\s+(?:email|message|thread|mail))?)?\s*(?=:|(?:yes|no|ok|sure|thanks)\b)"
    # "text Camille: landed safe", "let Bilal know the code changed", "tell Keiko I'm five minutes out",
    # "ask Raj if he's still up for tennis"
    rf"|\b(?i:text|sms|message|msg|ping)\s+{_ADDRESSEE}\s*(?=:)"
    rf"|\b(?i:let)\s+{_ADDRESSEE}\s+(?i:know)(?:\s+by\s+(?:text|sms|email))?\s+(?!(?i:that|by)\b)"
    rf"|\b(?i:tell)\s+{_ADDRESSEE}\s+(?!(?i:that|to|about)\b)"
    rf"|\b(?i:ask)\s+{_ADDRESSEE}\s+(?=(?i:if|whether|who|what|when|where|how)\b))"
    r"\s*[:,]?\s*(?P<b>.+)$",
    re.I,
)
_BODY_END = re.compile(
    r"(?:,?\s+(?:and|then)\s+(?:remind|email|text|send|put|add|create|show|open|forward|reply|cc|attach|"
    rf"schedule|set|make|get|pull|find|give|navigate|look|log|save|jot|{LATER_REQUEST_VERBS})\b.*$|,?\s+cc\b.*$)",
    re.I,
)


def bodies(query: str) -> tuple[str, ...]:
    """What to write, in the request's words: the clause after "that", "saying", "asking"..."""
    if match := _BODY.search(query):
        body = _BODY_END.sub("", match.group("b")).strip().rstrip(".!")
        if body:
            return (body[0].upper() + body[1:] + ".",)
    return ()


def tasks(query: str, spans: QuerySpans) -> tuple[str, ...]:
    """What to be reminded of, in the request's words, without its time: "Call the vet"; a pronoun
    stands for what was named before it ("open the 'HOA bylaws' and remind me to read it")."""
    found = []
    for match in _TASK.finditer(query):
        words = _WHEN_WORDS.split(match.group("t") or match.group("u") or match.group("v"))[0].strip()
        words = _resolve_pronouns(words, query[: match.start()], spans)
        if words:
            found.append(words[0].upper() + words[1:])
    if not found and re.search(r"\bremind|\breminders?\b|\blist\b", query, re.I):
        found = [q[0].upper() + q[1:] for q in spans.quoted]
    return unique(found)


def _resolve_pronouns(words: str, before: str, spans: QuerySpans) -> str:
    things = [t for t in (*spans.quoted, *spans.files, *notes(before)) if t in before]
    people = [n for n in spans.names if n in before]
    if things:
        last = max(things, key=before.rfind)
        words = re.sub(r"\b(?:it|them)$", last, words)
    if people:
        last = max(people, key=before.rfind)
        words = re.sub(r"\b(?:him|her)\b", last, words)
    return words


def titles(query: str, spans: QuerySpans) -> tuple[str, ...]:
    """What an event, meeting or email is called or about, in the request's words."""
    found = []
    if re.search(r"\b(?:calendar|event|zoom|meeting)\b", query, re.I):
        found += [
            q
            for q in spans.quoted
            if not NOTE_BEFORE.match(query, query.find(q) + len(q) + 1)
            and not re.search(r"\bnotes?:?\s*['\"\u2018\u201c]?$", query[: query.find(q)], re.I)
        ]
    for match in _TITLE.finditer(query):
        if match.group("a") and re.search(r"\bnote\s*$", query[: match.start()], re.I):
            continue  # "a note called X" names a note, not an event
        title = ARTICLE.sub("", _TITLE_END.sub("", next(g for g in match.groups() if g)).strip())
        if title and not re.match(r"^(?:\d|(?:it|them|this|that|these|those)\b)", title, re.I):
            found.append(title)
    if not found and _EVENT_CUE.search(query):
        found = [_WHAT_END.sub("", m.group("x")) for m in _FOR_WHAT.finditer(query)]
    return unique(capital(t) for t in found)


def contents(query: str) -> tuple[str, ...]:
    """What to write in a note: "with ...", "listing ...", "note: ...", "add 'X' to my note"."""
    found = [next(g for g in m.groups() if g) for m in _CONTENT.finditer(query)]
    return unique(capital(_BODY_END.sub("", f).strip()) for f in found)


def said_notes(query: str) -> tuple[str, ...]:
    """An event's notes when the request says them: notes 'bring apron'."""
    return unique(re.findall(r"\bnotes?\s*:?\s*['\"\u2018\u201c]([^'\"\u2019\u201d]+)", query, re.I))
