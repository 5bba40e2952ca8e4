"""A key's frame before the clock's: the once-a-second work waits while a key is answered.

Every second the app's clock builds the newest snapshot and draws it (or ticks the countdowns):
on `huge` that is 20-60 ms of the event loop, and a key pressed just before it waited for all
of it before its own frame (Enter's screen switch is drawn ~10-25 ms after the key, on a frame
of its own): that collision was most of Enter's and Esc's p95 (issue 21). So the clock's work
is put off while a key was pressed in the last `KEY_GRACE_S`, and done as soon as that is over:
the data is late by at most that, the key's answer by nothing. However many keys come (a user
holding Down), the clock's work waits at most `MAX_WAIT_S` in a row, so the data never stops.

Pure: a clock in, seconds to wait out; the app owns the timer (`monitor.ui.app`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

KEY_GRACE_S = 0.15
"""How long after a key the clock's work waits: a key's frame is drawn and written in
~20-60 ms on `huge` (more on a loaded box)."""
MAX_WAIT_S = 0.5
"""The clock's work waits at most this long in a row, however many keys come."""


class KeyGrace:
    """When the clock's work may run, given when keys were pressed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._key_at = float("-inf")
        self._waiting_since: float | None = None
        """When the clock's work was first put off (None: it is not waiting)."""

    def key(self) -> None:
        """A key was pressed now."""
        self._key_at = self._clock()

    def wait_s(self) -> float:
        """Seconds the clock's work should wait from now (0: run it now)."""
        now = self._clock()
        left = self._key_at + KEY_GRACE_S - now
        if left <= 0:
            self._waiting_since = None
            return 0.0
        if self._waiting_since is None:
            self._waiting_since = now
        cap = self._waiting_since + MAX_WAIT_S - now
        if cap <= 0:
            self._waiting_since = None
            return 0.0
        return min(left, cap)


__all__ = ["KEY_GRACE_S", "MAX_WAIT_S", "KeyGrace"]
