"""A request's independent clauses: "open the 'Tide tables' pdf and show me the way to Kynance Cove".

Guided planning can only choose a skeleton the bank has, and the bank rarely pairs two unrelated
things to do; its nearest examples then vote for one of them, and the other is dropped. A request
that reads as two or more commands, none of which points back at another ("email *it* to her",
"text *them* the link"), is split here so each clause gets its own skeleton (toolrag/guide.py).

Conservative on purpose: a clause starts only at "and", "and also", "then" or ";" (or a comma)
followed by a command verb; every clause has at least three words; nothing after a colon is split
(a note's content, a list); and no later clause may refer back. Otherwise the request is one clause.
"""

from __future__ import annotations

import re

_VERBS = (
    "open|show|remind|text|email|e-mail|send|create|make|add|look|pull|get|find|schedule|set|reply|forward|"
    "summari[sz]e|write|save|book|grab|give|read|append|message|tell|jot|start|display|navigate|draft|note|"
    "share|check|call|plan|list|tick|mark|complete|convert|search|bookmark|block|pencil|nudge|reserve"
)
_SPLIT = re.compile(
    r"\s*(?:,\s*)?(?:\band also\b|\band then\b|\bthen\b|\band\b|;|,)\s+(?=(?:also\s+)?(?:" + _VERBS + r")\b)",
    re.IGNORECASE,
)
# Words by which a clause leans on another: what it acts on was named (or made) elsewhere.
_BACK = re.compile(
    r"\b(it|its|them|him|her|they|their|that|this|those|these|same|link|summary|summaries|everyone|both|too"
    r"|results?|findings)\b",
    re.IGNORECASE,
)
MIN_WORDS = 3
# What a message says is not what the command acts on: "email Priya that I'm on it" points back at nothing.
_SAYING = re.compile(r"^(\S+\s+\S+(?:\s+\S+)?)\s+(?:that|saying)\s.*$", re.IGNORECASE)


def independent_clauses(query: str) -> tuple[str, ...]:
    """The request's clauses when it is two or more independent commands; otherwise ``(query,)``."""
    parts = [p.strip(" ,.;") for p in _SPLIT.split(query)]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return (query,)
    if any(_BACK.search(_SAYING.sub(r"\1", p)) for p in parts[1:]) or any(":" in p for p in parts[:-1]):
        return (query,)
    if any(len(p.split()) < MIN_WORDS for p in parts):
        return (query,)
    return tuple(parts)


# A new sentence that starts with a command: "what time is it in Lisbon? text it to Ana".
# "Put" starts a command that keeps a result ("put them in a note"), but is no command of its own
# beside an email ("write to Oscar ...; put Ines on cc").
_PIPE_VERBS = _VERBS + "|put|keep|store"
_SENTENCE = r"(?<=[?.!])\s+(?=(?:also\s+)?(?:" + _PIPE_VERBS + r")\b)"
_PIPE_JOIN = r"\s*(?:,\s*)?(?:\band also\b|\band then\b|\bthen\b|\band\b|;|,)\s+"
_PIPE_SPLIT = re.compile(_PIPE_JOIN + r"(?=(?:also\s+)?(?:" + _PIPE_VERBS + r")\b)|" + _SENTENCE, re.IGNORECASE)


def piped_clauses(query: str) -> tuple[str, str] | None:
    """(first, second) when the request is two commands and the second acts on what the first gives
    ("search my bookmarks for hiking and save the results in a note", "what time is it in Lisbon? text it
    to Ana"); None otherwise. The bank pairs its own tools in most such ways, but not an MCP server's
    tools with them (toolrag/guide.py pipes the two skeletons)."""
    parts = [p.strip(" ,.;") for p in _PIPE_SPLIT.split(query)]
    parts = [p for p in parts if p]
    if len(parts) != 2 or any(len(p.split()) < MIN_WORDS for p in parts) or ":" in parts[0]:
        return None
    return (parts[0], parts[1]) if _ON_RESULT.match(parts[1]) else None


# The second command's object is the first one's result, said right after its verb (and whom it goes
# to): "text it to Ana", "email Dad the directions", "save the results in a note". Not "text Elena that
# I'm on it" (the text's own words) nor "add 'X' to it" (the note it goes in).
_ON_RESULT = re.compile(
    r"(?:please\s+)?(?:also\s+)?(?:" + _PIPE_VERBS + r")\s+(?:\S+\s+){0,2}?"
    r"(?:it|them|those|these|the (?:results?|findings|links?|answer|list|summary|directions|time))\b(?!['\u2019])",
    re.IGNORECASE,
)


def clause_breaks(query: str) -> list[tuple[int, int]]:
    """Where the request's commands meet (", and then", "? "): no run of its words crosses one."""
    return [m.span() for m in _PIPE_SPLIT.finditer(query)]
