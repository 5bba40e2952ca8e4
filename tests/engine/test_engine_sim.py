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
from monitor.state.views import dashboard_view
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


@dataclass(frozen=True)
class Bounds:
    """What a scenario must meet; the budget and the truth checks are the same for all."""

    steady_per_min: float
    """Mean requests a minute once warmed up (the issue: 40 at 100 in flight, 60 at 1,000)."""
    ended_p95_s: float
    ended_max_s: float
    counts_settle_s: float
    """How long the slow pollers need to come round every campaign's counts, world frozen."""
    never_shown: float = 0.0
    """Share of ended calls the monitor may never have shown at all."""
    freeze_settle_s: float = 60.0
    """World frozen: time for the lists (active, queued) to be read whole once more."""
    counts_slack: int = 0
    counts_share: float = 0.0
    counts_overall: float = 0.0
    """After `counts_settle_s`, a count whose total was not read again since the freeze may be
    short by max(slack, share of it), and all of them by `overall` of their sum: an ending
    that no read named waits for its campaign's reconciliation (issue 14's bound at 1,000 in
    flight: `test_counts_truth.THOUSAND`). A count read since the freeze is exact, and none is
    ever over (nothing counted twice)."""


BUSY = Bounds(steady_per_min=40, ended_p95_s=10, ended_max_s=75, counts_settle_s=5 * 60)
HUGE = Bounds(
    steady_per_min=60,
    ended_p95_s=25,
    # A queued call dialled and ended between two active sweeps is noticed when the queue is
    # read again, and with 1,000 in flight that background sweep (4-5 pages) comes round every
    # few minutes; its outcome then comes by id within seconds.
    ended_max_s=360,
    counts_settle_s=40 * 60,
    never_shown=0.01,
    freeze_settle_s=300,
    # 50 campaigns reconciled one at a time (6 reads each, in what the active sweep leaves):
    # 20 of them came round in the 45 frozen minutes of the 2-hour run; the last reconciled
    # ones still lacked an ending no read named (a 20-45 s `no_answer` from the queue's middle,
    # dialled and ended between two reads of its active page), 1 in about 950.
    counts_slack=5,
    counts_share=0.25,
    counts_overall=0.02,
)


