"""The input loop's looks at an idle terminal (issue 21): each one wakes a thread (about 130 µs
of CPU on busy), so an idle loop waits `IDLE_WAIT_S` between them, longer than Textual's
0.1 s, and its last look, after the terminal is let go, does not wait at all (stopping the
app waits for it). Checked on the waits the loop asks its selector for, not by timing."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from monitor.ui import driver as driver_mod
from monitor.ui.driver import FINAL_WAIT_S, IDLE_WAIT_S, QuickEscapeDriver

LOOKS = 3


class CountingSelector:
    """Answers every look with no input; the app stops after `LOOKS` of them."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.waits: list[float | None] = []
        self.registered = 0

    def register(self, fileobj: Any, events: int) -> None:
        self.registered += 1

    def unregister(self, fileobj: Any) -> None:
        self.registered -= 1

    def select(self, timeout: float | None = None) -> list[Any]:
        self.waits.append(timeout)
        if len(self.waits) >= LOOKS:
            self.stop.set()
        return []

    def close(self) -> None:
        pass


def test_an_idle_input_loop_looks_less_often_than_textuals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_end, write_end = os.pipe()
    drv = QuickEscapeDriver.__new__(QuickEscapeDriver)
    drv.fileno = read_end
    drv._debug = False
    drv.exit_event = threading.Event()
    drv._writer_thread = None
    selector = CountingSelector(drv.exit_event)
    monkeypatch.setattr(driver_mod.selectors, "SelectSelector", lambda: selector)
    try:
        drv.run_input_thread()
    finally:
        os.close(read_end)
        os.close(write_end)
    assert IDLE_WAIT_S > 0.1  # Textual's own: ten looks a second
    assert selector.waits == [IDLE_WAIT_S] * LOOKS + [FINAL_WAIT_S]
    assert selector.registered == 0
