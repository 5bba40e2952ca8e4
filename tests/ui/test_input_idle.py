"""The input loop's looks at an idle terminal (issue 21): each one wakes a thread (about 130 µs
of CPU on busy), so an idle loop waits up to `IDLE_WAIT_S` between them, longer than Textual's
0.1 s, and a stop ends the wait at once (a byte on a pipe the loop sleeps on). Checked on the
waits the loop asks its selector for and what ended them, not by timing."""

from __future__ import annotations

import os
import selectors
import threading
from collections.abc import Callable
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

    def __init__(self) -> None:
        super().__init__()
        self.looks: list[tuple[float | None, list[int]]] = []
        self.entered = 0
        self._cond = threading.Condition()

    def select(self, timeout: float | None = None) -> list[Any]:
        with self._cond:
            self.entered += 1
            self._cond.notify_all()
        ready = super().select(timeout)
        self.looks.append((timeout, [key.fd for key, _ in ready]))
        return ready

    def wait_entered(self, n: int) -> bool:
        """Until the loop is in its `n`th look (a generous bound: not a timing check)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.entered >= n, 10)


def idle_loop(
    monkeypatch: pytest.MonkeyPatch, stop: WakingEvent, selector: RecordingSelector
) -> tuple[threading.Thread, Callable[[], None]]:
    """The input loop on a terminal that types nothing, in a thread (not started); and what
    closes the terminal."""
    monkeypatch.setattr(driver_mod, "IDLE_WAIT_S", 3600.0)  # only the pipe can end a look
    terminal_r, terminal_w = os.pipe()
    drv = QuickEscapeDriver.__new__(QuickEscapeDriver)
    drv.fileno = terminal_r
    drv._debug = False
    drv.exit_event = stop
    drv._writer_thread = None
    monkeypatch.setattr(driver_mod.selectors, "SelectSelector", lambda: selector)

    def close() -> None:
        os.close(terminal_r)
        os.close(terminal_w)

    return threading.Thread(target=drv.run_input_thread, daemon=True), close


def test_a_stop_wakes_the_idle_input_loop_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quitting (Textual sets `exit_event`, then joins the input thread) does not wait for the
    loop's next idle look: the stop's byte on the pipe ends the look it is in."""
    stop, selector = WakingEvent(), RecordingSelector()
    thread, close = idle_loop(monkeypatch, stop, selector)
    try:
        thread.start()
        assert selector.wait_entered(1)
        stop.set()
        thread.join(10)
        assert not thread.is_alive()
        # The idle look was ended by the stop's byte, then the last look (nothing registered).
        assert selector.looks == [(3600.0, [stop.wake_fd]), (FINAL_WAIT_S, [])]
        # The byte was taken: a loop started again (resume after Ctrl+Z) sleeps until input.
        with pytest.raises(BlockingIOError):
            os.read(stop.wake_fd, 1)
    finally:
        stop.close()
        close()


def test_a_stale_stop_byte_wakes_a_resumed_loop_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte left on the pipe (a stop written after the loop had drained it) wakes the next
    loop once; it is taken then, so the loop sleeps again instead of spinning on it."""
    stop, selector = WakingEvent(), RecordingSelector()
    stop.set()
    stop.clear()  # as Textual's `disable_input` does after the join: the byte stays
    thread, close = idle_loop(monkeypatch, stop, selector)
    try:
        thread.start()
        assert selector.wait_entered(2)  # woken by the stale byte, then asleep again
        stop.set()
        thread.join(10)
        assert not thread.is_alive()
        woken = (3600.0, [stop.wake_fd])
        assert selector.looks == [woken, woken, (FINAL_WAIT_S, [])]
    finally:
        stop.close()
        close()


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


async def test_a_resumed_driver_sleeps_on_a_new_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's suspend (Ctrl+Z, SIGTSTP) closes the driver, its pipe included, and the resume
    (`fg`) starts it again: the new input loop gets an open pipe, and a stop never writes to the
    old pipe's numbers, another file's by then (the loop's select failed with EBADF: a crash
    on `fg`). End to end on a real pty: `tests/faults/test_suspend_pty.py`."""
    from textual.app import App
    from textual.drivers.linux_driver import LinuxDriver

    drv = QuickEscapeDriver(App())
    old = drv.exit_event
    assert isinstance(old, WakingEvent)
    drv.close()  # as `Driver.suspend_application_mode` does
    other_read, other_write = os.pipe()  # a file opened meanwhile: the lowest numbers, the old
    try:
        os.set_blocking(other_read, False)
        old.set()
        with pytest.raises(BlockingIOError):
            os.read(other_read, 1)  # nothing written to it
        # The resume, without taking this test's terminal (Textual's part does that).
        monkeypatch.setattr(LinuxDriver, "start_application_mode", lambda self: None)
        drv.start_application_mode()
        new = drv.exit_event
        assert isinstance(new, WakingEvent) and new is not old
        new.set()
        assert os.read(new.wake_fd, 1) == b"x"
    finally:
        drv.close()
        os.close(other_read)
        os.close(other_write)
