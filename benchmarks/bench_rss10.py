"""Memory of the monitor over real time on the `huge` scenario (100,000 leads, 1,000 slots).

Not part of `make bench` (its 5-minute budget): `make bench-rss10` (10 minutes, samples every
30 s) and `make bench-rss60` (an hour, samples every minute: the plateau). The simulator runs
as its own process on loopback (`LoopbackSim`), so the RSS is the monitor's alone; the monitor
watches the dashboard at 80x24. With `--log FILE` each sample is appended to FILE as it is
taken (one JSON line), so a long run can be read while it goes and survives an interruption.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.pty_harness import LoopbackSim, PtyChild, monitor_argv

MIB = 1024 * 1024


def _log(path: Path | None, row: dict[str, Any]) -> None:
    if path is None:
        return
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def sample_rss(
    minutes: float, every_s: float, log: Path | None = None
) -> list[tuple[float, float]]:
    """(seconds since the monitor started, RSS in MiB) every `every_s` over `minutes`."""
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
                        t = time.monotonic() - child.started
                        samples.append((t, rss / MIB))
                        _log(log, {"t_s": round(t, 1), "rss_mib": round(rss / MIB, 1)})
                    next_sample += every_s
            rss = child.rss()
            if rss is not None:
                t = time.monotonic() - child.started
                samples.append((t, rss / MIB))
                _log(log, {"t_s": round(t, 1), "rss_mib": round(rss / MIB, 1), "end": True})
    if not samples:
        raise RuntimeError("no RSS sample")
    return samples


def plateau_note(samples: list[tuple[float, float]]) -> str:
    """Growth over the last third of the run, in MiB per 10 minutes (about 0: a plateau)."""
    t_end = samples[-1][0]
    tail = [(t, r) for t, r in samples if t >= t_end * 2 / 3]
    if len(tail) < 2 or tail[-1][0] <= tail[0][0]:
        return "too few samples for a slope"
    slope = (tail[-1][1] - tail[0][1]) / (tail[-1][0] - tail[0][0]) * 600
    return f"growth over the last third {slope:+.1f} MiB per 10 min"


def run(
    minutes: float = 10.0, every_s: float = 30.0, log: Path | None = None
) -> list[dict[str, Any]]:
    samples = sample_rss(minutes, every_s, log)
    last = samples[-1][1]
    peak = max(r for _, r in samples)
    at_1min = next((r for t, r in samples if t >= 60), samples[0][1])
    name = "memory.rss_huge_10min" if minutes <= 10 else f"memory.rss_huge_{minutes:g}min"
    return [
        {
            "metric": name,
            "value": round(last, 1),
            "unit": "MiB",
            "target": "< 200 MiB",
            "baseline": None,
            "baseline_value": None,
            "scenario": f"huge, monitor alone vs a loopback simulator, 80x24, {minutes:g} min",
            "note": (
                f"RSS at 1 min {at_1min:.1f} MiB, peak {peak:.1f}, at the end {last:.1f} MiB; "
                f"{plateau_note(samples)}; samples every {every_s:g} s: "
                + ", ".join(f"{r:.0f}" for _, r in samples)
            ),
        }
    ]


SAVED = Path(__file__).resolve().parent / "rss60.json"
"""The last `make bench-rss60` result: an hour cannot fit in `make bench`, which reports it."""


def saved_rows(quick: bool = False) -> list[dict[str, Any]]:
    """`make bench`'s row for the hour of `huge`: the last saved run, said to be one."""
    del quick
    if not SAVED.exists():
        return [
            {
                "metric": "memory.rss_huge_60min",
                "value": None,
                "unit": "MiB",
                "target": "< 200 MiB",
                "baseline": None,
                "baseline_value": None,
                "scenario": "huge, monitor alone vs a loopback simulator, 80x24, 60 min",
                "note": "not measured: run `make bench-rss60` (about 62 minutes)",
            }
        ]
    rows: list[dict[str, Any]] = json.loads(SAVED.read_text())
    for row in rows:
        row["note"] = f"from `make bench-rss60` (saved {row.get('saved_at', '?')}): {row['note']}"
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("minutes", nargs="?", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=None, help="seconds between samples")
    ap.add_argument("--log", type=Path, default=None, help="append each sample (JSON lines)")
    ap.add_argument("--save", action="store_true", help=f"also write the rows to {SAVED.name}")
    args = ap.parse_args()
    every = args.every if args.every is not None else (30.0 if args.minutes <= 10 else 60.0)
    rows = run(args.minutes, every, args.log)
    if args.save:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        SAVED.write_text(json.dumps([{**r, "saved_at": stamp} for r in rows], indent=1) + "\n")
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
