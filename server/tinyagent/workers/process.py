"""The worker side of the protocol: serve one backend over stdio or a Unix socket.

Calls run in a thread pool (backends are blocking: AppleScript, SQLite), each bounded by
its deadline. Read-only tools run concurrently; tools with side effects are serialised per
app, so two Messages drafts never type into each other. A tool that overruns its deadline
is answered with ``timeout`` and its thread is abandoned (threads cannot be killed); when
every pool thread is stuck that way the worker exits, so a supervising client restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tinyagent.tools.registry import TOOL_NAMES, get_tool
from tinyagent.workers.backend import CallContext, ToolBackend, ToolFailure
from tinyagent.workers.protocol import (
    FAILED,
    KIND_PDF_TEXT,
    KIND_TEXT,
    MAX_LINE_BYTES,
    PROTOCOL_ERROR,
    RESULT_TOO_LARGE,
    TIMEOUT,
    UNAVAILABLE,
    ArgumentError,
    Call,
    Hello,
    Message,
    Notice,
    Ping,
    Pong,
    ProtocolError,
    Result,
    ToolOutcome,
    decode,
    encode,
    prepare_args,
)
from tinyagent.workers.streams import LineSink, stdio_streams
from tinyagent.workers.threads import DaemonPool

log = logging.getLogger("tinyagent.worker")

DEFAULT_MAX_CONCURRENCY = 8
EXIT_STUCK = 75  # EX_TEMPFAIL: every pool thread is stuck in an overrun tool


@dataclass
class _WorkerState:
    """Everything one worker process shares between its connections."""

    backend: ToolBackend
    max_threads: int
    slots: asyncio.Semaphore
    pool: DaemonPool = field(default_factory=DaemonPool)
    app_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    stuck_threads: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    exit_code: int = 0

    tools: frozenset[str] = frozenset()
    hidden_tools: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # A backend may offer fewer than the 16 tools (optional ``tools``) and test hooks
        # that are never in the registry nor advertised (optional ``hidden_tools``).
        self.tools = frozenset(getattr(self.backend, "tools", TOOL_NAMES))
        self.hidden_tools = frozenset(getattr(self.backend, "hidden_tools", ()))

    def hello(self) -> Hello:
        advertised = tuple(name for name in TOOL_NAMES if name in self.tools)
        return Hello(backend=self.backend.name, tools=advertised, pid=os.getpid())

    def app_lock(self, app: str) -> asyncio.Lock:
        return self.app_locks.setdefault(app, asyncio.Lock())


def _result_kind(tool: str) -> str:
    return KIND_PDF_TEXT if tool == "summarize_pdf" else KIND_TEXT


async def _execute(state: _WorkerState, call: Call) -> ToolOutcome:
    """Validate, then run one call in the pool within its deadline; never raises."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + call.deadline
    hidden = call.tool in state.hidden_tools
    try:
        args = list(call.args) if hidden else prepare_args(call.tool, call.args)
    except ArgumentError as exc:
        return ToolOutcome.failure(exc.code, exc.message)
    if not hidden and call.tool not in state.tools:
        return ToolOutcome.failure(UNAVAILABLE, f"The {state.backend.name} backend does not provide {call.tool}.")
    ctx = CallContext(
        call_id=call.id,
        deadline_s=call.deadline,
        timezone=call.context.timezone,
        send_drafts=call.context.send_drafts,
    )
    gate = state.app_lock(get_tool(call.tool).app) if not hidden and get_tool(call.tool).has_side_effects else None
    try:
        async with asyncio.timeout_at(deadline):
            if gate is not None:
                async with gate:
                    return await _run_in_pool(state, call.tool, args, ctx)
            return await _run_in_pool(state, call.tool, args, ctx)
    except TimeoutError:
        return ToolOutcome.failure(TIMEOUT, f"{call.tool} did not finish within {call.deadline:.1f} s.")


async def _run_in_pool(state: _WorkerState, tool: str, args: list[object], ctx: CallContext) -> ToolOutcome:
    """Run the backend call on a pool thread, one of ``max_threads`` slots (see threads.py)."""
    loop = asyncio.get_running_loop()
    await state.slots.acquire()
    future: asyncio.Future[ToolOutcome] = loop.create_future()
    done = threading.Event()

    def target() -> None:
        outcome = _call_backend(state.backend, tool, args, ctx)
        done.set()
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(_finish_slot, state, future, outcome)

    state.pool.submit(target)
    try:
        # shield: on timeout the thread keeps running; we only stop waiting for it.
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if not done.is_set():
            _note_abandoned(state, future)
        raise


def _finish_slot(state: _WorkerState, future: asyncio.Future[ToolOutcome], outcome: ToolOutcome) -> None:
    state.slots.release()
    if not future.done():
        future.set_result(outcome)


def _call_backend(backend: ToolBackend, tool: str, args: list[object], ctx: CallContext) -> ToolOutcome:
    try:
        return ToolOutcome.success(backend.call(tool, args, ctx), _result_kind(tool))
    except ToolFailure as exc:
        return ToolOutcome.failure(exc.code, exc.message)
    except Exception as exc:  # a tool bug must not kill the worker: report it as the call's failure
        log.exception("tool %s failed", tool)
        return ToolOutcome.failure(FAILED, str(exc) or type(exc).__name__)


