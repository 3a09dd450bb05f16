"""A fitting job for the linear tool scorers, and the fitted model, as files: JSON and ``.npz``, no pickle.

The server writes a job (``save_job``) for the child that fits it (toolrag/fitting.py) and reads the
model back (``load_model``); the model is also what toolrag/fitted.py keeps beside the ToolRAG index.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tinyagent.toolrag.index import write_atomic
from tinyagent.toolrag.linear import Analyzer, LinearProbe, NgramBlock

# Bump when fitting.py changes what a job yields: cached models of older fits then miss.
FIT_VERSION = 2


@dataclass(frozen=True)
class FitJob:
    """One logistic regression per tool (liblinear, balanced classes) over [embedding, n-grams]."""

    texts: tuple[str, ...]
    vectors: np.ndarray  # (n, dim) float32
    labels: np.ndarray  # (n, tools) bool: example i uses tool j
    tools: tuple[str, ...]
    c: float
    dual: bool  # liblinear's dual solver: same fit, faster when features outnumber examples
    embedding_weight: float = 1.0  # the embedding block's scale against the unit-norm n-gram blocks
    sample_weight: np.ndarray | None = None  # (n,)
    # A tool no example uses (or every one does): a fixed logit of -20 (or +20), or no score at all.
    absent: Literal["fixed", "none"] = "fixed"
    dtype: Literal["float32", "float64"] = "float32"

    def settings(self) -> dict[str, Any]:
        return {"texts": list(self.texts), "tools": list(self.tools), "c": self.c, "dual": self.dual,
                "embedding_weight": self.embedding_weight, "absent": self.absent, "dtype": self.dtype}  # fmt: skip

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"vectors": np.asarray(self.vectors, np.float32), "labels": np.asarray(self.labels, bool)}
        return out | ({"sample_weight": np.asarray(self.sample_weight)} if self.sample_weight is not None else {})

    def digest(self) -> str:
        digest = hashlib.sha256(json.dumps(self.settings(), sort_keys=True).encode())
        for name, array in sorted(self.arrays().items()):
            digest.update(f"{name}{array.dtype}{array.shape}".encode() + np.ascontiguousarray(array).tobytes())
        digest.update(f"fit {FIT_VERSION} sklearn {_sklearn_version()}".encode())
        return digest.hexdigest()[:32]


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "absent"


def save_job(job: FitJob, folder: Path) -> None:
    (folder / "job.json").write_text(json.dumps(job.settings()))
    np.savez(folder / "job.npz", **job.arrays())  # type: ignore[arg-type]


def load_job(folder: Path) -> FitJob:
    settings = json.loads((folder / "job.json").read_text())
    with np.load(folder / "job.npz", allow_pickle=False) as arrays:
        weight = arrays.get("sample_weight")
        return FitJob(texts=tuple(settings.pop("texts")), tools=tuple(settings.pop("tools")),
                      vectors=arrays["vectors"], labels=arrays["labels"], sample_weight=weight, **settings)  # fmt: skip


def save_model(model: LinearProbe, prefix: Path) -> None:
    """``prefix``.json and ``prefix``.npz, each written whole then renamed (a reader never sees half)."""
    blocks = [{"kind": b.analyzer.kind, "low": b.analyzer.low, "high": b.analyzer.high,
               "terms": sorted(b.vocabulary, key=b.vocabulary.__getitem__)} for b in model.ngrams]  # fmt: skip
    arrays = {"weights": model.weights, "bias": model.bias}
    for i, block in enumerate(model.ngrams):
        arrays |= {f"idf{i}": block.idf, f"weights{i}": block.weights}
    packed = io.BytesIO()
    np.savez(packed, **arrays)  # type: ignore[arg-type]
    write_atomic(prefix.with_suffix(".npz"), packed.getvalue())
    write_atomic(prefix.with_suffix(".json"), json.dumps({"tools": list(model.tools), "blocks": blocks}).encode())


def load_model(prefix: Path) -> LinearProbe:
    meta = json.loads(prefix.with_suffix(".json").read_text())
    with np.load(prefix.with_suffix(".npz"), allow_pickle=False) as arrays:
        blocks = tuple(
            NgramBlock(Analyzer(b["kind"], b["low"], b["high"]), {t: n for n, t in enumerate(b["terms"])},
                       arrays[f"idf{i}"], arrays[f"weights{i}"])
            for i, b in enumerate(meta["blocks"])
        )  # fmt: skip
        return LinearProbe(arrays["weights"], arrays["bias"], tuple(meta["tools"]), blocks)
