"""The flight recorder (issue 17): write cost per snapshot, growth per simulated day, seek.

The engine runs on a fake clock against the in-process simulator (`busy`, and `huge`); every
simulated second a snapshot is taken from a `LiveFeed` (new data when the store changed, else
the clock fields only, as the UI and the recorder do) and written as the recorder's thread
writes it: its parts serialised (`SnapshotParts`, kept from frame to frame as the recorder
keeps one: the big parts only when new, only the rows that changed) and a frame inserted
(`RecordingFile.write`), pruning every minute. Timed with `perf_counter` in this one thread,
which is the writer's work (the UI's side is an identity test and a queue put, timed apart),
and beside it with `thread_time`: the writer's CPU time, which a loaded machine inflates
less (the target stays on the wall time). Growth: the file's size after the run, scaled to
1,440 minutes (a day is too long to simulate here; the keyframe interval is 60 s, so the rate
is steady after the first minute).
Seek: `ReplayFeed.go_to` to random minutes of the recording, wall time.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import SnapshotParts
from monitor.feeds.recording import RecordingFile, RecordingReader
from monitor.feeds.replay import ReplayFeed
from monitor.polling.engine import Engine
from monitor.sim import Simulator

WARMUP_S = 60.0


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


async def measure(scenario: str, minutes: float, path: Path) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=7, clock=clock)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    engine = Engine(
        client, Settings(concurrency_cap=sim.world.cap), clock=clock, rng=random.Random(5)
    )
    feed = LiveFeed(engine)
    task = asyncio.create_task(engine.run())
    await _drive(clock, WARMUP_S)
    file = RecordingFile(path, keep_days=1.0, max_mb=4096)
    parts_of = SnapshotParts()  # as the recorder keeps one: row texts from frame to frame
    writes: list[float] = []
    cpu: list[float] = []
    caller: list[float] = []
    previous = None
    version = -1
    pruned_at = float("-inf")
    for _ in range(int(minutes * 60)):
        await _drive(clock, 1.0)
        snap = feed.snapshot() if engine.store.version != version else feed.latest()
        version = engine.store.version
        t0 = time.perf_counter()
        big_new = previous is None or snap.data is not previous.data  # the UI side: identity
        caller.append(time.perf_counter() - t0)
        del big_new
        t0, c0 = time.perf_counter(), time.thread_time()
        at = snap.now.timestamp()
        file.write(at, parts_of(snap, previous))
        if at - pruned_at >= 60:
            file.prune(at)
            pruned_at = at
        writes.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        previous = snap
    size = file._size()
    file.close()
    engine.stop()
    await asyncio.sleep(0)
    task.cancel()
    await client.aclose()
    reader = RecordingReader(path)
    replay = ReplayFeed(reader)
    seeks: list[float] = []
    rng = random.Random(3)
    for _ in range(40):
        target = rng.uniform(replay.start, replay.end)
        t0 = time.perf_counter()
        replay.go_to(target)
        replay.latest()
        seeks.append(time.perf_counter() - t0)
    return {
        "p50": _pct(writes, 0.5),
        "p95": _pct(writes, 0.95),
        "max": max(writes),
        "caller_p95": _pct(caller, 0.95),
        "cpu_p50": _pct(cpu, 0.5),
        "cpu_p95": _pct(cpu, 0.95),
        "frames": len(writes),
        "size": size,
        "per_day": size / minutes * 1440,
        "seek_p50": _pct(seeks, 0.5),
        "seek_p95": _pct(seeks, 0.95),
        "seek_max": max(seeks),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    cases = [
        ("busy", 3.0 if quick else 10.0, "≤ 100 MB/day"),
        ("huge", 2.0 if quick else 4.0, "≤ 1 GB/day"),
    ]
    out: list[dict[str, Any]] = []
    for scenario, minutes, growth_target in cases:
        wall = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(measure(scenario, minutes, Path(tmp) / "r.sqlite"))
        wall = time.perf_counter() - wall
        note = (
            f"{r['frames']} snapshots over {minutes:g} simulated min after {WARMUP_S:g} s "
            f"(one a second); module {wall:.0f} s wall"
        )
        out += [
            {
                "metric": "recorder.write_ms.p50",
                "value": round(r["p50"] * 1000, 2),
                "unit": "ms",
                "target": None,
                "scenario": scenario,
                "note": "serialise the parts + insert the frame (+ prune each minute): the "
                "writer thread's work; " + note,
            },
            {
                "metric": "recorder.write_ms.p95",
                "value": round(r["p95"] * 1000, 2),
                "unit": "ms",
                "target": "≤ 5 ms",
                "scenario": scenario,
                "note": f"max {r['max'] * 1000:.1f} ms; the writer thread's CPU time p95 "
                f"{r['cpu_p95'] * 1000:.2f} ms (what a busy machine cannot inflate); on the UI's "
                f"side (identity test, queue put) p95 {r['caller_p95'] * 1e6:.1f} µs",
            },
            {
                "metric": "recorder.write_cpu_ms.p95",
                "value": round(r["cpu_p95"] * 1000, 2),
                "unit": "ms",
                "target": None,
                "scenario": scenario,
                "note": f"the same writes' CPU time in the writer thread (thread_time), p50 "
                f"{r['cpu_p50'] * 1000:.2f} ms: beside the wall p95, it tells a loaded machine "
                "(wall far above CPU) from a slow write",
            },
            {
                "metric": "recorder.growth_mb_per_day",
                "value": round(r["per_day"] / 1e6, 1),
                "unit": "MB/day",
                "target": growth_target,
                "scenario": scenario,
                "note": f"{r['size'] / 1e6:.2f} MB after {minutes:g} min, scaled to 1,440 min",
            },
            {
                "metric": "recorder.seek_ms.p95",
                "value": round(r["seek_p95"] * 1000, 1),
                "unit": "ms",
                "target": "≤ 200 ms",
                "scenario": scenario,
                "note": f"ReplayFeed.go_to to 40 random instants + the snapshot; p50 "
                f"{r['seek_p50'] * 1000:.1f} ms, max {r['seek_max'] * 1000:.1f} ms (a keyframe "
                "lookup and at most 60 s of frames, whatever the recording's length)",
            },
        ]
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, ensure_ascii=False))
