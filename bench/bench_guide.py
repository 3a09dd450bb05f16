"""How often the guided planner's skeleton ranker picks the right plan skeleton, without any model.

For each set (the bank's held-out split, the dev set, the holdout set): the share of queries whose
chosen skeleton has the reference plan's graph, the share whose skeleton exists in the bank at all
(the ceiling of guided planning), and the ranker's time per query.

    .venv/bin/python bench/bench_guide.py [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from tinyagent.embeddings import Embedder
from tinyagent.eval.data import dev_set_path, holdout_set_path, load_dataset
from tinyagent.plans.skeleton import skeleton_of
from tinyagent.toolrag.bank import load_bank
from tinyagent.toolrag.guide import SkeletonRanker
from tinyagent.toolrag.index import ExampleIndex
from tinyagent.tools.registry import ToolSet


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the embedder")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")  # networkx's directed-hash notice, via nothing we call per query
    bank = load_bank()
    started = time.perf_counter()
    ranker = SkeletonRanker(ExampleIndex.open(bank, Embedder(), None))
    print(f"ranker built in {time.perf_counter() - started:.2f} s: {ranker.skeleton_count} skeletons")
    known = {skeleton_of(e.plan).key() for e in bank.bank}
    sets = {
        "bank held-out": [(e.query, e.plan) for e in bank.heldout],
        "dev": [(e.query, e.plan) for e in load_dataset(dev_set_path()).examples],
        "holdout": [(e.query, e.plan) for e in load_dataset(holdout_set_path()).examples],
    }
    tools = ToolSet.all()
    for name, rows in sets.items():
        right, times = 0, []
        for query, plan in rows:
            t0 = time.perf_counter()
            guide = ranker.guide(query, tools)
            times.append(time.perf_counter() - t0)
            right += guide is not None and guide.skeleton.key() == skeleton_of(plan).key()
        ceiling = sum(skeleton_of(plan).key() in known for _, plan in rows)
        print(
            f"{name:<14} N={len(rows):<4} right skeleton {right} ({right / len(rows):.1%})  "
            f"in the bank {ceiling} ({ceiling / len(rows):.1%})  p50 {1000 * statistics.median(times):.1f} ms"
        )


if __name__ == "__main__":
    main()
