"""The API's clock, carried forward on the monotonic clock from the `Date` of its answers.

Durations of running calls are measured on it, so a laptop clock minutes off, or stepped, moves
none of them (FAULTS N19); counts are stamped with it to the tens of milliseconds, so an ending
at the instant a count was read is neither missed nor counted twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from monitor.clock import Clock

log = logging.getLogger(__name__)

SKEW_NOTE_S = 60.0
"""A machine clock this far from the API's is said once in the log."""


class ServerClock:
    """Now on the API's clock, from the `Date`s seen so far (this machine's clock before any)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._anchor: tuple[datetime, float] | None = None
        """The API's clock at a monotonic instant (from `Date`)."""
        self._offset: tuple[float, float] | None = None
        """Bounds on (API epoch seconds - monotonic), narrowed by every `Date` (whole seconds,
        rounded down) at a different sub-second phase."""
        self._skew_noted = False

    def api_now(self) -> datetime:
        """Now on the API's clock: its last `Date` carried forward on the monotonic clock."""
        if self._anchor is None:
            return self.clock.now()
        date, at = self._anchor
        return date + timedelta(seconds=self.clock.monotonic() - at)

    def api_instant(self, mono: float | None = None) -> datetime:
        """Now (or the monotonic instant `mono`) on the API's clock, as precisely as the
        `Date`s seen allow (for counts)."""
        now = self.clock.monotonic()
        at = now if mono is None else mono
        if self._offset is None:
            return self.api_now() - timedelta(seconds=now - at)
        lo, hi = self._offset
        return datetime.fromtimestamp(at + (lo + hi) / 2, UTC)

    def note(self, date: datetime, at: float) -> None:
        """An answer's `Date`, received at the monotonic instant `at`."""
        self._narrow_offset(date, at)
        # `Date` has whole seconds (rounded down): +0.5 s is the best guess, and the anchor
        # only moves when it is off by more than that rounding, so durations never wobble.
        estimate = date + timedelta(seconds=0.5)
        if self._anchor is not None:
            drift = (estimate - self.api_now()).total_seconds() + (self.clock.monotonic() - at)
            if abs(drift) <= 1.5:
                return
        self._anchor = (estimate, at)
        skew = (estimate - self.clock.now()).total_seconds()
        if abs(skew) > SKEW_NOTE_S and not self._skew_noted:
            self._skew_noted = True
            log.warning(
                "this machine's clock is %.0f s %s the API's: times are shown on the API's",
                abs(skew),
                "behind" if skew > 0 else "ahead of",
            )

    def _narrow_offset(self, date: datetime, at: float) -> None:
        lo, hi = date.timestamp() - at, date.timestamp() + 1 - at
        if self._offset is not None:
            old_lo, old_hi = self._offset
            if max(lo, old_lo) < min(hi, old_hi):
                lo, hi = max(lo, old_lo), min(hi, old_hi)
            # else: the API's clock stepped, or the latency widened it: start again from here.
        self._offset = (lo, hi)
