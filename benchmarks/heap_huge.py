"""The monitor's Python heap on `huge`, in-process on a FakeClock (issue 21, the RSS plateau).

Not part of `make bench`: a look at what holds memory without an hour of real time. The engine
and its `LiveFeed` (behind a `RecordingFeed` with no recorder, as the monitor runs) poll the
in-process simulator's `huge` (cap 1,000); a snapshot is taken every simulated second, as the
UI takes one; `tracemalloc` reports the heap each simulated minute (the store is at its bound,
`MAX_CALLS`, from about minute 12) and dumps a snapshot every 5 minutes for `-X` comparisons
(`tracemalloc.Snapshot.load(...).statistics("lineno")`). The simulator's own objects are in
the figures (about 10 MB at minute 5; they are in `monitor/sim/`). About 8 s of CPU a simulated
minute with tracing on.

Run: `python -m benchmarks.heap_huge MINUTES [DUMP_PREFIX]`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import tracemalloc

from benchmarks.fastdrive import drive_fast
from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import RecordingFeed
from monitor.polling.engine import Engine
from monitor.sim import Simulator

MIB = 1024 * 1024


async def measure(minutes: int, dump: str | None) -> None:
    tracemalloc.start()
    clock = FakeClock()
    sim = Simulator.create(scenario="huge", seed=7, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(client, Settings(concurrency_cap=1000), clock=clock, rng=random.Random(5))
    feed = LiveFeed(engine)
    task = asyncio.create_task(RecordingFeed(feed, None).run())
    version = -1
    for minute in range(1, minutes + 1):
        for _ in range(60):
            await drive_fast(clock, 1.0)
            feed.snapshot() if engine.store.version != version else feed.latest()
            version = engine.store.version
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        row = {
            "minute": minute,
            "calls": len(engine.store.calls),
            "heap_mib": round(current / MIB, 1),
            "peak_mib": round(peak / MIB, 1),
        }
        print(json.dumps(row), flush=True)
        if dump is not None and minute % 5 == 0:
            tracemalloc.take_snapshot().dump(f"{dump}-m{minute}.snap")
    engine.stop()
    await asyncio.sleep(0)
    task.cancel()
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None))
