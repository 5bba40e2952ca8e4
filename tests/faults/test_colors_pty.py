"""`--colors` on a real terminal (issue 21): what reaches the pty is written in the colours
asked for. The harness's terminal says `COLORTERM=truecolor`, so by default (`auto`) the
monitor writes 24-bit colours; with `--colors 256` (or `colors = "256"`) not one 24-bit colour
reaches the terminal, only 256-colour ones, and the screen shows the same dashboard."""

from __future__ import annotations

import re

import pytest

from benchmarks.pty_harness import monitor_argv
from tests.faults.pty_screen import Terminal, wait_all
from tests.faults.test_real_terminal import START_S, terminals

pytestmark = pytest.mark.timeout(60)

TRUECOLOR = re.compile(rb"\x1b\[[0-9;]*[34]8;2;")
COLOR_256 = re.compile(rb"\x1b\[[0-9;]*[34]8;5;")


def _dashboard(term: Terminal) -> bool:
    return term.shows("Active calls") and term.shows("Concurrency") and term.shows("in flight")


def test_colors_256_writes_no_24_bit_colour_where_auto_does() -> None:
    auto = Terminal(monitor_argv("--demo"), cols=80, rows=24)
    lean = Terminal(monitor_argv("--demo", "--colors", "256"), cols=80, rows=24)
    with terminals(auto, lean):
        assert not wait_all([auto, lean], _dashboard, START_S)
        assert auto.env_extra.get("COLORTERM", "truecolor") == "truecolor"
        a, b = bytes(auto.raw), bytes(lean.raw)
        assert TRUECOLOR.search(a), "auto on a truecolor terminal writes 24-bit colours"
        assert not TRUECOLOR.search(b), "--colors 256 wrote a 24-bit colour"
        assert len(COLOR_256.findall(b)) > 20  # the theme's colours, as 256-colour codes
