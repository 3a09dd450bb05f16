"""The onnxruntime embedder against sentence-transformers on torch, the reference it replaces by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tinyagent.embeddings import Embedder, bundled_model_path, bundled_onnx_path
from tinyagent.errors import ModelLoadError

TEXTS = [
    "Text Sid that I am running late",
    "Create a meeting with Lutfi tomorrow at 3pm about the quarterly budget review and send him the slides",
    "weather",
    "Remind me to call the dentist on March 3rd at 10am",
    "Open the file Gift Ideas and email it to Ana and Sid",
]


@pytest.fixture(scope="module")
def onnx() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def torch_model() -> Embedder:
    return Embedder(backend="sentence-transformers")


def test_onnx_vectors_match_sentence_transformers(onnx: Embedder, torch_model: Embedder) -> None:
    got, want = onnx.encode_sync(TEXTS), torch_model.encode_sync(TEXTS)
    assert got.vectors.shape == want.vectors.shape == (len(TEXTS), 384)
    cosines = (got.vectors * want.vectors).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    assert got.token_count == want.token_count
    # Each text's nearest neighbour among the others is the same under both.
    assert ((got.vectors @ got.vectors.T).argsort()[:, -2] == (want.vectors @ want.vectors.T).argsort()[:, -2]).all()


def test_batches_keep_the_callers_order(onnx: Embedder) -> None:
    # Batches are sorted by length inside; a batch of 2 forces several of them.
    small = Embedder(max_batch=2)
    together, alone = small.encode_sync(TEXTS), [onnx.encode_sync([t]).vectors[0] for t in TEXTS]
    assert np.allclose(together.vectors, np.stack(alone), atol=1e-5)
    assert np.allclose(np.linalg.norm(together.vectors, axis=1), 1.0, atol=1e-5)


def test_long_input_is_truncated_like_sentence_transformers(onnx: Embedder, torch_model: Embedder) -> None:
    long = " ".join(["the meeting moved to Friday afternoon"] * 80)  # ~480 tokens, past MiniLM's 256
    got, want = onnx.encode_sync([long]), torch_model.encode_sync([long])
    assert got.token_count == want.token_count == 256
    assert float(got.vectors[0] @ want.vectors[0]) >= 0.999


def test_a_folder_model_and_a_wrong_file(tmp_path: Path) -> None:
    shutil.copy(bundled_onnx_path(), tmp_path / "model.onnx")
    shutil.copy(bundled_model_path() / "tokenizer.json", tmp_path / "tokenizer.json")
    from_folder = Embedder(str(tmp_path)).encode_sync(TEXTS[:1]).vectors
    assert np.allclose(from_folder, Embedder().encode_sync(TEXTS[:1]).vectors, atol=1e-6)
    with pytest.raises(ModelLoadError, match="model.onnx and tokenizer.json"):
        Embedder(str(tmp_path / "missing")).load()


def test_vector_ids_differ_by_runtime() -> None:
    # The ToolRAG cache is keyed by it: vectors from one runtime must never be read as the other's.
    assert Embedder().vector_id != Embedder(backend="sentence-transformers").vector_id
