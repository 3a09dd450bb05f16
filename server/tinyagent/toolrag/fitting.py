"""scikit-learn's fits of the linear tool scorers; run as ``python -m tinyagent.toolrag.fitting FOLDER``.

The server never imports this module (toolrag/fitted.py runs it in a child): FOLDER holds a job
(``fitjob.save_job``) and receives ``model.json`` / ``model.npz``. Benchmarks and tests may call
``fit`` in their own process.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tinyagent.toolrag.fitjob import FitJob, load_job, save_model
from tinyagent.toolrag.linear import CHARS, WORDS, Analyzer, LinearProbe, NgramBlock

# A tool with no positive (or no negative) example gets no model, just this logit (or its negation).
_ABSENT_LOGIT = 20.0


def vectoriser(analyzer: Analyzer) -> TfidfVectorizer:
    """The TfidfVectorizer whose features ``linear.NgramBlock`` reproduces for ``analyzer``."""
    return TfidfVectorizer(analyzer=analyzer.kind, ngram_range=(analyzer.low, analyzer.high), sublinear_tf=True)


def fit(job: FitJob) -> LinearProbe:
    """One-vs-rest logistic regressions over [embedding, word 1-2 grams, char 2-5 grams]; deterministic."""
    with _single_blas_thread():
        return _fit(job)


def _fit(job: FitJob) -> LinearProbe:
    x = np.asarray(job.vectors, dtype=np.float32)
    if x.shape[0] != len(job.texts):
        raise ValueError(f"{x.shape[0]} vectors for {len(job.texts)} texts")
    analyzers = (WORDS, CHARS)
    vectorisers = [vectoriser(a) for a in analyzers]
    blocks = [v.fit_transform(list(job.texts)) for v in vectorisers]
    features = hstack([csr_matrix(x * job.embedding_weight), *blocks]).tocsr()
    fits = [_fit_tool(features, np.asarray(job.labels[:, i], dtype=int), job) for i in range(len(job.tools))]
    weights = np.stack([w for w, _ in fits], axis=1).astype(job.dtype)
    bias = np.array([b for _, b in fits], dtype=job.dtype)
    dim, ngrams, start = x.shape[1], [], x.shape[1]
    for analyzer, fitted, block in zip(analyzers, vectorisers, blocks, strict=True):
        end = start + block.shape[1]
        idf = np.asarray(fitted.idf_, dtype=job.dtype)
        ngrams.append(NgramBlock(analyzer, dict(fitted.vocabulary_), idf, weights[start:end]))
        start = end
    return LinearProbe(weights[:dim] * np.asarray(job.embedding_weight, job.dtype), bias, job.tools, tuple(ngrams))


def _fit_tool(features: csr_matrix, labels: np.ndarray, job: FitJob) -> tuple[np.ndarray, float]:
    """(weights, intercept) of one tool's balanced logistic regression."""
    if labels.min() == labels.max():
        if job.absent == "none":
            return np.zeros(features.shape[1]), -np.inf
        return np.zeros(features.shape[1]), _ABSENT_LOGIT if labels.max() else -_ABSENT_LOGIT
    # A fixed seed: liblinear's dual solver shuffles with numpy's global generator, and two fits of one job
    # differed in the sixth decimal (a kept model should be the one a fit gives).
    model = LogisticRegression(
        C=job.c, class_weight="balanced", solver="liblinear", dual=job.dual, max_iter=2000, random_state=0
    )
    model.fit(features, labels, sample_weight=job.sample_weight)
    return model.coef_[0], float(model.intercept_[0])


def _single_blas_thread() -> AbstractContextManager[Any]:
    """Limit BLAS to one thread while fitting.

    The matrices are tiny, so threads buy nothing, and on a busy machine OpenBLAS's spinning
    threads made fitting several times slower (0.4 s -> 1.5 s measured on 2 shared cores).
    threadpoolctl comes with scikit-learn; without it, fit as is.
    """
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")
    except ImportError:
        return contextlib.nullcontext()
    limits: AbstractContextManager[Any] = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
    return limits


def main(argv: list[str]) -> None:
    folder = Path(argv[0])
    save_model(fit(load_job(folder)), folder / "model")


if __name__ == "__main__":
    main(sys.argv[1:])
