"""When to poll a resource next: pure arithmetic, no clock and no IO.

The vendor's rule for a single call is "every 5-10 s with an exponential cap; never faster than
once a second". We apply it to every poller: the base interval after a change, doubling while
nothing changes up to a cap, a 1 s floor, jitter so pollers do not align, a capped error backoff
with full jitter (reset by the first success), and never sooner than a server's Retry-After.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

FLOOR_S = 1.0
"""Never poll anything faster than once a second (vendor)."""
ERROR_CAP_S = 30.0
"""Transport-error backoff cap (client-go's), so recovery is seen within half a minute."""


@dataclass
class Cadence:
    base_s: float
    """Interval right after a change."""
    cap_s: float
    """Longest interval while nothing changes."""
    factor: float = 2.0
    jitter: float = 0.1
    """±10% on normal intervals."""
    interval_s: float = field(init=False)
    errors: int = 0
    """Consecutive failures; 0 after any success."""
    final: bool = False
    """The resource can no longer change (a call that ended): stop polling it."""

    def __post_init__(self) -> None:
        self.base_s = max(FLOOR_S, self.base_s)
        self.cap_s = max(self.base_s, self.cap_s)
        self.interval_s = self.base_s

    def succeeded(self, *, changed: bool) -> None:
        self.errors = 0
        if changed:
            self.interval_s = self.base_s
        else:
            self.interval_s = min(self.cap_s, self.interval_s * self.factor)

    def failed(self) -> None:
        self.errors += 1

    def rebase(self, base_s: float) -> None:
        """Change the base interval (e.g. more pages to sweep), keeping the backoff state sane."""
        self.base_s = max(FLOOR_S, base_s)
        self.cap_s = max(self.cap_s, self.base_s)
        self.interval_s = max(self.interval_s, self.base_s)

    def next_delay(self, rng: random.Random, *, retry_after: float | None = None) -> float:
        """Seconds until the next poll."""
        if self.errors:
            ceiling = min(ERROR_CAP_S, self.base_s * 2 ** (self.errors - 1))
            # Full jitter spreads failing pollers out, but a failing poller never asks more
            # often than it would when healthy: no retry storm from the slow pollers.
            floor = self.interval_s * (1 - self.jitter)
            delay = max(floor, rng.uniform(0, ceiling))
        else:
            delay = self.interval_s * rng.uniform(1 - self.jitter, 1 + self.jitter)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return max(FLOOR_S, delay)

    @property
    def expected_s(self) -> float:
        """The interval a viewer should expect now (for staleness); infinite for a resource that
        can no longer change (`final`): it is not polled again, and that is not staleness."""
        return math.inf if self.final else self.interval_s
