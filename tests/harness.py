"""Starts the real app under uvicorn on 127.0.0.1 and a random port, in a background thread."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

from tinyagent.app import create_app
from tinyagent.inference.types import GenerationParams
from tinyagent.models.resolve import ResolvedModel
from tinyagent.settings import Settings

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def llama_server_binary() -> Path | None:
    """llama.cpp's llama-server as scripts/llama_server.sh built it (`make test` builds it once per machine)."""
    found = subprocess.run(["sh", str(ROOT / "scripts/llama_server.sh"), "--find"], capture_output=True, text=True)
    return Path(found.stdout.strip()) if found.stdout.strip() else None


def needs_llama_server(binary: Path | None) -> Any:
    """Skip where no llama-server is built, except in CI, where the missing binary must fail the test."""
    import pytest

    return pytest.mark.skipif(
        binary is None and not os.environ.get("CI"), reason="no llama-server built (make llama-server)"
    )


def free_port() -> int:
    """A loopback port nobody listens on now (for the servers tests start as subprocesses)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    settings: Settings
    app: FastAPI
    loop: asyncio.AbstractEventLoop  # the server's loop, for tests that drive its services directly

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the server's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def v1(self) -> str:
        return self.url + "/v1"


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until the predicate holds; a generous bound that only catches hangs, never a timing check."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not {what} within {timeout} s")
        time.sleep(0.01)


@contextmanager
def live_server(
    settings: Settings, *, resolved: ResolvedModel | None = None, wait_ready: bool = True
) -> Iterator[LiveServer]:
    app = create_app(settings, resolved=resolved)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on", ws="none")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), name="uvicorn", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), "started")
        if not server.started:
            raise RuntimeError("uvicorn failed to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        live = LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, app=app, loop=loop)
        if wait_ready:
            _wait_healthy(live.url)
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        loop.close()


def _wait_healthy(url: str) -> None:
    try:
        wait_for(lambda: _healthy(url), "ready")
    except TimeoutError as late:  # say why: /health names a failed load and its reason
        raise TimeoutError(f"{late}; /health said {_health_text(url)}") from None


def _health_text(url: str) -> str:
    try:
        return httpx.get(url + "/health", timeout=5).text
    except httpx.HTTPError as error:
        return repr(error)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def hold_model(server: LiveServer, release: threading.Event) -> threading.Thread:
    """Occupy the model with a real generation on the server's loop until `release` is set."""
    held = threading.Event()

    async def occupy() -> None:
        service = server.app.state.runtime.loaded.service
        params = GenerationParams(max_tokens=4000, grammar="root ::= [a-z]+")
        generation = service.generate("the", params)
        await generation.__anext__()
        held.set()
        await asyncio.to_thread(release.wait)
        await generation.aclose()

    thread = threading.Thread(target=server.call, args=(occupy(),), daemon=True)
    thread.start()
    assert held.wait(30)
    return thread
