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

import gc


def settle_heap() -> int:
    """Collect once, then exempt every object alive now from later collections; returns how
    many objects are now exempt."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["settle_heap"]
