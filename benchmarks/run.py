"""`make bench`: run every benchmark, write benchmarks/results.json and benchmarks/results.md.

Each module exposes `run(quick: bool) -> list[dict]`; a module that fails is reported as such
(its figures missing) rather than stopping the others. Benchmarks run one after another: the
machine has two cores and a benchmark measuring CPU must not share them.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODULES = ["bench_api", "bench_sim", "bench_terminal", "bench_memory", "reliability"]


def machine() -> str:
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    for name in only or MODULES:
        started = time.monotonic()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            failures.append(f"{name}: not available ({exc.name})")
            continue
        try:
            rows = module.run(quick=quick)
        except Exception:
            failures.append(f"{name}: failed\n{traceback.format_exc(limit=3)}")
            continue
        for row in rows:
            row.setdefault("date", date)
            row["benchmark"] = name
            results.append(row)
        print(f"{name}: {len(rows)} figures in {time.monotonic() - started:.0f} s", flush=True)
    out = {"date": date, "machine": machine(), "results": results, "failures": failures}
    (HERE / "results.json").write_text(json.dumps(out, indent=1, default=str) + "\n")
    (HERE / "results.md").write_text(markdown(out))
    print(markdown(out))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def markdown(out: dict[str, Any]) -> str:
    lines = [
        f"Measured {out['date']} on {out['machine']}.",
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
    raise SystemExit(main())
