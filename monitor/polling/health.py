"""The API's health for the status line, from every answer (or failure to get one).

A failure of one panel's own (403, 404) is that panel's, not the API's; a 429 pauses the whole
budget and says until when; the first good answer after a failure tells the scheduler, so the
pollers that were failing go again at once rather than at their backed-off pace.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from monitor.api.client import ResponseInfo
from monitor.api.errors import (
    BadPayload,
    RateLimited,
    ServerError,
    Timeout,
    Unauthorized,
    Unreachable,
)
from monitor.clock import Clock
from monitor.polling.budget import Budget
from monitor.state.store import ApiHealth, Store


class Health:
    """Keeps `store.health` in step with the API's answers and the budget."""

    def __init__(
        self,
        *,
        store: Store,
        budget: Budget,
        clock: Clock,
        rng: random.Random,
        on_recovery: Callable[[], None],
    ) -> None:
        self.store = store
        self.budget = budget
        self.clock = clock
        self.rng = rng
        self.on_recovery = on_recovery
        """Called when the API answers well again after failing."""

    def observe(self, info: ResponseInfo) -> None:
        """One answer (its rate-limit headers already given to the budget)."""
        now = info.at
        error = info.error
        health = self.store.health
        if error is None:
            self.store.last_good_read = now
            self.budget.succeeded()
            state, message = "ok", ""
            if health.state != "ok":
                self.on_recovery()
        elif isinstance(error, RateLimited):
            pause = self.budget.rate_limited(now, error.retry_after, self.rng)
            self.set("rate_limited", error.message, until=now + pause)
            return
        elif isinstance(error, Unauthorized):
            state, message = "key_refused", error.message
        elif isinstance(error, Unreachable | Timeout):
            state, message = "unreachable", error.message
        elif isinstance(error, ServerError):
            state, message = "server_error", error.message
        elif isinstance(error, BadPayload):
            state, message = "degraded", error.message
        else:
            return  # 403/404 belong to one panel, not to the API's health
        if health.state == state == "rate_limited" and error is None:
            return
        self.set(state, message)

    def refresh(self) -> None:
        """The same state, its budget figures brought up to date (the minute slides)."""
        health = self.store.health
        self.set(health.state, health.message, until=health.until)

    def set(self, state: str, message: str, *, until: float | None = None) -> None:
        now = self.clock.monotonic()
        previous = self.store.health
        since: float | None = None
        if state != "ok":
            since = previous.since if previous.state == state and previous.since else now
        self.store.set_health(
            ApiHealth(
                state=state,
                message=message,
                since=since,
                until=until,
                used_last_minute=self.budget.used_last_minute(now),
                limit=self.budget.server_limit,
                remaining=self.budget.server_remaining,
                reset_after_s=(
                    max(0.0, self.budget.server_reset_at - now)
                    if self.budget.server_reset_at is not None
                    else None
                ),
                budget_per_min=int(self.budget.per_min),
            )
        )
