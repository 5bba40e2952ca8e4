"""What the monitor costs a terminal: bytes, CPU, startup and key latency, in a real pty.

Method: PERFORMANCE.md §5 (pty harness in `benchmarks.pty_harness`), one program at a time (the
box has two cores and the harness uses one).

* Terminal cost: bytes/s read from the pty and CPU % of one core over a window after a 3 s
  warm-up, busy scenario, at 80x24 and 200x50, of the monitor alone: it polls
  `dialnexa-monitor sim` on loopback (its own process, not counted); beside `htop` in the same
  pty when installed. At 80x24 also `dialnexa-monitor --demo` (`….demo` metrics), whose
  process runs the simulated world as well.
* Startup: fork to the first byte, and to the first frame with data: the emulated screen
  (pyte) shows an active-call row, i.e. a masked phone number `…` followed by 4+ digits.
* Responsiveness (huge scenario, 80x24): Down, Enter, Esc, each timed from the key write to the
  moment the emulated screen shows its effect: Down changes the selected call in the Retry
  timeline pane ("call call_…"), Enter puts "› Call " in the breadcrumb, Esc brings back
  "DialNexa Monitor › Dashboard". Also reported: key → first byte after it (keys are pressed
  after 150 ms without output, so those bytes are the answer). Repeated through a token
  bucket at 16 KB/s and 4 KB/s (slow SSH link).
* Exit (FAULTS R6): SIGTERM, SIGHUP, SIGINT, each sent to a fresh `--demo` once its screen
  shows data, timed until the process is reaped (`make test` only checks it does not hang).

Run: `python -m benchmarks.bench_terminal [--quick]` prints the metric dicts as JSON.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from benchmarks.pty_harness import (
    LoopbackSim,
    PtyChild,
    WindowResult,
    htop_path,
    measure_window,
    metric,
    monitor_argv,
    percentile,
)

WARMUP_S = 3.0
COST_WARMUP_S = 20.0
"""Before the cost window (bytes and CPU): the monitor's start is over by then. Its first
seconds compile every module anew (this box sets PYTHONDONTWRITEBYTECODE), make each poller's
first reads, settle the heap and lay out the first screens: a profile of 60 s from 3 s (busy
80x24, under load) spent half its samples importing, and a 12 s window holds that tail in
fewer seconds (60 s windows under load, noisy: 3.18% and 2.15% after 3 s, 1.80% and 2.23%
after 20 s; issue 21). Startup has rows of its own."""
SIZES: tuple[tuple[int, int], ...] = ((80, 24), (200, 50))
DATA_ROW = re.compile(r"…\d{4,}")
"""A masked phone number: only an active-call row from the API puts this on screen."""
DASHBOARD_CRUMB = "DialNexa Monitor › Dashboard"
CALL_CRUMB = "› Call "
KEYS: dict[str, bytes] = {"down": b"\x1b[B", "enter": b"\r", "esc": b"\x1b"}
KEY_TIMEOUT_S = 8.0
SLOW_KEY_TIMEOUT_S = 15.0


def _mb(n: int | None) -> float | None:
    return None if n is None else n / (1024 * 1024)


# -- terminal cost -------------------------------------------------------------------------------


BUSY_CAP = 100
"""The busy scenario's plan cap, which `--demo` takes from the world; given to the monitor
alone through DIALNEXA_CONCURRENCY_CAP so both poll the same way."""


def _alone(cols: int, rows: int, window_s: float, *extra: str) -> tuple[WindowResult, str] | None:
    """The monitor pointed at `dialnexa-monitor sim` on loopback (busy, speed 1): its own CPU
    and bytes, and what the simulator saw over the same window (its CPU %, the requests and
    how many were answered 200). None if the simulator did not start or answered nothing."""
    with LoopbackSim("busy", 1.0) as sim:
        url = sim.start()
        if url is None:
            return None
        argv = monitor_argv("--base-url", url, *extra)
        with PtyChild(argv, cols=cols, rows=rows, env_extra=sim.monitor_env(BUSY_CAP)) as child:
            child.pump_for(COST_WARMUP_S)
            sim_cpu0 = sim.cpu_seconds()
            total0, _ = sim.requests()
            res = measure_window(child, 0.0, window_s)
            sim_cpu1 = sim.cpu_seconds()
            total1, statuses = sim.requests()
    n = max(0, total1 - total0)
    ok = sum(1 for s in statuses[len(statuses) - n :] if s == 200) if n else 0
    if total1 == 0 or not any(s == 200 for s in statuses):
        return None
    sim_pct = (
        f"{100.0 * (sim_cpu1 - sim_cpu0) / res.seconds:.2f}%"
        if sim_cpu0 is not None and sim_cpu1 is not None and res.seconds > 0
        else "?"
    )
    return res, (
        f"the simulator answered {n} requests in the window ({ok} with 200) and used "
        f"{sim_pct} of a core (not counted)"
    )


HTOP_WARMUP_S = 2.0
HTOP_WINDOW_S = 30.0
"""htop redraws every 1.5 s and does nothing else; its bytes and CPU follow the machine's
process list (250-700 B/s, 0.37-0.50% across runs). Its window is the monitor's (30 s, twenty
redraws): with 15 s, and its CPU read in clock ticks, one run read 0.25% and the next 0.58%."""


def _htop(cols: int, rows: int, window_s: float) -> WindowResult | None:
    htop = htop_path()
    if htop is None:
        return None
    with PtyChild([htop], cols=cols, rows=rows) as ref:
        return measure_window(ref, HTOP_WARMUP_S, min(window_s, HTOP_WINDOW_S))


def bench_cost(window_s: float) -> list[dict[str, object]]:
    """Per size: the monitor alone (simulator in its own process) and htop; at 80x24 also
    `--demo`, whose process runs the simulated world too."""
    out: list[dict[str, object]] = []
    for cols, rows in SIZES:
        size = f"{cols}x{rows}"
        small = (cols, rows) == (80, 24)
        alone = _alone(cols, rows, window_s)
        how = "the monitor alone: `--base-url` to `dialnexa-monitor sim` on loopback (busy)"
        sim_note = ""
        if alone is not None:
            res, sim_note = alone
            sim_note = f"; {sim_note}"
        else:
            how = (
                "--demo (the loopback simulator did not start or answered nothing): includes "
                "the simulated world"
            )
            with PtyChild(monitor_argv("--demo"), cols=cols, rows=rows) as child:
                res = measure_window(child, COST_WARMUP_S, window_s)
        bres = _htop(cols, rows, window_s)
        base_note = "htop not installed"
        if bres is not None:
            base_note = (
                f"htop ({bres.seconds:.0f} s window after {HTOP_WARMUP_S:.0f} s): "
                f"{bres.bytes_per_s:.0f} B/s, {bres.cpu_percent:.2f}% CPU; ratio "
                f"monitor/htop = {res.bytes_per_s / max(bres.bytes_per_s, 1e-9):.2f} (bytes), "
                f"{res.cpu_percent / max(bres.cpu_percent, 1e-9):.2f} (CPU)"
            )
        window = (
            f"busy scenario, {window_s:.0f} s window after {COST_WARMUP_S:.0f} s warm-up "
            f"(PERFORMANCE uses 60 s; shortened for the make-bench budget)"
        )
        common = f"{how}; {window}; {base_note}"
        rss = f"RSS {_mb(res.rss_start) or 0:.1f}→{_mb(res.rss_max) or 0:.1f} MiB"
        out.append(
            metric(
                f"terminal.bytes_per_s.{size}",
                res.bytes_per_s,
                "B/s",
                target="<= 1000 B/s" if small else None,
                baseline="htop (same pty size)",
                baseline_value=None if bres is None else bres.bytes_per_s,
                scenario=f"busy {size}",
                note=common,
            )
        )
        out.append(
            metric(
                f"terminal.cpu_percent.{size}",
                res.cpu_percent,
                "% of one core",
                target="<= 2%" if small else None,
                baseline="htop (same pty size)",
                baseline_value=None if bres is None else bres.cpu_percent,
                scenario=f"busy {size}",
                note=f"{common}{sim_note}; {rss}",
            )
        )
        if bres is not None:
            out += _ratio_rows(size, res, bres, common)
        if small:
            out += _lean_cost(cols, rows, window_s, common, bres)
            out += _demo_cost(cols, rows, window_s, window, res)
    return out


def _lean_cost(
    cols: int, rows: int, window_s: float, common: str, htop: WindowResult | None
) -> list[dict[str, object]]:
    """The monitor alone with `--colors 256`: what a session gets whose terminal does not say
    truecolor (over SSH `COLORTERM` is not forwarded by default), beside the same htop."""
    size = f"{cols}x{rows}"
    lean = _alone(cols, rows, window_s, "--colors", "256")
    if lean is None:
        return []
    res, _ = lean
    ratio = (
        "htop not installed"
        if htop is None
        else f"ratio to htop's {htop.bytes_per_s:.0f} B/s in this run = "
        f"{res.bytes_per_s / max(htop.bytes_per_s, 1e-9):.2f}; CPU {res.cpu_percent:.2f}% "
        f"({res.cpu_percent / max(htop.cpu_percent, 1e-9):.2f}x htop)"
    )
    return [
        metric(
            f"terminal.bytes_per_s.{size}.colors256",
            res.bytes_per_s,
            "B/s",
            baseline="htop (same pty size)",
            baseline_value=None if htop is None else htop.bytes_per_s,
            scenario=f"busy {size} --colors 256",
            note=f"`--colors 256` (11-byte colour codes instead of 19-24); {ratio}; as above: "
            f"{common}",
        )
    ]


def _ratio_rows(
    size: str, res: WindowResult, htop: WindowResult, note: str
) -> list[dict[str, object]]:
    """The monitor over htop in the same run and pty size (issue 21's targets: bytes <= 1x,
    CPU <= 3x at 80x24; the goal is 1x)."""
    small = size == "80x24"
    return [
        metric(
            f"terminal.bytes_ratio_htop.{size}",
            res.bytes_per_s / max(htop.bytes_per_s, 1e-9),
            "x htop",
            target="<= 1.0" if small else None,
            scenario=f"busy {size}",
            note=note,
        ),
        metric(
            f"terminal.cpu_ratio_htop.{size}",
            res.cpu_percent / max(htop.cpu_percent, 1e-9),
            "x htop",
            target="<= 3.0" if small else None,
            scenario=f"busy {size}",
            note=note,
        ),
    ]


def _demo_cost(
    cols: int, rows: int, window_s: float, window: str, alone: WindowResult
) -> list[dict[str, object]]:
    """`dialnexa-monitor --demo`: what a user trying the demo sees it cost."""
    size = f"{cols}x{rows}"
    with PtyChild(monitor_argv("--demo"), cols=cols, rows=rows) as child:
        res = measure_window(child, COST_WARMUP_S, window_s)
    note = (
        f"`dialnexa-monitor --demo`: the simulator runs in the monitor's process, so this "
        f"counts the simulated world's work too (the monitor alone: "
        f"terminal.cpu_percent.{size} = {alone.cpu_percent:.2f}%, "
        f"{alone.bytes_per_s:.0f} B/s); {window}"
    )
    return [
        metric(
            f"terminal.bytes_per_s.{size}.demo",
            res.bytes_per_s,
            "B/s",
            scenario=f"busy {size} --demo",
            note=note,
        ),
        metric(
            f"terminal.cpu_percent.{size}.demo",
            res.cpu_percent,
            "% of one core",
            scenario=f"busy {size} --demo",
            note=f"{note}; RSS {_mb(res.rss_start) or 0:.1f}→{_mb(res.rss_max) or 0:.1f} MiB",
        ),
    ]


# -- startup -------------------------------------------------------------------------------------


def _has_output(child: PtyChild) -> bool:
    return child.total_bytes > 0


def _has_data(child: PtyChild) -> bool:
    return any(DATA_ROW.search(line) for line in child.screen_text())


def bench_startup(runs: int) -> list[dict[str, object]]:
    first: list[float] = []
    data: list[float] = []
    for _ in range(runs):
        with PtyChild(monitor_argv("--demo"), cols=80, rows=24, emulate=True) as child:
            t_first = child.wait_until(partial(_has_output, child), 15.0)
            t_data = child.wait_until(partial(_has_data, child), 15.0)
            if t_first is not None:
                first.append(t_first - child.started)
            if t_data is not None:
                data.append(t_data - child.started)
    note = f"median of {runs} runs, busy scenario, 80x24, fork → event seen by the harness"
    return [
        metric(
            "startup.first_frame",
            percentile(first, 50),
            "s",
            scenario="busy 80x24",
            note=f"{note}; first byte on the pty (runs: {_fmt(first)})",
        ),
        metric(
            "startup.first_data",
            percentile(data, 50),
            "s",
            target="<= 1.5 s",
            scenario="busy 80x24",
            note=f"{note}; first time the emulated screen (pyte) shows an active-call row "
            f"(a masked phone '…' + 4 digits) (runs: {_fmt(data)}; "
            f"{runs - len(data)} timed out at 15 s)",
        ),
    ]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values) or "none"


# -- responsiveness ------------------------------------------------------------------------------


@dataclass
class KeyRun:
    screen_ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KEYS})
    byte_ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KEYS})
    pressed: int = 0
    unanswered: int = 0
    stopped: str = ""
    rss_end: int | None = None
    wall_s: float = 0.0


def _timeline_call(child: PtyChild) -> str | None:
    for line in child.screen_text():
        m = re.search(r"call (call_\w+)", line)
        if m:
            return m.group(1)
    return None


def _crumb(child: PtyChild) -> str:
    lines = child.screen_text()
    return lines[0].strip() if lines else ""


def _dashboard_ready(child: PtyChild) -> bool:
    return _crumb(child) == DASHBOARD_CRUMB and _timeline_call(child) is not None


def _effect(child: PtyChild, key: str) -> Callable[[], bool]:
    """A test that holds once the emulated screen shows what `key` does."""
    before = _timeline_call(child)

    def moved() -> bool:
        return _timeline_call(child) not in (None, before)

    def drilled_in() -> bool:
        return CALL_CRUMB in _crumb(child)

    def back() -> bool:
        return _crumb(child) == DASHBOARD_CRUMB

    return {"down": moved, "enter": drilled_in, "esc": back}[key]


def _key_session(
    child: PtyChild, cycles: int, spacing_s: float, budget_s: float, local: bool
) -> KeyRun:
    run = KeyRun()
    key_timeout = KEY_TIMEOUT_S if local else SLOW_KEY_TIMEOUT_S
    t_start = time.monotonic()
    ready = child.wait_until(partial(_dashboard_ready, child), 30.0)
    if ready is None:
        run.stopped = "the dashboard with a selected call never appeared within 30 s"
        return run
    child.pump_for(WARMUP_S)
    t_start = time.monotonic()  # the budget counts key presses, not the wait for the dashboard
    for _ in range(cycles):
        for name, key in KEYS.items():
            if time.monotonic() - t_start > budget_s:
                run.stopped = f"time budget {budget_s:.0f} s reached"
                break
            if local:
                child.wait_quiet(0.15, 1.5)
            check = _effect(child, name)
            n_arrivals = len(child.arrivals)
            t0 = child.write(key)
            run.pressed += 1
            t1 = child.wait_until(check, key_timeout)
            later = [a.t for a in child.arrivals[n_arrivals:] if a.t >= t0]
            if later:
                run.byte_ms[name].append((later[0] - t0) * 1000)
            if t1 is None:
                run.unanswered += 1
                run.stopped = f"'{name}' not visible within {key_timeout:.0f} s; stopped there"
                break
            run.screen_ms[name].append((t1 - t0) * 1000)
            child.pump_for(spacing_s)
        if run.stopped:
            break
    run.rss_end = child.rss()
    run.wall_s = time.monotonic() - t_start
    return run


def bench_keys(quick: bool) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    cycles = 5 if quick else 15
    links: list[tuple[str, float | None, str]] = [
        ("local", None, "<= 50 ms"),
        ("16KBps", 16_000.0, ""),
        ("4KBps", 4_000.0, "<= 300 ms"),
    ]
    for label, rate, target in links:
        budget = (15.0 if quick else 25.0) if rate is None else (12.0 if quick else 16.0)
        with PtyChild(
            monitor_argv("--demo", "--scenario", "huge"),
            cols=80,
            rows=24,
            emulate=True,
            link_rate=rate,
        ) as child:
            run = _key_session(child, cycles, 0.5, budget, local=rate is None)
        all_ms = [v for vs in run.screen_ms.values() for v in vs]
        answered = len(all_ms)
        common = (
            f"huge scenario, 80x24, link {label}; {answered}/{run.pressed} keys answered "
            f"(Down, Enter, Esc in turn, ~0.5 s apart, {run.wall_s:.0f} s session)"
            + (f"; {run.stopped}" if run.stopped else "")
        )
        for name in KEYS:
            vals = run.screen_ms[name]
            bytes_vals = run.byte_ms[name]
            out.append(
                metric(
                    f"keys.{name}.p50.{label}",
                    percentile(vals, 50),
                    "ms",
                    scenario=f"huge 80x24 {label}",
                    note=f"{common}; key → effect on the emulated screen; n={len(vals)}",
                )
            )
            out.append(
                metric(
                    f"keys.{name}.p95.{label}",
                    percentile(vals, 95),
                    "ms",
                    target=target or None,
                    scenario=f"huge 80x24 {label}",
                    note=(
                        f"{common}; key → effect on the emulated screen; n={len(vals)}; "
                        f"key → first byte p50/p95 "
                        f"{_opt(percentile(bytes_vals, 50))}/{_opt(percentile(bytes_vals, 95))} ms"
                    ),
                )
            )
        if rate is None:
            out.append(
                metric(
                    "memory.rss_huge_live",
                    _mb(run.rss_end),
                    "MiB",
                    target="< 200 MiB",
                    scenario="huge 80x24 --speed 1",
                    note=(
                        f"RSS at the end of the local key session: {run.wall_s + WARMUP_S:.0f} s "
                        "of the huge scenario in real time (the issue asks for 10 min; see "
                        "bench_memory for a simulated day at high speed)"
                    ),
                )
            )
    return out


EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def bench_exit() -> list[dict[str, object]]:
    """FAULTS R6's second: a signal sent once data is on screen → the process reaped (the
    real-pty drill in `make test` only checks that the exit does not hang)."""
    took: dict[str, float] = {}
    for sig in EXIT_SIGNALS:
        with PtyChild(monitor_argv("--demo"), cols=80, rows=24, emulate=True) as child:
            if child.wait_until(partial(_has_data, child), 15.0) is None:
                continue
            child.wait_quiet(0.2, 2.0)
            sent = time.monotonic()
            os.kill(child.pid, sig)
            deadline = sent + 10.0
            while not child._reap() and time.monotonic() < deadline:
                child.pump(0.005)
            if child.exited:
                took[sig.name] = time.monotonic() - sent
    values = list(took.values())
    return [
        metric("exit.on_signal.max", max(values) if values else None, "s", target="<= 1 s",
               scenario="busy 80x24",
               note="signal sent once the screen shows data → process reaped; "
                    + ", ".join(f"{k} {v:.2f} s" for k, v in took.items())
                    + f"; {len(EXIT_SIGNALS) - len(values)} not measured"),
    ]  # fmt: skip


def _opt(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def run(quick: bool = False) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    t = time.monotonic()
    parts = []
    for name, part in (
        ("cost", partial(bench_cost, 8.0 if quick else 30.0)),
        ("startup", partial(bench_startup, 1 if quick else 3)),
        ("keys", partial(bench_keys, quick)),
        ("exit", bench_exit),
    ):
        t_part = time.monotonic()
        results += part()
        parts.append(f"{name} {time.monotonic() - t_part:.0f} s")
    elapsed = time.monotonic() - t
    for r in results:
        r["note"] = f"{r['note']} [bench_terminal took {elapsed:.0f} s: {', '.join(parts)}]"
    return results


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2, ensure_ascii=False))
