"""LoopbackStreamer against raw asyncio servers that write exactly the bytes each test names.

uvicorn (test_inference_remote_units.py) and llama-server (test_engine_llama_server.py) cover the
ordinary replies; these pin the framings and failures a real server only shows by chance: chunks cut
inside a line or a character, a body that runs to the end of the connection, a reply that is not HTTP,
and a client that leaves early.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager

import pytest

from tinyagent.inference.loopback_http import HttpStatusError, LoopbackStreamer

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[LoopbackStreamer]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield LoopbackStreamer(f"http://127.0.0.1:{port}", {"Authorization": "Bearer k"}, connect_s=5, read_s=5)
    finally:
        server.close()


async def _request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    line, *fields = head.strip().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
    return line, headers, await reader.readexactly(int(headers["content-length"]))


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


async def test_one_write_with_the_body_and_lines_cut_anywhere_come_back_whole() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _request(reader))
        café = "data: café\n\n".encode()
        cut = café.index(b"\xa9")  # inside the two bytes of "é"
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        writer.write(head + _chunked(b"data: o", b"ne\r\n\r\n" + café[:cut], café[cut:], b"data: [DONE]\n\n"))
        await writer.drain()
        writer.close()

    async with serving(handler) as streamer:
        lines = [line async for line in streamer.lines("/v1/completions", {"prompt": "hé"})]
    assert lines == ["data: one", "", "data: café", "", "data: [DONE]", ""]
    request_line, headers, body = seen[0]
    assert request_line == "POST /v1/completions HTTP/1.1"
    assert headers["authorization"] == "Bearer k" and headers["connection"] == "close"
    assert json.loads(body) == {"prompt": "hé"}


async def test_an_error_status_carries_its_whole_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        body = b'{"error": {"message": "too long", "code": "context_length_exceeded"}}'
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\nRetry-After: 3\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    async with serving(handler) as streamer:
        with pytest.raises(HttpStatusError) as err:
            _ = [line async for line in streamer.lines("/x", {})]
    assert err.value.status == 400 and err.value.headers["retry-after"] == "3"
    assert json.loads(err.value.content)["error"]["code"] == "context_length_exceeded"


async def test_a_body_without_length_runs_to_the_end_of_the_connection() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\ndata: a\n\ndata: b")
        await writer.drain()
        writer.close()

    async with serving(handler) as streamer:
        assert [line async for line in streamer.lines("/x", {})] == ["data: a", "", "data: b"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", ValueError),  # not HTTP
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ValueError),  # a bad chunk size
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata:", asyncio.IncompleteReadError),
        (b"HTTP/1.1 200 OK\r\nContent-Le", asyncio.IncompleteReadError),  # cut inside the headers
    ],
)
async def test_a_broken_reply_raises_instead_of_ending_quietly(reply: bytes, error: type[Exception]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(reply)
        await writer.drain()
        writer.close()

    async with serving(handler) as streamer:
        with pytest.raises(error):
            _ = [line async for line in streamer.lines("/x", {})]


async def test_leaving_early_closes_the_connection_so_the_server_stops() -> None:
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while not closed.is_set():
            writer.write(_chunked(b"data: x\n\n")[:-5])  # endless: never the last chunk
            try:
                await writer.drain()
            except ConnectionError:
                break
            if reader.at_eof() or await _eof_within(reader, 0.005):
                break
        closed.set()

    async with serving(handler) as streamer, aclosing(streamer.lines("/x", {})) as lines:
        assert await anext(lines) == "data: x"
    async with asyncio.timeout(5):
        await closed.wait()


async def _eof_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            return await reader.read(1) == b""
    except TimeoutError:
        return False


async def test_a_server_that_is_not_listening_is_an_os_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    streamer = LoopbackStreamer(f"http://127.0.0.1:{port}", {}, connect_s=5, read_s=5)
    with pytest.raises(OSError):
        _ = [line async for line in streamer.lines("/x", {})]


def test_only_plain_http_with_a_port_is_accepted() -> None:
    for url in ("https://127.0.0.1:8080", "http://127.0.0.1", "unix:///tmp/sock"):
        with pytest.raises(ValueError, match="http://host:port"):
            LoopbackStreamer(url, {}, connect_s=1, read_s=1)
