"""A reusable pool of daemon threads for blocking tool calls.

Not concurrent.futures.ThreadPoolExecutor: its threads are joined at interpreter exit, so a
tool hung forever (an abandoned, timed-out call) would keep the worker from exiting. Threads
are started on demand, reused (starting one per call costs more than the call itself for a
cheap tool), and never stopped. The caller bounds how many jobs are outstanding.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class DaemonPool:
    def __init__(self, name: str = "tool") -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._free = 0  # idle threads not yet promised a queued job
        self._started = 0
        self._name = name

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on an idle thread, or a new one if none is idle."""
        with self._lock:
            if self._free > 0:
                self._free -= 1
            else:
                self._started += 1
                thread = threading.Thread(target=self._serve, name=f"{self._name}-{self._started}", daemon=True)
                thread.start()
        self._jobs.put(job)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            job()  # jobs catch their own exceptions (the worker turns them into results)
            with self._lock:
                self._free += 1

    @property
    def threads(self) -> int:
        return self._started
