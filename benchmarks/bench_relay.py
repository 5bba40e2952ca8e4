"""The relay's fan-out (issue 18): API requests per minute and each monitor's data age with 1, 10
and 50 headless monitors reading one relay through a real redis-server on loopback, beside a
direct poller; Redis's memory at the end against the bound MAXLEN sets.

The relay is a real `dialnexa-monitor relay --demo --scenario busy` process; the monitors are
`RedisFeed`s in this process, each selecting a different call (the relay keeps a fixed share of
5 calls under watch: the most recent selections, then its own picks), sampled once a second: the
age of the active calls pane as that monitor shows it, and the age of the relay's newest
snapshot. The direct poller is the same engine in this process, alone, before the relay starts.
Requests per minute are the budget's own count (`health.used_last_minute`, a sliding minute),
sampled only once the minute it counts lies wholly inside the phase (a phase's first minute
would count the previous phase's requests).

A real minute's count moves by several percent from one minute to the next with the calls that
happen to end in it, which hides a 5% difference between phases; so the same relay engine also
runs in simulated time (`tests.feeds.relayload`: the same world, seed and clock for each viewer
count, 5 simulated minutes after 2): `relay.sim.<n>.requests_per_min`, exact.

    .venv/bin/python -m benchmarks.bench_relay [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.pty_harness import metric

REPO = Path(__file__).resolve().parent.parent
VIEWERS = (1, 10, 50)
PHASE_S = 75.0
"""Each phase's time: its requests are counted over the minute before its end."""
WARM_S = 60.0
"""The engine's first minute reads every campaign's history: not the steady state measured."""


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def direct(phase_s: float, warm_s: float) -> tuple[list[float], float]:
    from pydantic import SecretStr

    from monitor.api.client import DialNexaClient
    from monitor.config import Settings
    from monitor.feeds import LiveFeed
    from monitor.polling.engine import Engine
    from monitor.sim import Simulator

    sim = Simulator.create(scenario="busy", seed=7)
    client = DialNexaClient(sim.base_url, SecretStr("demo"), transport=sim.transport())
    engine = Engine(client, Settings(concurrency_cap=sim.world.cap))
    feed = LiveFeed(engine)
    task = asyncio.create_task(feed.run())
    selected = False
    ages: list[float] = []
    used: list[int] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < warm_s + phase_s:
        await asyncio.sleep(1.0)
        snap = feed.snapshot()
        if not selected and snap.data.active:
            feed.select_call(snap.data.active[0].id)  # a user's cursor is always on a row
            selected = True
        age = next(p.age_s for p in snap.panes if p.pane == "active")
        if time.monotonic() - t0 > warm_s:
            used.append(snap.health.used_last_minute)
            if age is not None:
                ages.append(age)
    feed.stop()
    await asyncio.wait_for(task, 10)
    await client.aclose()
    return ages, sum(used) / max(len(used), 1)


async def viewers_phase(url: str, n: int, phase_s: float) -> dict[str, Any]:
    from monitor.feeds.redis import RedisFeed
    from monitor.feeds.redis_link import check_url

    target = check_url(url, "bench")
    feeds = [RedisFeed(target) for _ in range(n)]
    tasks = [asyncio.create_task(f.run()) for f in feeds]
    pane_ages: list[float] = []
    relay_ages: list[float] = []
    used: list[int] = []
    t0 = time.monotonic()
    selected = False
    while time.monotonic() - t0 < phase_s:
        await asyncio.sleep(1.0)
        if not selected and feeds[0].entry is not None:
            ids = [r.id for r in feeds[0].snapshot().data.active]
            for i, f in enumerate(feeds):
                f.select_call(ids[i % len(ids)] if ids else None)
            selected = True
        if time.monotonic() - t0 < 5:
            continue
        if time.monotonic() - t0 >= 60.0 or phase_s < 60.0:  # the minute lies inside the phase
            used.append(feeds[0].latest().health.used_last_minute)
        for f in feeds:
            entry = f.entry
            if entry is None:
                continue
            snap = f.latest()
            age = next(p.age_s for p in snap.panes if p.pane == "active")
            if age is not None:
                pane_ages.append(age)
            relay_ages.append(max(time.time() - entry.at, 0.0))
    for f in feeds:
        f.stop()
    # 50 feeds closing on a loaded box can take a while: the figures are taken already.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    return {"pane_ages": pane_ages, "relay_ages": relay_ages, "used": sum(used) / max(len(used), 1)}


