"""One streamed POST to a server on this machine, on plain asyncio streams: the llama-server engine's path.

Why not httpx here: on the engine every token crosses this process, and httpx (its pool, anyio and h11
layers) took 3.0 ms from the call to the response headers where these streams take 1.4 ms, against a
first token of ~55 ms (bench/bench_speed.py). And llama-server closes the connection after every
streamed reply although it advertises keep-alive, so a pool only risks reusing a dead socket; one fresh
connection per generation, closed at the end, is what actually happens anyway. Remote servers
(``--llm-url``: TLS, proxies, redirects) keep httpx.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

HEAD_LIMIT = 64 * 1024  # a status line and headers; llama-server's are ~200 bytes


class HttpStatusError(Exception):
    """The server answered with an error status; ``content`` is its whole body."""

    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers, self.content = status, headers, content


class LoopbackStreamer:
    """POSTs JSON to ``base_url`` (http://host:port) and yields the reply's body line by line.

    Errors are OSError (refused, reset), TimeoutError, asyncio.IncompleteReadError (the reply ended
    early), ValueError (not HTTP) and HttpStatusError (status 400 and up)."""

    def __init__(self, base_url: str, headers: dict[str, str], *, connect_s: float, read_s: float) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None or url.port is None:
            raise ValueError(f"not an http://host:port address: {base_url}")
        self._host, self._port = url.hostname, url.port
        self._headers = {"Host": f"{url.hostname}:{url.port}", **headers}
        self._connect_s, self._read_s = connect_s, read_s

    async def lines(
        self, path: str, body: dict[str, Any], on_accepted: Callable[[], None] | None = None
    ) -> AsyncGenerator[str, None]:
        """The body's lines without their line ends; ``on_accepted`` runs once a status below 400 is in.
        Closing the iterator closes the connection, which is how llama-server learns to stop generating."""
        async with asyncio.timeout(self._connect_s):
            reader, writer = await asyncio.open_connection(self._host, self._port, limit=HEAD_LIMIT)
        try:
            writer.write(self._request(path, json.dumps(body).encode()))
            status, headers = await self._head(reader)
            chunks = self._body(reader, headers)
            if status >= 400:
                raise HttpStatusError(status, headers, b"".join([c async for c in chunks]))
            if on_accepted is not None:
                on_accepted()
            async for line in _split_lines(chunks):
                yield line
        finally:
            writer.close()

    def _request(self, path: str, payload: bytes) -> bytes:
        # One write, headers and body together: a second write waits on the peer's delayed ACK.
        fields = {**self._headers, "Content-Type": "application/json", "Content-Length": str(len(payload))}
        head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
        return f"POST {path} HTTP/1.1\r\n{head}Connection: close\r\n\r\n".encode("latin-1") + payload

    async def _head(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
        async with asyncio.timeout(self._read_s):
            raw = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ValueError(f"not an HTTP/1.x reply: {status_line[:80]!r}")
        headers = {}
        for line in lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers

    async def _body(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> AsyncIterator[bytes]:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            async for chunk in self._chunked(reader):
                yield chunk
        elif "content-length" in headers:
            yield await self._read(reader.readexactly(int(headers["content-length"])))
        else:  # Connection: close framing: the body runs to the end of the stream
            while data := await self._read(reader.read(HEAD_LIMIT)):
                yield data

    async def _chunked(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            size_line = await self._read(reader.readuntil(b"\r\n"))
            size = int(size_line.split(b";", 1)[0].strip(), 16)  # ValueError on a bad size
            if size == 0:
                return  # trailers, if any, are not read: the connection closes next
            data = await self._read(reader.readexactly(size + 2))
            yield data[:-2]

    async def _read(self, pending: Awaitable[bytes]) -> bytes:
        async with asyncio.timeout(self._read_s):
            return await pending


async def _split_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    # A chunk may end inside a line (or inside a UTF-8 character): keep the tail for the next one.
    tail = b""
    async for chunk in chunks:
        *complete, tail = (tail + chunk).split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r").decode("utf-8")
    if tail:
        yield tail.rstrip(b"\r").decode("utf-8")