async def run_against_truth(scenario: str, minutes: float, bounds: Bounds) -> None:
    """Run the engine for `minutes` of simulated time, the user moving between live calls,
    then check request discipline and freshness, freeze the world and compare with its truth."""
    run = await start(scenario)
    try:
        t0 = run.clock.monotonic()
        shown_ended: dict[str, float] = {}
        """When the store first held each call as ended (noted every minute: it prunes)."""
        await drive(run.clock, 8 * 60)
        while run.clock.monotonic() - t0 < minutes * 60:
            live = run.engine.store.in_flight()
            if live:
                run.engine.select_call(live[len(live) // 2].call.id)
            await drive(run.clock, 60)
            for cid, tracked in run.engine.store.calls.items():
                if tracked.ended_seen is not None:
                    shown_ended.setdefault(cid, tracked.ended_seen)
        end = run.clock.monotonic()
        requests = list(run.sim.requests)  # the newest (the log is bounded on long runs)

        # Inside the budget: never more than 60 in any sliding minute; no 429 provoked.
        windows = per_minute(run, max(t0, requests[0].at), end)
        assert max(windows) <= 60
        assert Counter(r.status for r in requests)[429] == 0
        assert {r.method for r in requests} == {"GET"}
        steady = per_minute(run, max(t0 + 180, requests[0].at), end)
        assert sum(steady) / len(steady) <= bounds.steady_per_min

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
        never: list[str] = []
        for call in run.sim.world.calls:
            if call.end_t is None:
                continue
            ended_mono = run.mono_of(call.end_t)
            if not (t0 + 60 < ended_mono < end - 60):
                continue
            if call.id in shown_ended:
                lags.append(shown_ended[call.id] - ended_mono)
            else:
                never.append(call.id)
        assert len(lags) > 200
        # A call placed and ended between two sweeps, never listed as queued either, is seen
        # only if it is on the endings page (the newest 200 by creation, every 10 s). At 1,000
        # in flight a call queued and dialled between two reads of the queue that fails or is
        # busy within seconds is on none of them: it is in the campaign's counts but never
        # shown as a row (the API cannot sort by end time; under 1% in `huge`, measured).
        assert len(never) <= bounds.never_shown * len(lags), never[:5]
        lags.sort()
        assert lags[int(0.95 * len(lags))] <= bounds.ended_p95_s
        assert lags[-1] <= bounds.ended_max_s  # calls seen only while queued: slower sweep

        # Freeze the world, let every poller run again, and compare with the truth.
        run.sim.world.sync()
        run.sim.world.speed = 0
        run.engine.refresh_now()
        await drive(run.clock, bounds.freeze_settle_s)
        truth_in_flight = {c.id for c in run.sim.world.calls_in_flight()}
        shown = {t.call.id for t in run.engine.store.in_flight()}
        assert shown == truth_in_flight
        # As of the world's frozen instant: the API's clock (its `Date`) runs on through the
        # freeze, and retries due since then would count as overdue.
        view = dashboard_view(
            run.engine.store,
            now=run.sim.world.at(run.sim.world.t),
            mono_now=run.clock.monotonic(),
            cap=run.engine.settings.concurrency_cap,
        )
        assert view.concurrency.in_flight == len(truth_in_flight)
        queued = [c for c in run.sim.world.calls if c.status == "queued"]
        queued_shown = view.concurrency.queued
        # The retry wave: every retry the world has scheduled, at its minute.
        schedule = run.sim.world.retry_schedule()
        projected = sum(b.calls for b in view.concurrency.wave)
        assert abs(projected - len(schedule)) <= max(3, len(schedule) // 20)
        truth_minutes = Counter(
            run.sim.world.at(p.due_t).replace(second=0, microsecond=0) for p in schedule
        )
        for bucket in view.concurrency.wave[1:]:  # the first minute also holds overdue ones
            # Within 2, or 3% of a big minute: the retries of calls never listed at all (see
            # `never` above: under 1% overall, a few more in some minutes) cannot be projected.
            truth = truth_minutes.get(bucket.at, 0)
            assert abs(bucket.calls - truth) <= max(2, 3 * truth // 100), (bucket, truth)
        # Counts of every campaign, once the slower pollers have come round.
        frozen_at = run.sim.world.at(run.sim.world.t)
        await drive(run.clock, bounds.counts_settle_s, max_step=5.0)
        view = run.engine.view()
        tallies = run.engine.store.tally.campaigns
        ours_sum = truth_sum = read_again = 0
        for row in view.campaigns:
            truth = run.sim.world.outcome_counts(row.id)
            for status in ("completed", "no_answer", "busy", "failed", "voicemail"):
                ours, want = row.counts[status], truth.get(status, 0)
                assert ours is not None, (row.id, status)
                read_at = tallies[row.id].baseline_at.get(status)
                if read_at is not None and read_at > frozen_at:
                    read_again += 1  # its total read in the frozen world: exact
                    assert ours == want, (row.id, status, ours, want)
                else:
                    slack = max(bounds.counts_slack, int(bounds.counts_share * want))
                    assert want - slack <= ours <= want, (row.id, status, ours, want)
                ours_sum += ours
                truth_sum += want
        if bounds.counts_slack:
            assert read_again > 0  # the bound is not all there is: some were read again
        assert ours_sum >= (1 - bounds.counts_overall) * truth_sum, (ours_sum, truth_sum)
        assert queued_shown == len(queued)
    finally:
        await run.close()


@pytest.mark.timeout(180)
async def test_busy_scenario_for_20_simulated_minutes() -> None:
    await run_against_truth("busy", 20, BUSY)
