"""Linear tool scorers over a query's sentence embedding and its TF-IDF n-grams, in numpy alone.

scikit-learn fits them (toolrag/fitting.py) in a child process (toolrag/fitted.py): importing it kept
~90 MB resident in the server for fits that run once per bank (issue 21's memory goal). What scoring
needs is here: the analysers reproduce ``TfidfVectorizer``'s (a test checks them against it), and a
block's features are its ``transform`` with ``sublinear_tf=True`` and the L2 norm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

# TfidfVectorizer's defaults: its token pattern, and the run of white space its char analysers fold.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")

AnalyzerKind = Literal["word", "char_wb"]


@dataclass(frozen=True)
class Analyzer:
    """``TfidfVectorizer(analyzer=kind, ngram_range=(low, high)).build_analyzer()`` (lower-cased)."""

    kind: AnalyzerKind
    low: int
    high: int

    def __call__(self, text: str) -> list[str]:
        text = text.lower()
        return self._words(_TOKEN.findall(text)) if self.kind == "word" else self._chars(text)

    def _words(self, tokens: list[str]) -> list[str]:
        grams = list(tokens) if self.low == 1 else []
        for n in range(max(self.low, 2), min(self.high, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def _chars(self, text: str) -> list[str]:
        grams: list[str] = []
        for word in _SPACES.sub(" ", text).split():
            padded = f" {word} "
            for n in range(self.low, self.high + 1):
                # A word shorter than n counts once, whole, as sklearn counts it.
                grams.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
                if len(padded) <= n:
                    break
        return grams


WORDS = Analyzer("word", 1, 2)
CHARS = Analyzer("char_wb", 2, 5)


@dataclass(frozen=True)
class NgramBlock:
    """One fitted TF-IDF vectoriser and its rows of the linear model's weights."""

    analyzer: Analyzer
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,)
    weights: np.ndarray  # (features, tools)

    def logits(self, query: str) -> np.ndarray:
        """The block's contribution, as TfidfVectorizer(sublinear_tf=True) then the weights would give."""
        vocabulary = self.vocabulary
        known = [vocabulary[term] for term in self.analyzer(query) if term in vocabulary]
        if not known:
            return np.zeros(self.weights.shape[1], self.weights.dtype)
        rows, counts = np.unique(np.array(known, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts.astype(self.idf.dtype))) * self.idf[rows]
        values /= np.linalg.norm(values)
        return np.asarray(values @ self.weights[rows])


@dataclass(frozen=True)
class LinearProbe:
    """One logistic regression per tool over [embedding, n-gram blocks]; scores are their sigmoids."""

    weights: np.ndarray  # (dim, tools), the embedding block's scale folded in
    bias: np.ndarray  # (tools,); -inf for a tool with no model (its score is 0)
    tools: tuple[str, ...]
    ngrams: tuple[NgramBlock, ...] = ()

    def logits(self, query: str, vector: np.ndarray) -> np.ndarray:
        row = np.asarray(vector, dtype=self.weights.dtype).reshape(1, -1)[0]
        logits = row @ self.weights + self.bias
        for block in self.ngrams:
            logits = logits + block.logits(query)
        return np.asarray(logits, dtype=np.float64)

    def scores(self, query: str, vector: np.ndarray) -> dict[str, float]:
        """Sigmoid score per tool for one query and its (1, dim) or (dim,) embedding."""
        probs = 1.0 / (1.0 + np.exp(-self.logits(query, vector)))
        return {tool: float(p) for tool, p in zip(self.tools, probs, strict=True)}
