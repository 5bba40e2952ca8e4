"""The loop wakes at a job's end only when that end matters before its sleep is over (issue 21:
it woke 3.7 times a second on busy, once per start and once per end): the requests sent are
those of a loop woken by every end, the same paths and queries as often, each within the loop's
floor of its instant there."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter

import pytest

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.budget import Budget
from monitor.polling.engine import Engine
from monitor.polling.scheduler import LOOP_FLOOR_S, Job, Scheduler
from monitor.sim import Simulator
from monitor.state.store import Store
from tests.drive import drive, settle


async def requests_sent(
    scenario: str, seconds: float, *, focus_after: float | None = None
) -> tuple[list[tuple[float, str, str]], int]:
    """What the engine asks the simulator over `seconds` of simulated time, and how many times
    its loop slept."""
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=7, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(7)
    )
    sleeps = 0
    sleep_or_wake = engine.scheduler._sleep_or_wake

    async def counted(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await sleep_or_wake(seconds)

    engine.scheduler._sleep_or_wake = counted  # type: ignore[method-assign]
    task = asyncio.create_task(engine.run())
    if focus_after is not None:
        await drive(clock, focus_after)
        # A campaign focused before the store knows it: its job is added by a job's end.
        engine.focus_campaign(sim.world.campaigns[0].id)
    await drive(clock, seconds - (focus_after or 0.0))
    engine.stop()
    await settle()
    task.cancel()
    await client.aclose()
    return [(r.at, r.path, r.query) for r in sim.requests], sleeps


@pytest.mark.parametrize(("scenario", "focus_after"), [("busy", None), ("small", 0.01)])
async def test_the_requests_are_those_of_a_loop_woken_by_every_end(
    scenario: str, focus_after: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent, sleeps = await requests_sent(scenario, 150.0, focus_after=focus_after)
    monkeypatch.setattr(Scheduler, "_woken_by", lambda self, job: True)
    every_end, sleeps_before = await requests_sent(scenario, 150.0, focus_after=focus_after)
    assert len(sent) > 50
    # The same requests, each within the loop's floor of its instant there: a job due less
    # than LOOP_FLOOR_S after a turn of the loop starts at the floor, counted from whichever
    # turn came last (one more woken by an end could start it a little later).
    assert Counter((p, q) for _, p, q in sent) == Counter((p, q) for _, p, q in every_end)
    assert max(abs(a - b) for a, b in zip(instants(sent), instants(every_end), strict=True)) <= (
        LOOP_FLOOR_S + 1e-6
    )
    assert sleeps < 0.8 * sleeps_before


def instants(sent: list[tuple[float, str, str]]) -> list[float]:
    """Each request's instant, in the order of (path and query, occurrence)."""
    nth: Counter[tuple[str, str]] = Counter()
    keyed = []
    for at, path, query in sent:
        nth[path, query] += 1
        keyed.append(((path, query, nth[path, query]), at))
    return [at for _, at in sorted(keyed)]


async def test_a_job_that_ends_due_before_the_loop_wakes_is_run_on_time() -> None:
    # The loop sleeps towards the slow job's minute; the quick one, ending due in a second,
    # must wake it.
    clock = FakeClock()
    s = Scheduler(
        clock=clock, budget=Budget(), store=Store(), rng=random.Random(1), max_backoff_s=30.0
    )
    runs: list[float] = []

    async def slow(job: Job) -> bool:
        return True

    async def quick(job: Job) -> bool:
        runs.append(clock.monotonic())
        await clock.sleep(0.5)
        job.due_hint = clock.monotonic() + 1.0  # asks again in a second
        return True

    s.add("slow", 1, 60.0, slow)
    s.add("quick", 1, 60.0, quick)
    task = asyncio.create_task(s.run(lambda: None))
    await drive(clock, 10)
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert len(runs) >= 6 and all(abs(g - 1.5) < 0.01 for g in gaps)
    s.stop()
    await settle()
    await task


async def test_a_job_that_a_run_makes_wanted_starts_when_the_run_ends() -> None:
    # `sync` adds jobs from what runs learn (a focused campaign the store now holds): the loop,
    # asleep towards the next run a minute away, must not wait for it to start the new job.
    clock = FakeClock()
    s = Scheduler(
        clock=clock, budget=Budget(), store=Store(), rng=random.Random(1), max_backoff_s=30.0
    )
    learnt: list[float] = []
    started: list[float] = []

    async def lister(job: Job) -> bool:
        await clock.sleep(0.5)
        learnt.append(clock.monotonic())
        return True

    async def new(job: Job) -> bool:
        started.append(clock.monotonic())
        return True

    def sync() -> None:
        if learnt:
            s.add("new", 1, 60.0, new)

    s.add("lister", 1, 60.0, lister)
    task = asyncio.create_task(s.run(sync))
    await drive(clock, 10)
    assert started == [learnt[0]]
    s.stop()
    await settle()
    await task
