"""`make bench`: run every benchmark, write benchmarks/results.json and benchmarks/results.md.

Two phases, each benchmark in its own child interpreter (`python -m benchmarks.run --child`):

1. Fake-clock jobs, two at a time (the box has two cores): the reliability soak, bench_api, the
   reliability fault drills, bench_sim. They run on a FakeClock or time CPU seconds
   (`time.process_time`), so they measure no wall latency, real CPU share or RSS that a
   neighbour on the other core could skew. The soak, the longest, starts first.
2. Real-time jobs, one at a time with nothing else running: bench_terminal, then
   bench_memory. They measure CPU %, key latency and RSS of real processes.

A job that fails or overruns its timeout is reported as such (its figures missing) rather than
stopping the others; its output is kept in benchmarks/out/logs/<job>.log. The wall time of
every job and phase is recorded in results.json (`jobs`, `phases`, `total_wall_s`).

`python -m benchmarks.run [--quick] [--soak-hours H] [module ...]` runs a subset.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOGS = HERE / "out" / "logs"
PARALLEL = 2
FAKE = "1: fake clock, 2 at a time"
REAL = "2: real time, alone"
DEFAULT_TIMEOUT_S = 600.0


@dataclass
class Job:
    name: str
    module: str
    func: str
    phase: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    kwargs: dict[str, Any] = field(default_factory=dict)
    # filled in as it runs
    proc: subprocess.Popen[bytes] | None = None
    out_file: Path | None = None
    started: float = 0.0
    wall_s: float | None = None
    status: str = "not run"
    result: Any = None
    error: str = ""


def jobs_for(only: list[str], soak_hours: float | None, soak_wall: float | None) -> list[Job]:
    from benchmarks.reliability import SOAK_WALL_S

    soak_kwargs: dict[str, Any] = {}
    if soak_hours is not None:
        soak_kwargs["hours"] = soak_hours
    if soak_wall is not None:
        soak_kwargs["wall_s"] = soak_wall
    soak_timeout = (soak_wall or SOAK_WALL_S) + 120
    jobs = [
        Job("reliability.soak", "reliability", "soak_part", FAKE, soak_timeout, soak_kwargs),
        Job("bench_api", "bench_api", "run", FAKE),
        Job("bench_counts", "bench_counts", "run", FAKE),
        Job("reliability.drills", "reliability", "drills_part", FAKE),
        Job("bench_sim", "bench_sim", "run", FAKE),
        Job("bench_recorder", "bench_recorder", "run", FAKE),
        Job("bench_webhooks", "bench_webhooks", "run", FAKE),  # issue 22: webhooks vs polling
        Job("bench_insights", "bench_insights", "run", FAKE),  # issue 19: the audit's cost
        Job("rss60 (saved)", "bench_rss10", "saved_rows", FAKE),  # `make bench-rss60`'s hour
        Job("bench_terminal", "bench_terminal", "run", REAL),
        Job("bench_memory", "bench_memory", "run", REAL),
        Job("bench_relay", "bench_relay", "run", REAL),  # issue 18: the relay's fan-out
    ]
    return [j for j in jobs if not only or j.module in only or j.name in only]


# -- children ----------------------------------------------------------------------------------


def child(spec: str, out: Path, quick: bool, kwargs: dict[str, Any]) -> int:
    module_name, func_name = spec.split(":")
    module = importlib.import_module(f"benchmarks.{module_name}")
    result = getattr(module, func_name)(quick=quick, **kwargs)
    out.write_text(json.dumps(result, default=str))
    return 0


def start(job: Job, quick: bool, tmp: Path) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    job.out_file = tmp / f"{job.name}.json"
    argv = [sys.executable, "-m", "benchmarks.run", "--child", f"{job.module}:{job.func}",
            "--out", str(job.out_file), "--kwargs", json.dumps(job.kwargs)]  # fmt: skip
    if quick:
        argv.append("--quick")
    log = (LOGS / f"{job.name}.log").open("wb")
    job.started = time.monotonic()
    job.proc = subprocess.Popen(
        argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    print(f"  started {job.name}", flush=True)


def finish(job: Job) -> None:
    assert job.proc is not None and job.out_file is not None
    job.wall_s = time.monotonic() - job.started
    code = job.proc.returncode
    if code == 0 and job.out_file.exists():
        job.result = json.loads(job.out_file.read_text())
        job.status = "ok"
    else:
        tail = (LOGS / f"{job.name}.log").read_text(errors="replace").strip().splitlines()[-6:]
        job.status = "failed" if job.status != "timed out" else job.status
        job.error = f"{job.name}: {job.status} (exit {code})\n" + "\n".join(tail)
    size = len(job.result) if isinstance(job.result, list) else ("1 part" if job.result else 0)
    print(f"  {job.name}: {job.status}, {size} figures in {job.wall_s:.0f} s", flush=True)


def kill(job: Job) -> None:
    """The job's own process group: it was started in a new session for this."""
    assert job.proc is not None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(job.proc.pid, signal.SIGKILL)
    job.proc.wait()


def run_phase(jobs: list[Job], width: int, quick: bool, tmp: Path) -> float:
    t0 = time.monotonic()
    queue = list(jobs)
    running: list[Job] = []
    while queue or running:
        while queue and len(running) < width:
            job = queue.pop(0)
            start(job, quick, tmp)
            running.append(job)
        time.sleep(0.2)
        for job in list(running):
            assert job.proc is not None
            if job.proc.poll() is None and time.monotonic() - job.started > job.timeout_s:
                job.status = "timed out"
                kill(job)
            if job.proc.poll() is not None:
                running.remove(job)
                finish(job)
    return time.monotonic() - t0


