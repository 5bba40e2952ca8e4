"""A scheduler's jobs and chores, their ranks, and the context a request is made in.

A `Job` is a key, a rank, a pure `Cadence` and a poll function; what the budget gate reads of
the request being made (its priority, its job) travels in context variables.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from monitor.api.errors import ApiError
from monitor.polling.budget import BACKGROUND
from monitor.polling.cadence import FLOOR_S, Cadence

PRIORITY: contextvars.ContextVar[int] = contextvars.ContextVar("poll_priority", default=BACKGROUND)
"""The priority of the job making the current request (read by the budget gate)."""
CURRENT_JOB: contextvars.ContextVar[Job | None] = contextvars.ContextVar("poll_job", default=None)
"""The job making the current request, so the gate can raise it as its data ages."""

P_SELECTED, P_ACTIVE, P_FOCUSED, P_LISTS, P_OTHERS, P_ANALYSIS = 0, 1, 2, 3, 4, 5
"""Ranks, most important first: the user's focus, the live view, then background work (from
P_LISTS on). A pane near its promised age is raised to P_ACTIVE."""
MAX_BACKGROUND_JOBS = 2
"""Background jobs running at once; essential ones always start (they are one per resource)."""
LOOP_FLOOR_S = 0.25
KEY_PROBE_S = 60.0
"""With the key refused, probe slowly until it works again (FAULTS N13)."""
FORBIDDEN_RETRY_S = 300.0
TARGET_SHARE = 0.6
"""A job whose data is older than this share of its target goes before the others."""


@dataclass(eq=False)
class Job:
    key: str
    """Also the store's freshness key for what it fetches."""
    priority: int
    cadence: Cadence
    poll: Callable[[Job], Awaitable[bool]]
    """Fetches and writes the store; returns whether anything changed. Given its own job, so
    it can say when it is worth asking again (`due_hint`) or that it is done (`cadence.final`)."""
    due: float
    task: asyncio.Task[None] | None = None
    started: float = -1e9
    ended: float = -1e9
    """When its last run finished: a run asked for early starts a second after that, so no
    request repeats within a second even when the last one went out at the end of its run."""
    runs: int = 0
    due_hint: float | None = None
    """Set by a poll that found nothing to do: when it is worth asking again."""
    target_s: float | None = None
    """The age its pane promises: a job whose data is older than most of this goes before
    everything but the selected call, so no pane starves while the budget has room."""
    rank_now: Callable[[float], int] | None = None
    """Its rank at a given instant, when the poller decides it (instead of `target_s`)."""
    on_error: Callable[[Job, ApiError], None] | None = None
    """Told of an API error of its own (a 404 that ends a poller's work, say)."""
    probe: bool = False
    """Runs while the key is refused: one slow probe notices a fixed key."""
    from_start: bool = False
    """Its interval runs from its start, not its end (a sweep of many pages), less only the
    time its run waited at the budget gate: a slow API's answers still push it back."""
    waited: float = 0.0
    """Seconds the current run has waited at the budget gate."""
    watch: bool = False
    """Of a relay's watch share (its viewers' calls beside the selected one): spends only the
    share's slice, never what the active sweep needs next, and is never raised (`Budget`)."""

    def hurry(self, now: float) -> None:
        """Due as soon as possible, but never within a second of its last run."""
        self.due = min(self.due, max(now, self.ended + FLOOR_S))


@dataclass
class Chore:
    """Housekeeping the loop does every so often (no request, no job)."""

    every_s: float
    run: Callable[[float], None]
    last: float
