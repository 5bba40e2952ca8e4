"""The input loop's looks at an idle terminal (issue 21): each one wakes a thread (about 130 µs
of CPU on busy), so an idle loop waits up to `IDLE_WAIT_S` between them, longer than Textual's
0.1 s, and a stop ends the wait at once (a byte on a pipe the loop sleeps on). Checked on the
waits the loop asks its selector for and what ended them, not by timing."""

from __future__ import annotations

import os
import selectors
import threading
from typing import Any

import pytest

from monitor.ui import driver as driver_mod
from monitor.ui.driver import FINAL_WAIT_S, IDLE_WAIT_S, QuickEscapeDriver, WakingEvent

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


class RecordingSelector(selectors.SelectSelector):
    """The real selector, recording each look: its timeout and the fds it returned."""

    def __init__(self, entered: threading.Event) -> None:
        super().__init__()
        self.entered = entered
        self.looks: list[tuple[float | None, list[int]]] = []

    def select(self, timeout: float | None = None) -> list[Any]:
        self.entered.set()
        ready = super().select(timeout)
        self.looks.append((timeout, [key.fd for key, _ in ready]))
        return ready


def test_a_stop_wakes_the_idle_input_loop_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quitting (Textual sets `exit_event`, then joins the input thread) does not wait for the
    loop's next idle look: the stop's byte on the pipe ends the look it is in."""
    monkeypatch.setattr(driver_mod, "IDLE_WAIT_S", 3600.0)  # only the stop can end the look
    terminal_r, terminal_w = os.pipe()  # a terminal that types nothing
    drv = QuickEscapeDriver.__new__(QuickEscapeDriver)
    drv.fileno = terminal_r
    drv._debug = False
    drv.exit_event = stop = WakingEvent()
    drv._writer_thread = None
    entered = threading.Event()
    selector = RecordingSelector(entered)
    monkeypatch.setattr(driver_mod.selectors, "SelectSelector", lambda: selector)
    thread = threading.Thread(target=drv.run_input_thread, daemon=True)
    try:
        thread.start()
        assert entered.wait(10)
        stop.set()
        thread.join(10)
        assert not thread.is_alive()
        # The idle look was ended by the stop's byte, then the last look (nothing registered).
        assert selector.looks[0] == (3600.0, [stop.wake_fd])
        assert selector.looks[-1] == (FINAL_WAIT_S, [])
        # The byte was taken: a loop started again (resume after Ctrl+Z) sleeps until input.
        with pytest.raises(BlockingIOError):
            os.read(stop.wake_fd, 1)
    finally:
        stop.close()
        os.close(terminal_r)
        os.close(terminal_w)


async def test_the_driver_stops_through_a_waking_event() -> None:
    """The driver Textual builds has the pipe-backed event (the loop sleeps on it), and its
    close lets the pipe go."""
    from textual.app import App

    drv = QuickEscapeDriver(App())
    event = drv.exit_event
    assert isinstance(event, WakingEvent)
    event.set()
    assert os.read(event.wake_fd, 1) == b"x"
    drv.close()
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(event.wake_fd)
