"""Do runs do what was asked and nothing more? Every request of an eval set through a real run.

Each request runs as /run runs it (guided planning, ToolRAG, the joiner, replans, approval "never")
on the embedded model and the sandbox worker. The sandbox world is seeded with the contacts the
reference plan looks up, so the plan can succeed. Per run it counts the tool executions with side
effects (tools that write) that the reference plan does not have -- extra sends, repeated writes,
writes of another kind -- and reports replans (and the reasons given), answer lengths and run
success: the run succeeded and the reference's writes each happened, once.

Usage: python bench/bench_run_writes.py [--data FILE] [--limit N] [--join-style model|rules] [--max-replans N]
       [--json out.json]
One model process on the machine at a time: two llama.cpp processes on two cores slow each other badly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tinyagent.embeddings import Embedder
from tinyagent.models.loaded import load_model
from tinyagent.planning.prepare import PlanOptions
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.prompts import replan_example_value
from tinyagent.runs.manager import RunManager
from tinyagent.runs.request import RunRequest
from tinyagent.runs.service import run_config
from tinyagent.runs.store import RunStore
from tinyagent.settings import Settings
from tinyagent.toolrag.select import LazyToolRAG
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.client import WorkerClient
from tinyagent.workers.sandbox.pdf import write_text_pdf
from tinyagent.workers.sandbox.world import World

NOW = datetime(2025, 6, 16, 9, 0)  # the eval sets' clock
ALL = ToolSet.all()
WRITES = frozenset(t.name for t in ALL if t.writes)


def copied_from_examples(events: list[Any], query: str) -> list[str]:
    """Tasks started with a value of upstream's replan examples whose words the request does not have (the
    replan that opened Apple Demo.pdf): the rule the run loop applies to replans, counted in every round."""
    return [
        f"{e.tool}({value})"
        for e in events
        if e.type == "task_started"
        for value in _strings(e.args)
        if replan_example_value([value], query) is not None
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def reference_writes(plan: str) -> Counter[str]:
    outcome = parse_plan(plan, ALL)
    assert outcome.plan is not None, plan
    return Counter(t.tool for t in outcome.plan.actions if t.tool in WRITES)


def seed(world: World, plan: str) -> None:
    """Everyone the reference looks up exists, with a phone and an e-mail address; so do its files
    (a PDF when it is summarised) and the notes it opens or appends to."""
    outcome = parse_plan(plan, ALL)
    assert outcome.plan is not None
    actions = outcome.plan.actions
    names = {str(t.args[0]) for t in actions if t.tool in ("get_email_address", "get_phone_number")}
    for task in (t for t in actions if t.tool == "open_and_get_file_path"):
        name = str(task.args[0])
        path = world.files_dir / (name if "." in name[-5:] else name + ".pdf")
        if not path.exists():
            write_text_pdf(path, name, [f"{name}: the document the request names."])
    notes = {str(t.args[0]) for t in actions if t.tool in ("open_note", "append_note_content")}
    with world.db() as conn:
        for note in sorted(notes):
            if not conn.execute("SELECT 1 FROM notes WHERE name = ? COLLATE NOCASE", (note,)).fetchone():
                folder = conn.execute("SELECT id FROM folders ORDER BY position LIMIT 1").fetchone()[0]
                conn.execute(
                    "INSERT INTO notes (folder_id, name, body, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
                    (folder, note, f"{note}: what the note says.", "2025-06-01T09:00:00Z", "2025-06-01T09:00:00Z"),
                )
    with world.db() as conn:
        for name in sorted(names):
            if conn.execute("SELECT 1 FROM contacts WHERE name = ? COLLATE NOCASE", (name,)).fetchone():
                continue
            first, _, last = name.partition(" ")
            cur = conn.execute(
                "INSERT INTO contacts (name, first_name, last_name) VALUES (?, ?, ?)", (name, first, last)
            )
            slug = "".join(c for c in name.lower() if c.isalnum()) or "someone"
            conn.execute("INSERT INTO phones VALUES (?, 0, ?)", (cur.lastrowid, f"+1 415 555 {1000 + cur.lastrowid}"))
            conn.execute("INSERT INTO emails VALUES (?, 0, ?)", (cur.lastrowid, f"{slug}@example.com"))


def judge(events: list[Any], wanted: Counter[str], query: str) -> dict[str, Any]:
    started = Counter(e.tool for e in events if e.type == "task_started" and e.tool in WRITES)
    done = Counter(e.tool for e in events if e.type == "task_finished" and e.ok and e.tool in WRITES and not _repeat(e))
    unrequested = sum(max(0, n - wanted[tool]) for tool, n in started.items())
    finished = events[-1]
    return {
        "status": finished.status,
        "writes_wanted": sum(wanted.values()),
        "writes_run": sum(started.values()),
        "unrequested_writes": unrequested,
        "repeats_refused": sum(1 for e in events if e.type == "task_finished" and _repeat(e)),
        "replans": [e.reason for e in events if e.type == "replan"],
        "copied_from_examples": copied_from_examples(events, query),
        "tasks": _task_lines(events),
        "answer": finished.answer or "",
        "success": finished.status == "succeeded" and done == wanted,
    }


def _task_lines(events: list[Any]) -> list[str]:
    """What each task did, for reading a run in the --json report: round, call, outcome."""
    # As planned ("task"), then as run ("task_started", after $N substitution) where it ran.
    args = {(e.round, e.task_id): e.args for e in events if e.type in ("task", "task_started")}
    return [
        f"{e.round}.{e.task_id} {e.tool}{json.dumps(args.get((e.round, e.task_id)), ensure_ascii=False)}: "
        + ("ok" if e.ok else f"{e.error_code}: {e.error}")
        for e in events
        if e.type == "task_finished"
    ]


def _repeat(event: Any) -> bool:
    return str(event.observation or "").startswith("Not run again")


async def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    data = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    settings = Settings(model="smollm2-135m", offline=True, n_threads=2, data_dir=data, approval="never")
    if args.join_style:
        settings = settings.model_copy(update={"join_style": args.join_style})
    if args.max_replans is not None:
        settings = settings.model_copy(update={"max_replans": args.max_replans})
    model = await load_model(settings, None)
    worker = WorkerClient.for_backend("sandbox", data_dir=data)
    config = run_config(settings)
    rag = LazyToolRAG(settings, Embedder(settings.embedding_model))
    manager = RunManager(RunStore(data / "runs.sqlite"), worker, config, model=lambda: model, toolrag=rag)
    world = World(data)
    world.ensure()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()][: args.limit]
    results = []
    try:
        for row in rows:
            seed(world, row["plan"])
            tools = settings.enabled_tools()
            options = PlanOptions.from_settings(settings, row["query"], tools, NOW)
            run_id = manager.start(RunRequest(query=row["query"], tools=tools, now=NOW, planning=options))
            events = [event async for event in manager.subscribe(run_id)]
            results.append({"query": row["query"], **judge(events, reference_writes(row["plan"]), row["query"])})
    finally:
        await manager.aclose()
        await worker.aclose()
        await model.aclose()
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    lengths = sorted(len(r["answer"]) for r in results)
    wanting = [r for r in results if r["writes_wanted"]]
    return {
        "runs": len(results),
        "runs_with_writes_wanted": len(wanting),
        "unrequested_writes": sum(r["unrequested_writes"] for r in results),
        "runs_with_unrequested_writes": sum(1 for r in results if r["unrequested_writes"]),
        "repeats_refused": sum(r["repeats_refused"] for r in results),
        "replans": sum(len(r["replans"]) for r in results),
        "runs_replanned": sum(1 for r in results if r["replans"]),
        "tasks_copied_from_examples": sum(len(r["copied_from_examples"]) for r in results),
        "answer_chars_p50": statistics.median(lengths) if lengths else 0,
        "answer_chars_p95": lengths[max(0, int(0.95 * len(lengths)) - 1)] if lengths else 0,
        "success": sum(r["success"] for r in results),
        "success_of_runs_with_writes": sum(r["success"] for r in wanting),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("server/tinyagent/eval/data/dev.jsonl"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--join-style", choices=("model", "rules"), help="Default: the model profile's.")
    parser.add_argument("--max-replans", type=int, help="Default: the settings' (1).")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = asyncio.run(run_all(args))
    report = {
        "data": str(args.data),
        "join_style": args.join_style,
        "max_replans": args.max_replans,
        "summary": summary(results),
        "runs": results,
    }
    print(json.dumps(report["summary"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
