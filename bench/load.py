"""Bounded load against the server: many concurrent clients mixing chat (plain and streamed), /plan and
/run, reporting throughput, latency percentiles per kind and errors by status.

What it checks besides the numbers: past the queue depth the only refusals are 503 (the documented
queue-full answer); every request finishes or times out client-side (counted apart: a hung connection);
and no run event is lost: a streamed run's received events equal the stored ones (GET /runs/{id}/events),
and a non-streamed run's stored events end with its final status.

Usage: python bench/load.py [--clients 64] [--rounds 4] [--timeout 120] [--url URL] [--json out.json]
Without --url it starts a server on a tiny random-weight model with the agent on a sandbox worker,
in this process (loopback only). It stops by itself after clients x rounds requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TESTS = Path(__file__).resolve().parent.parent / "tests"
KINDS = ("chat", "chat_stream", "plan", "run", "run_stream")
PLAN = '1. get_phone_number("Amir")\n2. get_email_address("Amir")\n3. join()'
QUERY = "What is Amir's phone number?"
CHAT = {"model": "default", "max_tokens": 16, "messages": [{"role": "user", "content": "Say hello."}]}


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lost_events: list[str] = field(default_factory=list)
    # How 200-answered runs ended: a run whose planner met a full queue fails fast, and that is worth seeing.
    run_statuses: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, outcome: str, seconds: float) -> None:
        self.statuses[kind][outcome] += 1
        if outcome == "200":
            self.latencies[kind].append(seconds)


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    # sse-starlette ends lines with CRLF; a blank line ends an event either way.
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
        if data and data[0] != "[DONE]":
            events.append(json.loads("\n".join(data)))
    return events


async def stored_events(client: httpx.AsyncClient, run_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/runs/{run_id}/events", params={"after": 0})
    response.raise_for_status()
    return parse_sse(response.text)


async def check_streamed_run(client: httpx.AsyncClient, text: str, results: Results) -> None:
    received = [e for e in parse_sse(text) if "seq" in e]
    if received and received[-1].get("type") == "run_finished":
        results.run_statuses[f"stream:{received[-1]['status']}"] += 1
    if not received or received[-1].get("type") != "run_finished":
        results.lost_events.append(f"stream ended without run_finished after {len(received)} events")
        return
    stored = await stored_events(client, received[0]["run_id"])
    if [(e["seq"], e["type"]) for e in stored] != [(e["seq"], e["type"]) for e in received]:
        results.lost_events.append(f"{received[0]['run_id']}: received {len(received)} != stored {len(stored)}")


async def check_sync_run(client: httpx.AsyncClient, body: dict[str, Any], results: Results) -> None:
    results.run_statuses[f"sync:{body['status']}"] += 1
    if body["status"] in ("running", "waiting_approval"):
        return  # sync_run_timeout_s passed first; the run is still going
    stored = await stored_events(client, body["run_id"])
    seqs = [e["seq"] for e in stored]
    if seqs != list(range(1, len(seqs) + 1)) or stored[-1].get("status") != body["status"]:
        results.lost_events.append(f"{body['run_id']}: stored events do not end with status {body['status']}")


async def one_request(client: httpx.AsyncClient, kind: str, results: Results) -> None:
    started = time.perf_counter()
    try:
        if kind == "chat":
            response = await client.post("/v1/chat/completions", json=CHAT)
        elif kind == "chat_stream":
            response = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
            if response.status_code == 200 and not response.text.rstrip().endswith("data: [DONE]"):
                results.add(kind, "truncated_stream", time.perf_counter() - started)
                return
        elif kind == "plan":
            body = {"query": "Text Amir hi", "tools": ["get_phone_number", "send_sms"], "max_tokens": 48}
            response = await client.post("/plan", json=body)
        elif kind == "run":
            body = {"query": QUERY, "tools": ["get_phone_number"], "stream": False}
            response = await client.post("/run", json=body)
        else:
            response = await client.post("/run", json={"plan": PLAN, "joiner": False, "stream": True})
    except httpx.TimeoutException:
        results.add(kind, "client_timeout", time.perf_counter() - started)
        return
    except httpx.TransportError as exc:
        results.add(kind, f"transport:{type(exc).__name__}", time.perf_counter() - started)
        return
    results.add(kind, str(response.status_code), time.perf_counter() - started)
    try:
        if response.status_code == 200 and kind == "run_stream":
            await check_streamed_run(client, response.text, results)
        elif response.status_code == 200 and kind == "run":
            await check_sync_run(client, response.json(), results)
    except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
        # A check that cannot even read the stored events is itself a finding, not a crash of the bench.
        results.lost_events.append(f"{kind}: checking events failed: {exc!r}")


async def client_loop(base_url: str, index: int, rounds: int, timeout: float, results: Results) -> None:
    limits = httpx.Limits(max_connections=2)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        for round_ in range(rounds):
            await one_request(client, KINDS[(index + round_) % len(KINDS)], results)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(results: Results, elapsed: float) -> dict[str, Any]:
    total = sum(sum(c.values()) for c in results.statuses.values())
    ok = sum(c["200"] for c in results.statuses.values())
    kinds = {}
    for kind in KINDS:
        lat = results.latencies.get(kind, [])
        kinds[kind] = {
            "outcomes": dict(results.statuses.get(kind, {})),
            "p50_s": percentile(lat, 0.5) if lat else None,
            "p90_s": percentile(lat, 0.9) if lat else None,
            "p99_s": percentile(lat, 0.99) if lat else None,
            "mean_s": statistics.fmean(lat) if lat else None,
        }
    unexpected = {
        f"{kind}:{outcome}": n
        for kind, counter in results.statuses.items()
        for outcome, n in counter.items()
        if outcome not in ("200", "503", "client_timeout")
    }
    return {
        "requests": total,
        "ok": ok,
        "seconds": elapsed,
        "throughput_rps": total / elapsed,
        "ok_rps": ok / elapsed,
        "kinds": kinds,
        "unexpected_outcomes": unexpected,
        "client_timeouts": sum(c["client_timeout"] for c in results.statuses.values()),
        "lost_run_events": results.lost_events,
        "run_statuses": dict(results.run_statuses),
    }


@contextmanager
def local_server(queue_depth: int) -> Iterator[str]:
    sys.path.insert(0, str(TESTS))
    from gguf_factory import write_tiny_gguf
    from run_helpers import agent_server
    from tinyagent.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        model = write_tiny_gguf(Path(tmp) / "tiny.gguf")
        # n_ctx: the planner prompt with its examples needs more than the tiny model's default.
        settings = Settings(
            model=str(model), data_dir=Path(tmp), offline=True, n_ctx=16384, n_threads=1,
            queue_depth=queue_depth, prompt_cache_mb=0, log_level="warning",
        )  # fmt: skip
        with agent_server(settings) as live:
            yield live.url


async def run_load(base_url: str, clients: int, rounds: int, timeout: float) -> dict[str, Any]:
    results = Results()
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(base_url, i, rounds, timeout, results) for i in range(clients)))
    return report(results, time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64, help="Concurrent clients.")
    parser.add_argument("--rounds", type=int, default=4, help="Requests per client (kinds rotate).")
    parser.add_argument("--timeout", type=float, default=120.0, help="Client-side timeout per request, s.")
    parser.add_argument("--queue-depth", type=int, default=16, help="Queue depth of the local server.")
    parser.add_argument("--url", help="A running server on loopback (default: start one on a tiny model).")
    parser.add_argument("--json", help="Write the report here.")
    args = parser.parse_args()
    if args.url and httpx.URL(args.url).host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address: this is a load generator")
    if args.url:
        result = asyncio.run(run_load(args.url.rstrip("/"), args.clients, args.rounds, args.timeout))
    else:
        with local_server(args.queue_depth) as url:
            result = asyncio.run(run_load(url, args.clients, args.rounds, args.timeout))
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 1 if result["unexpected_outcomes"] or result["lost_run_events"] else 0


if __name__ == "__main__":
    sys.exit(main())
