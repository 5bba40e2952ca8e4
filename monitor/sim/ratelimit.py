"""The per-key rate limit the vendor is observed to apply: 150 requests per 60 s window.

A fixed window per key, as the observed headers suggest (`x-ratelimit-reset: 60` on a fresh
window). Runs on the injected clock's monotonic time, not world time: a limit is about the
client's real request rate, whatever speed the world runs at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.clock import Clock

DEFAULT_LIMIT = 150
DEFAULT_WINDOW_S = 60.0


@dataclass
class Decision:
    """The outcome for one request and the headers that describe the key's window."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int
    """Whole seconds until the window resets (at least 1)."""

    def headers(self, clock: Clock, reset_form: str) -> dict[str, str]:
        reset = self.reset_after
        if reset_form == "epoch":
            reset = math.ceil(clock.now().timestamp()) + self.reset_after
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(reset),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_after)
        return out


class RateLimiter:
    """Fixed windows per key. `limit` requests pass; the next one in the window gets 429."""

    def __init__(
        self, clock: Clock, limit: int = DEFAULT_LIMIT, window_s: float = DEFAULT_WINDOW_S
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}

    def check(self, key: str) -> Decision:
        """Count one request for `key` and say whether it may pass."""
        now = self.clock.monotonic()
        start, used = self._windows.get(key, (now, 0))
        if now >= start + self.window_s:
            start, used = now, 0
        used += 1
        self._windows[key] = (start, used)
        reset_after = max(1, math.ceil(start + self.window_s - now))
        return Decision(used <= self.limit, self.limit, max(0, self.limit - used), reset_after)

    def reset(self) -> None:
        self._windows.clear()
