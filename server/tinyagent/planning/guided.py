"""The prompt and grammar of a guided plan (``plan_style = "guided"`` profiles: the small models).

Upstream's planner prompt is ~2,700 tokens of rules that a 135M model cannot follow and that
cost it 5 s to read on two cores. A guided prompt is a raw completion: the skeleton's tool
signatures, today's date, and the nearest examples that share the skeleton, in inline form,
the most similar last (closest to where the model writes). The grammar fixes the skeleton, so
the model only fills arguments; ``Planner`` expands the inline result into a TinyAgent plan.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tinyagent.plans.inline import inline
from tinyagent.plans.skeleton import FILLS, PlanGuide, SkeletonGrammarOptions, skeleton_grammar
from tinyagent.plans.values import read_values
from tinyagent.tools.registry import ToolSet

SEPARATOR = "###\n"


def _tool_lines(guide: PlanGuide, tools: ToolSet) -> str:
    names = dict.fromkeys(line.tool for line in guide.skeleton.lines)
    return "\n".join(spec.signature for name in names if (spec := tools.get(name)) is not None)


# The clocks the bank's examples were written against (both Mondays, 09:00): the template examples
# (bench/build_toolrag_examples.py) and the hand-written ones. An example's dates are moved by whole
# days to the request's clock, so "tomorrow" in an example is the request's tomorrow.
_EXAMPLE_CLOCKS = (datetime(2026, 11, 23, 9, 0), datetime(2025, 6, 16, 9, 0))
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def rebased(plan: str, now: datetime) -> str:
    """``plan`` with its dates moved from the clock it was written against to ``now``'s day."""
    years = [int(m[1]) for m in _DATE.finditer(plan)]
    if not years:
        return plan
    clock = _EXAMPLE_CLOCKS[0] if min(years) >= _EXAMPLE_CLOCKS[0].year else _EXAMPLE_CLOCKS[1]
    shift = timedelta(days=(now.date() - clock.date()).days)

    def move(match: re.Match[str]) -> str:
        day = datetime(int(match[1]), int(match[2]), int(match[3])) + shift
        return day.strftime("%Y-%m-%d")

    return _DATE.sub(move, plan)


def guided_prompt(
    query: str, guide: PlanGuide, tools: ToolSet, now: datetime, instructions: tuple[str, ...] = ()
) -> str:
    shots = [f"Question: {q}\n{inline(rebased(plan, now), tools)}" for q, plan in reversed(guide.shots)]
    notes = "".join(f"{text.strip()}\n" for text in instructions)
    return (
        f"Tools:\n{_tool_lines(guide, tools)}\n\n"
        f"Today is {now.strftime('%A %Y-%m-%d %H:%M')}.\n{notes}\n"
        f"{SEPARATOR.join(shots)}{SEPARATOR}Question: {query}\n"
    )


def guided_grammar(query: str, guide: PlanGuide, tools: ToolSet, now: datetime, fill: frozenset[str] = FILLS) -> str:
    """The skeleton's grammar, offering the values the request names (``fill``: which kinds)."""
    return skeleton_grammar(guide.skeleton, tools, read_values(query, now), SkeletonGrammarOptions(fill=fill))
