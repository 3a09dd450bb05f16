"""The embedded SmolLM2 as shipped (Q4_1) against as served (Q8_0): guided plans, interleaved in one run.

Both files are loaded in this process and used one after the other, never at once, so neither slows
the other. For each dev request the real planner path builds the guided prompt and grammar; each model
then writes the plan from a cleared context (no prefix reuse for either), the order alternating per
request. Prints each model's mean plan and prompt time, the ratio, and how many plans came out different.

    .venv/bin/python bench/bench_requantize.py [--limit 60] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from llama_cpp import Llama
from llama_cpp.llama_grammar import LlamaGrammar

from tinyagent.embeddings import Embedder
from tinyagent.eval.data import dev_set_path, load_dataset
from tinyagent.models.catalogue import CATALOGUE, PackageSource, packaged_file, served_file
from tinyagent.models.loaded import load_model
from tinyagent.planning.prepare import PlanOptions, prepare_plan
from tinyagent.settings import Settings
from tinyagent.toolrag.select import LazyToolRAG

NOW = datetime(2025, 6, 16, 9, 0)  # the dev set's clock


@dataclass
class Timed:
    total: list[float] = field(default_factory=list)
    prompt: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def _plan(llm: Llama, prompt: str, grammar: str, stop: list[str], timed: Timed) -> None:
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
    llm.reset()
    started = time.perf_counter()
    llm.eval(tokens)
    timed.prompt.append(time.perf_counter() - started)
    llm.reset()
    rules = LlamaGrammar.from_string(grammar, verbose=False)
    started = time.perf_counter()
    out: Any = llm.create_completion(tokens, max_tokens=256, temperature=0.0, grammar=rules, stop=stop)
    timed.total.append(time.perf_counter() - started)
    timed.texts.append(out["choices"][0]["text"])


async def _prompts(settings: Settings, limit: int) -> list[tuple[str, str, list[str]]]:
    model = await load_model(settings, None)
    toolrag = LazyToolRAG(settings, Embedder(settings.embedding_model, backend=settings.embedding_backend), None)
    base = PlanOptions.from_settings(settings, "", settings.enabled_tools(), NOW)
    found = []
    try:
        for example in load_dataset(dev_set_path()).examples[:limit]:
            prepared = await prepare_plan(model, replace(base, query=example.query), toolrag)
            request = prepared.planner._prepare(prepared.request)  # the exact prompt and grammar /plan sends
            found.append((request.prompt, request.params.grammar or "", list(request.params.stop)))
    finally:
        await model.aclose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=60, help="dev requests to plan")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = Settings(model="smollm2-135m", offline=True, n_threads=args.threads)
    source = CATALOGUE["smollm2-135m"].source
    assert isinstance(source, PackageSource)
    files = {"shipped Q4_1": packaged_file(source), "served Q8_0": served_file(source, settings.data_dir)}
    prompts = asyncio.run(_prompts(settings, args.limit))
    llms = {name: _load(path, args.threads) for name, path in files.items()}
    timed = {name: Timed() for name in llms}
    for k, (prompt, grammar, stop) in enumerate(prompts):
        for name in list(llms)[:: 1 if k % 2 == 0 else -1]:
            _plan(llms[name], prompt, grammar, stop, timed[name])
    for name, t in timed.items():
        print(f"{name:13s} plan mean {statistics.mean(t.total):.3f} s, prompt mean {statistics.mean(t.prompt):.3f} s")
    shipped, served = timed.values()
    print(
        f"served / shipped: plan time {statistics.mean(served.total) / statistics.mean(shipped.total):.2f}x, "
        f"prompt time {statistics.mean(served.prompt) / statistics.mean(shipped.prompt):.2f}x"
    )
    differ = sum(a != b for a, b in zip(shipped.texts, served.texts, strict=True))
    print(f"{len(prompts)} dev requests; plans written differently: {differ}")


def _load(path: Path, threads: int) -> Llama:
    return Llama(model_path=str(path), n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False)


if __name__ == "__main__":
    main()
