"""The benchmarks' CPU clock (issue 21): exact per live thread, ended threads still counted."""

from __future__ import annotations

import os
import threading
import time

from benchmarks.cpu_time import cpu_seconds, exec_ns_of_schedstat, ticks_of_stat


def test_a_stat_line_is_read_after_the_command_name_whatever_it_holds() -> None:
    line = "42 (a b) c)) S 1 42 42 0 -1 4194304 100 0 0 0 123 45 0 0 20 0 3 0 9 1 2"
    assert ticks_of_stat(line) == 168
    assert exec_ns_of_schedstat("2500000000 17 9\n") == 2_500_000_000


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_process_clock_agrees_with_python_s_own_and_keeps_ended_threads() -> None:
    worker = threading.Thread(target=_burn, args=(0.3,))
    worker.start()
    worker.join()  # its time now lives only in the process's per-tick figures
    _burn(0.1)
    ours = cpu_seconds(os.getpid())
    theirs = time.process_time()
    assert ours is not None
    # Ticks (10 ms) bound the ended thread's share: a few of them either way.
    assert abs(ours - theirs) < 0.05, (ours, theirs)
    assert ours >= 0.35
