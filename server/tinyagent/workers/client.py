"""The server side of the worker protocol: ``WorkerClient``.

A client owns one worker: a child process it starts (``python -m tinyagent.workers``) or a
Unix socket of a worker already running (e.g. on the Mac host while the server runs in
Docker). It starts/connects lazily, restarts after a crash on the next call, and turns every
problem into a ``ToolOutcome`` error so the planner's joiner sees it as an observation.

Deadlines: the worker is sent a slightly shorter deadline than the caller's ``timeout`` so
that a healthy worker always answers (possibly with ``timeout``) before the client gives
up. A worker that misses even that has stopped answering: it is killed (or disconnected)
and every call still in flight on it fails with ``worker_crashed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from tinyagent.workers.protocol import (
    CANCELLED,
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    TIMEOUT,
    UNAVAILABLE,
    WORKER_CRASHED,
    WORKER_UNAVAILABLE,
    ArgumentError,
    Call,
    Hello,
    Message,
    Notice,
    Ping,
    Pong,
    ProtocolError,
    Result,
    ToolContext,
    ToolOutcome,
    decode,
    encode,
    prepare_args,
)

log = logging.getLogger("tinyagent.worker.client")

STDERR_TAIL_LINES = 20


class WorkerUnavailable(Exception):
    """The worker could not be started, reached or handshaken with."""


def worker_command(backend: str, *, data_dir: Path | None = None, python: str | None = None) -> list[str]:
    """The command line that starts a stdio worker for ``backend``."""
    command = [python or sys.executable, "-m", "tinyagent.workers", "--backend", backend]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return command


def _deadline_margin(remaining: float) -> float:
    # Room for the worker's answer to travel back; large enough for scheduling jitter.
    return min(1.0, remaining * 0.1)


class _Link:
    """One live connection to a worker (process or socket) and the calls waiting on it."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        process: asyncio.subprocess.Process | None,
    ) -> None:
        self.reader, self.writer, self.process = reader, writer, process
        self.hello = Hello(backend="", tools=())
        self.pending: dict[str, asyncio.Future[Message]] = {}
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self.dead_reason: str | None = None
        self.tasks: list[asyncio.Task[None]] = []

    @property
    def alive(self) -> bool:
        return self.dead_reason is None

    async def handshake(self, timeout: float) -> Hello:
        try:
            line = await asyncio.wait_for(self.reader.readline(), timeout)
        except TimeoutError:
            raise WorkerUnavailable(f"the worker sent no hello within {timeout:.1f} s") from None
        if not line:
            raise WorkerUnavailable(await self.exit_description("the worker closed before its hello"))
        try:
            hello = decode(line)
        except ProtocolError as exc:
            raise WorkerUnavailable(f"bad hello from the worker: {exc}") from None
        if not isinstance(hello, Hello):
            raise WorkerUnavailable(f"expected hello, got {type(hello).__name__.lower()}")
        if hello.protocol != PROTOCOL_VERSION:
            raise WorkerUnavailable(f"worker speaks protocol {hello.protocol}, this server speaks {PROTOCOL_VERSION}")
        self.hello = hello
        return hello

    def start_tasks(self) -> None:
        self.tasks.append(asyncio.ensure_future(self._read_results()))

    async def _read_results(self) -> None:
        reason = "the worker closed its connection"
        try:
            while line := await self.reader.readline():
                self._dispatch(line)
        except (ValueError, ConnectionError) as exc:
            reason = f"the worker connection failed: {exc}"
        self.dead_reason = reason  # at once: no new call may be sent while we learn the exit code
        self.fail_all(await self.exit_description(reason))

    def _dispatch(self, line: bytes) -> None:
        try:
            message = decode(line)
        except ProtocolError as exc:
            log.warning("ignoring a bad line from the worker: %s", exc)
            return
        if isinstance(message, Notice):
            log.warning("worker reported %s: %s", message.error_code, message.message)
            return
        if isinstance(message, Result | Pong):
            future = self.pending.pop(message.id, None)
            if future is not None and not future.done():
                future.set_result(message)

    async def drain_stderr(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            self.stderr_tail.append(text)
            log.debug("worker: %s", text)

    async def exit_description(self, reason: str) -> str:
        if self.process is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 1.0)
            code = self.process.returncode
            if code is not None:
                reason += f" (exit code {code})" if code >= 0 else f" (killed by signal {-code})"
        last = next((line for line in reversed(self.stderr_tail) if line.strip()), None)
        return f"{reason}: {last}" if last else reason

    def fail_all(self, reason: str) -> None:
        self.dead_reason = reason
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerUnavailable(reason))
        self.pending.clear()

    async def send(self, message: Message) -> None:
        self.writer.write(encode(message))
        await self.writer.drain()

    async def close(self, *, kill: bool, grace: float = 2.0) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        if self.process is not None and self.process.returncode is None:
            if kill:
                self.process.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), grace)
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class WorkerClient:
    """Calls tools on one worker; see the module docstring for the failure model."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        socket_path: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 20.0,
        allow_hidden_tools: bool = False,
    ) -> None:
        if (command is None) == (socket_path is None):
            raise ValueError("give exactly one of command or socket_path")
        self._command = list(command) if command is not None else None
        self._socket_path = Path(socket_path) if socket_path is not None else None
        self._env = dict(env) if env is not None else None
        self._start_timeout = start_timeout
        # Test hooks (names starting "_debug_") bypass registry validation; tests only.
        self._allow_hidden = allow_hidden_tools
        self._link: _Link | None = None
        self._start_lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        self.restarts = 0  # worker (re)starts after the first; for health reporting

    @classmethod
    def for_backend(
        cls,
        backend: str,
        *,
        data_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 20.0,
        allow_hidden_tools: bool = False,
    ) -> WorkerClient:
        """A client that starts ``python -m tinyagent.workers --backend <backend>`` as its child."""
        command = worker_command(backend, data_dir=data_dir)
        return cls(command, env=env, start_timeout=start_timeout, allow_hidden_tools=allow_hidden_tools)

    @property
    def hello(self) -> Hello | None:
        """The running worker's handshake (backend name, tools), or None before the first start."""
        return self._link.hello if self._link is not None and self._link.alive else None

    async def start(self) -> Hello:
        """Start or connect now (otherwise the first call does); raises WorkerUnavailable."""
        return (await self._ensure()).hello

    async def _ensure(self) -> _Link:
        async with self._start_lock:
            if self._closed:
                raise WorkerUnavailable("the worker client is closed")
            if self._link is not None and self._link.alive:
                return self._link
            if self._link is not None:
                await self._link.close(kill=True)
                self.restarts += 1
            self._link = await self._open()
            return self._link

    async def _open(self) -> _Link:
        link = await (self._spawn() if self._command is not None else self._connect())
        try:
            await link.handshake(self._start_timeout)
        except BaseException:
            await link.close(kill=True)
            raise
        link.start_tasks()
        return link

    async def _spawn(self) -> _Link:
        assert self._command is not None
        env = {**os.environ, **(self._env or {})}
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                limit=MAX_LINE_BYTES,
            )
        except OSError as exc:
            raise WorkerUnavailable(f"cannot start the worker: {exc}") from None
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        link = _Link(process.stdout, process.stdin, process)
        link.tasks.append(asyncio.ensure_future(link.drain_stderr(process.stderr)))
        return link

    async def _connect(self) -> _Link:
        assert self._socket_path is not None
        try:
            reader, writer = await asyncio.open_unix_connection(str(self._socket_path), limit=MAX_LINE_BYTES)
        except OSError as exc:
            raise WorkerUnavailable(f"cannot connect to the worker at {self._socket_path}: {exc}") from None
        return _Link(reader, writer, None)

    def _check(self, tool: str, args: Sequence[object]) -> list[object] | ToolOutcome:
        if self._allow_hidden and tool.startswith("_debug_"):
            return list(args)
        try:
            return prepare_args(tool, args)
        except ArgumentError as exc:
            return ToolOutcome.failure(exc.code, exc.message)

    async def call(
        self, tool: str, args: Sequence[object], *, timeout: float, context: ToolContext | None = None
    ) -> ToolOutcome:
        """Run one tool; every failure (bad arguments, tool error, crash, timeout) is an outcome."""
        prepared = self._check(tool, args)
        if isinstance(prepared, ToolOutcome):
            return prepared  # refused without a round trip
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                link = await self._ensure()
        except TimeoutError:
            return ToolOutcome.failure(TIMEOUT, f"the tool worker did not start within {timeout:.1f} s")
        except WorkerUnavailable as exc:
            return ToolOutcome.failure(WORKER_UNAVAILABLE, str(exc))
        if tool not in link.hello.tools and not tool.startswith("_debug_"):
            return ToolOutcome.failure(UNAVAILABLE, f"the {link.hello.backend} backend does not provide {tool}")
        remaining = max(0.0, deadline - loop.time())
        message = Call(
            id=f"c{next(self._ids)}",
            tool=tool,
            args=prepared,
            deadline=remaining - _deadline_margin(remaining),
            context=context or ToolContext(),
        )
        return await self._roundtrip(link, message, deadline)

    async def _roundtrip(self, link: _Link, message: Call, deadline: float) -> ToolOutcome:
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        link.pending[message.id] = future
        try:
            async with asyncio.timeout_at(deadline):
                await link.send(message)
                reply = await asyncio.shield(future)
        except TimeoutError:
            link.pending.pop(message.id, None)
            await self._abandon(link, f"the tool worker stopped answering ({message.tool} got no reply)")
            return ToolOutcome.failure(TIMEOUT, f"{message.tool} got no answer within its deadline")
        except (WorkerUnavailable, ConnectionError) as exc:
            if self._closed:
                return ToolOutcome.failure(CANCELLED, "the worker client was closed")
            link.fail_all(str(exc))
            return ToolOutcome.failure(WORKER_CRASHED, f"the tool worker crashed: {link.dead_reason}")
        except asyncio.CancelledError:
            link.pending.pop(message.id, None)
            raise
        assert isinstance(reply, Result)
        return reply.outcome

    async def _abandon(self, link: _Link, reason: str) -> None:
        """Give up on a worker that stopped answering; the next call starts a new one."""
        log.warning("%s; restarting it", reason)
        link.fail_all(reason)
        await link.close(kill=True)

    async def ping(self, timeout: float = 5.0) -> float:
        """Round-trip time in seconds of a ping; raises WorkerUnavailable or TimeoutError."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            link = await self._ensure()
            future: asyncio.Future[Message] = loop.create_future()
            ping_id = f"p{next(self._ids)}"
            link.pending[ping_id] = future
            started = loop.time()
            try:
                await link.send(Ping(ping_id))
                await future
            finally:
                link.pending.pop(ping_id, None)
            return loop.time() - started

    async def aclose(self) -> None:
        """Stop the worker (close its stdin, then kill if it lingers) or disconnect."""
        async with self._start_lock:
            self._closed = True
            link, self._link = self._link, None
        if link is not None:
            for future in link.pending.values():
                if not future.done():
                    future.set_exception(WorkerUnavailable("the worker client was closed"))
            await link.close(kill=False)

    async def __aenter__(self) -> WorkerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


__all__ = ["ToolContext", "ToolOutcome", "WorkerClient", "WorkerUnavailable", "worker_command"]
