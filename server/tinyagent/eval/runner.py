"""Run an evaluation: plan every query (or take a predictions file), score, tabulate, serialise.

Generation goes through the same preparation and ``Planner`` the server uses
(``planning.prepare``), one query at a time (the machine's cores are the bottleneck, and
sequential prompts share the system-prompt prefix in llama.cpp's KV cache). ``now`` is fixed so
the prompt -- and with greedy decoding the output -- is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tinyagent.errors import ServiceError
from tinyagent.eval.arguments import plan_kinds
from tinyagent.eval.data import Dataset, Example, normalize_query
from tinyagent.eval.metric import PlanScore, Summary, ToolResult, per_tool, score_plan, summarize
from tinyagent.planning.planner import PlanFinished
from tinyagent.planning.prepare import PreparedPlan
from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import ToolSet

# A Monday morning: the dev set's relative dates ("tomorrow", "Friday") were written against it.
DEFAULT_NOW = datetime(2025, 6, 16, 9, 0, 0)

# query -> the planner and its request, as the server would prepare them (``planning.prepare``).
PrepareFn = Callable[[str], Awaitable[PreparedPlan]]


@dataclass(frozen=True)
class QueryResult:
    """One query's record in the JSON output."""

    id: str
    query: str
    reference: str
    prediction: str | None
    tasks: tuple[str, ...]
    errors: tuple[str, ...]
    score: PlanScore
    timings: dict[str, float] = field(default_factory=dict)
    completion_tokens: int | None = None
    tools_offered: tuple[str, ...] | None = None
    # "length" = cut at the token cap: under the grammar the only way a plan ends up invalid.
    finish_reason: str | None = None

    def to_json(self, upstream_compat: bool) -> dict[str, Any]:
        body = asdict(self)
        body.pop("score")
        body.update(
            success=self.score.headline(upstream_compat),
            success_ours=self.score.success,
            success_upstream=self.score.success_upstream,
            args_exact=self.score.args_exact,
            args=self.score.args.to_json() if self.score.args is not None else None,
            valid=self.score.valid,
            predicted_tools=list(self.score.predicted_tools),
            reference_tools=list(self.score.reference_tools),
        )
        return body


