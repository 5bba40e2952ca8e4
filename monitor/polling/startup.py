"""The first minute: the campaigns on screen get their history before background work.

At start nothing of the sliding minute is spent, yet at 1,000 calls in flight the live panes
(the active sweep, the endings, the lookups) need about 50 of its 60 requests. What is left
goes first to what the user is waiting on, the history of the campaigns on screen: it may
use the budget's startup allowance (`Budget.startup`, not paced one a second), and background
work that can wait (the queue's pages, reconciliation, the qualified-rate backfill, the retry
audit) waits until that history is read or the first minute is over. Without this the first
minute was spent on background pages, the on-screen history was paced at one request a
second behind them, and at 1,000 in flight it took minutes (README, "What it costs").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from monitor.clock import Clock
from monitor.polling.budget import Budget
from monitor.polling.counts import Counts
from monitor.polling.scheduler import Job

STARTUP_S = 60.0
"""How long background work may be held for the on-screen history (the first minute)."""
STARTUP_SHARE = 0.5
"""The startup allowance, a share of the minute's ceiling (30 of 60)."""
HOLD_SHARE = 0.5
"""In the first minute, background work waits once this share of the minute is spent."""
RECHECK_S = 2.0
"""How soon held background work looks again."""

Poll = Callable[[Job], Awaitable[bool]]


class Startup:
    """Says whether the first minute's on-screen history is still being read."""

    def __init__(self, counts: Counts, budget: Budget, clock: Clock, *, live: bool = True) -> None:
        self.counts = counts
        self.budget = budget
        self.clock = clock
        self.started = clock.monotonic()
        self.live = live
        """False for `snapshot`'s one round: it has no first minute to share, and a job held
        there would be a round with no read, reported as if it had been read."""

    def starting(self, now: float) -> bool:
        """Within the first minute, and a campaign on screen (or the focused one) still has
        no history."""
        return now - self.started < STARTUP_S and self.counts.urgent()

    def holding(self, now: float) -> bool:
        """Background work waits: the campaign list is not read yet, the on-screen history
        is still being read, or it is the
        first minute and half of it is spent already (at 1,000 calls in flight the live
        panes need the rest; at 100 the minute has room and nothing waits)."""
        if not self.live or now - self.started >= STARTUP_S:
            return False
        listed = self.counts.store.freshness.get("campaigns")
        if listed is None or listed.fetched_at is None:
            return True  # which campaigns are on screen is not known yet
        budget = self.budget
        return self.counts.urgent() or budget.used_last_minute(now) >= HOLD_SHARE * budget.per_min

    def after(self, poll: Poll) -> Poll:
        """`poll`, held (no request, asked again shortly) while `holding`."""

        async def held(job: Job) -> bool:
            now = self.clock.monotonic()
            if self.holding(now):
                job.due_hint = now + RECHECK_S
                return False
            return await poll(job)

        return held
