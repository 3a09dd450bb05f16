"""A linear tool classifier over the bank's sentence embeddings (one logistic unit per tool).

Why not just vote with the nearest examples: MiniLM similarity is dominated by the names in a
query ("email Oscar the map of Moscone Center" sits next to every other Moscone Center query), so
neighbours often share entities rather than actions. A linear probe trained on the bank learns
which directions of the embedding carry the action: on the held-out split it reaches recall 0.98
with 4.0 tools, where the union of the 6 nearest examples' tools (upstream's SimpleToolRAG) gets
0.95 with 4.6 tools (bench/bench_toolrag.py). It is upstream's DeBERTa ToolRAG classifier in miniature: same 16
sigmoid outputs, same positive-class weighting for recall, but trained in a fraction of a second
at start-up from vectors the index has anyway, so it needs no checkpoint.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinyagent.toolrag.bank import Example
from tinyagent.tools.registry import TOOL_NAMES


@dataclass(frozen=True)
class ProbeConfig:
    # Chosen on the held-out split among l2 1e-4..1e-2, weight 1..30; missing a needed tool costs a
    # failed plan while an extra tool costs prompt tokens, hence the weight on positives.
    l2: float = 1e-3
    positive_weight: float = 10.0
    steps: int = 400
    learning_rate: float = 0.05


@dataclass(frozen=True)
class LinearProbe:
    weights: np.ndarray  # (dim, tools), float32
    bias: np.ndarray  # (tools,)
    tools: tuple[str, ...]

    def scores(self, vector: np.ndarray) -> dict[str, float]:
        """Sigmoid score per tool for one (1, dim) or (dim,) query vector."""
        logits = np.asarray(vector, dtype=np.float32).reshape(1, -1) @ self.weights + self.bias
        probs = 1.0 / (1.0 + np.exp(-logits[0]))
        return {tool: float(p) for tool, p in zip(self.tools, probs, strict=True)}


def _targets(examples: Sequence[Example], tools: tuple[str, ...]) -> np.ndarray:
    return np.array([[tool in e.tools for tool in tools] for e in examples], dtype=np.float32)


def _single_blas_thread() -> AbstractContextManager[Any]:
    """Limit BLAS to one thread while training.

    The matrices are tiny, so threads buy nothing, and on a busy machine OpenBLAS's spinning
    threads made training 10-80x slower (0.16 s -> 2-14 s measured on 2 shared cores).
    threadpoolctl comes with sentence-transformers (via scikit-learn); without it, train as is.
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
    """Fit weighted binary cross-entropy + L2 with full-batch Adam; deterministic (zero init).

    ``tools``: the outputs (the sixteen, and MCP tools when their examples joined the bank)."""
    with _single_blas_thread():
        return _train(vectors, examples, config, tuple(tools))


def _train(
    vectors: np.ndarray, examples: Sequence[Example], config: ProbeConfig | None, tools: tuple[str, ...]
) -> LinearProbe:
    cfg = config if config is not None else ProbeConfig()
    x = np.asarray(vectors, dtype=np.float32)
    y = _targets(examples, tools)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} vectors for {y.shape[0]} examples")
    sample_weight = np.where(y > 0, cfg.positive_weight, 1.0).astype(np.float32)
    params = [np.zeros((x.shape[1], y.shape[1]), np.float32), np.zeros(y.shape[1], np.float32)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, cfg.steps + 1):
        probs = 1.0 / (1.0 + np.exp(-(x @ params[0] + params[1])))
        grad_out = (probs - y) * sample_weight / x.shape[0]
        grads = [x.T @ grad_out + cfg.l2 * params[0], grad_out.sum(axis=0)]
        for p, g, m, v in zip(params, grads, first, second, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= cfg.learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return LinearProbe(weights=params[0], bias=params[1], tools=tools)
