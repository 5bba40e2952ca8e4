"""The scheduler: jobs, their due times and priorities, the budget gate and the wake event.

It knows no resource. A `Job` (`monitor.polling.jobs`) is a key, a rank, a pure `Cadence` and a
poll function; the loop starts jobs as they fall due, most important first, and every request
they make passes the budget gate (`DialNexaClient.before_request`), which grants tokens to the
most important waiter first. What a job fetches, and what it does about an error of its own, is
its poller's business (`Job.on_error`, `Job.due_hint`); the scheduler only records each run's
freshness or error on the store under the job's key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable

from monitor.api.errors import ApiError, Forbidden, RateLimited, ServerError, Unauthorized
from monitor.clock import Clock
from monitor.polling.budget import SENT_AT, Budget
from monitor.polling.cadence import FLOOR_S, Cadence
from monitor.polling.jobs import (
    CURRENT_JOB,
    FORBIDDEN_RETRY_S,
    KEY_PROBE_S,
    LOOP_FLOOR_S,
    MAX_BACKGROUND_JOBS,
    P_ACTIVE,
    P_ANALYSIS,
    P_FOCUSED,
    P_LISTS,
    P_OTHERS,
    P_SELECTED,
    PRIORITY,
    TARGET_SHARE,
    Chore,
    Job,
)
from monitor.state.store import Store

log = logging.getLogger(__name__)

__all__ = [
    "CURRENT_JOB",
    "FORBIDDEN_RETRY_S",
    "KEY_PROBE_S",
    "LOOP_FLOOR_S",
    "MAX_BACKGROUND_JOBS",
    "PRIORITY",
    "P_ACTIVE",
    "P_ANALYSIS",
    "P_FOCUSED",
    "P_LISTS",
    "P_OTHERS",
    "P_SELECTED",
    "TARGET_SHARE",
    "Chore",
    "Job",
    "Scheduler",
]


class Scheduler:
    """Runs jobs as they fall due, within the budget; never raises on API errors."""

    def __init__(
        self,
        *,
        clock: Clock,
        budget: Budget,
        store: Store,
        rng: random.Random,
        max_backoff_s: float,
    ) -> None:
        self.clock = clock
        self.budget = budget
        self.store = store
        self.rng = rng
        self.max_backoff_s = max_backoff_s
        self.jobs: dict[str, Job] = {}
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._waiting: Counter[int] = Counter()
        self._target_sent: dict[str, float] = {}
        """When each request (path and query) last went out: `gate` keeps the same request
        from going out twice within a second, also for a job dropped and added again."""
        self._recovered = False
        """The API answered again after failing: pollers that were failing go again now."""
        self._chores: list[Chore] = []
        self._until = -math.inf
        """When the loop's sleep ends: a job ending due later needs no wake (issue 21, CPU)."""
        self._held = False
        """Due jobs were left waiting at the last start (slots full, key refused)."""
        self._sync: Callable[[], None] = lambda: None

    # -- what runs ---------------------------------------------------------------------------

    def add(
        self,
        key: str,
        priority: int,
        base_s: float,
        poll: Callable[[Job], Awaitable[bool]],
        *,
        cap_s: float | None = None,
    ) -> Job:
        """The job under `key`, added if new (due at once; the gate keeps the floor)."""
        job = self.jobs.get(key)
        if job is None:
            now = self.clock.monotonic()
            cadence = Cadence(base_s=base_s, cap_s=cap_s or max(base_s, self.max_backoff_s))
            job = Job(key, priority, cadence, poll, due=now)
            self.jobs[key] = job
            if now < self._until:
                self._wake.set()  # due now, and the loop sleeps past it
        job.priority = priority
        return job

    def drop(self, key: str) -> None:
        job = self.jobs.pop(key, None)
        if job is not None and job.task is not None:
            job.task.cancel()
        self.store.freshness.pop(key, None)

    def every(self, seconds: float, chore: Callable[[float], None]) -> None:
        """Run `chore(now)` from the loop every `seconds` (first after `seconds`)."""
        self._chores.append(Chore(seconds, chore, last=self.clock.monotonic()))

    # -- when it runs --------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def recovered(self) -> None:
        """The API answers again: jobs that were failing go again soon (spread, not a storm)."""
        self._recovered = True
        self._wake.set()

    def refresh_now(self) -> None:
        """Every job as soon as the budget allows, at its base pace again."""
        now = self.clock.monotonic()
        for job in self.jobs.values():
            job.hurry(now)
            job.cadence.interval_s = job.cadence.base_s
        self._wake.set()

    def retry_now(self, keys: Iterable[str]) -> None:
        """These jobs again as soon as the budget allows (never within a second of a run)."""
        now = self.clock.monotonic()
        for key in keys:
            job = self.jobs.get(key)
            if job is not None:
                job.hurry(now)
        self._wake.set()

    def hurry_idle(self, key: str, now: float) -> None:
        """This job sooner, if it exists and is not running (a running one reschedules itself)."""
        job = self.jobs.get(key)
        if job is not None and job.task is None:
            job.hurry(now)
            self._wake.set()

    def finish(self) -> None:
        """No job runs again once its current run ends (a one-shot round read what it wanted)."""
        for job in self.jobs.values():
            job.cadence.final = True

    def next_poll_in(self) -> float | None:
        idle = [j.due for j in self.jobs.values() if j.task is None and not j.cadence.final]
        if not idle:
            return None
        return max(0.0, min(idle) - self.clock.monotonic())

    def priority(self, job: Job, now: float) -> int:
        """A job's rank now: its poller's say, or raised when its pane nears its promised age."""
        if job.rank_now is not None:
            return job.rank_now(now)
        if job.target_s is None or job.priority <= P_ACTIVE or job.watch:
            return job.priority
        fresh = self.store.freshness.get(job.key)
        age = None if fresh is None else fresh.age(now)
        if age is not None and age > TARGET_SHARE * job.target_s:
            return P_ACTIVE
        return job.priority

    # -- the budget gate -----------------------------------------------------------------------

    async def gate(self, target: str) -> None:
        """Awaited before every request (`target`: its path and query): returns when the
        budget grants it a token and the same request has not gone out within a second.

        The second rule is per request, not per job: two calls of one retry series share their
        history's URL, and a call left and opened again while its answer is on the wire gets a
        new job (FAULTS N18, R3; the vendor's floor is one request a second per resource).
        """
        job = CURRENT_JOB.get()
        while True:
            now = self.clock.monotonic()
            too_soon = self._target_sent.get(target, -1e9) + FLOOR_S - now
            if too_soon > 0:
                await self.clock.sleep(too_soon)
                continue
            if job is not None and job.watch and self.budget.watch_held(now):
                # Not counted as waiting: a share held back holds nothing else back.
                await self.clock.sleep(max(0.05, self.budget.watch_wait_s(now)))
                continue
            # Re-derived while it waits: a request that began as background work is raised
            # once its pane nears its promised age (the budget's soft share must not hold the
            # campaign list past its target while the focused campaign spends the minute).
            priority = (
                PRIORITY.get() if job is None else min(PRIORITY.get(), self.priority(job, now))
            )
            higher_waiting = any(n for p, n in self._waiting.items() if p < priority)
            watch = job is not None and job.watch
            if not higher_waiting and self.budget.take(now, priority, watch=watch):
                SENT_AT.set(now)
                self._target_sent[target] = now
                if len(self._target_sent) > 1024:
                    # Only the last second matters: a day of distinct pages must not pile up.
                    horizon = now - FLOOR_S
                    self._target_sent = {k: t for k, t in self._target_sent.items() if t > horizon}
                return
            self._waiting[priority] += 1
            try:
                await self.clock.sleep(max(0.05, self.budget.wait_s(now, priority)))
            finally:
                self._waiting[priority] -= 1
                if job is not None:
                    job.waited += self.clock.monotonic() - now

    # -- the loop ----------------------------------------------------------------------------

    async def run(self, sync: Callable[[], None]) -> None:
        """Start jobs as they fall due until `stop()`; `sync` adds and drops jobs each turn."""
        self._sync = sync
        try:
            while not self._stop.is_set():
                sync()
                self._start_due_jobs()
                now = self.clock.monotonic()
                for chore in self._chores:
                    if now - chore.last > chore.every_s:
                        chore.last = now
                        chore.run(now)
                idle = [j.due for j in self.jobs.values() if j.task is None and not j.cadence.final]
                wait = min(idle, default=now + 5.0) - now
                # A due job that could not start (background slots full, key refused) waits for
                # a running job to finish, which wakes the loop: never spin on a past due time.
                seconds = min(max(wait, LOOP_FLOOR_S), 5.0)
                self._until = now + seconds
                await self._sleep_or_wake(seconds)
                self._until = -math.inf
        finally:
            tasks = [j.task for j in self.jobs.values() if j.task is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task

    async def _sleep_or_wake(self, seconds: float) -> None:
        if self._wake.is_set():
            self._wake.clear()
            await asyncio.sleep(0)
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            self._wake.clear()

    def _start_due_jobs(self) -> None:
        now = self.clock.monotonic()
        if self._recovered:
            # Failing pollers waited at their healthy pace (no storm); the API is back, so
            # they refresh now, spread over a few seconds and paced by the budget.
            self._recovered = False
            for job in self.jobs.values():
                if job.cadence.errors and job.task is None:
                    job.due = min(job.due, max(now, job.ended + FLOOR_S) + self.rng.uniform(0, 3))
        background = sum(
            1 for j in self.jobs.values() if j.task is not None and j.priority >= P_LISTS
        )
        due = sorted(
            (
                j
                for j in self.jobs.values()
                if j.task is None and j.due <= now and not j.cadence.final
            ),
            key=lambda j: (self.priority(j, now), j.due),
        )
        self._held = False
        if self.store.health.state == "key_refused":
            # One slow probe is enough to notice a fixed key; the rest would only be refused.
            self._held = any(not j.probe for j in due)
            due = [j for j in due if j.probe]
        for job in due:
            if self.priority(job, now) >= P_LISTS:
                if background >= MAX_BACKGROUND_JOBS:
                    self._held = True
                    continue
                background += 1
            job.started = now
            job.task = asyncio.create_task(self._run_job(job), name=f"poll-{job.key}")

    async def _run_job(self, job: Job) -> None:
        PRIORITY.set(self.priority(job, self.clock.monotonic()))
        CURRENT_JOB.set(job)
        job.waited = 0.0
        retry_after: float | None = None
        try:
            changed = await job.poll(job)
            job.cadence.succeeded(changed=changed)
            self.store.mark_fresh(
                job.key,
                self.clock.monotonic(),
                interval_s=job.cadence.expected_s,
                promise_s=job.target_s,
            )
        except asyncio.CancelledError:
            raise
        except ApiError as exc:
            job.cadence.failed()
            self.store.mark_error(job.key, exc, self.clock.monotonic())
            if isinstance(exc, RateLimited | ServerError) and exc.retry_after:
                retry_after = exc.retry_after
            if isinstance(exc, Unauthorized):
                retry_after = KEY_PROBE_S
            elif isinstance(exc, Forbidden):
                retry_after = FORBIDDEN_RETRY_S
            elif job.on_error is not None:
                job.on_error(job, exc)
        except Exception as exc:
            # A bug in a poller must not stop the others or the app (FAULTS S9).
            log.exception("poller %s failed", job.key)
            job.cadence.failed()
            # The type only on screen: an exception's text could quote anything it touched.
            self.store.note_internal_error(
                f"Internal error while reading {job.key.split('/')[0]} ({type(exc).__name__}):"
                " a bug in the monitor, details in its log. Retrying; other data keeps updating."
            )
        finally:
            job.runs += 1
            now = self.clock.monotonic()
            job.ended = now
            pause = max(0.0, self.budget.paused_until - now)
            delay = job.cadence.next_delay(self.rng, retry_after=retry_after)
            if job.from_start and not job.cadence.errors:
                # The interval runs from its start: a 10-page sweep that waited for tokens
                # must not push the next one back by its own length. Time spent on the API's
                # answers does: a slow API (FAULTS N18) is not asked again the sooner for it.
                delay = max(FLOOR_S, delay - min(job.waited, now - job.started))
            job.due = now + max(delay, pause)
            if job.due_hint is not None:
                job.due = max(now + FLOOR_S, job.due_hint, now + pause)
                job.due_hint = None
            job.task = None
            if not self._stop.is_set():
                self._sync()  # a job it adds (a campaign that came to be focused) wakes the loop
            if self._woken_by(job):
                self._wake.set()

    def _woken_by(self, job: Job) -> bool:
        """Whether the end of `job`'s run must wake the loop before its sleep ends."""
        return self._held or job.due < self._until
