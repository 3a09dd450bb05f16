"""The sections of bench/bench_speed.py, each a function of the parsed arguments returning its figures."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx

import speedlib as lib
from tinyagent.models.resolve import resolve_model
from tinyagent.settings import Settings

STORY = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle. "
PLANS = [
    "Remind me to call the dentist tomorrow at 10am",
    "Text Sid that I am running late",
    "Email Lutfi the file Budget Q4 and cc Ana",
    "Create a note called Packing List with passport, charger and socks",
    "Show me directions from Palo Alto to SJC",
    "Set up a zoom meeting with Sid next Tuesday at 4pm about the launch",
    "Summarize the pdf Vendor Agreement",
    "Open my note Gift Ideas",
    "Reply to the email saying I will be there at 3pm",
    "Add 'buy batteries' to my shopping note",
]


QUIET_S = 0.3


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def model_path(args: argparse.Namespace) -> Path:
    return resolve_model(Settings(model=args.model, offline=True)).path


@contextmanager
def ours(args: argparse.Namespace, name: str, *extra: str) -> Iterator[lib.Server]:
    port = lib.free_port()
    data = args.work / name
    cmd = lib.tinyagent_cmd(port, "--model", args.model, "--n-threads", "2", "--log-level", "info",
                            "--data-dir", str(data), *extra)  # fmt: skip
    with lib.started(name, cmd, port, log=args.work / f"{name}.log") as server:
        yield server


@contextmanager
def llama_server(args: argparse.Namespace, *extra: str) -> Iterator[lib.Server]:
    binary = lib.llama_server_binary(args.llama_server)
    if binary is None:
        raise SystemExit("no llama-server: run `make llama-server` or pass --llama-server")
    port = lib.free_port()
    cmd = [binary, "-m", str(model_path(args)), "--port", str(port), "-t", "2", "-c", "4096", "--no-webui", *extra]
    with lib.started("llama-server", cmd, port, log=args.work / "llama-server.log") as server:
        yield server


def _completion(server: lib.Server, prompt: str, tokens: int, stream: bool) -> lib.Reply:
    # llama.cpp's threads keep polling for a while after a generation: let the last engine go quiet first.
    time.sleep(QUIET_S)
    body = {"model": "default", "prompt": prompt, "max_tokens": tokens, "temperature": 0, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return lib.request(server.port, "/v1/completions", body, server.headers)


def _raw_llama(args: argparse.Namespace) -> Callable[[str, int], lib.Reply]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(model_path(args)), n_ctx=4096, n_threads=2, n_threads_batch=2, verbose=False)

    def generate(prompt: str, tokens: int) -> lib.Reply:
        time.sleep(QUIET_S)
        started, first, count, text = time.perf_counter(), None, 0, []
        for chunk in llm.create_completion(prompt, max_tokens=tokens, temperature=0, stream=True):
            first = first or time.perf_counter()
            count += 1
            text.append(chunk["choices"][0]["text"])
        return lib.Reply(started, first, time.perf_counter(), count, "".join(text))

    return generate


def generation(args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack:
        servers = [
            stack.enter_context(llama_server(args)),
            stack.enter_context(ours(args, "ours-in-process")),
            stack.enter_context(ours(args, "ours-llama-server", "--engine", "llama-server")),
        ]
        raw = _raw_llama(args)
        single = _single_stream(args, servers, raw)
        together = {s.name: _concurrent(s, args.clients, args.tokens // 2) for s in servers}
    return {"single": single, "concurrent": together, "clients": args.clients}


def _single_stream(args: argparse.Namespace, servers: list[lib.Server], raw: Callable[[str, int], lib.Reply]) -> Any:
    runs: dict[str, dict[str, list[float]]] = {}
    for rep in range(args.reps):
        prompt = f"{rep}. {STORY}"  # a fresh prompt per repetition: no side reuses a cached prefix
        # Each side takes each place in turn: the one after a llama.cpp that still polls for a while after
        # its generation starts on busier cores (the engine after the in-process one lost ~10 ms this way).
        sides = [("raw", lambda p, n, _: raw(p, n)), *((s.name, partial(_completion, s)) for s in servers)]
        turn = sides[rep % len(sides) :] + sides[: rep % len(sides)]
        timed = {name: run(prompt, args.tokens, True) for name, run in turn}
        plain = {name: run(f"{rep} plain. {STORY}", 1, False) for name, run in turn if name != "raw"}
        for name, reply in timed.items():
            row = runs.setdefault(name, {"tok_s": [], "ttft_ms": [], "plain_1_token_ms": []})
            row["tok_s"].append(reply.tok_s)
            row["ttft_ms"].append(reply.ttft_s * 1000)
            if name in plain:
                row["plain_1_token_ms"].append(plain[name].ttft_s * 1000)
    out = {name: {k: round(median(v), 2) for k, v in row.items()} for name, row in runs.items()}
    for name, row in out.items():
        row["ratio_to_raw"] = round(row["tok_s"] / out["raw"]["tok_s"], 3)
        row["ratio_to_llama_server"] = round(row["tok_s"] / out["llama-server"]["tok_s"], 3)
        # Paired: the median of each repetition's difference. First-token times move by +-10 ms from one
        # request to the next on 2 cores, alike for every server in a repetition; a difference of medians
        # kept that noise (+6 and +26 ms for one unchanged engine in two runs).
        row["ttft_minus_llama_server_ms"] = _paired(runs[name]["ttft_ms"], runs["llama-server"]["ttft_ms"])
        if runs[name]["plain_1_token_ms"]:
            row["plain_minus_llama_server_ms"] = _paired(
                runs[name]["plain_1_token_ms"], runs["llama-server"]["plain_1_token_ms"]
            )
    return out


def _paired(ours: list[float], theirs: list[float]) -> float:
    return round(median([a - b for a, b in zip(ours, theirs, strict=True)]), 2)


def _concurrent(server: lib.Server, clients: int, tokens: int) -> dict[str, float]:
    def one(i: int) -> int:
        return _completion(server, f"Client {i}. {STORY}", tokens, True).tokens

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(one, range(clients * 2)))
    wall = time.perf_counter() - start
    return {"requests": clients * 2, "tokens": total, "wall_s": round(wall, 2), "tok_s": round(total / wall, 1)}


def _plan(server: lib.Server, query: str) -> float:
    start = time.perf_counter()
    reply = httpx.post(server.url + "/plan", json={"query": query}, timeout=300)
    reply.raise_for_status()
    return time.perf_counter() - start


def startup(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, extra in (("in-process", ()), ("llama-server", ("--engine", "llama-server"))):
        # A fresh data dir: the ToolRAG index is embedded during start-up, as on a first install.
        with ours(args, f"startup-{name}", *extra) as server:
            ready_rss = server.rss_mb()
            times = [_plan(server, q) for q in PLANS]
            out[name] = {
                "ready_s": round(server.ready_s, 2),
                "first_plan_s": round(times[0], 2),
                "next_nine_median_s": round(median(times[1:]), 2),
                "first_over_median": round(times[0] / median(times[1:]), 2),
                "rss_ready_mb": round(ready_rss),
                "rss_after_ten_plans_mb": round(server.rss_mb()),
            }
    out["parts_mb"] = memory_parts(args)
    return out


MEMORY_PARTS = """
import asyncio, json, sys
sys.path.insert(0, "bench")
from speedlib import rss_mb
import os
pid = os.getpid()
steps = {"python": rss_mb(pid)}
from tinyagent.app import create_app  # noqa: the whole server's code
steps["server code imported"] = rss_mb(pid)
from tinyagent.settings import Settings
from tinyagent.embeddings import Embedder
settings = Settings(model=sys.argv[1], offline=True, data_dir=sys.argv[2], n_threads=2)
embedder = Embedder(); embedder.load()
steps["embedder (onnx MiniLM)"] = rss_mb(pid)
from tinyagent.toolrag.select import LazyToolRAG
rag = LazyToolRAG(settings, embedder)
asyncio.run(rag())
steps["ToolRAG index + probe"] = rss_mb(pid)
from tinyagent.models.loaded import load_model
model = asyncio.run(load_model(settings, None, embedder=embedder))
steps["model (weights + KV cache)"] = rss_mb(pid)
print(json.dumps(steps))
"""


def memory_parts(args: argparse.Namespace) -> dict[str, float]:
    """What each part adds to resident memory, loaded one after the other in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PARTS, args.model, str(args.work / "parts")],
                         capture_output=True, text=True, check=True)  # fmt: skip
    steps = json.loads(out.stdout.strip().splitlines()[-1])
    names, values = list(steps), list(steps.values())
    parts = {names[0]: round(values[0])}
    parts |= {names[i]: round(values[i] - values[i - 1]) for i in range(1, len(names))}
    return parts | {"total": round(values[-1])}


