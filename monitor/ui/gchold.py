"""No garbage collection while a key is answered: a collection that falls due waits for the
key's frame.

Python collects when enough objects were made since the last collection, wherever that lands.
A screen switch makes many (the new screen's lines, the compositor's strips), so Enter and Esc
are where a collection most often falls due, and their frame then waits for it: on `huge` a
full collection walks the store's calls for 20-60 ms (one about every 45 s) and a middle one
1-5 ms. Measured with the collector's callbacks on `huge` (issue 21, keys p95): Enter's frame
was written 16-28 ms after the key, and 40 ms with a full collection inside its compositor pass.

So from a key until `HOLD_S` after the last key, automatic collection is off; then it is on
again and what fell due runs after the frame, on the same objects (nothing is skipped, only
moved by a fraction of a second). Keys in a row (Down held) keep it off at most `MAX_HOLD_S`,
then it stays on for at least as long: collection never stops for more than half the time. A
collector someone else turned off is left off.

Pure: a clock and the collector in, seconds until the next look out; the app owns the timer.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Protocol

from monitor.ui.keygrace import KEY_GRACE_S, MAX_WAIT_S

HOLD_S = KEY_GRACE_S
"""How long after a key collection stays off: the key grace, in which the key's frame is drawn
and written (the clock's work waits as long)."""
MAX_HOLD_S = MAX_WAIT_S
"""The longest collection stays off in a row; then it is on for at least as long."""

MIN_TIMER_S = 0.05
"""The app's timer waits at least this long: Textual drops a one-shot timer already late when
it starts (it skips late ticks), and a 1 ms wait often is; the app's clock is the backstop."""
EARLY_S = 0.001
"""A timer that fires this little before the hold's end ends it (rounding, not a key)."""


class Collector(Protocol):
    """What of the `gc` module the hold uses (tests give a fake)."""

    def isenabled(self) -> bool: ...
    def enable(self) -> None: ...
    def disable(self) -> None: ...


class CollectionHold:
    """Automatic garbage collection off while keys are answered."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, collector: Collector = gc
    ) -> None:
        self._clock = clock
        self._collector = collector
        self._since: float | None = None
        """When collection was turned off by the hold (None: the hold has it not off)."""
        self._key_at = float("-inf")
        self._rest_until = float("-inf")
        """After a hold cut short by `MAX_HOLD_S`, keys do not turn collection off until then."""

    @property
    def holding(self) -> bool:
        return self._since is not None

    def key(self) -> float | None:
        """A key now: collection off. Returns the seconds until `release` should be called, or
        None when nothing is held (collection already off by someone else, or resting)."""
        now = self._clock()
        self._key_at = now
        if self._since is None:
            if now < self._rest_until or not self._collector.isenabled():
                return None
            self._collector.disable()
            self._since = now
        return self._left(now, self._since)

    def release(self) -> float | None:
        """Collection on again if the hold is over; else the seconds until asking again. None
        once nothing is held."""
        since = self._since
        if since is None:
            return None
        now = self._clock()
        left = self._left(now, since)
        if left > EARLY_S:
            return left
        if now - since >= MAX_HOLD_S:
            self._rest_until = now + MAX_HOLD_S
        self.end()
        return None

    def end(self) -> None:
        """Collection on again now, whatever the keys (the app is closing)."""
        if self._since is not None:
            self._since = None
            self._collector.enable()

    def _left(self, now: float, since: float) -> float:
        return max(0.0, min(self._key_at + HOLD_S, since + MAX_HOLD_S) - now)


__all__ = ["HOLD_S", "MAX_HOLD_S", "MIN_TIMER_S", "CollectionHold", "Collector"]
