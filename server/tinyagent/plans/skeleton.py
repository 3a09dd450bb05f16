"""Plan skeletons: which tools, in which order, wired how -- a plan without its argument values.

The eval metric compares plans as graphs of tool names, so two plans with one skeleton are the
same plan to it. Guided planning (``toolrag/guide.py``) picks a skeleton from the example bank and
``skeleton_grammar`` lets the model write only that plan: the tool names and the ``$N`` wiring
are fixed text, and the model fills the other arguments. Skeletons are taken from *inline* plans
(``inline_plan.py``), where names stand in for lookups, so one skeleton covers an email to one
person or to four: the model decides how many names go in the list.

Name-taking parameters (``Param.resolves``) may only hold spans of the query (``QuerySpans``):
a small model copies an example's "Mia Hoffmann" into a new plan far more often than it invents
a new name, and a span of the query is what a lookup of a real contact needs anyway. The same holds
for the values ``plans/values.py`` reads from the request (dates, places, notes, lists, numbers,
what to write): where the request names one, the grammar offers only what it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tinyagent.plans.clauses import clause_breaks
from tinyagent.plans.grammar import gbnf_literal, string_char_rule
from tinyagent.plans.inline import inline, needs_lookup
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import REFERENCE_SCAN_RE, ArgValue, render_value
from tinyagent.plans.values import JOINT, RequestValues, by_schema, choices, joint_choices, people
from tinyagent.plans.wording import ASKS_FOR_SUMMARY
from tinyagent.tools.registry import ArgType, Param, ToolSet, ToolSpec, reference_id


@dataclass(frozen=True)
class SkeletonLine:
    tool: str
    # (parameter index, referenced line numbers) for each argument that is a reference or a list of them.
    refs: tuple[tuple[int, tuple[int, ...]], ...] = ()
    # (parameter index, value) for arguments decided before the model writes (plans/counts.py).
    given: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Skeleton:
    lines: tuple[SkeletonLine, ...]

    @property
    def tools(self) -> frozenset[str]:
        return frozenset(line.tool for line in self.lines)

    def key(self) -> str:
        """Equal for skeletons whose plans are the same graph (independent lines may be in any order)."""
        memo: dict[int, str] = {}

        def sig(n: int) -> str:
            if n not in memo:
                line = self.lines[n - 1]
                children = sorted(sig(r) for _, refs in line.refs for r in refs if 0 < r < n)
                memo[n] = f"{line.tool}({','.join(children)})"
            return memo[n]

        return "|".join(sorted(sig(n) for n in range(1, len(self.lines) + 1)))


@dataclass(frozen=True)
class PlanGuide:
    """What guided planning needs for one query: the skeleton to fill and examples that have it."""

    skeleton: Skeleton
    shots: tuple[tuple[str, str], ...]  # (query, TinyAgent plan), most similar first
    score: float = 0.0


def _refs(value: object) -> tuple[int, ...]:
    """The steps a value is: "$1", ["$2", "$3"]; or the one step a text says within it ("Here are the
    directions: $1"), which the skeleton then makes the whole text. Left out, the text lost its step: a
    guided plan texted "here are directions: $X" and never the directions (dev references say "$1")."""
    items = value if isinstance(value, tuple) else (value,)
    whole = tuple(ref for item in items if (ref := reference_id(item)) is not None)
    if whole or not isinstance(value, str):
        return whole
    said = {int(m.group(1) or m.group(2)) for m in REFERENCE_SCAN_RE.finditer(value)}
    return tuple(said) if len(said) == 1 else ()


def skeleton_of(plan: str, tools: ToolSet | None = None) -> Skeleton:
    """The skeleton of a valid TinyAgent plan (its inline form's tools and whole-value references)."""
    tools = tools or ToolSet.all()
    outcome = parse_plan(inline(plan, tools), tools)
    if outcome.plan is None:
        raise ValueError(f"not a valid plan: {outcome.errors}")
    lines = []
    for task in outcome.plan.actions:
        refs = tuple((n, r) for n, arg in enumerate(task.args) if (r := _refs(arg)))
        lines.append(SkeletonLine(task.tool, refs))
    return Skeleton(tuple(lines))


# --- grammar ----------------------------------------------------------------------------------------

_BASE = {ArgType.STR: "str", ArgType.INT: "int", ArgType.BOOL: "bool"}
# A format with nothing read from the request: a date or time of the right shape, else any string (a URL
# the request does not give had no rule: a KeyError, a 500 on /plan).
_FORMATS = {
    "datetime": "datetime",
    "date": "(datetime | date)",
    "timezone": "str",
    "url": "str",
    "clock": '("\\"" [0-2] [0-9] ":" [0-5] [0-9] "\\"")',
}
_DAY = '[0-9] [0-9] [0-9] [0-9] "-" [0-1] [0-9] "-" [0-3] [0-9]'
_TIME = '[0-2] [0-9] ":" [0-5] [0-9] ":" [0-5] [0-9]'


# What guided planning may compute from the request instead of letting the model write it (each can be
# switched off, to measure what it buys): dates and times, entities (places, notes, folders, lists,
# calendars, transport), numbers (priority, all-day, a meeting's length) and bodies (what to write).
FILLS = frozenset({"dates", "entities", "numbers", "bodies"})


@dataclass(frozen=True)
class SkeletonGrammarOptions:
    max_string_chars: int = 120
    max_names: int = 6
    fill: frozenset[str] = FILLS


def _choice(span: str) -> str:
    """A query span as a quoted plan string in GBNF (quotes and backslashes dropped, never escaped)."""
    return gbnf_literal('"' + span.replace('"', "").replace("\\", "") + '"')


def _span_word(word: str) -> str:
    """A word of a query span, its first letter in either case and a possessive optional: the model
    capitalises names the request wrote in lower case ("the Angel Island Ferry Terminal")."""
    head, rest = word[0], word[1:]
    start = f"[{head.lower()}{head.upper()}]" if head.lower() != head.upper() else gbnf_literal(head)
    owner = _POSSESSIVE.search(rest)
    if owner is not None:
        return f"{start} {gbnf_literal(rest[: owner.start()])} {gbnf_literal(owner[0])}?".replace(' ""', "")
    return f"{start} {gbnf_literal(rest)}" if rest else start


class _Rules:
    """Named helper rules shared by a grammar's lines (one distinct-names family per choice set)."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self._families: dict[tuple[str | tuple[str, ...], ...], int] = {}

    def distinct_list(self, choices: tuple[str | tuple[str, ...], ...], *, at_least_one: bool = False) -> str:
        """A rule for a list of ``choices`` with no item twice: one rule per set of items used so far.

        A small model that may repeat an item fills the list with it ("$5", "$5", ...). Sets of
        items need 2^n rules, so n is capped (MAX_DISTINCT); longer lists are rare in requests.
        """
        choices = choices[:MAX_DISTINCT]
        family = self._families.setdefault(choices, len(self._families))
        items = [_choice(c) if isinstance(c, str) else ' ", " '.join(_choice(n) for n in c) for c in choices]
        full = (1 << len(items)) - 1
        for mask in range(1, full + 1):
            rest = [f"{item} nl{family}-{mask | 1 << i}" for i, item in enumerate(items) if not mask & 1 << i]
            more = f'"" | ", " ({" | ".join(rest)})' if rest else '""'
            self.rules[f"nl{family}-{mask}"] = more
        first = " | ".join(f"{item} nl{family}-{1 << i}" for i, item in enumerate(items))
        return f'"[" ({first}){"" if at_least_one else "?"} "]"' if items else '"[]"'

    def query_span(self, query: str) -> str:
        """A rule for any run of the query's words as a quoted string, within one clause.

        Where the request names no value the reader recognises, a free string let the model copy an
        example's place or note ("find me a pharmacy nearby" opened "Pillar Market, City of London");
        any run of the request's own words keeps the model to what the person said."""
        words = [m for m in _SPAN_WORD.finditer(query) if "$" not in m[0] and "<" not in m[0]]
        # "find my bookmarks on sourdough and text them to Marco" searched "sourdough and text".
        breaks = clause_breaks(query)
        starts = []
        for i, word in enumerate(words):
            between = query[word.end() : words[i + 1].start()] if i + 1 < len(words) else "."
            crosses = i + 1 < len(words) and any(a <= words[i + 1].start() < b for a, b in breaks)
            goes_on = _SPAN_JOIN.fullmatch(between) is not None and not crosses
            self.rules[f"qs{i}"] = _span_word(word[0]) + (f" ({gbnf_literal(between)} qs{i + 1})?" if goes_on else "")
            starts.append(f"qs{i}")
        return '"\\"" (' + " | ".join(starts) + ') "\\""' if starts else "str"

    def lines(self) -> list[str]:
        return [f"{name} ::= {body}" for name, body in self.rules.items()]


MAX_DISTINCT = 5
# A word of a query span: no quotes, brackets or clause punctuation, and no sentence-final period.
_EDGE = "^\\s,;:!?()'\"\u2018\u2019\u201c\u201d"  # what cannot start or end a word: quotes too
_SPAN_WORD = re.compile(rf"(?<![^\s'\"(\u2018\u201c])[{_EDGE}](?:[^\s,;:!?()\"\u201c\u201d]*[{_EDGE}.])?")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# What may stand between two words of one span: spaces, or a comma ("Heath Ceramics, Sausalito").
_SPAN_JOIN = re.compile(r",?[ \t]+")


_ATTACH = re.compile(r"\battach(?:ed|es|ing|ment)?\b", re.I)
# The file goes too: all 9 bank and dev emails that send a summary and its file say so.
_WITH_FILE = re.compile(
    r"\battach\w*|\bwith (?:the )?(?:file|pdf|document)|\bwith it\b|\balong with\b|\b(?:and|plus) the (?:file|pdf)",
    re.I,
)
# Invitees named after "invite" or "with": every bank and dev Zoom said so (77) and 83 of 85 events invite them.
_WITH_NAMED = re.compile(r"\b(?:invite[sd]?|inviting|with)\s+(?:(?:my|our|the)\s+\w+\s+)?[A-Z]")
# Words without which no bank or dev request has an event with invitees (101 have them).
_INVITE = re.compile(r"\b(?:invite[sd]?|inviting|with|w/|meeting|call|send (?:them|him|her|it))\b", re.I)


def _names_rule(choices: tuple[str, ...], param: Param, rules: _Rules, values: RequestValues | None) -> str:
    """The names a name-taking parameter may hold (``values`` None: the request's values are not used).

    The model left lists short that the request fills: cc is everyone said for cc, in the order said;
    names said together are one item ("email Isadora and Magnus" had emailed Isadora alone); a request
    that says "attach" attaches a file, one that invites or meets "with" someone invites them, a message
    that names someone goes to someone; and an event invites no one the request has no words for
    ("forward this to Dorothea and put the gallery opening on my calendar" had invited Dorothea)."""
    if not param.type.is_list:
        alts = " | ".join(_choice(c) for c in choices)
        if alts:
            return f"({alts})"
        # Nothing the request names reads as one ("the pdf Vendor Agreement" had opened "vendor contract.pdf").
        return rules.query_span(values.query) if values is not None else "str"
    if values is None:
        return rules.distinct_list(choices)
    said = tuple(c for c in choices if param.name == "cc" and c in values.cc)
    if said:
        return '"[" ' + ' ", " '.join(_choice(c) for c in said[:MAX_DISTINCT]) + ' "]"'
    if param.name == "invitees" and not _INVITE.search(values.query):
        return '"[]"'
    if param.name == "attachments" and ASKS_FOR_SUMMARY.search(values.query) and not _WITH_FILE.search(values.query):
        return '"[]"'  # the summary is sent, not the file: so in all 23 bank and dev requests without such words
    wanted = (
        (param.name == "attachments" and _ATTACH.search(values.query))
        or ("invitees" in param.name and _WITH_NAMED.search(values.query))
        or param.name == "recipients"  # a text to no one fails ("text them to Reuben" had sent "[]")
    )
    return rules.distinct_list(_parties(choices, values.spans.together), at_least_one=bool(wanted))


def _parties(choices: tuple[str, ...], together: tuple[tuple[str, ...], ...]) -> tuple[str | tuple[str, ...], ...]:
    """``choices`` with the names said together as one item: "email Isadora and Magnus" emailed Isadora alone."""
    parties: list[str | tuple[str, ...]] = []
    for choice in choices:
        group = next((g for g in together if choice in g and all(n in choices for n in g)), None)
        if group is None:
            parties.append(choice)
        elif group not in parties:
            parties.append(group)
    return tuple(parties)


def _literals(values: tuple[ArgValue, ...]) -> str:
    return "(" + " | ".join(gbnf_literal(render_value(v)) for v in values) + ")"


def _fill_of(param: Param) -> str:
    if param.type in (ArgType.INT, ArgType.BOOL):
        return "numbers"
    if param.format is not None:
        return "dates"
    return "bodies" if param.text else "entities"


# Entities a plan may make up: a new note's name (half of the bank's are not words of the request).
_NAMED_BY_THE_PLAN = frozenset({("create_note", "name")})


def thing_param(spec: ToolSpec) -> str | None:
    """An MCP tool's thing: its first plain text parameter (a task's title, a search's words)."""
    plain = [p.name for p in spec.params if p.type is ArgType.STR and p.format is None and p.resolves is None]
    return plain[0] if plain else None


def _spans_only(param: Param, spec: ToolSpec | None, options: SkeletonGrammarOptions) -> bool:
    """An entity of one of our tools that the reader found no value for, and that must already exist
    (a place, a note, a contact), or an MCP tool's thing: a run of the request's words. The model wrote
    "complete phone bill" for "mark pay the phone bill as complete", and searched an example's "hiking"
    for "find my bookmarks on sourdough"."""
    kind = _fill_of(param)
    if kind != "entities" or kind not in options.fill or param.type != ArgType.STR or spec is None:
        return False
    if spec.remote is not None:
        return param.name == thing_param(spec)
    return (spec.name, param.name) not in _NAMED_BY_THE_PLAN


def _value_rule(
    tool: str, param: Param, tools: ToolSet, values: RequestValues, rules: _Rules, options: SkeletonGrammarOptions
) -> str:
    offered = choices(values, tool, param.name) if _fill_of(param) in options.fill else None
    spec = tools.get(tool)
    if offered is None and spec is not None and spec.remote is not None and _fill_of(param) in options.fill:
        offered = by_schema(values, spec, param)  # an MCP tool: by what its schema says
    if param.resolves is not None:
        names = (
            people(values, param.name, param.resolves)
            if "entities" in options.fill
            else values.spans.for_lookup(param.resolves)
        )
        if param.resolves not in tools:  # the lookup is disabled: only values that need none
            names = tuple(c for c in names if not needs_lookup(param.resolves, c))
        rule = _names_rule(names, param, rules, values if "entities" in options.fill else None)
    elif offered:
        return _literals(offered)
    elif param.type.is_list:
        rule = f'"[" (str (", " str){{0,{options.max_names - 1}}})? "]"'
    elif param.format is not None:
        rule = _FORMATS[param.format]
    elif _spans_only(param, spec, options):
        rule = rules.query_span(values.query)
    else:
        rule = _BASE[param.type]
    return f'({rule} | "None")' if param.nullable else rule


def _line_rule(
    k: int, line: SkeletonLine, tools: ToolSet, values: RequestValues, rules: _Rules, options: SkeletonGrammarOptions
) -> str:
    spec = tools.get(line.tool)
    if spec is None:
        raise ValueError(f"skeleton tool {line.tool!r} is not enabled")
    fixed, given = dict(line.refs), dict(line.given)
    pair = _pair(line.tool, spec.params, fixed, values, options)
    parts = []
    for n, param in enumerate(spec.params):
        if n in fixed:
            refs = ", ".join(f'"${r}"' for r in fixed[n])
            parts.append(gbnf_literal(f"[{refs}]" if param.type.is_list else refs))
        elif n in given:
            parts.append(_choice(given[n]))
        elif pair is not None and n == pair[0]:
            parts.append(pair[1])
        elif pair is None or n != pair[0] + 1:
            parts.append(_value_rule(line.tool, param, tools, values, rules, options))
    args = ' ", " '.join(parts) if parts else ""
    return f'line{k} ::= {gbnf_literal(f"{k}. {line.tool}(")} {args} ")\\n"'.replace("(  ", "(")


def _pair(
    tool: str,
    params: tuple[Param, ...],
    fixed: dict[int, tuple[int, ...]],
    values: RequestValues,
    options: SkeletonGrammarOptions,
) -> tuple[int, str] | None:
    """The rule of a JOINT pair (an event's start and end): one alternative per moment the request names."""
    if tool not in JOINT or "dates" not in options.fill:
        return None
    first = [p.name for p in params].index(JOINT[tool][0])
    pairs = joint_choices(values, tool)
    if pairs is None or first in fixed or first + 1 in fixed:
        return None
    alternatives = " | ".join(gbnf_literal(f"{render_value(a)}, {render_value(b)}") for a, b in pairs)
    return first, f"({alternatives})"


def skeleton_grammar(
    skeleton: Skeleton, tools: ToolSet, values: RequestValues, options: SkeletonGrammarOptions | None = None
) -> str:
    """GBNF for exactly this skeleton's inline plan, ending in ``join()``."""
    options = options or SkeletonGrammarOptions()
    n = len(skeleton.lines)
    body = " ".join(f"line{k}" for k in range(1, n + 1))
    rules = [
        f"root ::= {body} {gbnf_literal(f'{n + 1}. join()')}".replace("::=  ", "::= "),
        f'str ::= "\\"" sc{{0,{options.max_string_chars}}} "\\""',
        f"sc ::= {string_char_rule()}",
        'int ::= "0" | "-"? [1-9] [0-9]{0,9}',
        'bool ::= "True" | "False"',
        f'datetime ::= "\\"" {_DAY} " " {_TIME} "\\""',
        f'date ::= "\\"" {_DAY} "\\""',
    ]
    helpers = _Rules()
    rules += [_line_rule(k, line, tools, values, helpers, options) for k, line in enumerate(skeleton.lines, 1)]
    return "\n".join([*rules, *helpers.lines()]) + "\n"
