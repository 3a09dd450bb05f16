"""Upstream's ToolRAG classifier: a DeBERTa-v2 sequence classifier with 16 sigmoid outputs.

``squeeze-ai-lab/TinyAgent-ToolRAG`` is loaded from a local directory, or from the model hub
(``huggingface_hub`` cache first, then a download unless offline). Label id i is the tool with
registry label i, unless the checkpoint's ``id2label`` already names the tools.

torch and transformers are imported lazily: the embedding mode never pays for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyagent.errors import ModelLoadError
from tinyagent.tools.registry import TOOL_NAMES, TOOLS

UPSTREAM_MODEL = "squeeze-ai-lab/TinyAgent-ToolRAG"
# Upstream's _DEFAULT_TOOL_THRESHOLD: a tool is selected when its sigmoid output exceeds it.
DEFAULT_THRESHOLD = 0.5
MAX_LENGTH = 512


def resolve_checkpoint(model: str | Path, *, offline: bool = False) -> Path:
    """A local directory holding the checkpoint: ``model`` itself, or the hub snapshot of that id."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    repo_id = str(model)
    if path.exists() or repo_id.count("/") != 1:
        raise ModelLoadError(f"ToolRAG classifier {repo_id!r} is neither a directory nor a hub id (owner/name)")
    from huggingface_hub import snapshot_download

    from tinyagent.models.hub import cache_dir

    try:
        return Path(snapshot_download(repo_id, cache_dir=cache_dir(), local_files_only=True))
    except Exception as exc:
        if offline:
            raise ModelLoadError(f"ToolRAG classifier {repo_id} is not cached and the server is offline") from exc
    try:
        return Path(snapshot_download(repo_id, cache_dir=cache_dir()))
    except Exception as exc:
        raise ModelLoadError(f"could not download the ToolRAG classifier {repo_id}: {exc}") from exc


def label_tools(id2label: dict[int, str] | None, num_labels: int) -> tuple[str, ...]:
    """Tool name per output: the checkpoint's own names when they are tool names, else registry order."""
    if num_labels != len(TOOLS):
        raise ModelLoadError(f"ToolRAG classifier has {num_labels} labels, expected {len(TOOLS)}")
    names = tuple((id2label or {}).get(i, "") for i in range(num_labels))
    if sorted(names) == sorted(TOOL_NAMES):
        return names
    return TOOL_NAMES


@dataclass(frozen=True)
class _Loaded:
    tokenizer: Any
    model: Any
    tools: tuple[str, ...]


class ToolClassifier:
    """Scores every tool for a query; loads the checkpoint on first use, thread-safe."""

    def __init__(self, model: str | Path = UPSTREAM_MODEL, *, offline: bool = False) -> None:
        self.model_ref = model
        self.offline = offline
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def _load(self) -> _Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = _load_checkpoint(resolve_checkpoint(self.model_ref, offline=self.offline))
            return self._loaded

    def scores(self, query: str) -> dict[str, float]:
        loaded = self._load()
        import torch

        inputs = loaded.tokenizer(query, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        with torch.inference_mode():
            logits = loaded.model(**inputs).logits[0]
        probs = torch.sigmoid(logits).tolist()
        return {tool: float(p) for tool, p in zip(loaded.tools, probs, strict=True)}


def _load_checkpoint(path: Path) -> _Loaded:
    try:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSequenceClassification.from_pretrained(str(path))
    except Exception as exc:
        raise ModelLoadError(f"could not load the ToolRAG classifier from {path}: {exc}") from exc
    model.eval()
    tools = label_tools(getattr(model.config, "id2label", None), int(model.config.num_labels))
    return _Loaded(tokenizer=tokenizer, model=model, tools=tools)
