"""A/B of the monitor's idle CPU at 80x24 on `busy` (issue 21): two trees (or variants) side by
side, alternated, with htop and minimal Textual apps as reference points.

Method (as `bench_terminal`'s terminal cost): each run is a fresh child in a pty
(`pty_harness.PtyChild`, 80x24, the status queries answered), pointed at its own
`dialnexa-monitor sim --scenario busy` on loopback (`LoopbackSim`, not counted); after a
warm-up (15 s) the child's time on the CPU over a window (30 s) is its CPU, in % of one core
(the scheduler's ns account, `benchmarks.cpu_time`; the per-thread figures below are still in
clock ticks, shares only). Runs alternate A, B, A, B, ... so a drift of the box hits both. Also, per
run: voluntary context switches a second summed over the child's threads
(/proc/PID/task/*/status; each one is a wake-up, which is what idle costs), and the CPU and
wake-ups of each thread (by its name in /proc: Python threads are all `python`, so by order of
creation: main first).

A variant is `NAME=EXE`, where EXE is run as `EXE --base-url URL [ARGS...]` with the key in the
environment (what `DIALNEXA_BENCH_EXE` names for the other benchmarks). A wrapper for another
tree:

    #!/bin/sh
    cd /work/main && PYTHONPATH=/work/main exec /work/main/.venv/bin/python -m monitor "$@"

Built-in variants: `htop`, `mini-idle` (a Textual app with a DataTable of 8x5 and a Static,
nothing updated), `mini-label` (the same, the Static's text changed by a 1 Hz timer: the least
a screen changing every second costs), `mini-tick` (one cell per table row changed instead):
the floor the monitor is compared with in README's cost section.

Run: `python -m benchmarks.cpu_ab A=/tmp/main.sh B=/tmp/branch.sh [--runs 2] [--window 30]
[--warmup 15] [--args=--no-tick] [--htop] [--mini]`. Prints a line per run and a summary.
The box must be quiet: under load the link gauge may judge the pty slow (frames every 5 s, far
fewer bytes: check B/s), and every figure grows.
Not part of `make bench` (it takes (warm-up + window) x runs x variants).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.pty_harness import LoopbackSim, PtyChild, htop_path

BUSY_CAP = 100
"""The busy scenario's plan cap (as `bench_terminal.BUSY_CAP`)."""


@dataclass
class ThreadSample:
    cpu_s: float
    vcsw: int
    name: str


def _threads(pid: int) -> dict[int, ThreadSample]:
    """CPU seconds and voluntary context switches of each thread of `pid` (by thread id)."""
    out: dict[int, ThreadSample] = {}
    tick = os.sysconf("SC_CLK_TCK")
    base = Path(f"/proc/{pid}/task")
    try:
        tids = [int(t) for t in os.listdir(base)]
    except OSError:
        return out
    for tid in tids:
        try:
            stat = (base / str(tid) / "stat").read_text()
            status = (base / str(tid) / "status").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)
        vcsw = 0
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                vcsw = int(line.split()[1])
        out[tid] = ThreadSample(cpu, vcsw, name)
    return out


@dataclass
class Run:
    variant: str
    seconds: float
    cpu_percent: float
    wakes_per_s: float
    bytes_per_s: float
    threads: list[tuple[str, float, float]] = field(default_factory=list)
    """(name, CPU %, wakes/s) per thread alive at both ends of the window."""


def _window(child: PtyChild, warmup_s: float, window_s: float, variant: str) -> Run:
    child.pump_for(warmup_s)
    t0s = _threads(child.pid)
    cpu0 = child.cpu_seconds()
    bytes0 = child.total_bytes
    t0 = time.monotonic()
    child.pump_for(window_s)
    elapsed = time.monotonic() - t0
    cpu1 = child.cpu_seconds()
    t1s = _threads(child.pid)
    rows: list[tuple[str, float, float]] = []
    wakes = 0
    for tid in sorted(t1s):
        a, b = t0s.get(tid), t1s[tid]
        base_cpu, base_v = (a.cpu_s, a.vcsw) if a else (0.0, 0)
        wakes += b.vcsw - base_v
        rows.append(
            (f"{b.name}:{tid}", 100 * (b.cpu_s - base_cpu) / elapsed, (b.vcsw - base_v) / elapsed)
        )
    return Run(
        variant=variant,
        seconds=elapsed,
        cpu_percent=100 * (cpu1 - cpu0) / elapsed,
        wakes_per_s=wakes / elapsed,
        bytes_per_s=(child.total_bytes - bytes0) / elapsed,
        threads=rows,
    )


