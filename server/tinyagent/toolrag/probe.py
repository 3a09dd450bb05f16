"""A linear tool classifier over the query's sentence embedding and its TF-IDF n-grams.

Why not just vote with the nearest examples: MiniLM similarity is dominated by the names in a
query ("email Oscar the map of Moscone Center" sits next to every other Moscone Center query), so
neighbours often share entities rather than actions. A linear probe trained on the bank learns
which features carry the action. It is upstream's DeBERTa ToolRAG classifier in miniature: one
sigmoid per tool, positives up-weighted for recall, trained at start-up with no checkpoint.

Why the n-grams: the cues for a tool are mostly words ("text", "remind", "zoom", "directions",
"tl;dr"), which a sentence embedding blurs together with the rest of the query. Word 1-2 grams and
character 2-5 grams (inflections, typos) beside the embedding cut the tools per query by 40% and
raised recall in grouped 5-fold cross-validation on the bank split (bench/bench_toolrag.py --cv):
at threshold 0.15, embedding alone 0.980 recall with 6.5 tools, embedding + n-grams 0.996 with 3.7
(n-grams alone came close, 0.997 / 3.9; the embedding trimmed 0.2 tools at the same recall).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tinyagent.toolrag.bank import Example
from tinyagent.tools.registry import TOOL_NAMES

# A tool with no positive (or no negative) example gets no model, just this logit (or its negation).
_ABSENT_LOGIT = -20.0


@dataclass(frozen=True)
class ProbeConfig:
    # Chosen by grouped 5-fold cross-validation on the bank split among C 1..30 and embedding weight
    # 0..1 (bench/bench_toolrag.py --cv). Balanced class weights: missing a needed tool fails the
    # plan while an extra tool only costs prompt tokens; unweighted fits lost 5 points of recall at 0.15.
    c: float = 3.0
    embedding_weight: float = 0.5  # the embedding block's scale against the unit-norm TF-IDF blocks


@dataclass(frozen=True)
class NgramBlock:
    """One fitted TF-IDF vectoriser, reduced to what scoring one query needs (no sklearn call)."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,)
    weights: np.ndarray  # (features, tools)

    def logits(self, query: str) -> np.ndarray:
        """The block's contribution, as TfidfVectorizer(sublinear_tf=True) then the weights would give."""
        vocabulary = self.vocabulary
        known = [vocabulary[term] for term in self.analyzer(query) if term in vocabulary]
        if not known:
            return np.zeros(self.weights.shape[1], np.float32)
        rows, counts = np.unique(np.array(known, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts.astype(np.float32))) * self.idf[rows]
        values /= np.linalg.norm(values)
        return np.asarray(values @ self.weights[rows])


@dataclass(frozen=True)
class LinearProbe:
    weights: np.ndarray  # (dim, tools), float32, embedding weight folded in
    bias: np.ndarray  # (tools,)
    tools: tuple[str, ...]
    ngrams: tuple[NgramBlock, ...] = ()

    def logits(self, query: str, vector: np.ndarray) -> np.ndarray:
        logits = np.asarray(vector, dtype=np.float32).reshape(1, -1)[0] @ self.weights + self.bias
        for block in self.ngrams:
            logits = logits + block.logits(query)
        return np.asarray(logits, dtype=np.float64)

    def scores(self, query: str, vector: np.ndarray) -> dict[str, float]:
        """Sigmoid score per tool for one query and its (1, dim) or (dim,) embedding."""
        probs = 1.0 / (1.0 + np.exp(-self.logits(query, vector)))
        return {tool: float(p) for tool, p in zip(self.tools, probs, strict=True)}


def _vectorisers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    return (
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )


def _fit_tool(features: csr_matrix, labels: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """(weights, intercept) of one tool's balanced logistic regression."""
    if labels.min() == labels.max():
        logit = _ABSENT_LOGIT if labels.max() == 0 else -_ABSENT_LOGIT
        return np.zeros(features.shape[1]), logit
    # The dual solver: features (~40k n-grams) outnumber examples; same fit, 0.4 s instead of 0.7 s.
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", dual=True, max_iter=2000)
    model.fit(features, labels)
    return model.coef_[0], float(model.intercept_[0])


def _single_blas_thread() -> AbstractContextManager[Any]:
    """Limit BLAS to one thread while training.

    The matrices are tiny, so threads buy nothing, and on a busy machine OpenBLAS's spinning
    threads made training several times slower (0.4 s -> 1.5 s measured on 2 shared cores).
    threadpoolctl comes with scikit-learn; without it, train as is.
    """
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")
    except ImportError:
        return contextlib.nullcontext()
    limits: AbstractContextManager[Any] = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
    return limits


def train_probe(
    vectors: np.ndarray,
    examples: Sequence[Example],
    config: ProbeConfig | None = None,
    tools: Sequence[str] = TOOL_NAMES,
) -> LinearProbe:
    """One-vs-rest logistic regressions over [embedding, word 1-2 grams, char 2-5 grams]; deterministic.

    ``tools``: the outputs (the sixteen, and MCP tools when their examples joined the bank)."""
    with _single_blas_thread():
        return _train(vectors, examples, config, tuple(tools))


def _train(
    vectors: np.ndarray, examples: Sequence[Example], config: ProbeConfig | None, tools: tuple[str, ...]
) -> LinearProbe:
    cfg = config if config is not None else ProbeConfig()
    x = np.asarray(vectors, dtype=np.float32)
    if x.shape[0] != len(examples):
        raise ValueError(f"{x.shape[0]} vectors for {len(examples)} examples")
    queries = [e.query for e in examples]
    vectorisers = _vectorisers()
    blocks = [vectoriser.fit_transform(queries) for vectoriser in vectorisers]
    features = hstack([csr_matrix(x * cfg.embedding_weight), *blocks]).tocsr()
    fitted = [_fit_tool(features, np.array([t in e.tools for e in examples], dtype=int), cfg.c) for t in tools]
    weights = np.stack([w for w, _ in fitted], axis=1).astype(np.float32)
    bias = np.array([b for _, b in fitted], dtype=np.float32)
    dim, ngrams, start = x.shape[1], [], x.shape[1]
    for vectoriser, block in zip(vectorisers, blocks, strict=True):
        end = start + block.shape[1]
        idf = np.asarray(vectoriser.idf_, dtype=np.float32)
        ngrams.append(NgramBlock(vectoriser.build_analyzer(), dict(vectoriser.vocabulary_), idf, weights[start:end]))
        start = end
    return LinearProbe(weights[:dim] * cfg.embedding_weight, bias, tools, tuple(ngrams))


# --------------------------------------------------------------------------- cross-validation


def near_duplicate_groups(vectors: np.ndarray, similarity: float = 0.7) -> np.ndarray:
    """Group id per example: connected components of cosine similarity >= ``similarity``.

    Cross-validation folds keep a group together, so a template's paraphrases cannot sit on both
    sides of a split and flatter the score (at 0.7 the bank's 987 examples form ~750 groups)."""
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