def _parsed(text: str, tools: ToolSet | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    outcome = parse_plan(text, tools or ToolSet.all())
    return tuple(t.render() for t in outcome.tasks), tuple(str(e) for e in outcome.errors)


def score_one(example: Example, prediction: str | None, tools: ToolSet | None = None) -> QueryResult:
    """A prediction file row: a missing prediction scores as an empty (invalid, failed) plan."""
    text = prediction if prediction is not None else ""
    tasks, errors = _parsed(text, tools)
    if prediction is None:
        errors = ("no prediction for this query", *errors)
    return QueryResult(
        example.id, example.query, example.plan, prediction, tasks, errors, score_plan(text, example.plan, tools)
    )


def score_predictions(
    dataset: Dataset, predictions: dict[str, str], progress: Callable[[Iterable[Example]], Iterable[Example]]
) -> list[QueryResult]:
    return [score_one(ex, predictions.get(normalize_query(ex.query))) for ex in progress(dataset.examples)]


def _finished_result(example: Example, finished: PlanFinished, offered: ToolSet, tools: ToolSet | None) -> QueryResult:
    outcome = finished.outcome
    return QueryResult(
        id=example.id,
        query=example.query,
        reference=example.plan,
        prediction=finished.raw,
        tasks=tuple(t.render() for t in outcome.tasks),
        errors=tuple(str(e) for e in outcome.errors),
        score=score_plan(finished.raw, example.plan, tools),
        timings=dict(finished.timings),
        completion_tokens=finished.usage.completion_tokens,
        tools_offered=offered.names,
        finish_reason=finished.finish_reason,
    )


async def generate_one(example: Example, prepare: PrepareFn, tools: ToolSet | None = None) -> QueryResult:
    """``tools``: what plans may call, for scoring (default: the sixteen)."""
    prepared: PreparedPlan | None = None
    try:
        prepared = await prepare(example.query)
        finished = await prepared.planner.plan(prepared.request)
    except ServiceError as exc:  # e.g. the prompt does not fit: a failed query, not a failed run
        failed = score_one(example, "", tools)
        offered = prepared.request.tools.names if prepared is not None else None
        return QueryResult(
            example.id, example.query, example.plan, None, (), (f"planner error: {exc.message}",),
            failed.score, tools_offered=offered,
        )  # fmt: skip
    return _finished_result(example, finished, prepared.request.tools, tools)


# --- tables ---------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in [0, 100]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def timing_stats(results: Sequence[QueryResult], key: str) -> dict[str, float | None]:
    values = [r.timings[key] for r in results if key in r.timings]
    return {
        "mean": sum(values) / len(values) if values else None,
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.2f}{unit}"


def _stats_line(label: str, stats: dict[str, float | None], unit: str) -> str:
    return (
        f"{label:<28} mean {_num(stats['mean'], unit)}  p50 {_num(stats['p50'], unit)}  p95 {_num(stats['p95'], unit)}"
    )


def summary_lines(summary: Summary, results: Sequence[QueryResult], upstream_compat: bool) -> list[str]:
    headline = "upstream-compatible" if upstream_compat else "ours"
    lines = [
        f"{'N':<28} {summary.n}",
        f"{'success rate (' + headline + ')':<28} {_pct(summary.success_rate)}",
        f"{'  ours / upstream-compat':<28} {_pct(summary.success_rate_ours)} / {_pct(summary.success_rate_upstream)}",
        f"{'args-exact success':<28} {_pct(summary.args_exact_rate)}   (graph right and every argument right)",
        f"{'validity':<28} {_pct(summary.validity)}",
        f"{'tool precision / recall':<28} {_pct(summary.tool_precision)} / {_pct(summary.tool_recall)}"
        "   (calls, micro)",
        f"{'tool set precision / recall':<28} {_pct(summary.tool_set_precision)} / "
        f"{_pct(summary.tool_set_recall)}   (distinct tools, per-query mean)",
    ]
    lines += kind_lines([r.score for r in results])
    if any(r.timings for r in results):
        capped = sum(r.finish_reason == "length" for r in results)
        lines += [
            f"{'cut at the token cap':<28} {capped} of {len(results)}",
            _stats_line("time to first task", timing_stats(results, "time_to_first_task_s"), " s"),
            _stats_line("total plan time", timing_stats(results, "total_s"), " s"),
            _stats_line("tokens/s", timing_stats(results, "tokens_per_s"), ""),
        ]
    return lines


def kind_lines(scores: Sequence[PlanScore]) -> list[str]:
    """Per argument kind: graph-right plans with every argument of that kind right."""
    kinds = plan_kinds([s.args for s in scores if s.args is not None])
    cells = [f"{kind} {right}/{total}" for kind, (right, total) in kinds.items() if total]
    return [f"{'arguments right, by kind':<28} {', '.join(cells) or '-'}   (plans whose graph is right)"]


def tool_lines(tools: Sequence[ToolResult]) -> list[str]:
    header = f"{'tool':<24} {'queries':>7} {'success':>8} {'prec':>7} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}"
    lines = [header, "-" * len(header)]
    for t in tools:
        lines.append(
            f"{t.tool:<24} {t.queries:>7} {_pct(t.success_rate):>8} {_pct(t.precision):>7} "
            f"{_pct(t.recall):>7} {t.true_positives:>4} {t.false_positives:>4} {t.false_negatives:>4}"
        )
    return lines


def report(
    results: Sequence[QueryResult], *, upstream_compat: bool, meta: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """The printed tables and the JSON document for a finished run."""
    scores = [r.score for r in results]
    summary = summarize(scores, upstream_compat=upstream_compat)
    tools = per_tool(scores, upstream_compat=upstream_compat)
    lines = [*summary_lines(summary, results, upstream_compat), "", *tool_lines(tools)]
    document = {
        **meta,
        "summary": {
            **asdict(summary),
            "time_to_first_task_s": timing_stats(results, "time_to_first_task_s"),
            "total_s": timing_stats(results, "total_s"),
            "tokens_per_s": timing_stats(results, "tokens_per_s"),
            "cut_at_token_cap": sum(r.finish_reason == "length" for r in results),
            "arguments_by_kind": {
                kind: {"plans_right": right, "plans": total}
                for kind, (right, total) in plan_kinds([s.args for s in scores if s.args is not None]).items()
            },
        },
        "per_tool": [{**asdict(t), "precision": t.precision, "recall": t.recall} for t in tools],
        "results": [r.to_json(upstream_compat) for r in results],
    }
    return lines, document
