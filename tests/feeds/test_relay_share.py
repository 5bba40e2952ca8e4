"""The relay's requests do not grow with its viewers: a fixed share of calls under watch, the
viewers' selections first and the relay's own picks in the slots left (issue 18)."""

from __future__ import annotations

import asyncio
import random

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.redis_link import check_url
from monitor.feeds.redis_relay import RelayPublisher
from monitor.feeds.relay_share import fill
from monitor.feeds.relay_viewers import intent_fields
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.drive import drive, settle


def test_the_free_slots_go_to_the_relays_picks_from_the_top_of_the_screen() -> None:
    screen = ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert fill([], screen, [], slots=5) == ["c1", "c2", "c3", "c4", "c5"]
    assert fill(["c2"], screen, [], slots=5) == ["c1", "c3", "c4", "c5"]
    assert fill(["x1", "x2", "x3", "x4", "x5"], screen, [], slots=5) == []
    assert fill(["x1", "x2", "x3", "x4", "x5", "x6"], screen, [], slots=5) == []


def test_picks_stay_while_on_screen_and_a_final_viewer_call_gives_its_slot_back() -> None:
    # A pick that moved would read a new call's history from scratch.
    assert fill([], ["c9", "c1", "c2"], ["c2", "c1"], slots=2) == ["c2", "c1"]
    assert fill([], ["c9", "c1"], ["c2", "c1"], slots=2) == ["c1", "c9"]
    done = {"x1"}
    assert fill(["x1", "x2"], ["c1", "c2"], [], slots=3) == ["c1"]
    assert fill(["x1", "x2"], ["c1", "c2"], [], slots=3, costs=lambda c: c not in done) == [
        "c1",
        "c2",
    ]


async def requests_per_minute(viewers: int) -> tuple[float, list[str], int]:
    """Steady requests a minute of a relay's engine on busy with this many viewers, each
    selecting a different active call (simulated time); the watched calls that still cost
    requests at the end; the share's size."""
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

    async def seconds(n: int) -> None:
        for _ in range(n):
            relay.saw(relay.feed.snapshot())
            relay.apply()
            await drive(clock, 1.0)

    await seconds(120)  # the first minutes read every campaign's history: not the steady state
    ids = [r.id for r in relay.feed.snapshot().data.active]
    for n in range(viewers):  # as in the bench: each on a different call, and staying there
        fields = intent_fields(f"v{n}", "hello", ids[n % len(ids)], None, None)
        relay.viewers.take({k.encode(): v.encode() for k, v in fields.items()}, 0.0)
    start = clock.monotonic()
    await seconds(300)
    sent = [r.at for r in sim.requests if r.at >= start]
    watched = [c for c in engine.looked_at() if relay.costs(c)]
    engine.stop()
    await settle()
    task.cancel()
    await client.aclose()
    await relay.redis.aclose()
    return len(sent) / 5.0, watched, relay.viewers.limit


async def test_one_viewer_or_fifty_cost_the_api_the_same() -> None:
    one, watched_one, limit = await requests_per_minute(1)
    fifty, watched_fifty, _ = await requests_per_minute(50)
    assert len(watched_one) == len(watched_fifty) == limit
    assert abs(fifty - one) / one < 0.05, (one, fifty)
