"""What the insights cost in requests (issue 19): the audit's retry-history reads are their whole
request cost (the tracker reads only what the sweeps already wrote to the store).

The engine runs on a fake clock against the in-process simulator's `busy` (clean) and
`anomalies` scenarios for ten simulated minutes after a two-minute warm-up, nobody looking at a
call (so every `/retries` request is the audit's). Also `snapshot` of `anomalies` on a fake
clock: the series its one look reads, and how many insight kinds that look lists.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.polling.retryaudit import AUDIT_PER_MIN, ONE_SHOT_READS
from monitor.sim import Simulator
from monitor.snapshot import read_dashboard
from monitor.state.insight_view import INSIGHT_KINDS

WARMUP_S = 120.0


async def _drive(clock: FakeClock, seconds: float) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(60):
            await asyncio.sleep(0)
        nxt = clock.next_deadline()
        target = min(end, clock.monotonic() + 1.0, nxt if nxt is not None else end)
        clock.advance(max(target - clock.monotonic(), 0.001))


def _is_audit(path: str) -> bool:
    return path.endswith("/retries")


async def measure_live(scenario: str, minutes: float) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=11, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(5)
    )
    task = asyncio.create_task(engine.run())
    await _drive(clock, WARMUP_S)
    start = clock.monotonic()
    await _drive(clock, minutes * 60)
    end = clock.monotonic()
    window = [r for r in sim.requests if start <= r.at < end]
    per_minute = [
        sum(1 for r in window if _is_audit(r.path) and s <= r.at < s + 60)
        for s in range(int(start), int(end) - 59, 5)
    ]
    kinds = {i.kind for i in engine.store.insights.items}
    engine.stop()
    await asyncio.sleep(0)
    task.cancel()
    await client.aclose()
    return {
        "audit_rpm": sum(1 for r in window if _is_audit(r.path)) / minutes,
        "audit_max": max(per_minute, default=0),
        "rpm": len(window) / minutes,
        "kinds": len(kinds),
    }


async def measure_snapshot(scenario: str) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=5, clock=clock)
    sim.world.speed = 0
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        task = asyncio.create_task(
            read_dashboard(client, Settings(concurrency_cap=sim.world.cap), clock)
        )
        while not task.done():
            await _drive(clock, 1)
        report = task.result()
    return {
        "reads": sum(1 for r in sim.requests if _is_audit(r.path)),
        "requests": len(sim.requests),
        "kinds": len({i["kind"] for i in report.insights}),
    }


def run(quick: bool = False) -> list[dict[str, object]]:
    minutes = 5.0 if quick else 10.0
    out: list[dict[str, object]] = []
    for scenario in ("busy", "anomalies"):
        r = asyncio.run(measure_live(scenario, minutes))
        out.append(
            {
                "metric": "insight requests per minute (retry histories)",
                "value": round(r["audit_rpm"], 2),
                "unit": "req/min",
                "target": f"≤ {AUDIT_PER_MIN}/min (mean)",
                "scenario": scenario,
                "note": (
                    f"{minutes:g} simulated min after {WARMUP_S:g} s; busiest minute "
                    f"{r['audit_max']}; all requests {r['rpm']:.1f}/min; "
                    f"{r['kinds']} insight kinds found"
                ),
            }
        )
    s = asyncio.run(measure_snapshot("anomalies"))
    out.append(
        {
            "metric": "snapshot insight reads (retry histories)",
            "value": s["reads"],
            "unit": "req",
            "target": f"≤ {ONE_SHOT_READS}",
            "scenario": "anomalies",
            "note": (
                f"of {s['requests']} requests in the one-shot round; "
                f"{s['kinds']} of {len(INSIGHT_KINDS)} insight kinds listed"
            ),
        }
    )
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
