"""WorkerClient against real worker processes (``python -m tinyagent.workers --backend sandbox``).

Crash and hang behaviour uses the sandbox's hidden test hooks (TINYAGENT_SANDBOX_DEBUG=1,
names starting ``_debug_``, never in the tool registry). Time bounds only catch hangs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path

import pytest

from tinyagent.workers.client import WorkerClient, worker_command
from tinyagent.workers.launch import default_backend_name, worker_main
from tinyagent.workers.protocol import KIND_PDF_TEXT, ToolContext

HANG_GUARD = 60.0
DEBUG_ENV = {"TINYAGENT_SANDBOX_DEBUG": "1"}


def run(coro: Awaitable[None]) -> None:
    async def guarded() -> None:
        async with asyncio.timeout(HANG_GUARD):
            await coro

    asyncio.run(guarded())


def debug_client(data_dir: Path) -> WorkerClient:
    return WorkerClient.for_backend("sandbox", data_dir=data_dir, env=DEBUG_ENV, allow_hidden_tools=True)


def test_round_trip(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with WorkerClient.for_backend("sandbox", data_dir=tmp_path) as client:
            outcome = await client.call("get_phone_number", ["Sid"], timeout=20)
            assert (outcome.ok, outcome.result) == (True, "+1 (415) 555-0101")
            assert client.hello is not None and client.hello.backend == "sandbox"
            assert len(client.hello.tools) == 16
            pdf = await client.call("summarize_pdf", ["Project"], timeout=20)
            assert pdf.ok and pdf.kind == KIND_PDF_TEXT and "Budget: 40 GPU hours." in pdf.result
            missing = await client.call("send_sms", ["Nick"], timeout=20)
            assert missing.error_code == "invalid_argument"  # one argument short
            drafted = await client.call(
                "send_sms", ["Nick", "On my way"], timeout=20, context=ToolContext(send_drafts=True)
            )
            assert drafted.result == "SMS sent"
            assert await client.ping() >= 0
        db = sqlite3.connect(tmp_path / "sandbox" / "world.sqlite")
        assert db.execute("SELECT recipients, status FROM sms").fetchall() == [('["+1510-555-0102"]', "sent")]

    run(scenario())


def test_tool_failures_are_outcomes(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with WorkerClient.for_backend("sandbox", data_dir=tmp_path) as client:
            outcome = await client.call("get_phone_number", ["Zelda"], timeout=20)
            assert (outcome.ok, outcome.error_code, outcome.observation) == (
                False,
                "not_found",
                "No contacts found",
            )
            traversal = await client.call("open_and_get_file_path", ["../world.sqlite"], timeout=20)
            assert traversal.error_code == "invalid_argument"

    run(scenario())


def test_arguments_are_validated_before_sending(tmp_path: Path) -> None:
    async def scenario() -> None:
        client = WorkerClient.for_backend("sandbox", data_dir=tmp_path)
        bad_type = await client.call("get_phone_number", [42], timeout=20)
        assert bad_type.error_code == "invalid_argument" and "must be str" in (bad_type.error_message or "")
        unknown = await client.call("rm_rf", ["/"], timeout=20)
        assert unknown.error_code == "unknown_tool"
        hidden = await client.call("_debug_crash", [], timeout=20)  # hooks need allow_hidden_tools
        assert hidden.error_code == "unknown_tool"
        assert client.hello is None  # no worker was ever started: no round trip
        await client.aclose()

    run(scenario())


def test_concurrent_calls_are_matched_by_id(tmp_path: Path) -> None:
    names = ["Sid", "Nick", "Amir", "Lutfi Eren Erdogan", "Zelda"] * 4

    async def scenario() -> None:
        async with WorkerClient.for_backend("sandbox", data_dir=tmp_path) as client:
            outcomes = await asyncio.gather(*(client.call("get_email_address", [n], timeout=20) for n in names))
        by_name = dict(zip(names, (o.observation for o in outcomes), strict=False))
        assert by_name == {
            "Sid": "sid@example.com",
            "Nick": "nick@example.com",
            "Amir": "amir@example.com",
            "Lutfi Eren Erdogan": "lutfi@example.com",
            "Zelda": "No contacts found",
        }

    run(scenario())


def test_worker_crash_mid_call_fails_every_call_in_flight_then_restarts(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with debug_client(tmp_path) as client:
            first = await client.start()
            sleepers = [asyncio.ensure_future(client.call("_debug_sleep", [600], timeout=30)) for _ in range(2)]
            await asyncio.sleep(0.2)
            crash = await client.call("_debug_crash", [], timeout=30)
            assert crash.error_code == "worker_crashed"
            assert "exit code 70" in (crash.error_message or "")
            for outcome in await asyncio.gather(*sleepers):
                assert outcome.error_code == "worker_crashed"
            after = await client.call("get_phone_number", ["Sid"], timeout=30)
            assert after.result == "+1 (415) 555-0101"
            assert client.hello is not None and client.hello.pid != first.pid
            assert client.restarts == 1

    run(scenario())


def test_worker_killed_from_outside(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with debug_client(tmp_path) as client:
            hello = await client.start()
            pending = asyncio.ensure_future(client.call("_debug_sleep", [600], timeout=30))
            await asyncio.sleep(0.2)
            os.kill(hello.pid, signal.SIGKILL)
            outcome = await pending
            assert outcome.error_code == "worker_crashed" and "signal 9" in (outcome.error_message or "")
            assert (await client.call("get_email_address", ["Amir"], timeout=30)).result == "amir@example.com"

    run(scenario())


def test_hung_worker_hits_the_deadline_and_is_replaced(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with debug_client(tmp_path) as client:
            hello = await client.start()
            frozen = await client.call("_debug_freeze", [], timeout=2.0)  # SIGSTOPs the whole worker
            assert frozen.error_code == "timeout"
            after = await client.call("get_phone_number", ["Nick"], timeout=30)
            assert after.result == "+1510-555-0102"
            assert client.hello is not None and client.hello.pid != hello.pid

    run(scenario())


def test_overrunning_tool_times_out_but_the_worker_lives_on(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with debug_client(tmp_path) as client:
            hello = await client.start()
            slow = await client.call("_debug_sleep", [600], timeout=1.5)
            assert slow.error_code == "timeout" and "did not finish" in (slow.error_message or "")
            boom = await client.call("_debug_raise", ["kaput"], timeout=30)
            assert (boom.error_code, boom.error_message) == ("failed", "kaput")
            assert (await client.call("get_phone_number", ["Sid"], timeout=30)).ok
            assert client.hello is not None and client.hello.pid == hello.pid and client.restarts == 0

    run(scenario())


def test_worker_that_cannot_start(tmp_path: Path) -> None:
    script = "import sys; sys.stderr.write('no such app\\n'); sys.exit(3)"

    async def scenario() -> None:
        async with WorkerClient([sys.executable, "-c", script]) as client:
            outcome = await client.call("get_phone_number", ["Sid"], timeout=20)
        assert outcome.error_code == "worker_unavailable"
        assert "exit code 3" in (outcome.error_message or "") and "no such app" in (outcome.error_message or "")

    run(scenario())


def test_protocol_version_mismatch(tmp_path: Path) -> None:
    script = 'print(\'{"type":"hello","protocol":99,"backend":"x","tools":[]}\', flush=True); input()'

    async def scenario() -> None:
        async with WorkerClient([sys.executable, "-c", script]) as client:
            outcome = await client.call("get_phone_number", ["Sid"], timeout=20)
        assert outcome.error_code == "worker_unavailable" and "protocol 99" in (outcome.error_message or "")

    run(scenario())


def test_aclose_stops_the_child(tmp_path: Path) -> None:
    async def scenario() -> None:
        client = WorkerClient.for_backend("sandbox", data_dir=tmp_path)
        hello = await client.start()
        await client.aclose()
        with pytest.raises(ProcessLookupError):
            os.kill(hello.pid, 0)
        closed = await client.call("get_phone_number", ["Sid"], timeout=5)
        assert closed.error_code == "worker_unavailable"

    run(scenario())


# --- Unix socket mode -----------------------------------------------------------------------


@pytest.fixture
def sock_path() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="tw", dir="/tmp"))
    yield directory / "worker.sock"
    shutil.rmtree(directory, ignore_errors=True)


def start_socket_worker(sock_path: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        worker_command("sandbox", data_dir=data_dir) + ["--socket", str(sock_path)], stderr=subprocess.PIPE
    )
    for _ in range(600):  # until it accepts: a stale socket file from a killed worker may be there
        if process.poll() is not None:
            break
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(sock_path))
                return process
            except OSError:
                time.sleep(0.05)
    raise AssertionError(process.stderr.read() if process.stderr else "worker did not listen")


def test_socket_mode(sock_path: Path, tmp_path: Path) -> None:
    process = start_socket_worker(sock_path, tmp_path)
    try:
        assert stat.S_IMODE(sock_path.stat().st_mode) == 0o600

        async def scenario() -> None:
            async with WorkerClient(socket_path=sock_path) as one, WorkerClient(socket_path=sock_path) as two:
                a, b = await asyncio.gather(
                    one.call("get_phone_number", ["Sid"], timeout=20),
                    two.call("maps_open_location", ["Soda Hall"], timeout=20),
                )
                assert a.result == "+1 (415) 555-0101"
                assert b.result == "Location of Soda Hall in Apple Maps: https://maps.apple.com/?q=Soda+Hall"
                assert one.hello is not None and one.hello.pid == process.pid

        run(scenario())
    finally:
        process.terminate()
        assert process.wait(timeout=HANG_GUARD) == 0
    assert not sock_path.exists()


def test_socket_worker_gone_then_back(sock_path: Path, tmp_path: Path) -> None:
    process = start_socket_worker(sock_path, tmp_path)

    async def scenario() -> None:
        nonlocal process
        async with WorkerClient(socket_path=sock_path) as client:
            assert (await client.call("get_phone_number", ["Sid"], timeout=20)).ok
            process.kill()
            process.wait(timeout=HANG_GUARD)
            await asyncio.sleep(0.1)
            gone = await client.call("get_phone_number", ["Sid"], timeout=5)
            assert gone.error_code in {"worker_crashed", "worker_unavailable"}
            process = start_socket_worker(sock_path, tmp_path)  # replaces the stale socket file
            back = await client.call("get_phone_number", ["Sid"], timeout=20)
            assert back.result == "+1 (415) 555-0101"

    try:
        run(scenario())
    finally:
        process.kill()
        process.wait(timeout=HANG_GUARD)


# --- entry points ---------------------------------------------------------------------------


def test_default_backend_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYAGENT_TOOL_BACKEND", "sandbox")
    assert default_backend_name() == "sandbox"
    monkeypatch.delenv("TINYAGENT_TOOL_BACKEND")
    assert default_backend_name() == ("macos" if sys.platform == "darwin" else "sandbox")


def test_worker_main_rejects_unknown_backends() -> None:
    with pytest.raises(SystemExit) as info:
        worker_main(["--backend", "windows"])
    assert info.value.code == 2


def test_stray_prints_cannot_reach_the_protocol_stream() -> None:
    script = (
        "from tinyagent.workers.launch import _protocol_streams\n"
        "proto_in, proto_out = _protocol_streams()\n"
        "print('stray print', flush=True)\n"
        "import subprocess; subprocess.run(['echo', 'stray subprocess'], check=True)\n"
        "proto_out.write(proto_in.readline())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=b'{"type":"ping","id":"1"}\n',
        capture_output=True,
        timeout=HANG_GUARD,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"type":"ping","id":"1"}\n'
    assert b"stray print" in done.stderr and b"stray subprocess" in done.stderr
