"""Free text an MCP tool gets, in the request's own words.

An MCP tool's string parameters are mostly copied from the request (a task's title, a search's words),
and the 135M model copies them with the articles dropped: "renew car insurance" for "add a task to
renew the car insurance" (eval/data/mcp_dev2.jsonl), which a tasks server then cannot match to the
task as said. A value whose words are a span of the request once articles are set aside is replaced by
that span. The sixteen built-in tools are left alone: their text parameters are read by rules
(plans/values.py) or are meant to be written, not copied.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import ArgValue, Plan, Task
from tinyagent.tools.registry import ToolSet

_WORD = re.compile(r"[\w'-]+")
_ARTICLES = frozenset({"the", "a", "an"})


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _ARTICLES]


def as_said(value: str, query: str) -> str:
    """``value`` as the request says it, when its words (articles aside) are a span of the request."""
    wanted = _words(value)
    if len(wanted) < 2:
        return value
    spans = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(query)]
    for first in range(len(spans)):
        end = _match_from(spans, first, wanted)
        if end is not None:
            return query[spans[first][1] : end]
    return value


def _match_from(spans: list[tuple[str, int, int]], first: int, wanted: list[str]) -> int | None:
    """Where the request's words from ``first`` on spell ``wanted``, skipping articles; None if they do not."""
    k = 0
    for word, _, end in spans[first:]:
        if word == wanted[k]:
            k += 1
            if k == len(wanted):
                return end
        elif word not in _ARTICLES or k == 0:
            return None
    return None


def in_request_words(plan_text: str, query: str, tools: ToolSet) -> str:
    """The plan (without its end marker) with its MCP tools' string arguments as the request says them."""
    outcome = parse_plan(plan_text, tools)
    if outcome.plan is None or outcome.errors:
        return plan_text
    actions = [_task_as_said(task, query, tools) for task in outcome.plan.actions]
    if actions == list(outcome.plan.actions):
        return plan_text
    return Plan.from_actions(actions).render(end_marker=False)


def _task_as_said(task: Task, query: str, tools: ToolSet) -> Task:
    spec = tools.get(task.tool)
    if spec is None or spec.remote is None:
        return task
    args: tuple[ArgValue, ...] = tuple(
        without_its_noun(as_said(a, query), task.tool) if isinstance(a, str) and not a.startswith("$") else a
        for a in task.args
    )
    return Task(task.id, task.tool, args, task.depends_on, task.thought)


def without_its_noun(value: str, tool: str) -> str:
    """``value`` less a lead that names what the tool works on: a bookmark search for "bookmark on css
    grid" searches "css grid" (the model copied the request's words whole)."""
    lead = _noun_lead(tool)
    if lead is None:
        return value
    rest = lead.sub("", value)
    return rest if rest.strip() else value


@lru_cache(maxsize=256)
def _noun_lead(tool: str) -> re.Pattern[str] | None:
    """The start of a value that names ``tool``'s nouns ("bookmark on", "tasks about"), built once per tool."""
    nouns = {w.rstrip("s") for w in re.split(r"[_\W]+", tool.lower()) if len(w) > 2}
    if not nouns:
        return None
    named = "|".join(map(re.escape, sorted(nouns)))
    return re.compile(rf"^(?:the\s+|my\s+|a\s+)?(?:{named})s?\s+(?:on|about|for|re|regarding|with|of)\s+", re.I)
