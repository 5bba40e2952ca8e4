"""How fresh one resource's data is: when it was last fetched, how often it should be, the age
its pane promises, and its last error. The store keeps one per resource; STALE is read here."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.api.errors import ApiError


@dataclass(frozen=True, slots=True)
class Freshness:
    """How fresh one resource's data is, and what went wrong last."""

    fetched_at: float | None = None
    """Monotonic time of the last good fetch; None means never."""
    expected_interval_s: float = 5.0
    """How often it should refresh now: two missed polls make it "stale"..."""
    promise_s: float | None = None
    """...unless its pane promises a longer age (README, "How it polls"): the scheduler may
    run a poller late while the data is still inside its promise, and STALE then would cry
    wolf (the 10-minute campaign-screen drill saw it at ages under the promise)."""
    error: ApiError | None = None
    error_since: float | None = None
    """Monotonic time of the first error in the current run of errors."""
    source: str | None = None
    """Which endpoint served it, when a fallback is in use."""

    def age(self, now: float) -> float | None:
        return None if self.fetched_at is None else max(0.0, now - self.fetched_at)

    def is_stale(self, now: float) -> bool:
        age = self.age(now)
        limit = 2 * self.expected_interval_s + 1
        if self.promise_s is not None:
            limit = max(limit, self.promise_s)
        return age is not None and age > limit