def _note_abandoned(state: _WorkerState, future: asyncio.Future[ToolOutcome]) -> None:
    state.stuck_threads += 1

    def release(_: asyncio.Future[ToolOutcome]) -> None:
        state.stuck_threads -= 1

    future.add_done_callback(release)
    if state.stuck_threads >= state.max_threads:
        log.error("all %d tool threads are stuck in overrun calls; exiting", state.max_threads)
        state.exit_code = EXIT_STUCK
        state.stop.set()


class _Connection:
    """One peer: reads calls, writes results; results may go out in any order."""

    def __init__(self, state: _WorkerState, reader: asyncio.StreamReader, writer: LineSink) -> None:
        self.state, self.reader, self.writer = state, reader, writer
        self.tasks: set[asyncio.Task[None]] = set()

    async def send(self, message: Message) -> None:
        data = encode(message)
        if isinstance(message, Result) and len(data) > MAX_LINE_BYTES:
            size = len(data)
            message = Result(message.id, ToolOutcome.failure(RESULT_TOO_LARGE, f"result of {size} bytes"))
            data = encode(message)
        if self.writer.is_closing():
            return
        self.writer.write(data)
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    async def serve(self) -> None:
        await self.send(self.state.hello())
        while not self.state.stop.is_set():
            try:
                line = await self.reader.readline()
            except (ValueError, ConnectionError) as exc:  # over-long line or reset peer
                log.warning("closing connection: %s", exc)
                break
            if not line:
                break
            if line.strip():
                self.dispatch(line)
        await self._finish()

    def dispatch(self, line: bytes) -> None:
        try:
            message = decode(line)
        except ProtocolError as exc:
            self._spawn(self.send(Notice(PROTOCOL_ERROR, str(exc))))
            return
        if isinstance(message, Ping):
            self._spawn(self.send(Pong(message.id)))
        elif isinstance(message, Call):
            self._spawn(self._answer(message))
        else:
            self._spawn(self.send(Notice(PROTOCOL_ERROR, f"unexpected {type(message).__name__.lower()}")))

    async def _answer(self, call: Call) -> None:
        outcome = await _execute(self.state, call)
        await self.send(Result(call.id, outcome))

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _finish(self) -> None:
        # Peer gone or stopping: in-flight calls end by their own deadlines.
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        self.writer.close()
        # A pipe writer has no close waiter (NotImplementedError); nothing to wait for then.
        with contextlib.suppress(ConnectionError, NotImplementedError):
            await self.writer.wait_closed()


async def serve_streams(state: _WorkerState, reader: asyncio.StreamReader, writer: LineSink) -> None:
    await _Connection(state, reader, writer).serve()


async def _serve_stdio(state: _WorkerState, stdin: BinaryIO, stdout: BinaryIO) -> None:
    reader, writer = await stdio_streams(stdin, stdout)
    serving = asyncio.ensure_future(serve_streams(state, reader, writer))
    stopping = asyncio.ensure_future(state.stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if serving.done():
        serving.result()  # surface a crash of the serving loop as the worker's own


async def _serve_socket(state: _WorkerState, socket_path: Path) -> None:
    if socket_path.is_socket():
        socket_path.unlink()  # a stale socket from a worker that died; a live one would be replaced too
    old_umask = os.umask(0o177)  # the socket drives the user's apps: owner-only from its first moment
    try:
        server = await asyncio.start_unix_server(
            lambda r, w: serve_streams(state, r, w), path=str(socket_path), limit=MAX_LINE_BYTES
        )
    finally:
        os.umask(old_umask)
    log.info("tool worker (%s) listening on %s", state.backend.name, socket_path)
    async with server:
        await state.stop.wait()
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()


async def serve(
    backend: ToolBackend,
    *,
    socket_path: Path | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve ``backend`` in the running loop until stdin closes / ``stop`` is set; the exit code.

    With ``socket_path``, listens there (mode 0600) for any number of connections.
    """
    max_threads = int(getattr(backend, "max_concurrency", DEFAULT_MAX_CONCURRENCY))
    state = _WorkerState(backend=backend, max_threads=max_threads, slots=asyncio.Semaphore(max_threads))
    if stop is not None:
        state.stop = stop
    if socket_path is None:
        await _serve_stdio(state, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)
    else:
        await _serve_socket(state, socket_path)
    return state.exit_code


async def _serve_until_signal(
    backend: ToolBackend, socket_path: Path | None, stdin: BinaryIO | None, stdout: BinaryIO | None
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    return await serve(backend, socket_path=socket_path, stdin=stdin, stdout=stdout, stop=stop)


def run_worker(
    backend: ToolBackend,
    *,
    socket_path: Path | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """Serve ``backend`` until the peer closes stdin (stdio) or SIGTERM/SIGINT; the exit code.

    In stdio mode pass the protocol streams explicitly when fd 0/1 have been redirected
    (``worker_main`` moves them so stray prints cannot corrupt the protocol).
    """
    try:
        return asyncio.run(_serve_until_signal(backend, socket_path, stdin, stdout))
    finally:
        backend.close()
