"""How many llama.cpp threads to use while other processes keep cores busy.

llama.cpp's threads meet at a spinning barrier after every layer. When another process holds one of
the two cores, the thread that lost its core stalls all the others: on 2 cores beside two busy loops,
SmolLM2 fell from 113 to 29 tokens/s with 2 threads, and kept 51 with 1 (bench/bench_speed.py).
So generation uses only the cores the other processes leave free, measured from /proc/stat minus this
process's own CPU time, and re-checked while it runs.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

# Short enough to react within the first tokens, long enough that a sample means something.
PERIOD_S = 0.25
# A decision older than this says nothing about now: a generation then starts on all configured threads.
STALE_S = 2.0


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity call
        return os.cpu_count() or 1


def threads_for(configured: int, cores: int, others: float) -> int:
    """The configured count, less the cores other processes keep busy (a half-busy core stays ours)."""
    free = math.floor(cores - others + 0.5)
    return max(1, min(configured, free))


def _busy_seconds() -> float | None:
    """Seconds all CPUs spent busy since boot (Linux); None where /proc/stat cannot be read."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _running_now() -> int | None:
    """Threads runnable this instant, machine-wide (``procs_running`` in /proc/stat), None where unknown."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            for line in stat:
                if line.startswith("procs_running"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _others_running(samples: int = 4, gap_s: float = 0.00025) -> float:
    """Threads of other processes runnable now: the fewest seen over about a millisecond.

    One look counted passing work (the client that just sent the request, the kernel delivering it):
    2 of 10 quiet generations started on one thread. A competing job is runnable at every look.
    """
    seen = []
    for n in range(samples):
        running = _running_now()
        if running is None:
            return 0.0
        seen.append(max(0, running - max(_own_running(), 1)))
        if n + 1 < samples:
            time.sleep(gap_s)
    return float(min(seen))


def _own_running() -> int:
    """This process's threads runnable now (this one included), 0 where unknown.

    They are not others: llama.cpp's own threads still spin for a while after a generation, and the event
    loop writes the last reply. Counted as others, they started quiet generations on one thread, adding
    up to 60 ms to the first token (11 of 30 streamed requests in a row).
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0
    return sum(1 for tid in tasks if _task_state(tid) == "R")


def _task_state(tid: str) -> str:
    try:
        with open(f"/proc/self/task/{tid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return ""


@dataclass
class _Sample:
    wall: float
    busy: float
    own: float


class CpuShare:
    """Measures, while a generation runs, the cores other processes use, and turns that into a thread count.

    Only time inside generations counts: just before one, the busiest process is often the previous
    request's engine winding down. A generation starts with the last decision if it is recent (a
    competing job is still there), else from the threads runnable at that instant, and is re-decided
    every period.
    """

    def __init__(self, configured: int, *, cores: int | None = None, period_s: float = PERIOD_S) -> None:
        self.configured = configured
        self.cores = cores or usable_cores()
        self.period_s = period_s
        self.others = 0.0  # cores other processes used in the last complete period
        self._threads = configured
        self._last: _Sample | None = None
        self._decided_at = -STALE_S

    @property
    def threads(self) -> int:
        """The last decision: what the generation running (or last run) uses."""
        return self._threads

    @staticmethod
    def _sample() -> _Sample | None:
        busy = _busy_seconds()
        return None if busy is None else _Sample(time.monotonic(), busy, time.process_time())

    def start(self) -> int:
        """At a generation's start: the threads to begin with."""
        self._last = self._sample()
        if self._last is None or self._last.wall - self._decided_at > STALE_S:
            # No recent measurement: what other processes keep runnable right now is the best guess.
            self._threads = threads_for(self.configured, self.cores, _others_running())
        return self._threads

    def during(self) -> int:
        """Between two tokens: the threads to go on with (changes at most once a period)."""
        last = self._last
        # The clock first: /proc/stat is read once a period, not on every token.
        if last is None or time.monotonic() - last.wall < self.period_s:
            return self._threads
        now = self._sample()
        if now is None:
            return self._threads
        others = ((now.busy - last.busy) - (now.own - last.own)) / (now.wall - last.wall)
        self._last, self.others, self._decided_at = now, max(0.0, others), now.wall
        self._threads = threads_for(self.configured, self.cores, self.others)
        return self._threads
