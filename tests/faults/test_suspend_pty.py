"""Stopped and continued (a shell's job control: `kill -TSTP`, then `fg`), the monitor on a real
pty comes back drawing and still answers `q` at once: the input loop sleeps on a pipe that a
stop writes to (issue 21), and a suspend is a stop of the driver that must not end the loop."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.pty_harness import monitor_argv
from tests.faults.pty_screen import Terminal
from tests.timing import generous

pytestmark = pytest.mark.timeout(60)

START_S = 20.0


def _state(pid: int) -> str:
    """The process's state letter (T: stopped)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2]


def _wait(term: Terminal, done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return True
        term.pump(0.05)
    return done()


def test_a_stopped_and_continued_monitor_draws_again_and_quits_on_q() -> None:
    term = Terminal(monitor_argv("--demo", "--scenario", "small"), cols=80, rows=24)
    with term:
        assert _wait(term, lambda: term.shows("Active calls"), START_S), term.lines()
        os.kill(term.pid, signal.SIGTSTP)
        assert _wait(term, lambda: _state(term.pid) == "T", 5.0), "not stopped by SIGTSTP"
        drawn = len(term.raw)
        os.kill(term.pid, signal.SIGCONT)
        # Back in the alternate screen and drawing: the dashboard is on screen again.
        assert _wait(term, lambda: len(term.raw) > drawn and term.shows("Active calls"), 10.0)
        term.write(b"q")
        assert term.wait_exit(max(5.0, generous(1.0))), "q not answered after a resume"
        assert term.status is not None and os.WIFEXITED(term.status)
        assert os.WEXITSTATUS(term.status) == 0
