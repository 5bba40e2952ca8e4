"""The engine against the in-process simulator over simulated time, checked against the world's
own truth: request discipline, freshness of ended calls, counts, in-flight and the retry wave."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from dataclasses import dataclass

import pytest

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.drive import drive, settle


@dataclass
class Run:
    clock: FakeClock
    sim: Simulator
    engine: Engine
    client: DialNexaClient
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.engine.stop()
        await settle()
        self.task.cancel()
        await self.client.aclose()

    def mono_of(self, world_t: float) -> float:
        wall = self.sim.world.at(world_t)
        return self.clock.monotonic() - (self.clock.now() - wall).total_seconds()


async def start(scenario: str, *, seed: int = 7) -> Run:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=seed, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(seed)
    )
    return Run(clock, sim, engine, client, asyncio.create_task(engine.run()))


def per_minute(run: Run, start: float, end: float) -> list[int]:
    times = [r.at for r in run.sim.requests]
    return [sum(1 for t in times if s <= t < s + 60) for s in range(int(start), int(end) - 59, 5)]


@pytest.mark.timeout(180)
async def test_busy_scenario_for_20_simulated_minutes() -> None:
    run = await start("busy")
    try:
        t0 = run.clock.monotonic()
        await drive(run.clock, 8 * 60)
        selected = run.engine.store.in_flight()[0].call.id
        run.engine.select_call(selected)
        await drive(run.clock, 12 * 60)
        end = run.clock.monotonic()
        requests = list(run.sim.requests)

        # Inside the budget: never more than 60 in any sliding minute; no 429 provoked.
        windows = per_minute(run, t0, end)
        assert max(windows) <= 60
        assert Counter(r.status for r in requests)[429] == 0
        assert {r.method for r in requests} == {"GET"}
        # Steady state with ~100 in flight: at most 40 a minute on average.
        steady = per_minute(run, t0 + 180, end)
        assert sum(steady) / len(steady) <= 40

        # No call id polled faster than once a second.
        by_call: dict[str, list[float]] = {}
        for r in requests:
            parts = r.path.split("/")
            if len(parts) == 4 and parts[2] == "calls":
                by_call.setdefault(parts[3], []).append(r.at)
        for times in by_call.values():
            assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))

        # Every call that ended is shown ended within a bounded time.
        lags = []
        for call in run.sim.world.calls:
            tracked = run.engine.store.calls.get(call.id)
            if call.end_t is None or tracked is None:
                continue
            ended_mono = run.mono_of(call.end_t)
            if not (t0 + 60 < ended_mono < end - 60):
                continue
            assert tracked.ended_seen is not None, call.id
            lags.append(tracked.ended_seen - ended_mono)
        assert len(lags) > 200
        lags.sort()
        assert lags[int(0.95 * len(lags))] <= 10.0
        assert lags[-1] <= 75.0  # calls seen only while queued: the queued sweep is slower

        # Freeze the world, let every poller run again, and compare with the truth.
        run.sim.world.sync()
        run.sim.world.speed = 0
        run.engine.refresh_now()
        await drive(run.clock, 60)
        truth_in_flight = {c.id for c in run.sim.world.calls_in_flight()}
        shown = {t.call.id for t in run.engine.store.in_flight()}
        assert shown == truth_in_flight
        view = run.engine.view()
        assert view.concurrency.in_flight == len(truth_in_flight)
        queued = [c for c in run.sim.world.calls if c.status == "queued"]
        assert view.concurrency.queued == len(queued)
        # The retry wave: every retry the world has scheduled, at its minute.
        schedule = run.sim.world.retry_schedule()
        projected = sum(b.calls for b in view.concurrency.wave)
        assert abs(projected - len(schedule)) <= max(3, len(schedule) // 20)
        truth_minutes = Counter(
            run.sim.world.at(p.due_t).replace(second=0, microsecond=0) for p in schedule
        )
        for bucket in view.concurrency.wave[1:]:  # the first minute also holds overdue ones
            assert abs(bucket.calls - truth_minutes.get(bucket.at, 0)) <= 2
        # Counts of every campaign, once the slower pollers have come round.
        await drive(run.clock, 5 * 60)
        view = run.engine.view()
        for row in view.campaigns:
            truth = run.sim.world.outcome_counts(row.id)
            for status in ("completed", "no_answer", "busy", "failed", "voicemail"):
                assert row.counts[status] == truth.get(status, 0), (row.id, status)
    finally:
        await run.close()
