"""Server overhead and prefix reuse, measured in one run on the same model and prompts.

1. Generation throughput and time to first token: our server (a separate
   `tinyagent serve` process, streamed /v1/completions through the openai
   client) vs calling llama_cpp directly in this process, same prompt, greedy.
2. A second chat request that shares a long system prompt with the first vs
   the first (cold) one, through the server.
3. With --against PYTHON, a second server run by another interpreter (a venv
   with another llama.cpp build, e.g. a native one) answers the same prompts,
   interleaved with the first: generation, time to first token and the cold
   long-prompt request, as ratios to this interpreter's server.

Usage: python bench/bench_server.py [--model smollm2-135m] [--reps 5] [--tokens 128] [--json out.json]
       [--against /path/to/other/venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai

from speedlib import free_port
from tinyagent.models.resolve import resolve_model
from tinyagent.settings import Settings

STORY = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle. "


@contextmanager
def server_process(model: str, n_ctx: int, python: str = sys.executable) -> Iterator[str]:
    port = free_port()
    cmd = [
        python,
        "-m",
        "tinyagent.cli",
        "serve",
        "--model",
        model,
        "--port",
        str(port),
        "--offline",
        "--n-ctx",
        str(n_ctx),
        "--n-threads",
        "2",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env={**os.environ, "TINYAGENT_DATA_DIR": str(Path(".bench-data").resolve())})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not become ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def time_raw(llm: Any, prompt: str, tokens: int) -> tuple[float, float, int]:
    start = time.perf_counter()
    first = None
    count = 0
    for _ in llm.create_completion(prompt, max_tokens=tokens, temperature=0, stream=True):
        first = first or time.perf_counter()
        count += 1
    end = time.perf_counter()
    assert first is not None
    return first - start, (count - 1) / (end - first), count


def time_server(client: openai.OpenAI, prompt: str, tokens: int) -> tuple[float, float, int]:
    """Tokens come from the usage chunk: the server may merge several tokens into one text chunk."""
    start = time.perf_counter()
    first = None
    count = 0
    stream = client.completions.create(
        model="default",
        prompt=prompt,
        max_tokens=tokens,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].text:
            first = first or time.perf_counter()
        if chunk.usage is not None:
            count = chunk.usage.completion_tokens
    end = time.perf_counter()
    assert first is not None
    return first - start, (count - 1) / (end - first), count


def overhead(model_path: Path, url: str, reps: int, tokens: int, n_ctx: int) -> dict[str, Any]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=2, n_threads_batch=2, verbose=False)
    client = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0)
    raw: list[tuple[float, float, int]] = []
    ours: list[tuple[float, float, int]] = []
    for rep in range(reps):
        # A fresh prompt per repetition so neither side gets a KV-cache hit from the previous one.
        prompt = f"{rep}. {STORY}"
        raw.append(time_raw(llm, prompt, tokens))
        ours.append(time_server(client, prompt, tokens))
    med = {
        name: [statistics.median(x[i] for x in runs) for i in range(2)]
        for name, runs in (("raw", raw), ("server", ours))
    }
    return {
        "tokens_generated": [r[2] for r in ours],
        "raw_ttft_s": med["raw"][0],
        "server_ttft_s": med["server"][0],
        "raw_tok_s": med["raw"][1],
        "server_tok_s": med["server"][1],
        "throughput_ratio": med["server"][1] / med["raw"][1],
        "overhead_pct": 100 * (1 - med["server"][1] / med["raw"][1]),
    }


def builds(url: str, other: str, reps: int, tokens: int) -> dict[str, Any]:
    """This interpreter's server against the other one, interleaved so drift hits both alike."""
    clients = {
        name: openai.OpenAI(base_url=u + "/v1", api_key="x", max_retries=0)
        for name, u in (("this", url), ("other", other))
    }
    gen: dict[str, list[tuple[float, float, int]]] = {"this": [], "other": []}
    cold: dict[str, list[float]] = {"this": [], "other": []}
    for rep in range(reps):
        prompt = f"{rep}. {STORY}"
        system = f"Build run {rep}. You are a careful assistant. " + ("Follow the house rules carefully. " * 150)
        for name, client in clients.items():
            gen[name].append(time_server(client, prompt, tokens))
            start = time.perf_counter()
            client.chat.completions.create(
                model="default", max_tokens=1, temperature=0, messages=[{"role": "system", "content": system}]
            )
            cold[name].append(time.perf_counter() - start)
    med = {name: [statistics.median(x[i] for x in runs) for i in range(2)] for name, runs in gen.items()}
    cold_med = {name: statistics.median(times) for name, times in cold.items()}
    return {
        "this_tok_s": med["this"][1],
        "other_tok_s": med["other"][1],
        "this_ttft_s": med["this"][0],
        "other_ttft_s": med["other"][0],
        "this_long_prompt_s": cold_med["this"],
        "other_long_prompt_s": cold_med["other"],
        "throughput_ratio_other_to_this": med["other"][1] / med["this"][1],
        "long_prompt_speedup_other_to_this": cold_med["this"] / cold_med["other"],
    }


def prefix_reuse(url: str, reps: int) -> dict[str, Any]:
    client = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0)
    cold, warm = [], []
    for rep in range(reps):
        system = f"Session {rep}. You are a careful assistant. " + ("Follow the house rules carefully. " * 150)
        for bucket, question in ((cold, "What is 2+2?"), (warm, "Name a colour.")):
            start = time.perf_counter()
            result = client.chat.completions.create(
                model="default",
                max_tokens=1,
                temperature=0,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
            )
            bucket.append(time.perf_counter() - start)
        assert result.usage is not None
    cached = result.usage.prompt_tokens_details.cached_tokens if result.usage.prompt_tokens_details else 0
    return {
        "prompt_tokens": result.usage.prompt_tokens,
        "cached_tokens_last": cached,
        "cold_s": statistics.median(cold),
        "warm_s": statistics.median(warm),
        "speedup": statistics.median(cold) / statistics.median(warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--against", help="Python of another venv (another llama.cpp build) to compare with.")
    args = parser.parse_args()
    resolved = resolve_model(Settings(model=args.model, offline=True))
    with server_process(args.model, args.n_ctx) as url:
        results = {
            "model": args.model,
            "llama_cpp": httpx.get(url + "/health").json().get("llama_cpp", {}).get("system_info"),
            "overhead": overhead(resolved.path, url, args.reps, args.tokens, args.n_ctx),
            "prefix_reuse": prefix_reuse(url, args.reps),
        }
        if args.against:
            with server_process(args.model, args.n_ctx, args.against) as other:
                info = httpx.get(other + "/health").json().get("llama_cpp", {}).get("system_info")
                results["against"] = {"python": args.against, "llama_cpp": info}
                results["against"] |= builds(url, other, args.reps, args.tokens)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
