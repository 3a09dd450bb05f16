"""llama.cpp's own server as this server's engine: a child process on a private loopback port.

``--engine llama-server`` runs the local GGUF in llama-server (built by scripts/llama_server.sh from a
newer llama.cpp than llama-cpp-python vendors) and talks to it as a remote backend. Measured in
bench/bench_speed.py: it generates faster than llama-cpp-python in-process and batches concurrent
requests in its slots, where one in-process context queues them.

The child is ours alone: it listens on 127.0.0.1 on a free port, requires a random key read from a
0600 file (not the command line, which other local users can read), has no web UI, and dies with us.
Prompts are still formatted and tokenized here (a vocab-only llama_cpp over the same file), so the
guided planner, grammars and token counts work as with the in-process engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tinyagent.errors import ModelLoadError

log = logging.getLogger(__name__)

# A small model loads in well under a second; a large one from a cold disk can take a minute or more.
START_TIMEOUT_S = 300.0
BUILT_BY_SCRIPT = "tinyagent/llama-server"  # under the cache folder, see scripts/llama_server.sh
PORT_TRIES = 3
BIND_FAILED = "couldn't bind HTTP server socket"  # what llama-server logs when its port is taken


class _PortTaken(Exception):
    """The child could not bind the port we chose for it."""


@dataclass(frozen=True)
class LlamaServerOptions:
    model: Path
    n_ctx: int
    threads: int
    slots: int  # requests batched together (llama-server's --parallel)
    cache_mb: int  # llama-server's prompt cache in RAM (--cache-ram); 0 turns it off
    work_dir: Path  # the key file and the child's log go here
    alias: str  # the model's id, as /v1/models lists it
    extra: tuple[str, ...] = ()  # the user's own arguments, last so they win


def find_binary(given: Path | None) -> Path:
    """The llama-server to run: the setting, then the one scripts/llama_server.sh built, then PATH."""
    if given is not None:
        if not os.access(given, os.X_OK):
            raise ModelLoadError(f"llama_server_path {given} is not an executable file")
        return given
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    found = sorted((cache / BUILT_BY_SCRIPT).glob("*/llama-server"), key=lambda p: p.stat().st_mtime)
    on_path = shutil.which("llama-server")
    if found:
        return found[-1]
    if on_path:
        return Path(on_path)
    raise ModelLoadError("--engine llama-server: no llama-server found; build it with `make llama-server`")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _key_file(work_dir: Path) -> tuple[str, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    key, path = secrets.token_urlsafe(32), work_dir / "llama-server.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key, path


def command(binary: Path, options: LlamaServerOptions, port: int, key_file: Path) -> list[str]:
    # --kv-unified: the slots share one context of n_ctx tokens (the in-process engine's memory), and one
    # request alone may use all of it. --poll 0: threads sleep between tokens instead of spinning, which
    # left the CPU to our process and the neighbours: beside two busy loops 38 tokens/s instead of 28,
    # the same when quiet (bench_speed.py).
    return [
        str(binary), "--model", str(options.model), "--alias", options.alias,
        "--host", "127.0.0.1", "--port", str(port), "--api-key-file", str(key_file), "--no-webui",
        "--ctx-size", str(options.n_ctx), "--parallel", str(options.slots), "--kv-unified",
        "--threads", str(options.threads), "--threads-batch", str(options.threads),
        "--cache-ram", str(options.cache_mb), "--poll", "0", *options.extra,
    ]  # fmt: skip


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the thread that started it dies, so a server that
    was killed outright leaves no llama-server behind holding the model's memory."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LlamaServerProcess:
    """One running llama-server; ``stop`` ends it (terminate, then kill)."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, key: str, log_path: Path) -> None:
        self.proc, self.url, self.key, self.log_path = proc, url, key, log_path

    @classmethod
    async def start(cls, binary: Path, options: LlamaServerOptions) -> LlamaServerProcess:
        # The free port is found by binding and closing a socket, so another process can take it before
        # the child binds it (CI saw this once): then the child exits at once and we try a fresh port.
        for attempt in range(PORT_TRIES):
            try:
                return await cls._start_once(binary, options)
            except _PortTaken as taken:
                log.warning("llama-server: %s (try %d of %d)", taken, attempt + 1, PORT_TRIES)
        raise ModelLoadError(f"llama-server could not bind a loopback port in {PORT_TRIES} tries")

    @classmethod
    async def _start_once(cls, binary: Path, options: LlamaServerOptions) -> LlamaServerProcess:
        key, key_path = _key_file(options.work_dir)
        port = _free_port()
        log_path = options.work_dir / "llama-server.log"
        with open(log_path, "wb") as out:
            # A new session: a Ctrl-C meant for us must not reach the child before we stop it in order.
            proc = subprocess.Popen(command(binary, options, port, key_path), stdout=out, stderr=out,
                                    stdin=subprocess.DEVNULL, start_new_session=True,
                                    preexec_fn=_die_with_parent)  # fmt: skip
        server = cls(proc, f"http://127.0.0.1:{port}", key, log_path)
        try:
            await server._wait_ready()
        except BaseException:
            await server.stop()
            raise
        log.info("llama-server %s ready at %s (pid %d, log %s)", binary, server.url, proc.pid, log_path)
        return server

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    if BIND_FAILED in self._log_tail():
                        raise _PortTaken(f"port {self.url.rsplit(':', 1)[1]} was taken")
                    raise ModelLoadError(f"llama-server exited with {self.proc.returncode}: {self._log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url + "/health")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise ModelLoadError(f"llama-server did not become ready in {START_TIMEOUT_S:.0f} s: {self._log_tail()}")

    def _log_tail(self, lines: int = 8) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 10)
            except TimeoutError:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
