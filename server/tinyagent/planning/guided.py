"""The prompt and grammar of a guided plan (``plan_style = "guided"`` profiles: the small models).

Upstream's planner prompt is ~2,700 tokens of rules that a 135M model cannot follow and that
cost it 5 s to read on two cores. A guided prompt is a raw completion: the skeleton's tool
signatures, today's date, and the nearest examples that share the skeleton, in inline form,
the most similar last (closest to where the model writes). The grammar fixes the skeleton, so
the model only fills arguments; ``Planner`` expands the inline result into a TinyAgent plan.
"""

from __future__ import annotations

from datetime import datetime

from tinyagent.plans.inline import inline
from tinyagent.plans.query_spans import query_spans
from tinyagent.plans.skeleton import PlanGuide, SkeletonGrammarOptions, skeleton_grammar
from tinyagent.tools.registry import ToolSet

SEPARATOR = "###\n"


def _tool_lines(guide: PlanGuide, tools: ToolSet) -> str:
    names = dict.fromkeys(line.tool for line in guide.skeleton.lines)
    return "\n".join(spec.signature for name in names if (spec := tools.get(name)) is not None)


def guided_prompt(
    query: str, guide: PlanGuide, tools: ToolSet, now: datetime, instructions: tuple[str, ...] = ()
) -> str:
    shots = [f"Question: {q}\n{inline(plan, tools)}" for q, plan in reversed(guide.shots)]
    notes = "".join(f"{text.strip()}\n" for text in instructions)
    return (
        f"Tools:\n{_tool_lines(guide, tools)}\n\n"
        f"Today is {now.strftime('%A %Y-%m-%d %H:%M')}.\n{notes}\n"
        f"{SEPARATOR.join(shots)}{SEPARATOR}Question: {query}\n"
    )


def guided_grammar(query: str, guide: PlanGuide, tools: ToolSet) -> str:
    return skeleton_grammar(guide.skeleton, tools, query_spans(query), SkeletonGrammarOptions())
