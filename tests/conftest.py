"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from gguf_factory import write_tiny_gguf


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight llama GGUF (real llama.cpp, ~0.5 MB, loads in milliseconds)."""
    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny.gguf")
