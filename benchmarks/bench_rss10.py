"""Memory after 10 real minutes of the `huge` scenario (100,000 leads, 1,000 slots).

Not part of `make bench` (its 5-minute budget): `make bench-rss10` (about 11 minutes). The
simulator runs as its own process on loopback (`LoopbackSim`), so the RSS is the monitor's
alone; it is sampled every 30 s from psutil, the monitor watching the dashboard at 80x24.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from benchmarks.pty_harness import LoopbackSim, PtyChild, monitor_argv

MIB = 1024 * 1024


def run(minutes: float = 10.0) -> list[dict[str, Any]]:
    samples: list[tuple[float, float]] = []
    with LoopbackSim("huge") as sim:
        url = sim.start()
        if url is None:
            raise RuntimeError("the simulator did not start")
        child = PtyChild(argv=monitor_argv("--base-url", url), env_extra=sim.monitor_env(cap=1000))
        with child:
            end = time.monotonic() + minutes * 60
            next_sample = time.monotonic()
            while time.monotonic() < end:
                child.pump(0.5)
                if time.monotonic() >= next_sample:
                    rss = child.rss()
                    if rss is not None:
                        samples.append((time.monotonic() - child.started, rss / MIB))
                    next_sample += 30.0
            rss = child.rss()
            if rss is not None:
                samples.append((time.monotonic() - child.started, rss / MIB))
    if not samples:
        raise RuntimeError("no RSS sample")
    last = samples[-1][1]
    at_1min = next((r for t, r in samples if t >= 60), samples[0][1])
    return [
        {
            "metric": "memory.rss_huge_10min",
            "value": round(last, 1),
            "unit": "MiB",
            "target": "< 200 MiB",
            "baseline": None,
            "baseline_value": None,
            "scenario": f"huge, monitor alone vs a loopback simulator, 80x24, {minutes:g} min",
            "note": (
                f"RSS at 1 min {at_1min:.1f} MiB, at the end {last:.1f} MiB; samples every 30 s: "
                + ", ".join(f"{r:.0f}" for _, r in samples)
            ),
        }
    ]


if __name__ == "__main__":
    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0), indent=1))
