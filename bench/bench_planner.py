"""Planner on a real model: share of valid plans with the plan grammar on vs off, and time per plan.

    .venv/bin/python bench/bench_planner.py [--model smollm2-135m] [--n 40] [--threads 2] [--max-tokens 512]
        [--modes grammar free] [--out results.json] [--rows rows.jsonl]

Queries: every third held-out query of the ToolRAG example bank (server/tinyagent/toolrag/data/
examples.jsonl), so all apps are represented. Prompt: upstream's planner prompt with all 16 tools
and the 4 default examples, through the model profile's chat format; greedy, as upstream.
"Valid" = parses and validates (``PlanFinished.valid``); "tools match" = the plan calls exactly
the reference plan's set of tools (a rough content check, not the upstream metric).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tinyagent.chat.formats import get_chat_format
from tinyagent.models.loaded import load_model
from tinyagent.planning.planner import Planner, PlanRequest
from tinyagent.plans.parser import parse_plan
from tinyagent.settings import Settings
from tinyagent.tools.registry import ToolSet

ALL = ToolSet.all()
NOW = datetime(2026, 11, 23, 9, 0)
EXAMPLES = Path(__file__).resolve().parent.parent / "server/tinyagent/toolrag/data/examples.jsonl"


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    tools: frozenset[str]


def load_queries(n: int) -> list[Query]:
    records = [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]
    heldout = [r for r in records if r["split"] == "heldout"][::3][:n]
    queries = []
    for r in heldout:
        plan = parse_plan(r["plan"], ALL).plan
        tools = frozenset(t.tool for t in plan.actions) if plan else frozenset()
        queries.append(Query(r["id"], r["query"], tools))
    return queries


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(model=args.model, offline=True, n_threads=args.threads, prompt_cache_mb=256)
    model = await load_model(settings, None)
    template = getattr(model.service.backend, "model_template", None)
    planner = Planner(model.service, get_chat_format(model.profile.chat_format, template), stop=model.profile.stop)
    queries = load_queries(args.n)
    results: dict[str, Any] = {"model": model.service.info.id, "queries": len(queries), "modes": {}}
    try:
        for mode in args.modes:
            grammar = mode == "grammar"
            rows = []
            for q in queries:
                req = PlanRequest(q.query, ALL, NOW, use_grammar=grammar, max_tokens=args.max_tokens)
                finished = await planner.plan(req)
                plan = finished.outcome.plan
                called = frozenset(t.tool for t in plan.actions) if plan else None
                rows.append(
                    {
                        "id": q.id,
                        "valid": finished.valid,
                        "tools_match": called == q.tools,
                        "s": finished.timings["total_s"],
                        "tokens": finished.usage.completion_tokens,
                        "errors": sorted({e.code for e in finished.outcome.fatal_errors}),
                        "raw": finished.raw,
                    }
                )
                print(mode, q.id, rows[-1]["valid"], round(rows[-1]["s"], 1), flush=True)
                if args.rows:  # one line per plan as it finishes: partial runs still count
                    with args.rows.open("a") as f:
                        f.write(json.dumps({"mode": mode, **rows[-1]}) + "\n")
            results["modes"][mode] = summarise(rows)
    finally:
        await model.aclose()
    return results


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    times = [r["s"] for r in rows]
    errors: dict[str, int] = {}
    for r in rows:
        for code in r["errors"]:
            errors[code] = errors.get(code, 0) + 1
    return {
        "valid_share": sum(r["valid"] for r in rows) / len(rows),
        "tools_match_share": sum(r["tools_match"] for r in rows) / len(rows),
        "time_s_mean": statistics.mean(times),
        "time_s_median": statistics.median(times),
        "time_s_max": max(times),
        "tokens_mean": statistics.mean(r["tokens"] for r in rows),
        "fatal_error_codes": errors,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--modes", nargs="+", choices=("grammar", "free"), default=["grammar", "free"])
    parser.add_argument("--out", type=Path, help="Write the full results (with raw plans) as JSON.")
    parser.add_argument("--rows", type=Path, help="Append each plan's row as a JSON line as it finishes.")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    for mode, summary in results["modes"].items():
        brief = {k: v for k, v in summary.items() if k != "rows"}
        print(mode, json.dumps(brief))


if __name__ == "__main__":
    main()
