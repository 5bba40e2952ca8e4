"""Campaign counts at 8, 50 and 200 campaigns, 100 and 1,000 calls in flight (issue 14).

The engine runs on a fake clock against the in-process simulator's `many8`/`many50`/`many200`
scenarios (campaigns with turnover; the plan cap set to 100 or 1,000). Every 10 simulated
seconds each count on screen (every campaign whose history is read, every outcome) is
compared with the world's truth: its staleness is how long ago the truth last equalled it
(the instant the first ending it does not include happened), 0 when it is the truth. Also:
requests a minute, when every on-screen campaign's history (baseline) was read, when the whole
workspace's was. And `snapshot` of the whole dashboard, wall time, on `busy` and `huge`.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import time
from collections import defaultdict
from typing import Any

from pydantic import SecretStr

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock, SystemClock
from monitor.config import Settings
from monitor.polling.counts import VISIBLE_DEFAULT
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from monitor.snapshot import read_dashboard
from monitor.state.tally import COUNTED_VALUES

WARMUP_S = 120.0
SAMPLE_S = 10.0
CASES = [(n, cap) for n in (8, 50, 200) for cap in (100, 1000)]


async def _drive(clock: FakeClock, seconds: float) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(60):
            await asyncio.sleep(0)
        nxt = clock.next_deadline()
        target = min(end, clock.monotonic() + 1.0, nxt if nxt is not None else end)
        clock.advance(max(target - clock.monotonic(), 0.001))


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _staleness(sim: Simulator, engine: Engine) -> list[float]:
    world = sim.world
    world.sync()
    ends: dict[tuple[str, str], list[float]] = defaultdict(list)
    for call in world.calls:
        if call.end_t is not None and call.status in COUNTED_VALUES:
            ends[(call.campaign.id, call.status)].append(call.end_t)
    for values in ends.values():
        values.sort()
    known = {c.id for c in world.campaigns}
    out = []
    for row in engine.view().campaigns:
        if row.id not in known or row.history_filling:
            continue
        for status in COUNTED_VALUES:
            ours = row.counts[status]
            times = ends.get((row.id, status), [])
            if ours is None:
                continue
            n = bisect.bisect_right(times, world.t)
            out.append(0.0 if ours >= n else world.t - times[ours])
    return out


async def measure(campaigns: int, cap: int, minutes: float) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=f"many{campaigns}", seed=11, clock=clock, workspace_cap=cap)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(5)
    )
    task = asyncio.create_task(engine.run())
    t0 = clock.monotonic()
    visible_at = whole_at = None
    lags: list[float] = []
    start = None
    while clock.monotonic() - t0 < WARMUP_S + minutes * 60:
        await _drive(clock, SAMPLE_S)
        elapsed = clock.monotonic() - t0
        filling = engine.counts.filling()
        on_screen = list(engine.store.campaigns)[:VISIBLE_DEFAULT]
        if visible_at is None and on_screen and not set(on_screen) & set(filling):
            visible_at = elapsed
        if whole_at is None and engine.store.campaigns and not filling:
            whole_at = elapsed
        if elapsed >= WARMUP_S:
            start = start if start is not None else clock.monotonic()
            lags += _staleness(sim, engine)
    end = clock.monotonic()
    assert start is not None
    times = [r.at for r in sim.requests if start <= r.at < end]
    windows = [
        sum(1 for t in times if s <= t < s + 60) for s in range(int(start), int(end) - 59, 5)
    ]
    filling_left = len(engine.counts.filling())
    listed = len(engine.store.campaigns)
    engine.stop()
    await asyncio.sleep(0)
    task.cancel()
    await client.aclose()
    return {
        "rpm": len(times) / ((end - start) / 60),
        "max_window": max(windows, default=0),
        "p50": _pct(lags, 0.5),
        "p95": _pct(lags, 0.95),
        "samples": len(lags),
        "visible_at": visible_at,
        "whole_at": whole_at,
        "filling_left": filling_left,
        "listed": listed,
        "attribution": engine.store.tally.attribution.share,
    }


async def snapshot_wall(scenario: str) -> tuple[float, int, int]:
    sim = Simulator.create(scenario=scenario, seed=7)
    clock = SystemClock()
    async with DialNexaClient(
        sim.base_url, SecretStr(sim.server.api_key), transport=sim.transport(), clock=clock
    ) as client:
        started = time.perf_counter()
        report = await read_dashboard(client, Settings(concurrency_cap=sim.world.cap), clock)
        wall = time.perf_counter() - started
    return wall, len(report.errors), sum(1 for r in report.campaigns if r["total"] is None)


def run(quick: bool = False) -> list[dict[str, object]]:
    minutes = 3.0 if quick else 6.0
    out: list[dict[str, object]] = []
    results = {}
    for campaigns, cap in CASES:
        results[(campaigns, cap)] = r = asyncio.run(measure(campaigns, cap, minutes))
        label = f"{campaigns} campaigns, {cap} in flight"
        note = (
            f"{minutes:g} simulated min after {WARMUP_S:g} s; {r['samples']} count samples; "
            f"{r['listed']} campaigns listed at the end, history still filling for "
            f"{r['filling_left']}; endings attributed {r['attribution']:.1%}"
        )
        target_p95 = "≤ 15 s" if campaigns == 8 else ("≤ 30 s" if campaigns == 200 else None)
        base = results.get((8, cap))
        flat = None if base is None else round(100 * (r["rpm"] / base["rpm"] - 1), 1)
        out += [
            {
                "metric": "requests per minute (mean)",
                "value": round(r["rpm"], 1),
                "unit": "req/min",
                "target": "≤ 60; within 10% of 8 campaigns",
                "scenario": label,
                "note": f"busiest minute {r['max_window']}; vs 8 campaigns {flat:+}%"
                if flat is not None
                else f"busiest minute {r['max_window']}",
            },
            {
                "metric": "campaign counts staleness p50",
                "value": _round(r["p50"]),
                "unit": "s",
                "target": None,
                "scenario": label,
                "note": note,
            },
            {
                "metric": "campaign counts staleness p95",
                "value": _round(r["p95"]),
                "unit": "s",
                "target": target_p95,
                "scenario": label,
                "note": "counts whose history is read; staleness against the world's truth",
            },
            {
                "metric": "on-screen campaigns' history read",
                "value": _round(r["visible_at"]),
                "unit": "s",
                "target": "≤ 30 s",
                "scenario": label,
                "note": f"the first {VISIBLE_DEFAULT} campaigns of the list (sampled every 10 s)",
            },
            {
                "metric": "whole workspace's history read",
                "value": _round(r["whole_at"]),
                "unit": "s",
                "target": "reported",
                "scenario": label,
                "note": "None: not within the run (campaigns created since need none)",
            },
        ]
    for scenario, target in (("busy", "≤ 3 s, exit 0"), ("huge", "≤ 10 s")):
        wall, errors, null_totals = asyncio.run(snapshot_wall(scenario))
        out.append(
            {
                "metric": "snapshot of the whole dashboard (wall)",
                "value": round(wall, 2),
                "unit": "s",
                "target": target,
                "scenario": scenario,
                "note": f"in-process simulator; {errors} resources in errors "
                f"({'exit 1' if errors else 'exit 0'}); campaigns without a total: {null_totals}",
            }
        )
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
