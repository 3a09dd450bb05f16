"""Nearest-neighbour search over the bank's example queries (faiss, cosine similarity).

Embedding ~460 queries takes a few seconds on a laptop CPU, so the vectors are cached under
``<data_dir>/toolrag/`` in a file named after a hash of the bank content and the embedding model:
editing the bank or switching the model simply misses the cache and builds a new one. A cache
that does not load or does not match the bank is rebuilt with a warning, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from tinyagent.embeddings import Embeddings
from tinyagent.toolrag.bank import Example, ExampleBank

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
# Candidates fetched per wanted example before the tool filter; past that, the whole bank is scanned.
OVERFETCH = 8


class TextEmbedder(Protocol):
    """What the index needs of ``tinyagent.embeddings.Embedder`` (tests count calls through it)."""

    @property
    def vector_id(self) -> str:
        """Names the vectors (model and runtime): the disk cache is keyed by it."""

    def encode_sync(self, texts: list[str]) -> Embeddings: ...


@dataclass(frozen=True)
class Hit:
    example: Example
    similarity: float


def cache_key(bank_hash: str, model_name: str) -> str:
    return hashlib.sha256(f"{CACHE_FORMAT}\n{bank_hash}\n{model_name}".encode()).hexdigest()[:20]


def write_atomic(path: Path, data: bytes) -> None:
    # A crash mid-write must leave either the old file or none, never a truncated one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ExampleIndex:
    """The bank split of an ``ExampleBank`` in a faiss ``IndexFlatIP`` over L2-normalised vectors."""

    def __init__(self, examples: tuple[Example, ...], index: Any, embedder: TextEmbedder) -> None:
        if index.ntotal != len(examples):
            raise ValueError(f"index holds {index.ntotal} vectors for {len(examples)} examples")
        self.examples = examples
        self.embedder = embedder
        self._index = index

    @classmethod
    def open(cls, bank: ExampleBank, embedder: TextEmbedder, cache_dir: Path | None = None) -> ExampleIndex:
        """Load the cached index for this bank and model, or embed the bank and cache it."""
        examples = bank.bank
        if cache_dir is None:
            return cls(examples, _build(examples, embedder), embedder)
        paths = _cache_paths(cache_dir, cache_key(bank.content_hash, embedder.vector_id))
        index = _load_cache(paths, examples, bank.content_hash, embedder.vector_id)
        if index is None:
            index = _build(examples, embedder)
            _save_cache(paths, index, examples, bank.content_hash, embedder.vector_id)
        return cls(examples, index, embedder)

    def extended(self, extra: tuple[Example, ...]) -> ExampleIndex:
        """This index and ``extra`` (MCP tools' examples, a handful): only those are embedded, so the
        bank's cached vectors are reused and the cache stays keyed by the shipped bank alone."""
        if not extra:
            return self
        index = faiss.IndexFlatIP(self.dimension)
        index.add(self.vectors())
        index.add(_vectors(extra, self.embedder))
        return ExampleIndex(self.examples + extra, index, self.embedder)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def vectors(self) -> np.ndarray:
        """The stored example vectors, shape (n, dim), in ``examples`` order."""
        return np.asarray(self._index.reconstruct_n(0, self._index.ntotal), dtype=np.float32)

    def embed(self, query: str) -> np.ndarray:
        """The query's normalised vector, shape (1, dim)."""
        return np.ascontiguousarray(self.embedder.encode_sync([query]).vectors[:1], dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int) -> list[Hit]:
        """The ``k`` most similar bank examples, best first."""
        k = min(k, len(self.examples))
        if k <= 0:
            return []
        scores, ids = self._index.search(vector, k)
        return [Hit(self.examples[i], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]

    def search(self, vector: np.ndarray, k: int, keep: Callable[[Example], bool]) -> list[Hit]:
        """The ``k`` most similar examples that ``keep`` accepts (TinyAgent's tool-aware filter).

        Over-fetches first; when the filter is strict, scans the whole bank (a few hundred
        vectors, still well under a millisecond) so that k is filled whenever it can be.
        """
        hits = [h for h in self.nearest(vector, k * OVERFETCH) if keep(h.example)]
        if len(hits) < k and k * OVERFETCH < len(self.examples):
            hits = [h for h in self.nearest(vector, len(self.examples)) if keep(h.example)]
        return hits[:k]


def _vectors(examples: tuple[Example, ...], embedder: TextEmbedder) -> np.ndarray:
    vectors = np.ascontiguousarray(embedder.encode_sync([e.matched for e in examples]).vectors, dtype=np.float32)
    # The embedder normalises already; normalising again keeps inner product == cosine for any embedder.
    faiss.normalize_L2(vectors)
    return vectors


def _build(examples: tuple[Example, ...], embedder: TextEmbedder) -> Any:
    vectors = _vectors(examples, embedder)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


@dataclass(frozen=True)
class _CachePaths:
    index: Path
    meta: Path


def _cache_paths(cache_dir: Path, key: str) -> _CachePaths:
    return _CachePaths(cache_dir / f"examples-{key}.faiss", cache_dir / f"examples-{key}.json")


def _meta(examples: tuple[Example, ...], bank_hash: str, model_name: str) -> dict[str, object]:
    return {"format": CACHE_FORMAT, "bank_hash": bank_hash, "model": model_name, "ids": [e.id for e in examples]}


def _load_cache(paths: _CachePaths, examples: tuple[Example, ...], bank_hash: str, model_name: str) -> Any:
    """The cached faiss index, or None when absent, unreadable or not for this bank and model."""
    if not paths.index.exists() and not paths.meta.exists():
        return None
    try:
        meta = json.loads(paths.meta.read_text(encoding="utf-8"))
        if meta != _meta(examples, bank_hash, model_name):
            raise ValueError("metadata does not match the bank and model")
        data = np.frombuffer(paths.index.read_bytes(), dtype=np.uint8)
        index = faiss.deserialize_index(data)
        if index.ntotal != len(examples):
            raise ValueError(f"{index.ntotal} vectors for {len(examples)} examples")
        return index
    except Exception as exc:  # any damage means "rebuild": the cache is only an optimisation
        logger.warning("ToolRAG index cache %s is unusable (%s); rebuilding it", paths.index, exc)
        return None


def _save_cache(paths: _CachePaths, index: Any, examples: tuple[Example, ...], bank_hash: str, model_name: str) -> None:
    try:
        paths.index.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(paths.index, faiss.serialize_index(index).tobytes())
        # Written last: a metadata file means the index next to it is complete.
        write_atomic(paths.meta, json.dumps(_meta(examples, bank_hash, model_name)).encode("utf-8"))
    except OSError as exc:
        logger.warning("could not cache the ToolRAG index in %s: %s", paths.index.parent, exc)
