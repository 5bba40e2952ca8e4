"""A process's CPU time to the nanosecond, where Linux's per-tick figures are too coarse.

`utime + stime` (what psutil reads from /proc/PID/stat) is charged a whole clock tick (10 ms) to
whichever task is on the CPU when the tick lands: a sample, not a measure. htop at 0.4% of a core
is 6 ticks in 15 s, so one run read 0.25% and the next 0.58% (issue 21's ratio to htop moved
from 2x to 4.7x with the monitor's own figure unchanged). The scheduler's own account of time
on the CPU (`/proc/PID/task/TID/schedstat`, first field, in ns) is exact; it is per live thread,
so a thread that already ended is counted from the per-tick figures (its share of the process's
`utime + stime` beyond its live threads'). Without schedstat (another kernel, another OS) the
per-tick figures are all there is.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def ticks_of_stat(text: str) -> int:
    """utime + stime (fields 14 and 15) of a /proc stat line; the command name may hold spaces
    and parentheses, so fields are counted after its last ')'."""
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def exec_ns_of_schedstat(text: str) -> int:
    """Time on the CPU, in ns, from a schedstat line (`run_ns wait_ns timeslices`)."""
    return int(text.split()[0])


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds of process `pid` so far, threads ended included; None if it is gone."""
    proc = Path(f"/proc/{pid}")
    try:
        total_ticks = ticks_of_stat((proc / "stat").read_text())
        tids = os.listdir(proc / "task")
    except (OSError, ValueError):
        return None
    live_ns = 0
    live_ticks = 0
    try:
        for tid in tids:
            task = proc / "task" / tid
            try:
                ns = exec_ns_of_schedstat((task / "schedstat").read_text())
                ticks = ticks_of_stat((task / "stat").read_text())
            except FileNotFoundError:
                continue  # the thread ended between the listing and the read
            live_ns += ns
            live_ticks += ticks
    except (OSError, ValueError):
        return total_ticks * TICK_S  # no schedstat here: the per-tick figures
    return live_ns / 1e9 + max(0, total_ticks - live_ticks) * TICK_S


__all__ = ["cpu_seconds", "exec_ns_of_schedstat", "ticks_of_stat"]
