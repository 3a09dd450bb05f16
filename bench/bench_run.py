"""Run execution benchmark: parallelism of independent tools, and how fast parsed tasks start.

Tools with known durations: the sandbox's hidden ``_debug_sleep`` (worker started with
TINYAGENT_SANDBOX_DEBUG=1). Two shapes, both through the real RunManager, store and worker:

* given plan: N independent sleeps + one task depending on all of them. Reports the run's tool
  wall time against the sum of tool times (parallelism ratio; ideal = N for the independent part),
  and the delay from a task's ``task`` event (line parsed) to its ``task_started``, and from the
  last dependency's ``task_finished`` to the dependent's ``task_started``.
* streamed plan: a scripted generator types the same plan at a fixed token rate through the real
  Planner/StreamingPlanParser, so tools start while the "model" is still writing. Reports how much
  of the tool time overlapped with generation.

    .venv/bin/python bench/bench_run.py [--tasks 6] [--sleep 0.5] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinyagent.chat.formats import get_chat_format
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams, ModelInfo, TextDelta, Usage
from tinyagent.models.loaded import LoadedModel
from tinyagent.models.profiles import GENERIC
from tinyagent.plans.parser import parse_plan
from tinyagent.runs.events import RunEvent, TaskCreated, TaskFinished, TaskStarted
from tinyagent.runs.manager import RunManager
from tinyagent.runs.request import RunConfig, RunRequest
from tinyagent.runs.store import RunStore
from tinyagent.tools.registry import TOOLS, ToolSet
from tinyagent.workers.client import WorkerClient
from tinyagent.workers.sandbox.backend import debug_tool_specs


def make_plan(tasks: int, sleep: float) -> str:
    lines = [f'{i}. _debug_sleep("{sleep}")' for i in range(1, tasks + 1)]
    refs = " ".join(f"${i}" for i in range(1, tasks + 1))
    lines.append(f'{tasks + 1}. maps_open_location("{refs}")')
    return "\n".join(lines) + f"\n{tasks + 2}. join()<END_OF_PLAN>"


class ScriptedModel:
    """A Backend that types a fixed plan (and a fixed joiner answer) at ``tokens_per_s``."""

    def __init__(self, plan: str, tokens_per_s: float) -> None:
        self.plan = plan
        self.delay = 1.0 / tokens_per_s

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id="scripted", context_length=1 << 20, source="bench")

    async def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:  # noqa: ARG002
        text = "Thought: done.\nAction: Finish(ok)" if "Follow these rules" in prompt else self.plan
        pieces = [text[i : i + 4] for i in range(0, len(text), 4)]  # ~4 characters per token
        for piece in pieces:
            await asyncio.sleep(self.delay)
            yield TextDelta(piece)
        yield Finished("stop", Usage(0, len(pieces)))

    async def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    async def aclose(self) -> None:
        return None


async def one_run(manager: RunManager, request: RunRequest) -> list[RunEvent]:
    run_id = manager.start(request)
    return [event async for event in manager.subscribe(run_id)]


def measure(events: list[RunEvent]) -> dict[str, Any]:
    created = {e.task_id: e.ts for e in events if isinstance(e, TaskCreated)}
    started = {e.task_id: e.ts for e in events if isinstance(e, TaskStarted)}
    finished = {e.task_id: e for e in events if isinstance(e, TaskFinished)}
    deps = {e.task_id: e.depends_on for e in events if isinstance(e, TaskCreated)}
    sleeps = [t for t in finished if finished[t].tool == "_debug_sleep"]
    wall = max(finished[t].ts for t in sleeps) - min(started[t] for t in sleeps)
    tool_sum = sum(finished[t].duration_s for t in sleeps)
    dependent = max(deps)
    return {
        "wall": wall,
        "sum": tool_sum,
        "ratio": tool_sum / wall,
        # Tasks without dependencies only: a dependent's wait is its dependencies' run time.
        "parse_to_start": [started[t] - created[t] for t in started if not deps[t]],
        "dep_to_start": started[dependent] - max(finished[d].ts for d in deps[dependent]),
        "first_task_to_finish": events[-1].ts - min(created.values()),
        "first_event_to_finish": events[-1].ts - events[0].ts,
        "all_ok": all(f.ok for f in finished.values()),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, results: list[dict[str, Any]], tasks: int, sleep: float) -> None:
    delays = [d for r in results for d in r["parse_to_start"]]
    print(f"\n== {name}: {tasks} x _debug_sleep({sleep}) + 1 dependent, {len(results)} runs ==")
    print(f"tool wall (first start -> last finish), median: {statistics.median(r['wall'] for r in results):.3f} s")
    print(f"sum of tool times, median:                     {statistics.median(r['sum'] for r in results):.3f} s")
    print(f"parallelism ratio (sum / wall), median:        {statistics.median(r['ratio'] for r in results):.2f}")
    print(
        f"parse -> start delay (independent tasks): p50 {pct(delays, 0.5) * 1e3:.2f} ms, "
        f"p95 {pct(delays, 0.95) * 1e3:.2f} ms (n={len(delays)})"
    )
    deps = [r["dep_to_start"] for r in results]
    print(
        f"last dependency finished -> dependent started: p50 {pct(deps, 0.5) * 1e3:.2f} ms, "
        f"max {max(deps) * 1e3:.2f} ms"
    )
    print(
        f"run (run_started -> run_finished), median:     "
        f"{statistics.median(r['first_event_to_finish'] for r in results):.3f} s"
    )
    print(f"all tasks ok: {all(r['all_ok'] for r in results)}")


async def main(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-run-"))
    worker = WorkerClient.for_backend(
        "sandbox", data_dir=data, env={"TINYAGENT_SANDBOX_DEBUG": "1"}, allow_hidden_tools=True
    )
    tools = ToolSet((*TOOLS, *debug_tool_specs()))
    text = make_plan(args.tasks, args.sleep)
    scripted = ScriptedModel(text, args.tokens_per_s)
    loaded = LoadedModel.assemble(scripted, GENERIC, get_chat_format("chatml"))
    store = RunStore(data / "runs.sqlite")
    config = RunConfig(max_tasks_per_run=64, use_grammar=False)
    given = RunRequest(
        query="bench", tools=tools, now=datetime.now(UTC), plan=parse_plan(text, tools), plan_text=text, joiner=False
    )
    planned = RunRequest(query="bench", tools=tools, now=datetime.now(UTC))
    try:
        manager = RunManager(store, worker, config, model=lambda: loaded)
        await one_run(manager, given)  # warm-up: starts the worker
        for name, request in (("given plan", given), (f"streamed plan ({args.tokens_per_s:g} tok/s)", planned)):
            results = [measure(await one_run(manager, request)) for _ in range(args.repeats)]
            report(name, results, args.tasks, args.sleep)
        gen_s = len(text) / 4 / args.tokens_per_s
        print(
            f"\n(streamed: typing the plan takes ~{gen_s:.2f} s at {args.tokens_per_s:g} tok/s; sequential "
            f"execution after generation would add ~{args.tasks * args.sleep:.2f} s of tool time)"
        )
        await manager.aclose()
    finally:
        await worker.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=6, help="independent sleeping tasks (the worker runs 8 at most)")
    parser.add_argument("--sleep", type=float, default=0.5, help="seconds each sleeping task takes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens-per-s", type=float, default=40.0, help="typing speed of the scripted planner")
    asyncio.run(main(parser.parse_args()))