def contention(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    setups: list[tuple[str, Callable[[], Any]]] = [
        ("in-process (adaptive threads)", lambda: ours(args, "busy-adaptive")),
        ("in-process (fixed 2 threads)", lambda: ours(args, "busy-fixed", "--no-adapt-threads")),
        ("llama-server engine", lambda: ours(args, "busy-engine", "--engine", "llama-server")),
        ("llama-server alone", lambda: llama_server(args)),
    ]
    for name, start in setups:
        with start() as server:
            quiet = _speed(server, "quiet")
            with lib.busy_loops(2):
                busy = _speed(server, "busy")
        out[name] = {"quiet_tok_s": quiet, "busy_tok_s": busy, "kept": round(busy / quiet, 3)}
    return out


def _speed(server: lib.Server, tag: str) -> float:
    replies = [_completion(server, f"{tag} {rep}. {STORY}", 96, True) for rep in range(5)]
    return round(median([r.tok_s for r in replies]), 1)


def toolrag(args: argparse.Namespace) -> dict[str, Any]:
    from tinyagent.embeddings import Embedder
    from tinyagent.eval.runner import percentile
    from tinyagent.toolrag.bank import load_bank
    from tinyagent.toolrag.select import ToolRAG
    from tinyagent.tools.registry import ToolSet

    rag, everything = ToolRAG.create(Embedder(), cache_dir=args.work / "toolrag"), ToolSet.all()
    held = load_bank().heldout
    for example in held[:10]:
        rag.retrieve(example.query, everything)  # warm-up
    latencies, hits, sizes = [], 0, []
    for example in held:
        result = rag.retrieve(example.query, everything)
        latencies.append(result.timings["total_ms"])
        chosen = {name for name, _ in result.tools}
        hits += example.tools <= chosen
        sizes.append(len(chosen))
    return {
        "queries": len(held),
        "p50_ms": round(median(latencies), 2),
        "p95_ms": round(percentile(latencies, 95) or 0.0, 2),  # nearest rank, as tinyagent eval reports it
        "recall": round(hits / len(held), 3),
        "tools_per_query": round(statistics.mean(sizes), 2),
    }


def prompt_cache(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"budget_mb": args.cache_mb}
    for name, extra in (("in-process", ()), ("llama-server", ("--engine", "llama-server"))):
        with ours(args, f"cache-{name}", "--prompt-cache-mb", str(args.cache_mb), *extra) as server:
            _chat(server, 0)
            before = server.rss_mb()
            for i in range(1, 41):
                _chat(server, i)
            out[name] = {"rss_growth_mb": round(server.rss_mb() - before), "rss_mb": round(server.rss_mb())}
    return out


def _chat(server: lib.Server, i: int) -> None:
    system = f"Session {i}. You are a careful assistant. " + "Follow the house rules carefully. " * 200
    body = {"model": "default", "max_tokens": 1, "messages": [{"role": "system", "content": system},
                                                              {"role": "user", "content": "Hi"}]}  # fmt: skip
    lib.request(server.port, "/v1/chat/completions", body, server.headers)


def summary(results: dict[str, Any]) -> str:
    """A Markdown table of the headline figures (the README's)."""
    lines = ["| figure | value |", "|---|---|"]
    for section, figures in results.items():
        if isinstance(figures, dict):
            lines += [f"| {section}: {k} | {json.dumps(v)} |" for k, v in figures.items()]
    return "\n".join(lines)
