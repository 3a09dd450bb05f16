"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import openai
import pytest

from gguf_factory import write_tiny_gguf
from macos_fakes import FakeMac
from tinyagent.settings import Settings

if TYPE_CHECKING:
    from harness import LiveServer


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight llama GGUF (real llama.cpp, ~0.5 MB, loads in milliseconds)."""
    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny.gguf")


@pytest.fixture(scope="session")
def tiny_settings(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a server on the tiny model, writing only under a temp data dir."""
    return Settings(
        model=str(tiny_gguf),
        data_dir=tmp_path_factory.mktemp("data"),
        # Every live server of the session shares one ToolRAG index, embedded once.
        toolrag_cache_dir=tmp_path_factory.mktemp("toolrag"),
        offline=True,
        n_ctx=2048,
        # One thread: the server shares two cores with the test client, and llama.cpp's
        # spinning worker threads stall badly when they are preempted.
        n_threads=1,
        queue_depth=2,
        prompt_cache_mb=0,
    )


@pytest.fixture(scope="session")
def tiny_server(tiny_settings: Settings) -> Iterator[LiveServer]:
    """One live server on the tiny model shared by the API tests."""
    from harness import live_server  # imports the whole app; only API tests pay for it

    with live_server(tiny_settings) as server:
        yield server


@pytest.fixture
def client(tiny_server: LiveServer) -> Iterator[openai.OpenAI]:
    """The official openai client pointed at the live server (no retries, so errors surface once)."""
    with openai.OpenAI(base_url=tiny_server.v1, api_key="sk-no-key-required", max_retries=0) as c:
        yield c


@pytest.fixture
def mac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeMac:
    """Recording stand-ins for osascript, open, mdfind and osacompile first on PATH (tests/macos_fakes.py)."""
    fake = FakeMac(tmp_path / "fakemac")
    fake.install()
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    return fake
