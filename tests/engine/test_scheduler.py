"""The scheduler on its own: jobs that are not resources, a fake clock, no API."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from monitor.api.errors import ApiError, NotFound
from monitor.clock import FakeClock
from monitor.polling.budget import Budget
from monitor.polling.scheduler import P_ACTIVE, P_FOCUSED, P_LISTS, Job, Scheduler
from monitor.polling.serverclock import ServerClock
from monitor.state.store import Store
from tests.drive import drive, settle


def scheduler(clock: FakeClock) -> Scheduler:
    return Scheduler(
        clock=clock, budget=Budget(), store=Store(), rng=random.Random(1), max_backoff_s=30.0
    )


async def test_jobs_run_at_their_pace_and_a_hurried_one_waits_a_second_after_its_run() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    runs: dict[str, list[float]] = {"a": [], "b": []}

    def poll(key: str) -> Callable[[Job], Awaitable[bool]]:
        async def run(job: Job) -> bool:
            runs[key].append(clock.monotonic())
            return True  # changed: the cadence stays at its base

        return run

    s.add("a", P_ACTIVE, 5.0, poll("a"))
    s.add("b", P_LISTS, 10.0, poll("b"))
    task = asyncio.create_task(s.run(lambda: None))
    await drive(clock, 21)
    assert len(runs["a"]) in (4, 5) and len(runs["b"]) in (2, 3)
    assert s.store.freshness["a"].fetched_at is not None  # freshness kept under the job's key
    before, asked = len(runs["b"]), clock.monotonic()
    s.retry_now(["b"])
    await drive(clock, 2)
    assert len(runs["b"]) == before + 1  # at once, not at its 10 s pace...
    assert runs["b"][-1] >= asked
    assert runs["b"][-1] - runs["b"][-2] >= 1.0  # ...and never within a second of its last run
    s.stop()
    await settle()
    await task


async def test_a_job_is_told_of_its_own_api_errors_and_can_finish_itself() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    told: list[ApiError] = []

    async def gone(job: Job) -> bool:
        raise NotFound("Not found (404): no such thing", path="/x", status=404)

    def on_error(job: Job, error: ApiError) -> None:
        told.append(error)
        job.cadence.final = True

    s.add("x", P_ACTIVE, 5.0, gone).on_error = on_error
    task = asyncio.create_task(s.run(lambda: None))
    await drive(clock, 30)
    assert len(told) == 1 and s.jobs["x"].runs == 1
    assert s.store.freshness["x"].error is not None
    assert s.next_poll_in() is None  # nothing left to run
    s.stop()
    await settle()
    await task


def test_the_server_clock_narrows_its_offset_from_dates_at_different_phases() -> None:
    clock = FakeClock()
    server = ServerClock(clock)
    t0 = clock.monotonic()
    # The API's clock reads 12:00:00.7 at t0: its `Date` says 12:00:00 (rounded down).
    true_epoch = datetime(2026, 1, 1, 12, 0, 0, 700000, tzinfo=UTC).timestamp()
    for step in (0.0, 0.2, 0.4, 0.6):
        clock.advance(step - (clock.monotonic() - t0))
        now = true_epoch + (clock.monotonic() - t0)
        server.note(datetime.fromtimestamp(int(now), UTC), clock.monotonic())
    instant = server.api_instant(t0).timestamp()
    assert abs(instant - true_epoch) <= 0.15


async def watch_share_beside_a_sweep(watch: bool) -> tuple[list[float], int, int]:
    """A 3-page sweep every 5 s beside four watched calls that would each ask every second:
    the sweep's starts from the second minute on, and the last minute's requests (all, the
    share's)."""
    clock = FakeClock()
    s = scheduler(clock)
    starts: list[float] = []
    pages = iter(range(10**6))

    async def sweep(job: Job) -> bool:
        starts.append(clock.monotonic())
        for _ in range(3):
            await s.gate(f"/calls?page={next(pages)}")
        s.budget.sweep_room = 3
        return True

    async def record(job: Job) -> bool:
        await s.gate(f"/{job.key}?at={clock.monotonic()}")
        return True

    active = s.add("active", P_ACTIVE, 5.0, sweep)
    active.from_start = True
    for n in range(4):
        s.add(f"call/w{n}", P_FOCUSED, 1.0, record).watch = watch
    task = asyncio.create_task(s.run(lambda: None))
    await drive(clock, 180)
    now = clock.monotonic()
    used, share = s.budget.used_last_minute(now), len(s.budget.sent_watch)
    s.stop()
    await settle()
    await task
    return [t for t in starts if t >= 60], used, share


async def test_a_relays_watch_share_never_holds_the_active_sweep_back() -> None:
    starts, used, share = await watch_share_beside_a_sweep(watch=True)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert max(gaps) <= 5.0 * 1.1 + 0.5, gaps  # its pace (5 s, jitter 10%), as if alone
    assert share == 12 and used <= 3 * 12 + 12 + 1  # the sweep's 36 and the share's slice
    # The same calls spent freely: the minute sits at its ceiling and the sweep queues there.
    starts, used, _ = await watch_share_beside_a_sweep(watch=False)
    assert max(b - a for a, b in itertools.pairwise(starts)) > 7.0
    assert used >= 57