def simulated(viewers: tuple[int, ...] = VIEWERS) -> list[dict[str, object]]:
    """The relay's requests per minute with each viewer count, in simulated time."""
    from tests.feeds.relayload import requests_per_minute

    per_n = {n: asyncio.run(requests_per_minute(n))[0] for n in viewers}
    one = per_n[viewers[0]]
    return [
        metric(
            f"relay.sim.{n}.requests_per_min",
            rate,
            "req/min",
            scenario="busy",
            target="flat within 5% of 1 monitor",
            note=f"{n} viewers, each on its own call; simulated time (same world for each "
            f"count), 5 min after 2; {100 * (rate - one) / one:+.1f}% vs 1",
        )
        for n, rate in per_n.items()
    ]


def run(quick: bool = False) -> list[dict[str, object]]:
    phase_s, warm_s = (20.0, 10.0) if quick else (PHASE_S, WARM_S)
    scale = 1.0
    note_q = " (quick: 20 s phases after 10 s: not the steady state)" if quick else ""
    binary = shutil.which("redis-server")
    if binary is None:
        return [metric("relay.requests_per_min", None, "req/min", note="redis-server missing")]
    sim_rows = simulated()
    ages, used = asyncio.run(direct(phase_s, warm_s))
    direct_p95 = p95(ages) or 0.0
    rows = [
        metric(
            "relay.direct.requests_per_min",
            used * scale,
            "req/min",
            scenario="busy",
            note="one monitor polling the API itself, a call selected; the budget's sliding "
            "minute, mean of a sample a second" + note_q,
        ),
        metric("relay.direct.active_age_p95", direct_p95, "s", scenario="busy"),
        *sim_rows,
    ]
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-relay-")
    redis = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    relay = None
    try:
        time.sleep(0.5)
        env = {
            **os.environ,
            "DIALNEXA_MONITOR_LOG_DIR": workdir,
            "DIALNEXA_MONITOR_CONFIG": os.devnull,
        }
        relay = subprocess.Popen(
            [sys.executable, "-m", "monitor", "relay", "--demo", "--scenario", "busy",
             "--redis", url, "--namespace", "bench"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(warm_s)
        per_n: dict[int, float] = {}
        for n in VIEWERS:
            got = asyncio.run(viewers_phase(url, n, phase_s))
            per_n[n] = got["used"] * scale
            rows.append(
                metric(f"relay.{n}.requests_per_min", per_n[n], "req/min", scenario="busy",
                       target="flat within 5% of 1 monitor",
                       note=f"{n} monitors; the last minute of a {phase_s:.0f} s phase{note_q}")
            )  # fmt: skip
            rows.append(
                metric(f"relay.{n}.active_age_p95", p95(got["pane_ages"]), "s", scenario="busy",
                       target=f"<= direct + 1 s ({direct_p95 + 1:.1f} s)",
                       note=f"{n} monitors; relay snapshot age p95 "
                       f"{p95(got['relay_ages']) or 0:.2f} s")
            )  # fmt: skip
        info = subprocess.run(
            ["redis-cli", "-p", str(port), "info", "memory"], capture_output=True, text=True
        ).stdout
        used_memory = next(
            (
                int(line.split(":")[1])
                for line in info.splitlines()
                if line.startswith("used_memory:")
            ),
            0,
        )
        xlen = subprocess.run(
            ["redis-cli", "-p", str(port), "xlen", "dialnexa-monitor:bench:snapshots"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        spread = (max(per_n.values()) - min(per_n.values())) / max(min(per_n.values()), 1)
        rows.append(
            metric("relay.redis_memory", used_memory / 1e6, "MB", scenario="busy",
                   target="bounded by MAXLEN",
                   note=f"after {warm_s + len(VIEWERS) * phase_s:.0f} s; stream length {xlen} "
                   f"(MAXLEN 120); requests spread 1..50 monitors {100 * spread:.1f}%; the "
                   "hour: make bench-relay-hour")
        )  # fmt: skip
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            relay.wait(15)
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
