"""A relay's engine on `busy` in simulated time with N viewers: its requests per minute, the
same world whatever N (the fixed share's test, and `bench_relay`'s simulated-time rows)."""

from __future__ import annotations

import asyncio
import random

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.redis_link import check_url
from monitor.feeds.redis_relay import RelayPublisher
from monitor.feeds.relay_viewers import intent_fields
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.drive import drive, settle


async def requests_per_minute(
    viewers: int, minutes: int = 5
) -> tuple[float, list[str], int, list[float]]:
    """Steady requests a minute of a relay's engine on busy with this many viewers, each
    selecting a different active call (simulated time); the watched calls that still cost
    requests at the end; the share's size; the active calls pane's age in each second of the
    minutes measured, as the relay publishes it."""
    clock = FakeClock()
    sim = Simulator.create(scenario="busy", seed=7, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(7)
    )
    relay = RelayPublisher(LiveFeed(engine), check_url("redis://127.0.0.1:1/0", "t"))
    task = asyncio.create_task(engine.run())

    ages: list[float] = []

    async def seconds(n: int, sample: bool = False) -> None:
        for _ in range(n):
            snap = relay.feed.snapshot()
            relay.saw(snap)
            relay.apply()
            age = next(p.age_s for p in snap.panes if p.pane == "active")
            if sample and age is not None:
                ages.append(age)
            await drive(clock, 1.0)

    await seconds(120)  # the first minutes read every campaign's history: not the steady state
    ids = [r.id for r in relay.feed.snapshot().data.active]
    for n in range(viewers):  # as in the bench: each on a different call, and staying there
        fields = intent_fields(f"v{n}", "hello", ids[n % len(ids)], None, None)
        relay.viewers.take({k.encode(): v.encode() for k, v in fields.items()}, 0.0)
    start = clock.monotonic()
    await seconds(60 * minutes, sample=True)
    sent = [r.at for r in sim.requests if r.at >= start]
    watched = [c for c in engine.looked_at() if relay.costs(c)]
    engine.stop()
    await settle()
    task.cancel()
    await client.aclose()
    await relay.redis.aclose()
    return len(sent) / minutes, watched, relay.viewers.limit, ages


__all__ = ["requests_per_minute"]
