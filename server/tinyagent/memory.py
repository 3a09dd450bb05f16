"""Give freed memory back to the system, so resident memory follows what the server holds.

glibc serves allocations above a threshold with their own mmap, unmapped on free; but after the first
such free it raises the threshold (up to 32 MB), and later buffers of that size come from the heap,
where freed pages mostly stay resident. The prompt cache's saved states (tens of MB each, made and
evicted all the time) then grew resident memory far past the cache's budget: +165 MB for a 64 MB cache
after ten plans. A fixed 128 KiB threshold keeps it near the budget (+64 MB), and the ready server
~70 MB smaller (bench/bench_speed.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, now fixed


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold (Linux); False where there is no glibc to ask (macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    log.debug("malloc mmap threshold fixed at %d bytes: %s", MMAP_THRESHOLD_BYTES, done)
    return done
