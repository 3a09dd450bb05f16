"""Speed against llama.cpp's own server, in one run on this machine: every figure issue 21 asks for.

1. generation: streamed and plain /v1/completions (greedy, --tokens, a fresh prompt per repetition,
   interleaved) on raw llama_cpp in this process, llama.cpp's llama-server, and this server on each
   engine; tokens/s, time to first token, ratios to raw and to llama-server; then --clients
   concurrent clients on each server.
2. start-up: a fresh data dir; seconds to /health 200, the first /plan against the median of the next
   nine; resident memory when ready and after the ten plans.
3. contention: this server's generation beside two busy loops, against the same quietly.
4. ToolRAG: selection latency p50/p95 and recall / tools per query on the held-out split (natural
   requests included).
5. prompt cache: resident growth while filling a cache of --cache-mb with distinct long prompts.

Run it alone: two llama.cpp processes on two cores slow each other by orders of magnitude.
Usage: python bench/bench_speed.py [--model smollm2-135m] [--reps 7] [--tokens 128] [--json out.json]
       [--llama-server PATH] [--only generation,startup,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import speed_parts as parts

SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "generation": parts.generation,
    "startup": parts.startup,
    "contention": parts.contention,
    "toolrag": parts.toolrag,
    "prompt_cache": parts.prompt_cache,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cache-mb", type=int, default=256)
    parser.add_argument("--llama-server", help="llama-server binary (default: scripts/llama_server.sh's, or PATH)")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else list(SECTIONS)
    results: dict[str, Any] = {"model": args.model}
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as work:
        args.work = Path(work)
        for name in wanted:
            print(f"--- {name}", file=sys.stderr, flush=True)
            results[name] = SECTIONS[name](args)
            print(json.dumps(results[name], indent=2), file=sys.stderr, flush=True)
    print(parts.summary(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
