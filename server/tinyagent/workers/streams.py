"""asyncio streams over the worker's stdin/stdout, whatever they are.

The client gives the worker pipes, which asyncio drives directly. Someone running
``tinyagent worker < calls.jsonl > results.jsonl`` gives it regular files, which asyncio's
pipe transports refuse: those are read in a thread and written synchronously (a regular
file never applies back-pressure, so a blocking write cannot stall the loop for long).
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from typing import BinaryIO, Protocol

from tinyagent.workers.protocol import MAX_LINE_BYTES


class LineSink(Protocol):
    """The part of asyncio.StreamWriter the worker uses."""

    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def is_closing(self) -> bool: ...
    def close(self) -> None: ...
    async def wait_closed(self) -> None: ...


def _is_pipe_like(stream: BinaryIO) -> bool:
    mode = os.fstat(stream.fileno()).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


class _FileSink:
    def __init__(self, stream: BinaryIO) -> None:
        self._fd = stream.fileno()
        self._closed = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    async def drain(self) -> None:
        return None

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True

    async def wait_closed(self) -> None:
        return None


def _feed_from_file(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader, stream: BinaryIO) -> None:
    fd = stream.fileno()
    while chunk := os.read(fd, 65536):
        loop.call_soon_threadsafe(reader.feed_data, chunk)
    loop.call_soon_threadsafe(reader.feed_eof)


async def stdio_streams(stdin: BinaryIO, stdout: BinaryIO) -> tuple[asyncio.StreamReader, LineSink]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    if _is_pipe_like(stdin):
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    else:
        threading.Thread(target=_feed_from_file, args=(loop, reader, stdin), daemon=True).start()
    if not _is_pipe_like(stdout):
        return reader, _FileSink(stdout)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    return reader, asyncio.StreamWriter(transport, protocol, None, loop)
