"""Stopped and continued (a shell's job control: `kill -TSTP`, then `fg`), the monitor on a real
pty comes back drawing and still answers `q` at once: the input loop sleeps on a pipe that a
stop writes to (issue 21), and a suspend is a stop of the driver that must not end the loop."""

from __future__ import annotations

import os
import signal
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


def test_a_stopped_and_continued_monitor_draws_again_and_quits_on_q() -> None:
    term = Terminal(monitor_argv("--demo", "--scenario", "small"), cols=80, rows=24)
    with term:
        assert term.wait_until(lambda: term.shows("Active calls"), START_S) is not None, (
            term.lines()
        )
        os.kill(term.pid, signal.SIGTSTP)
        assert term.wait_until(lambda: _state(term.pid) == "T", 5.0) is not None, (
            "not stopped by SIGTSTP"
        )
        drawn = len(term.raw)
        os.kill(term.pid, signal.SIGCONT)
        # Back in the alternate screen and drawing: the dashboard is on screen again.
        assert (
            term.wait_until(lambda: len(term.raw) > drawn and term.shows("Active calls"), 10.0)
            is not None
        )
        term.write(b"q")
        assert term.wait_exit(max(5.0, generous(1.0))), "q not answered after a resume"
        assert term.status is not None and os.WIFEXITED(term.status)
        assert os.WEXITSTATUS(term.status) == 0
