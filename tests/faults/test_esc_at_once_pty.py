"""A lone Esc answered at once in a real pty (issue 21, `monitor.ui.escape`): with ESCDELAY at
3 s, only the at-once path tells a bare Esc from Alt+p when `p` follows 70 ms later. Once a
sequence has arrived in two reads, Esc waits ESCDELAY again, and the same bytes are Alt+p.

The mechanism, not a timing: a loaded machine can starve the input thread past 70 ms (the two
bytes then come in one read: Alt+p), so the at-once case is tried three times at most.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from benchmarks.pty_harness import monitor_argv
from tests.faults.pty_screen import Terminal

pytestmark = pytest.mark.timeout(120)

HELP = "─ Help ─"
GAP_S = 0.07


@pytest.fixture
def term() -> Iterator[Terminal]:
    argv = monitor_argv("--demo", "--scenario", "small")
    with Terminal(argv, cols=80, rows=24, env_extra={"ESCDELAY": "3000"}) as t:
        assert t.wait_until(lambda: t.shows("Active calls"), 20.0) is not None, t.lines()
        for key in (b"\x1b[B", b"\x1b[A", b"\x1b[B"):  # arrows, each in one read: whole
            t.write(key)
            t.wait_quiet(0.05, 1.0)
        yield t


def esc_then_p(term: Terminal) -> bool:
    """Esc on the help screen, `p` 70 ms later: True if read as Esc then p (the help closed,
    the view paused)."""
    term.write(b"?")
    assert term.wait_until(lambda: term.shows(HELP), 5.0) is not None, term.lines()
    term.wait_quiet(0.05, 0.5)
    term.write(b"\x1b")
    time.sleep(GAP_S)
    term.write(b"p")
    return term.wait_until(lambda: not term.shows(HELP) and term.shows("PAUSED"), 1.5) is not None


def test_a_bare_esc_read_alone_is_esc_at_once(term: Terminal) -> None:
    outcomes = []
    for _ in range(3):
        outcomes.append(esc_then_p(term))
        if outcomes[-1]:
            break
        term.write(b"\x1b")  # read as Alt+p: close the help (after ESCDELAY) and try again
        term.wait_until(lambda: not term.shows(HELP), 6.0)
    assert any(outcomes), ("Esc then p, 70 ms apart, read as Alt+p each time", term.lines())


def test_after_a_sequence_split_in_two_esc_waits_the_delay(term: Terminal) -> None:
    term.write(b"\x1b[")  # an arrow cut in two reads (a slow link)
    time.sleep(0.2)
    term.write(b"B")
    term.wait_quiet(0.05, 1.0)
    assert not esc_then_p(term), "Esc answered at once after a split sequence"
    assert term.shows(HELP)  # Alt+p: the help is still open
