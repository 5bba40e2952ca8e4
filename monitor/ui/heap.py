"""Short full garbage collections: what the monitor holds from its first screen on is set apart.

Python's full collection walks every object the collector tracks; the monitor's modules,
classes, Textual's stylesheet and widgets and the store's first calls are about 90,000 of
them, alive until the monitor exits, and each full collection walked them again: 40-200 ms
during which no key is answered (seen in `huge`, issue 21; one landed inside the 10,000-call
campaign screen's first open). Once the first screen with data is drawn, one collection clears
what start-up left behind and `gc.freeze` moves the rest out of every later collection's way.

What it costs: an object frozen here that later becomes garbage inside a reference cycle is
never freed. Only what exists at that one moment is frozen, and nearly all of it lives as long
as the process, so the loss is bounded by start-up's leftovers, and does not grow with time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


def settle_heap() -> int:
    """Collect once, then exempt every object alive now from later collections; returns how
    many objects are now exempt."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


# -- the C heap (glibc) --------------------------------------------------------------------------
#
# What Python frees, glibc keeps: the RSS of `huge` ran ~80 MiB above what Python's own heap held
# (issue 21). Two causes, both glibc's defaults. Its mmap threshold rises to the size of any large
# block freed (up to 32 MiB), so once one page of calls (a 100-300 KB body, its text) was freed,
# every later one came from the heap and left holes there; and free pages inside the heap go back
# to the system only from its top. Fixed at 128 KiB the threshold hands such blocks back on free,
# and `malloc_trim` returns the free pages wherever they are (0.3-0.7 ms a call on `huge`). Two
# arenas at most: the driver's and writer's threads would otherwise each hold one. Measured on
# `huge` after 37 minutes: 12 MiB less RSS than without (204 against 192 MiB). Elsewhere than
# glibc these are not there and nothing is done.

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024
ARENAS = 2
TRIM_EVERY_S = 60.0


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc


def tune_malloc() -> bool:
    """Set glibc's mmap threshold and arena count (before the threads start); False where the
    C library is not glibc."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(M_ARENA_MAX, ARENAS)
    )


def trim_heap() -> bool:
    """Give the C heap's free pages back to the system; True when some were."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))


__all__ = ["TRIM_EVERY_S", "settle_heap", "trim_heap", "tune_malloc"]
