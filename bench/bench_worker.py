"""Cost of the worker boundary, measured in one run on the sandbox backend.

1. Round-trip latency of one cheap tool call (get_phone_number) through a worker child
   process (JSON Lines over pipes) vs calling the same backend in this process: p50/p95.
2. Throughput through the worker: calls/second sequentially and with N concurrent calls.
3. Optionally the same round trip over a Unix socket (--socket).

Usage: python bench/bench_worker.py [--calls 500] [--concurrency 16] [--socket] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tinyagent.workers.backend import CallContext
from tinyagent.workers.client import WorkerClient, worker_command
from tinyagent.workers.sandbox import SandboxBackend

TOOL, ARGS = "get_phone_number", ["Sid"]
TIMEOUT = 30.0


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": statistics.median(ordered) * 1e6,
        "p95_us": ordered[int(0.95 * (len(ordered) - 1))] * 1e6,
        "mean_us": statistics.fmean(ordered) * 1e6,
    }


def in_process(data_dir: Path, calls: int) -> dict[str, float]:
    backend = SandboxBackend(data_dir)
    ctx = CallContext(call_id="bench", deadline_s=TIMEOUT)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        backend.call(TOOL, ARGS, ctx)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


async def sequential(client: WorkerClient, calls: int) -> tuple[dict[str, float], float]:
    samples = []
    started_all = time.perf_counter()
    for _ in range(calls):
        started = time.perf_counter()
        outcome = await client.call(TOOL, ARGS, timeout=TIMEOUT)
        samples.append(time.perf_counter() - started)
        assert outcome.ok, outcome
    return percentiles(samples), calls / (time.perf_counter() - started_all)


async def concurrent(client: WorkerClient, calls: int, concurrency: int) -> float:
    queue = iter(range(calls))

    async def lane() -> None:
        for _ in queue:
            outcome = await client.call(TOOL, ARGS, timeout=TIMEOUT)
            assert outcome.ok, outcome

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return calls / (time.perf_counter() - started)


async def through_worker(client: WorkerClient, calls: int, concurrency: int) -> dict[str, Any]:
    await client.start()
    for _ in range(20):  # warm-up: imports, SQLite page cache
        await client.call(TOOL, ARGS, timeout=TIMEOUT)
    latency, seq_rate = await sequential(client, calls)
    return {
        **latency,
        "sequential_calls_per_s": seq_rate,
        f"concurrent{concurrency}_calls_per_s": await concurrent(client, calls, concurrency),
    }


async def over_socket(data_dir: Path, calls: int, concurrency: int) -> dict[str, Any]:
    sock_dir = tempfile.TemporaryDirectory(prefix="tb", dir="/tmp")  # AF_UNIX paths must stay short
    sock = Path(sock_dir.name) / "w.sock"
    process = subprocess.Popen(worker_command("sandbox", data_dir=data_dir) + ["--socket", str(sock)])
    try:
        while not sock.exists():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        async with WorkerClient(socket_path=sock) as client:
            return await through_worker(client, calls, concurrency)
    finally:
        process.terminate()
        process.wait()
        sock_dir.cleanup()


async def measure(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"tool": TOOL, "calls": args.calls, "python": sys.version.split()[0]}
    report["in_process"] = in_process(data_dir, args.calls)
    async with WorkerClient.for_backend("sandbox", data_dir=data_dir) as client:
        report["worker_stdio"] = await through_worker(client, args.calls, args.concurrency)
    if args.socket:
        report["worker_socket"] = await over_socket(data_dir, args.calls, args.concurrency)
    stdio = report["worker_stdio"]
    report["overhead_p50_us"] = stdio["p50_us"] - report["in_process"]["p50_us"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--socket", action="store_true", help="also measure a worker on a Unix socket")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(measure(args, Path(tmp)))
    print(f"{args.calls} x {TOOL}, sandbox backend, Python {report['python']}, {os.cpu_count()} CPUs")
    local = report["in_process"]
    print(f"  in-process   p50 {local['p50_us']:8.0f} us  p95 {local['p95_us']:8.0f} us")
    for name in ("worker_stdio", "worker_socket"):
        if name in report:
            r = report[name]
            rate = r[f"concurrent{args.concurrency}_calls_per_s"]
            print(
                f"  {name:12} p50 {r['p50_us']:8.0f} us  p95 {r['p95_us']:8.0f} us  "
                f"{r['sequential_calls_per_s']:7.0f} calls/s sequential  "
                f"{rate:7.0f} calls/s with {args.concurrency} concurrent"
            )
    print(f"  worker overhead (p50): {report['overhead_p50_us']:.0f} us per call")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
