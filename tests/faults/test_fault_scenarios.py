"""Faults that need a scenario of their own: one endpoint refused or missing, a deleted call, a
slow endpoint, shuffled retry attempts, clocks that disagree. In-process, fake clock."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from datetime import datetime, timedelta

import pytest

from monitor.api.client import DialNexaClient
from monitor.api.errors import Forbidden
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.faults.harness import BASE_INTERVAL_S, Drill, FakeClockTimeouts, start_drill
from tests.leakscan import make_canary

pytestmark = pytest.mark.timeout(30)


def _retried_parent(sim: Simulator, attempts: int = 2) -> str:
    return next(s.parent_id for s in sim.world.all_series() if len(s.attempts) >= attempts)


async def _aged_drill(seconds: float = 3600.0):  # type: ignore[no-untyped-def]
    """A drill on a world that has been running for a while (retried series exist)."""
    clock = FakeClock()
    key = make_canary()
    sim = Simulator.create("small", seed=7, clock=clock, api_key=key)
    sim.world.advance(seconds)
    return await start_drill(sim=sim, clock=clock, key=key)


async def test_N14_403_on_the_retries_endpoint_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    d = await _aged_drill()
    try:
        parent = _retried_parent(d.sim)
        d.sim.faults.enable("403-retries")
        t_fault = d.now
        d.engine.select_call(parent)
        await d.run_for(60)
        fresh = d.store.freshness[f"retries/{parent}"]
        assert isinstance(fresh.error, Forbidden)
        detail = d.engine.view().selected
        assert detail is not None and detail.retries_error is not None
        assert "no permission (403)" in detail.retries_error.lower()
        # Other panels continue: the API's health is not blamed, the active list is fresh.
        assert d.store.health.state == "ok"
        assert not d.store.freshness["active"].is_stale(d.now)
        # Since the fault (the retry audit may have read this series before anyone looked).
        retries = [
            r for r in d.requests_between(t_fault, d.now) if r.path.endswith(f"{parent}/retries")
        ]
        assert len(retries) == 1, "a refused panel is asked again only after 5 minutes"
        d.sim.faults.disable("403-retries")
        t_clear = d.now
        took = await d.until(lambda: d.fresh_since(f"retries/{parent}", t_clear), 330)
        assert took is not None, "the retries panel never came back after the 403 stopped"
        assert d.store.histories.get(parent) is not None
        assert not d.leaks(caplog.text)
    finally:
        await d.close()


async def test_N15_404_for_a_deleted_call() -> None:
    d = await start_drill("small")
    try:
        ended = next(t.call.id for t in d.store.calls.values() if t.ended_seen is not None)
        d.sim.faults.enable("call-gone", scope=f"/calls/{ended}")
        d.engine.select_call(ended)
        await d.run_for(60)
        assert ended in d.store.gone_calls
        detail = d.engine.view().selected
        assert detail is not None and detail.gone
        # Polling of a call that no longer exists stops: one request, not a retry loop.
        assert len([r for r in d.sim.requests if r.path == f"/v1/calls/{ended}"]) == 1
        assert d.store.health.state == "ok"
        assert not d.task.done()
    finally:
        await d.close()


async def test_ROUTE404_missing_endpoint_from_the_start_uses_the_fallback() -> None:
    """/call-logs* and /campaigns* answer NestJS's route 404: the OpenAPI paths are used and the
    routes line says so; nothing is shown as an error."""
    d = await start_drill("small", faults="no-call-logs")
    try:
        assert d.engine.routes.campaigns == "batch-calls"
        assert d.engine.routes.campaign_logs != "call-logs"
        assert "/batch-calls" in d.engine.routes.describe()
        assert d.store.freshness["campaigns"].source == "batch-calls"
        assert d.store.campaigns and d.store.calls
        assert d.store.health.state == "ok"
        view = d.engine.view()
        assert all(p.error is None for p in view.panes), view.panes
        assert any(row.total is not None for row in view.campaigns)
    finally:
        await d.close()


async def test_ROUTE404_endpoint_disappears_mid_session() -> None:
    d = await start_drill("small")
    try:
        campaigns_before = set(d.store.campaigns)
        d.sim.faults.enable("no-call-logs")
        t0 = d.now
        took = await d.until(
            lambda: (
                d.engine.routes.campaigns == "batch-calls"
                and d.fresh_since("campaigns", t0)
                # Counts' reads (history, reconciliation) and listings on the fallback too.
                and d.engine.routes.campaign_logs != "call-logs"
                and d.fresh_since("reconcile", t0)
                and d.fresh_since("backfill", t0)
            ),
            180,
        )
        assert took is not None
        assert "/batch-calls" in d.engine.routes.describe()
        assert campaigns_before <= set(d.store.campaigns)
    finally:
        await d.close()


async def test_N18_one_endpoint_slow_others_fine() -> None:
    d = await start_drill("small")
    try:
        d.sim.faults.enable("slow", scope="/campaigns", delay=4)
        t0 = d.now
        await d.run_for(120)
        assert all(not s.active_stale for s in d.samples if s.at > t0), "active list went stale"
        assert {s.state for s in d.samples if s.at > t0} == {"ok"}
        assert d.fresh_since("campaigns", t0)
        # At most one request in flight per resource: slow answers do not pile up.
        slow = sorted(r.at for r in d.sim.requests if r.path == "/v1/campaigns" and r.at > t0)
        assert all(b - a >= 4 for a, b in itertools.pairwise(slow))
    finally:
        await d.close()


async def test_N18_a_call_left_and_opened_again_while_its_answer_is_slow() -> None:
    """Esc then Enter on the same call while its record takes 4 s: the first request is still
    on the wire, so opening the call again must not send the same request within a second
    (CI found 0.32 s in the key-mashing drill)."""
    d = await start_drill("small")
    try:
        call_id = next(iter(d.store.calls))
        d.sim.faults.enable("slow", delay=4)
        t0 = d.now
        for _ in range(6):
            d.engine.select_call(call_id)
            await d.run_for(0.3, every=0.1)
            d.engine.select_call(None)
            await d.run_for(0.1, every=0.1)
        d.engine.select_call(call_id)
        await d.run_for(10)
        gap, target, times = d.closest_same_target(t0, d.now)
        assert gap >= 1.0, (target, [round(t - t0, 2) for t in times])
        assert any(r.path == f"/v1/calls/{call_id}" for r in d.requests_between(t0, d.now))
    finally:
        await d.close()


async def test_N18_two_calls_of_one_series_never_ask_for_its_history_twice_in_a_second() -> None:
    """Two attempts of one retry series share their history's URL: moving the cursor between
    them while answers are slow must not send that request twice within a second (CI found
    two at the same instant in the key-mashing drill). The rule is per request, not per job."""
    d = await _aged_drill()
    try:
        series = next(s for s in d.sim.world.all_series() if len(s.attempts) >= 2)
        first, second = series.attempts[0].id, series.attempts[1].id
        d.engine.select_call(first)
        await d.run_for(12)  # both records known, their group id with them
        d.engine.select_call(second)
        await d.run_for(12)
        d.sim.faults.enable("slow", delay=4)
        t0 = d.now
        for _ in range(8):
            for cid in (first, second):
                d.engine.select_call(cid)
                await d.run_for(0.4, every=0.1)
        await d.run_for(10)
        gap, target, times = d.closest_same_target(t0, d.now)
        assert gap >= 1.0, (target, [round(t - t0, 2) for t in times])
        asked = [r.path for r in d.requests_between(t0, d.now)]
        assert f"/v1/call-logs/{series.parent_id}/retries" in asked
    finally:
        await d.close()


async def test_N18_everything_slow_under_the_read_timeout() -> None:
    clock = FakeClock()
    key = make_canary()
    sim = Simulator.create("small", seed=7, clock=clock, api_key=key)
    d = await start_drill(sim=sim, clock=clock, key=key,
                          transport=FakeClockTimeouts(sim.transport(), clock))  # fmt: skip
    try:
        d.sim.faults.enable("slow", delay=8)
        t0 = d.now
        await d.run_for(120)
        assert d.store.health.state == "ok"
        assert d.fresh_since("active", t0)
        assert d.max_per_minute(t0, d.now) <= d.max_per_minute(t0 - 60, t0)
    finally:
        await d.close()


async def test_P17_retry_attempts_out_of_order_and_duplicated() -> None:
    d = await _aged_drill()
    try:
        parent = _retried_parent(d.sim, 2)
        d.sim.faults.enable("retry-shuffle")
        d.engine.select_call(parent)
        await d.run_for(60)
        history = d.store.histories.get(parent)
        assert history is not None and history.attempts
        detail = d.engine.view().selected
        assert detail is not None and detail.timeline is not None
        assert d.store.health.state == "ok"
    finally:
        await d.close()


class SkewedClock:
    """The monitor's clock: the same monotonic time as the server's, a wall clock off by
    `skew_s` (the laptop is minutes ahead of or behind the API)."""

    def __init__(self, base: FakeClock, skew_s: float) -> None:
        self.base = base
        self.skew_s = skew_s

    def monotonic(self) -> float:
        return self.base.monotonic()

    def now(self) -> datetime:
        return self.base.now() + timedelta(seconds=self.skew_s)

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)


async def _skewed(skew_s: float, **sim_kwargs: object):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    key = make_canary()
    sim = Simulator.create("small", seed=7, clock=clock, api_key=key, **sim_kwargs)  # type: ignore[arg-type]
    local = SkewedClock(clock, skew_s)
    client = DialNexaClient(sim.base_url, key, transport=sim.transport(), clock=local)
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=local, rng=random.Random(7)
    )
    d = Drill(clock, sim, client, engine, asyncio.create_task(engine.run()), key)
    await d.run_for(120)
    return d


@pytest.mark.parametrize("skew_s", [300.0, -300.0], ids=["ahead-5min", "behind-5min"])
async def test_N19_P11_local_clock_off_by_minutes(skew_s: float) -> None:
    d = await _skewed(skew_s)
    try:
        view = d.engine.view()
        assert d.store.health.state == "ok"
        assert all(p.age_s is None or p.age_s >= 0 for p in view.panes)
        assert not any(p.stale for p in view.panes if p.pane == "active")
        assert view.active and view.campaigns
        assert d.max_per_minute(d.now - 60, d.now) <= 60
    finally:
        await d.close()


EPOCH_SKEW_BUG_FIXED = (
    "monitor/api/ratelimit.py parse_rate_limit turns an epoch X-RateLimit-Reset into seconds "
    "with the local wall clock, uncorrected by the server's Date header; with the laptop 5 "
    "minutes behind the API, Budget.rate_limited (monitor/polling/budget.py) pauses every "
    "poller min(300 s, reset - local now) = 300 s for a 60 s window"
)


@pytest.mark.parametrize("skew_s", [300.0, -300.0], ids=["ahead-5min", "behind-5min"])
async def test_P20_N11_epoch_reset_with_local_clock_off_by_minutes(skew_s: float) -> None:
    """A 429 storm with no Retry-After and X-RateLimit-Reset as an epoch: the pause must match
    the server's window (60 s), not the distance between two clocks."""
    d = await _skewed(skew_s, reset_header="epoch")
    try:
        d.sim.faults.enable("429-storm", retry_after="none")
        t0 = d.now
        await d.run_for(30)
        health = d.store.health
        assert health.state == "rate_limited"
        assert health.until is not None
        pause = health.until - d.now
        assert 0 < pause <= 60 + BASE_INTERVAL_S, f"paused {pause:.0f} s for a 60 s window"
        d.sim.faults.disable("429-storm")
        t_clear = d.now
        took = await d.until(lambda: d.fresh_since("active", t_clear), 120)
        assert took is not None and took <= 60 + 2 * BASE_INTERVAL_S
        assert t0 < t_clear
    finally:
        await d.close()


async def test_N19_wall_clock_jumps_change_no_age_and_cause_no_burst() -> None:
    d = await start_drill("small")
    try:
        # Steady: the busiest minute of three (the campaigns' counts are read in small steps
        # now, reconciliation and backfill, so one minute alone varies by a few requests).
        await d.run_for(120)
        steady = d.max_per_minute(d.now - 180, d.now)
        for jump in (3600.0, -7200.0):
            d.clock.jump_wall(jump)
            t0 = d.now
            await d.run_for(60)
            view = d.engine.view()
            assert all(p.age_s is None or p.age_s >= 0 for p in view.panes)
            assert not any(p.stale for p in view.panes if p.pane == "active")
            assert d.max_per_minute(t0, d.now) <= steady + 5
            assert d.store.health.state == "ok"
    finally:
        await d.close()
