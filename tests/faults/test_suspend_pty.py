"""Stopped and continued (a shell's job control: `kill -TSTP`, then `fg`), the monitor on a real
pty comes back drawing and still answers `q` at once: the input loop sleeps on a pipe that a
stop writes to (issue 21), and a suspend is a stop of the driver that must not end the loop.
Ctrl+Z typed into it does the same as in htop or less: back to the shell's screen, stopped."""

from __future__ import annotations

import os
import re
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


def _in_alt_screen(raw: bytes) -> bool | None:
    """Whether `raw` last entered (True) or left (False) the alternate screen; None: neither."""
    found = re.findall(rb"\x1b\[\?1049([hl])", raw)
    return None if not found else found[-1] == b"h"


def _drawn_whole_then_quits(term: Terminal, since: int, why: str, *, reentered: bool) -> None:
    """After a resume the dashboard is drawn whole, the breadcrumb and the key line too (which
    never change, so no tick redraws them; `reentered`: back in the alternate screen, which
    the suspend left); then `q` exits 0."""
    assert (
        term.wait_until(
            lambda: (
                len(term.raw) > since
                and (not reentered or _in_alt_screen(bytes(term.raw[since:])) is True)
                and term.shows("DialNexa Monitor › Dashboard")
                and term.shows("Active calls")
                and term.shows("q Quit")
            ),
            10.0,
        )
        is not None
    ), term.lines()
    term.write(b"q")
    assert term.wait_exit(max(5.0, generous(1.0))), f"q not answered after {why}"
    assert term.status is not None and os.WIFEXITED(term.status)
    assert os.WEXITSTATUS(term.status) == 0


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
        assert term.emulated is not None
        term.emulated.reset()  # what shows from here on was drawn after the resume
        drawn = len(term.raw)
        os.kill(term.pid, signal.SIGCONT)
        _drawn_whole_then_quits(term, drawn, "a resume", reentered=False)


def test_ctrl_z_stops_the_monitor_to_the_shell_and_fg_brings_it_back() -> None:
    term = Terminal(monitor_argv("--demo", "--scenario", "small"), cols=80, rows=24)
    with term:
        assert term.wait_until(lambda: term.shows("Active calls"), START_S) is not None, (
            term.lines()
        )
        # Paused, the screen is quiet: after `fg` only a whole repaint can bring it back (the
        # terminal entered a cleared alternate screen), not a tick's changed cells.
        term.write(b"p")
        assert term.wait_until(lambda: term.shows("PAUSED"), 5.0) is not None, term.lines()
        typed = len(term.raw)
        term.write(b"\x1a")  # Ctrl+Z: the pty is raw, so a key for the monitor, not a signal
        assert term.wait_until(lambda: _state(term.pid) == "T", 5.0) is not None, (
            "Ctrl+Z did not stop the monitor"
        )
        # The shell's screen is back: the monitor left the alternate screen before stopping.
        assert (
            term.wait_until(lambda: _in_alt_screen(bytes(term.raw[typed:])) is False, 2.0)
            is not None
        ), bytes(term.raw[typed:])[-300:]
        assert term.emulated is not None
        term.emulated.reset()  # what shows from here on was drawn after the resume
        stopped = len(term.raw)
        os.kill(term.pid, signal.SIGCONT)  # what `fg` sends
        _drawn_whole_then_quits(term, stopped, "Ctrl+Z and fg", reentered=True)
