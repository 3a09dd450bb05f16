"""Pieces of bench/bench_speed.py: a one-write HTTP client, server processes, resident memory.

The client sends each request in one write with TCP_NODELAY and reads the raw socket: httpx's two
writes (headers, then body) wait ~25 ms on delayed ACKs at every server alike, which hides the
differences being measured.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    started: float
    first: float | None  # when the first text arrived
    last: float  # when the response ended
    tokens: int  # generated tokens (usage when the server reports it, else text events)
    text: str

    @property
    def ttft_s(self) -> float:
        return (self.first or self.last) - self.started

    @property
    def tok_s(self) -> float:
        span = self.last - (self.first or self.last)
        return (self.tokens - 1) / span if span > 0 and self.tokens > 1 else 0.0


class _Chunked:
    """Incremental decoder of HTTP/1.1 chunked transfer encoding."""

    def __init__(self) -> None:
        self.raw = b""
        self.body = b""
        self.done = False

    def feed(self, data: bytes) -> None:
        self.raw += data
        while not self.done:
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.raw[:line_end].split(b";")[0], 16)
            if len(self.raw) < line_end + 2 + size + 2:
                return
            self.body += self.raw[line_end + 2 : line_end + 2 + size]
            self.raw = self.raw[line_end + 2 + size + 2 :]
            self.done = size == 0


def request(port: int, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    """POST ``body``; SSE replies are timed per event, others as a whole."""
    payload = json.dumps(body).encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        sock.sendall(data)
        return _read(sock, started)


def _read(sock: socket.socket, started: float) -> Reply:
    header = b""
    while b"\r\n\r\n" not in header:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"connection closed in the headers: {header!r}")
        header += chunk
    head, _, rest = header.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    chunked = b"transfer-encoding: chunked" in head.lower()
    decoder, plain = _Chunked(), b""
    events = _Events(started)
    pending = rest
    while True:
        if chunked:
            decoder.feed(pending)
            events.feed(decoder.body, time.perf_counter())
            decoder.body = b""
            if decoder.done:
                break
        else:
            plain += pending
            events.feed(pending, time.perf_counter())
        pending = sock.recv(65536)
        if not pending:
            break
    if status >= 400:
        raise RuntimeError(f"HTTP {status}: {events.raw[:300]!r}")
    return events.reply(time.perf_counter())


class _Events:
    """SSE events (``data: {...}``) or one JSON body, turned into a Reply."""

    def __init__(self, started: float) -> None:
        self.started, self.first, self.raw = started, None, b""
        self.text: list[str] = []
        self.events = 0
        self.usage_tokens: int | None = None
        self._buffer = b""

    def feed(self, data: bytes, now: float) -> None:
        self.raw += data
        # sse-starlette ends lines with CRLF; replaced after joining, so a CR/LF split across reads is caught.
        self._buffer = (self._buffer + data).replace(b"\r\n", b"\n")
        while b"\n\n" in self._buffer:
            event, _, self._buffer = self._buffer.partition(b"\n\n")
            self._event(event, now)

    def _event(self, event: bytes, now: float) -> None:
        for line in event.split(b"\n"):
            line = line.strip()
            if not line.startswith(b"data:") or line[5:].strip() == b"[DONE]":
                continue
            self._chunk(json.loads(line[5:]), now)

    def _chunk(self, chunk: dict[str, Any], now: float) -> None:
        for choice in chunk.get("choices") or []:
            text = choice.get("text") or (choice.get("delta") or {}).get("content") or ""
            if text:
                self.first = self.first or now
                self.text.append(text)
                self.events += 1
        if chunk.get("usage"):
            self.usage_tokens = chunk["usage"].get("completion_tokens")

    def reply(self, now: float) -> Reply:
        if self.events == 0 and self.raw.strip().startswith(b"{"):  # not streamed: one JSON body
            body = json.loads(self.raw)
            text = body["choices"][0].get("text") or body["choices"][0].get("message", {}).get("content", "")
            tokens = (body.get("usage") or {}).get("completion_tokens", 1)
            return Reply(self.started, now, now, tokens, text)
        return Reply(self.started, self.first, now, self.usage_tokens or self.events, "".join(self.text))


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 180) -> float:
    """Seconds from now until GET /health is 200; raises if the process dies or time runs out."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not become ready in {timeout_s} s")


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    ready_s: float
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid, children=True)


@contextmanager
def started(
    name: str,
    cmd: list[str],
    port: int,
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[Server]:
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield Server(name, port, proc, time.perf_counter() - start, headers or {})
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not None:
            out.close()  # type: ignore[union-attr]


def tinyagent_cmd(port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "tinyagent.cli", "serve", "--port", str(port), "--offline", *args]


def llama_server_binary(given: str | None) -> str | None:
    """The llama-server to compare with: given, the one scripts/llama_server.sh built, or on PATH."""
    if given:
        return given
    built = subprocess.run(["sh", "scripts/llama_server.sh", "--find"], capture_output=True, text=True)
    return built.stdout.strip() or shutil.which("llama-server")


def rss_mb(pid: int, *, children: bool = False) -> float:
    """Resident memory (VmRSS) of a process, plus its children's when asked."""
    total = _vmrss_kb(pid)
    if children:
        for child in Path(f"/proc/{pid}/task").glob("*/children"):
            for cpid in child.read_text().split():
                total += _vmrss_kb(int(cpid))
    return total / 1024


def _vmrss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def busy_loops(n: int) -> Iterator[None]:
    """``n`` CPU-bound processes beside the benchmark (the contention test)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