# -- the report --------------------------------------------------------------------------------


def machine() -> str:
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores, Python {platform.python_version()}"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (uncommitted changes)" if dirty else "")


def rows_of(jobs: list[Job], date: str) -> tuple[list[dict[str, Any]], list[str]]:
    results: list[dict[str, Any]] = []
    failures = [j.error for j in jobs if j.status not in ("ok", "not run")]
    by_name = {j.name: j for j in jobs}
    rows: list[tuple[str, list[dict[str, Any]]]] = []
    for job in jobs:
        if job.module == "reliability":
            continue
        if job.status == "ok":
            rows.append((job.module, job.result))
    rel = [by_name.get("reliability.drills"), by_name.get("reliability.soak")]
    if any(j is not None and j.status == "ok" for j in rel):
        from benchmarks.reliability import combine

        drills, soak = (j.result if j is not None and j.status == "ok" else None for j in rel)
        try:
            figures, _ = combine(drills, soak)
            rows.append(("reliability", figures))
        except Exception:
            failures.append(f"reliability: combining failed\n{traceback.format_exc(limit=3)}")
    from benchmarks.mutation import metric_row  # the last `make mutation`, if any

    mutation = metric_row()
    if mutation is not None:
        rows.append(("mutation", [mutation]))
    for module, module_rows in rows:
        for row in module_rows:
            row.setdefault("date", date)
            row["benchmark"] = module
            results.append(row)
    return results, failures


def main(argv: list[str]) -> int:
    if "--child" in argv:
        spec = argv[argv.index("--child") + 1]
        out = Path(argv[argv.index("--out") + 1])
        kwargs = json.loads(argv[argv.index("--kwargs") + 1]) if "--kwargs" in argv else {}
        return child(spec, out, "--quick" in argv, kwargs)
    quick = "--quick" in argv
    soak_hours = float(argv[argv.index("--soak-hours") + 1]) if "--soak-hours" in argv else None
    soak_wall = float(argv[argv.index("--soak-wall") + 1]) if "--soak-wall" in argv else None
    values = {a for flag in ("--soak-hours", "--soak-wall") if flag in argv
              for a in [argv[argv.index(flag) + 1]]}  # fmt: skip
    only = [a for a in argv if not a.startswith("-") and a not in values]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    jobs = jobs_for(only, soak_hours, soak_wall)
    t0 = time.monotonic()
    phases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dnx-bench-run-") as tmp:
        fake = [j for j in jobs if j.phase == FAKE]
        real = [j for j in jobs if j.phase == REAL]
        if fake:
            print(f"phase {FAKE}", flush=True)
            wall = run_phase(fake, PARALLEL, quick, Path(tmp))
            phases.append({"phase": FAKE, "wall_s": round(wall, 1)})
        if real:
            print(f"phase {REAL}", flush=True)
            wall = run_phase(real, 1, quick, Path(tmp))
            phases.append({"phase": REAL, "wall_s": round(wall, 1)})
    total = time.monotonic() - t0
    results, failures = rows_of(jobs, date)
    out = {
        "date": date,
        "machine": machine(),
        "commit": commit(),
        "quick": quick,
        "load_average_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "total_wall_s": round(total, 1),
        "phases": phases,
        "jobs": [
            {
                "job": j.name,
                "phase": j.phase,
                "status": j.status,
                "wall_s": None if j.wall_s is None else round(j.wall_s, 1),
            }
            for j in jobs
        ],
        "results": results,
        "failures": failures,
    }
    (HERE / "results.json").write_text(json.dumps(out, indent=1, default=str) + "\n")
    (HERE / "results.md").write_text(markdown(out))
    embed_in_readme(markdown(out))
    print(markdown(out))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": ")).replace("|", "\\|")
    return str(value)


README = HERE.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def embed_in_readme(table: str) -> None:
    """The README shows the latest figures: the table goes between its two markers."""
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table.rstrip()}\n{END}{tail}", encoding="utf-8")


def markdown(out: dict[str, Any]) -> str:
    load = out["load_average_1m"]
    lines = [
        f"Measured {out['date']} on {out['machine']}, commit {out['commit']}"
        f"{' (--quick)' if out['quick'] else ''}; 1-minute load average {load[0]} before, "
        f"{load[1]} after.",
        "",
        f"Total wall time {out['total_wall_s']:.0f} s: "
        + "; ".join(f"phase {p['phase']} {p['wall_s']:.0f} s" for p in out["phases"])
        + ". Per job: "
        + ", ".join(
            f"{j['job']} {'–' if j['wall_s'] is None else format(j['wall_s'], '.0f')} s"
            + ("" if j["status"] == "ok" else f" ({j['status']})")
            for j in out["jobs"]
        )
        + ".",
        "",
        "| benchmark | scenario | metric | value | target | baseline | baseline value |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in out["results"]:
        lines.append(
            f"| {r['benchmark']} | {r.get('scenario', '')} | {r['metric']} | "
            f"{_fmt(r.get('value'))} {r.get('unit', '')} | {r.get('target') or '–'} | "
            f"{r.get('baseline') or '–'} | {_fmt(r.get('baseline_value'))} |"
        )
    if out["failures"]:
        lines += ["", "Not measured: " + "; ".join(f.splitlines()[0] for f in out["failures"])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