def run_monitor(name: str, exe: str, args: list[str], warmup_s: float, window_s: float) -> Run:
    with LoopbackSim("busy", 1.0) as sim:
        url = sim.start()
        if url is None:
            raise SystemExit("the simulator did not start")
        argv = [exe, "--base-url", url, *args]
        with PtyChild(argv, cols=80, rows=24, env_extra=sim.monitor_env(BUSY_CAP)) as child:
            return _window(child, warmup_s, window_s, name)


def run_plain(name: str, argv: list[str], warmup_s: float, window_s: float) -> Run:
    with PtyChild(argv, cols=80, rows=24) as child:
        return _window(child, warmup_s, window_s, name)


def mini_app(tick: bool, label: bool = False) -> None:
    """The minimal Textual app of README's cost section (run in the child); `label`: the timer
    changes only the one-line Static (the least a screen that changes every second costs)."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Static

    class Mini(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()
            yield Static("status line")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            self.cols = table.add_columns("a", "b", "c", "d", "e")
            for r in range(8):
                table.add_row(*(f"{r}:{c}" for c in range(5)), key=str(r))
            self.n = 0
            if tick or label:
                self.set_interval(1.0, self.step)

        def step(self) -> None:
            self.n += 1
            if label:
                self.query_one(Static).update(f"status line {self.n}s")
                return
            table = self.query_one(DataTable)
            for r in range(8):
                table.update_cell(str(r), self.cols[4], f"{self.n}s")

    Mini().run()


def _summary(runs: list[Run]) -> None:
    print("\nvariant        CPU% (each)                 mean   wakes/s  B/s")
    names = list(dict.fromkeys(r.variant for r in runs))
    for name in names:
        mine = [r for r in runs if r.variant == name]
        cpus = [r.cpu_percent for r in mine]
        print(
            f"{name:<14} {' '.join(f'{c:.2f}' for c in cpus):<27} "
            f"{statistics.mean(cpus):.2f}  {statistics.mean(r.wakes_per_s for r in mine):7.1f}"
            f"  {statistics.mean(r.bytes_per_s for r in mine):5.0f}"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("variants", nargs="*", help="NAME=EXE (a monitor to run against the sim)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=15.0)
    ap.add_argument("--window", type=float, default=30.0)
    ap.add_argument("--args", default="", help="extra monitor arguments, e.g. --no-tick")
    ap.add_argument("--htop", action="store_true", help="add htop")
    ap.add_argument("--mini", action="store_true", help="add the minimal Textual apps")
    ap.add_argument(
        "--child", choices=("mini-idle", "mini-tick", "mini-label"), help=argparse.SUPPRESS
    )
    opts = ap.parse_args(argv)
    if opts.child:
        mini_app(tick=opts.child == "mini-tick", label=opts.child == "mini-label")
        return
    plan: list[tuple[str, list[str] | str]] = []
    for spec in opts.variants:
        name, _, exe = spec.partition("=")
        plan.append((name, exe))
    if opts.htop and (h := htop_path()):
        plan.append(("htop", [h]))
    if opts.mini:
        me = [sys.executable, "-m", "benchmarks.cpu_ab", "--child"]
        plan += [(name, [*me, name]) for name in ("mini-idle", "mini-label", "mini-tick")]
    extra = shlex.split(opts.args)
    runs: list[Run] = []
    for i in range(opts.runs):
        for name, what in plan:
            if isinstance(what, str):
                r = run_monitor(name, what, extra, opts.warmup, opts.window)
            else:
                r = run_plain(name, what, opts.warmup, opts.window)
            runs.append(r)
            per = ", ".join(f"{t} {c:.2f}%/{w:.1f}" for t, c, w in r.threads if c or w > 0.5)
            print(
                f"[{i + 1}] {name:<12} {r.cpu_percent:5.2f}% CPU  {r.wakes_per_s:6.1f} wakes/s"
                f"  {r.bytes_per_s:6.0f} B/s  threads(CPU%/wakes/s): {per}",
                flush=True,
            )
    _summary(runs)


if __name__ == "__main__":
    main()
