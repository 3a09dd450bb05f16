"""A linear tool classifier over the query's sentence embedding and its TF-IDF n-grams.

Why not just vote with the nearest examples: MiniLM similarity is dominated by the names in a
query ("email Oscar the map of Moscone Center" sits next to every other Moscone Center query), so
neighbours often share entities rather than actions. A linear probe trained on the bank learns
which features carry the action. It is upstream's DeBERTa ToolRAG classifier in miniature: one
sigmoid per tool, positives up-weighted for recall, fitted once per bank (toolrag/fitted.py).

Why the n-grams: the cues for a tool are mostly words ("text", "remind", "zoom", "directions",
"tl;dr"), which a sentence embedding blurs together with the rest of the query. Word 1-2 grams and
character 2-5 grams (inflections, typos) beside the embedding cut the tools per query by 40% and
raised recall in grouped 5-fold cross-validation on the bank split (bench/bench_toolrag.py --cv):
at threshold 0.15, embedding alone 0.980 recall with 6.5 tools, embedding + n-grams 0.996 with 3.7
(n-grams alone came close, 0.997 / 3.9; the embedding trimmed 0.2 tools at the same recall).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyagent.toolrag.bank import Example
from tinyagent.toolrag.fitjob import FitJob
from tinyagent.toolrag.fitted import fitted
from tinyagent.toolrag.linear import LinearProbe
from tinyagent.tools.registry import TOOL_NAMES


@dataclass(frozen=True)
class ProbeConfig:
    # Chosen by grouped 5-fold cross-validation on the bank split among C 1..30 and embedding weight
    # 0..1 (bench/bench_toolrag.py --cv). Balanced class weights: missing a needed tool fails the
    # plan while an extra tool only costs prompt tokens; unweighted fits lost 5 points of recall at 0.15.
    c: float = 3.0
    embedding_weight: float = 0.5  # the embedding block's scale against the unit-norm TF-IDF blocks


def probe_job(
    vectors: np.ndarray,
    examples: Sequence[Example],
    config: ProbeConfig | None = None,
    tools: Sequence[str] = TOOL_NAMES,
) -> FitJob:
    cfg = config if config is not None else ProbeConfig()
    labels = np.array([[t in e.tools for t in tools] for e in examples], dtype=bool).reshape(len(examples), len(tools))
    # The dual solver: features (~40k n-grams) outnumber examples; same fit, 0.4 s instead of 0.7 s.
    return FitJob(tuple(e.query for e in examples), np.asarray(vectors, np.float32), labels, tuple(tools),
                  c=cfg.c, dual=True, embedding_weight=cfg.embedding_weight)  # fmt: skip


def train_probe(
    vectors: np.ndarray,
    examples: Sequence[Example],
    config: ProbeConfig | None = None,
    tools: Sequence[str] = TOOL_NAMES,
    cache_dir: Path | None = None,
) -> LinearProbe:
    """One-vs-rest logistic regressions over [embedding, word 1-2 grams, char 2-5 grams]; deterministic.

    ``tools``: the outputs (the sixteen, and MCP tools when their examples joined the bank). Fitted in
    a child process, or loaded from ``cache_dir`` when these inputs were fitted before (toolrag/fitted.py)."""
    return fitted(probe_job(vectors, examples, config, tools), cache_dir)


# --------------------------------------------------------------------------- cross-validation


def near_duplicate_groups(vectors: np.ndarray, similarity: float = 0.7) -> np.ndarray:
    """Group id per example: connected components of cosine similarity >= ``similarity``.

    Cross-validation folds keep a group together, so a template's paraphrases cannot sit on both
    sides of a split and flatter the score (at 0.7 the bank's 987 examples form ~750 groups)."""
    # Imported here: only benchmarks and tests group examples, and the server never loads SciPy.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    x = np.asarray(vectors, dtype=np.float32)
    _, labels = connected_components(csr_matrix(x @ x.T >= similarity), directed=False)
    return np.asarray(labels)


def group_folds(groups: np.ndarray, k: int) -> list[np.ndarray]:
    """``k`` disjoint test-index sets covering every example, whole groups at a time (deterministic)."""
    fold_of_group = np.random.default_rng(0).permutation(int(groups.max()) + 1) % k
    return [np.flatnonzero(fold_of_group[groups] == fold) for fold in range(k)]


def cross_val_scores(
    vectors: np.ndarray, examples: Sequence[Example], k: int = 5, config: ProbeConfig | None = None
) -> list[dict[str, float]]:
    """Each example's tool scores from a probe trained on the other folds (grouped k-fold)."""
    x = np.asarray(vectors, dtype=np.float32)
    out: list[dict[str, float]] = [{} for _ in examples]
    for test in group_folds(near_duplicate_groups(x), k):
        train = np.setdiff1d(np.arange(len(examples)), test)
        probe = train_probe(x[train], [examples[i] for i in train], config)
        for i in test:
            out[i] = probe.scores(examples[i].query, x[i])
    return out
