"""Fewer llama.cpp threads while other processes keep the cores busy (inference/cpu_share.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import llama_cpp
import pytest

from tinyagent.inference import cpu_share
from tinyagent.inference.cpu_share import STALE_S, CpuShare, threads_for
from tinyagent.inference.llama_backend import LlamaBackend
from tinyagent.inference.types import GenerationParams

linux_only = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads /proc/stat")


@pytest.mark.parametrize(
    ("configured", "cores", "others", "want"),
    [
        (2, 2, 0.05, 2),  # quiet: all configured threads
        (2, 2, 0.4, 2),  # a half-idle neighbour leaves the core to us
        (2, 2, 1.0, 1),  # one busy loop: one thread
        (2, 2, 2.0, 1),  # never fewer than one
        (8, 8, 3.0, 5),
        (4, 16, 0.0, 4),  # never more than configured
    ],
)
def test_threads_for(configured: int, cores: int, others: float, want: int) -> None:
    assert threads_for(configured, cores, others) == want


@contextmanager
def busy_loops(n: int) -> Iterator[None]:
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


@linux_only
def test_counts_other_processes_not_this_one() -> None:
    share = CpuShare(2, cores=2, period_s=0.3)
    with busy_loops(2):
        assert share.start() == 1  # nothing measured yet: what runs right now decides
    time.sleep(0.2)
    assert share.start() == 2 or os.getloadavg()[0] > 1.5
    deadline = time.monotonic() + 0.4
    while time.monotonic() < deadline:  # this process busy: not counted
        pass
    share.during()
    # We spun a whole core; counted as ours, it is not in ``others`` (unless the machine itself is busy).
    assert share.others < 0.9 or os.getloadavg()[0] > 1.5
    with busy_loops(2):
        time.sleep(0.4)
        assert share.during() == 1
        assert share.others >= 1.0
        assert share.start() == 1  # a recent decision carries over to the next generation
    time.sleep(0.4)
    assert share.during() == threads_for(2, 2, share.others)  # 2 again unless the machine is busy


@linux_only
def test_generation_drops_to_one_thread_beside_busy_loops(tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = LlamaBackend.load(tiny_gguf, model_id="tiny", source="test", n_ctx=256, n_threads=2, n_batch=64,
                                prompt_cache_mb=0)  # fmt: skip
    share = backend._cpu_share
    assert share is not None
    share.period_s = 0.05  # 60 tokens of the tiny model take over a second: many periods

    async def generate() -> None:
        async for _ in backend.generate("hello", GenerationParams(max_tokens=60, temperature=0.0)):
            pass

    try:
        with busy_loops(2):
            time.sleep(0.3)
            asyncio.run(generate())
            assert llama_cpp.llama_n_threads(backend._llm.ctx) == 1
        time.sleep(STALE_S + 0.1)  # the loops' decision is stale: the next generation decides anew
        # As if nothing else were runnable at its start (what else runs on a CI box is not ours to fix):
        # a share that reused the stale decision would start on 1 thread.
        monkeypatch.setattr(cpu_share, "_running_now", lambda: 1)
        starts: list[int] = []
        start = share.start
        monkeypatch.setattr(share, "start", lambda: starts.append(start()) or starts[-1])
        asyncio.run(generate())
        assert starts == [2]
        # Whatever it decided during the generation is what llama.cpp uses.
        assert llama_cpp.llama_n_threads(backend._llm.ctx) == share.threads
    finally:
        asyncio.run(backend.aclose())


def test_passing_work_and_this_process_own_threads_are_not_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """A start decides from what stays runnable: the client that just sent the request, or the kernel
    delivering it, is runnable at one look and not the next; llama.cpp's own spinning threads are ours."""
    looks = iter([3, 2, 3, 3])
    monkeypatch.setattr(cpu_share, "_running_now", lambda: next(looks))
    monkeypatch.setattr(cpu_share, "_own_running", lambda: 2)
    assert cpu_share._others_running() == 0.0
    looks = iter([3, 3, 3, 3])
    assert cpu_share._others_running() == 1.0
    monkeypatch.setattr(cpu_share, "_running_now", lambda: None)
    assert cpu_share._others_running() == 0.0


@linux_only
def test_a_thread_counts_as_running_only_while_runnable() -> None:
    import threading

    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        deadline = time.monotonic() + 2.0  # until the new thread has reached its wait
        while cpu_share._task_state(str(waiter.native_id)) != "S" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cpu_share._task_state(str(waiter.native_id)) == "S"  # asleep on the event
        assert cpu_share._task_state(str(threading.get_native_id())) == "R"  # this one, reading
        assert cpu_share._own_running() >= 1
    finally:
        release.set()
        waiter.join()
    assert cpu_share._task_state("0") == ""  # no such task
