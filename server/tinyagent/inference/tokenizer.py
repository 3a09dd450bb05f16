"""A GGUF's tokenizer without its weights: llama.cpp loads only the vocabulary (milliseconds, a few MB)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from llama_cpp import Llama

from tinyagent.errors import ModelLoadError


def vocab_tokenizer(path: Path) -> Callable[[str], list[int]]:
    """Tokenizes as LlamaBackend does (BOS added, control tokens parsed), thread-safe."""
    try:
        vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"cannot read the vocabulary of {path}: {exc}") from exc
    lock = threading.Lock()

    def tokenize(text: str) -> list[int]:
        with lock:
            tokens: list[int] = vocab.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        return tokens

    return tokenize
