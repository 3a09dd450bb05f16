"""The worker protocol: message encoding, argument preparation, and the worker loop in-process.

The worker loop runs in the test's own event loop on a Unix socket with fake backends, so
concurrency, deadlines and failure handling are observed directly. Time bounds only catch hangs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.process import serve
from tinyagent.workers.protocol import (
    KIND_PDF_TEXT,
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    ArgumentError,
    Call,
    Hello,
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

HANG_GUARD = 30.0


def run(coro: Awaitable[None]) -> None:
    async def guarded() -> None:
        async with asyncio.timeout(HANG_GUARD):
            await coro

    asyncio.run(guarded())


# --- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        Hello(backend="sandbox", tools=("get_phone_number",), pid=12),
        Call(
            id="c1",
            tool="send_sms",
            args=[["Sid"], "hi ü"],
            deadline=2.5,
            context=ToolContext(timezone="Europe/Paris", send_drafts=True),
        ),
        Result("c1", ToolOutcome.success("+1 555")),
        Result("c2", ToolOutcome.success("pdf text", KIND_PDF_TEXT)),
        Result("c3", ToolOutcome.failure("not_found", "No contacts found")),
        Ping("p1"),
        Pong("p1"),
        Notice("protocol_error", "bad line"),
    ],
)
def test_messages_round_trip(message: Any) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == message


def test_wire_shapes_are_the_documented_ones() -> None:
    assert json.loads(encode(Result("c1", ToolOutcome.success("ok")))) == {
        "type": "result",
        "id": "c1",
        "ok": True,
        "result": "ok",
    }
    assert json.loads(encode(Result("c2", ToolOutcome.failure("timeout", "late")))) == {
        "type": "result",
        "id": "c2",
        "ok": False,
        "error": {"code": "timeout", "message": "late"},
    }
    assert json.loads(encode(Call("c3", "get_phone_number", ["Sid"], 1.0))) == {
        "type": "call",
        "id": "c3",
        "tool": "get_phone_number",
        "args": ["Sid"],
        "deadline": 1.0,
        "context": {"timezone": "UTC", "send_drafts": False},
    }


def test_decode_defaults_and_ignores_unknown_fields() -> None:
    message = decode('{"type":"call","id":"1","tool":"t","args":[],"deadline":3,"future_field":1}')
    assert message == Call("1", "t", [], 3.0, ToolContext())


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "launch"}',
        b'{"type": "call", "id": 1, "tool": "t", "args": [], "deadline": 1}',
        b'{"type": "call", "id": "1", "tool": "t", "args": {}, "deadline": 1}',
        b'{"type": "call", "id": "1", "tool": "t", "args": [], "deadline": -1}',
        b'{"type": "call", "id": "1", "tool": "t", "args": [], "deadline": true}',
        b'{"type": "call", "id": "1", "tool": "t", "args": [], "deadline": 1, "context": {"send_drafts": 1}}',
        b'{"type": "result", "id": "1", "ok": "yes"}',
        b'{"type": "result", "id": "1", "ok": true, "result": "x", "kind": "weird"}',
        b'{"type": "hello", "protocol": "1", "backend": "x", "tools": []}',
        b"\xff\xfe",
    ],
)
def test_decode_rejects_malformed_lines(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(line)


def test_observation_is_result_or_error_message() -> None:
    assert ToolOutcome.success("r").observation == "r"
    assert ToolOutcome.failure("not_found", "No contacts found").observation == "No contacts found"


# --- argument preparation -------------------------------------------------------------------


def test_prepare_args_normalises_lists() -> None:
    assert prepare_args("send_sms", ["Sid", "hi"]) == [["Sid"], "hi"]
    assert prepare_args("send_sms", [("Sid", "Nick"), "hi"]) == [["Sid", "Nick"], "hi"]
    assert prepare_args("get_phone_number", ("$1",)) == ["$1"]  # a string param may look like a reference


@pytest.mark.parametrize(
    ("tool", "args", "code"),
    [
        ("no_such_tool", [], "unknown_tool"),
        ("get_phone_number", [], "invalid_argument"),
        ("get_phone_number", [3], "invalid_argument"),
        ("create_reminder", ["n", "", "", "", True, False], "invalid_argument"),
        ("create_reminder", ["n", "", "", "", "$2", False], "invalid_argument"),
        ("send_sms", ["$1", "hi"], "invalid_argument"),
    ],
)
def test_prepare_args_refuses(tool: str, args: list[object], code: str) -> None:
    with pytest.raises(ArgumentError) as info:
        prepare_args(tool, args)
    assert info.value.code == code


# --- the worker loop, in-process ------------------------------------------------------------


class FakeBackend:
    """Scripted tools: each maps a tool name to a function of the args."""

    name = "fake"

    def __init__(self, handlers: dict[str, Callable[[Sequence[object], CallContext], str]]) -> None:
        self.handlers = handlers
        self.calls: list[str] = []

    def call(self, tool: str, args: Sequence[object], ctx: CallContext) -> str:
        self.calls.append(tool)
        return self.handlers[tool](args, ctx)

    def close(self) -> None:
        pass


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tw", dir="/tmp"))  # AF_UNIX paths must stay short
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Peer:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send_raw(self, line: bytes) -> None:
        self.writer.write(line)
        await self.writer.drain()

    async def send(self, message: Any) -> None:
        await self.send_raw(encode(message))

    async def receive(self) -> Any:
        return decode(await self.reader.readline())

    async def results(self, count: int) -> dict[str, ToolOutcome]:
        out: dict[str, ToolOutcome] = {}
        while len(out) < count:
            message = await self.receive()
            assert isinstance(message, Result)
            out[message.id] = message.outcome
        return out


@asynccontextmanager
async def worker(backend: Any, sock_dir: Path) -> AsyncIterator[Peer]:
    stop = asyncio.Event()
    path = sock_dir / "w.sock"
    task = asyncio.ensure_future(serve(backend, socket_path=path, stop=stop))
    while not path.exists():
        await asyncio.sleep(0.01)
    reader, writer = await asyncio.open_unix_connection(str(path), limit=MAX_LINE_BYTES)
    peer = Peer(reader, writer)
    hello = await peer.receive()
    assert isinstance(hello, Hello) and hello.protocol == PROTOCOL_VERSION and hello.backend == "fake"
    try:
        yield peer
    finally:
        writer.close()
        stop.set()
        await task
    assert not path.exists()


def test_read_only_calls_run_concurrently(sock_dir: Path) -> None:
    barrier = threading.Barrier(3, timeout=10)  # fails unless three calls are inside at once

    def meet(args: Sequence[object], ctx: CallContext) -> str:
        barrier.wait()
        return f"met {args[0]}"

    async def scenario() -> None:
        async with worker(FakeBackend({"get_phone_number": meet}), sock_dir) as peer:
            for i in range(3):
                await peer.send(Call(f"c{i}", "get_phone_number", [f"n{i}"], 20.0))
            results = await peer.results(3)
            assert {k: v.result for k, v in results.items()} == {
                "c0": "met n0",
                "c1": "met n1",
                "c2": "met n2",
            }

    run(scenario())


def test_side_effect_calls_of_one_app_are_serialised(sock_dir: Path) -> None:
    inside, peak, lock = [0], [0], threading.Lock()

    def draft(args: Sequence[object], ctx: CallContext) -> str:
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return "SMS draft composed"

    async def scenario() -> None:
        async with worker(FakeBackend({"send_sms": draft}), sock_dir) as peer:
            for i in range(4):
                await peer.send(Call(f"c{i}", "send_sms", [["1"], "hi"], 20.0))
            assert all(o.ok for o in (await peer.results(4)).values())
        assert peak[0] == 1

    run(scenario())


def test_failures_are_answers_and_the_worker_survives(sock_dir: Path) -> None:
    def boom(args: Sequence[object], ctx: CallContext) -> str:
        raise ZeroDivisionError("division by zero")

    def missing(args: Sequence[object], ctx: CallContext) -> str:
        raise ToolFailure("not_found", "No contacts found")

    backend = FakeBackend(
        {"get_phone_number": boom, "get_email_address": missing, "summarize_pdf": lambda a, c: "the text"}
    )

    async def scenario() -> None:
        async with worker(backend, sock_dir) as peer:
            await peer.send(Call("a", "get_phone_number", ["x"], 5.0))
            await peer.send(Call("b", "get_email_address", ["x"], 5.0))
            await peer.send(Call("c", "no_such_tool", [], 5.0))
            await peer.send(Call("d", "get_email_address", [1, 2], 5.0))
            await peer.send(Call("e", "summarize_pdf", ["x.pdf"], 5.0))
            results = await peer.results(5)
        assert results["a"] == ToolOutcome.failure("failed", "division by zero")
        assert results["b"] == ToolOutcome.failure("not_found", "No contacts found")
        assert results["c"].error_code == "unknown_tool"
        assert results["d"].error_code == "invalid_argument"
        assert results["e"] == ToolOutcome.success("the text", KIND_PDF_TEXT)
        assert backend.calls == [
            "get_phone_number",
            "get_email_address",
            "summarize_pdf",
        ]  # bad ones never ran

    run(scenario())


def test_deadline_fires_and_the_worker_keeps_answering(sock_dir: Path) -> None:
    release = threading.Event()

    def stuck(args: Sequence[object], ctx: CallContext) -> str:
        release.wait(HANG_GUARD)
        return "late"

    backend = FakeBackend({"get_phone_number": stuck, "get_email_address": lambda a, c: "a@b.c"})

    async def scenario() -> None:
        async with worker(backend, sock_dir) as peer:
            await peer.send(Call("slow", "get_phone_number", ["x"], 0.2))
            (outcome,) = (await peer.results(1)).values()
            assert outcome.error_code == "timeout"
            await peer.send(Call("next", "get_email_address", ["x"], 5.0))
            await peer.send(Ping("p"))
            replies = {await peer.receive(), await peer.receive()}
            assert replies == {Result("next", ToolOutcome.success("a@b.c")), Pong("p")}
            release.set()

    run(scenario())


def test_bad_lines_get_a_notice_and_the_connection_stays(sock_dir: Path) -> None:
    backend = FakeBackend({"get_phone_number": lambda a, c: "+1"})

    async def scenario() -> None:
        async with worker(backend, sock_dir) as peer:
            await peer.send_raw(b"{nope\n")
            notice = await peer.receive()
            assert isinstance(notice, Notice) and notice.error_code == "protocol_error"
            await peer.send(Call("ok", "get_phone_number", ["x"], 5.0))
            assert (await peer.results(1))["ok"].result == "+1"

    run(scenario())


def test_oversized_result_becomes_an_error(sock_dir: Path) -> None:
    backend = FakeBackend({"get_phone_number": lambda a, c: "x" * (MAX_LINE_BYTES + 10)})

    async def scenario() -> None:
        async with worker(backend, sock_dir) as peer:
            await peer.send(Call("big", "get_phone_number", ["x"], 10.0))
            assert (await peer.results(1))["big"].error_code == "result_too_large"

    run(scenario())


def test_context_reaches_the_backend(sock_dir: Path) -> None:
    seen: list[CallContext] = []

    def record(args: Sequence[object], ctx: CallContext) -> str:
        seen.append(ctx)
        return "SMS sent"

    async def scenario() -> None:
        async with worker(FakeBackend({"send_sms": record}), sock_dir) as peer:
            context = ToolContext(timezone="Asia/Tokyo", send_drafts=True)
            await peer.send(Call("c9", "send_sms", ["Sid", "hi"], 5.0, context))
            await peer.results(1)
        assert (seen[0].call_id, seen[0].timezone, seen[0].send_drafts) == ("c9", "Asia/Tokyo", True)
        assert 0 < seen[0].deadline_s <= 5.0

    run(scenario())


def test_socket_is_owner_only(sock_dir: Path) -> None:
    async def scenario() -> None:
        async with worker(FakeBackend({}), sock_dir):
            mode = stat.S_IMODE(os.stat(sock_dir / "w.sock").st_mode)
            assert mode == 0o600

    run(scenario())


def test_worker_exits_when_every_thread_is_stuck(sock_dir: Path) -> None:
    release = threading.Event()

    class OneThread(FakeBackend):
        max_concurrency = 1

    def stuck(args: Sequence[object], ctx: CallContext) -> str:
        release.wait(HANG_GUARD)
        return "late"

    async def scenario() -> None:
        path = sock_dir / "w.sock"
        task = asyncio.ensure_future(serve(OneThread({"get_phone_number": stuck}), socket_path=path))
        while not path.exists():
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_unix_connection(str(path))
        peer = Peer(reader, writer)
        await peer.receive()  # hello
        await peer.send(Call("a", "get_phone_number", ["x"], 0.1))
        assert (await peer.results(1))["a"].error_code == "timeout"
        assert await task == 75  # so a supervising client starts a fresh worker
        writer.close()
        release.set()

    run(scenario())
