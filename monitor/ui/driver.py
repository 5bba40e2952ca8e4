"""Textual's Linux driver with an Esc that answers at once or after ESCDELAY, not after 100 ms.

Textual's parser waits `constants.ESCAPE_DELAY` (ESCDELAY, 25 ms here: `monitor.cli`) after a
lone Esc before it decides it is not the start of an escape sequence, but its Linux driver only
asks the parser between `select(0.1)` calls, so a lone Esc is answered after about 100 ms
whatever ESCDELAY says (measured: Esc p50 117 ms with ESCDELAY=25, issue 21). This driver's
input loop is Textual 8.2's own, except that while the parser waits for a timeout it wakes up
when that timeout is due; idle, it sleeps until input comes or the driver is stopped (its
`exit_event` set: a byte on a pipe wakes the loop at once), and at most `IDLE_WAIT_S`.

A read of one bare ESC, on a terminal whose escape sequences have arrived whole, is the Esc key
at once, without ESCDELAY (`monitor.ui.escape`: its timeout is made due now).

It reads and sets one private attribute of Textual's parser (`_timeout_time`), so it is pinned
with Textual's major version in pyproject; without that attribute it behaves exactly like
Textual's.

The output goes through `monitor.ui.output.FrameWriter` (compacted frames, paced by the
terminal's answers to status queries, which the input loop takes out before Textual's parser)
instead of Textual's writer thread (issue 21). An idle input loop that slept until input
(woken through a pipe on stop) was tried and taken out: a dropped SSH session then stayed
running after its SIGHUP in about half the runs of FAULTS R6 (cause not found). The loop now
sleeps on such a pipe too, but still looks at least every `IDLE_WAIT_S` (1 s; it was 0.25), so
a stop that does not come through the pipe is still seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import signal
import threading
import time
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import Any, Protocol

from textual import constants, on
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.driver import Driver
from textual.drivers._writer_thread import WriterThread
from textual.drivers.linux_driver import LinuxDriver

from monitor.ui.escape import WholeSequences
from monitor.ui.output import FrameWriter


class Drainable(Protocol):
    def when_drained(self, callback: Callable[[], None]) -> None: ...


IDLE_WAIT_S = 1.0
"""The longest wait between looks at the terminal when nothing is pending (Textual's is 0.1 s).
Input wakes the loop at once, so does the driver's stop (`WakingEvent`), and a pending Esc sets
its own shorter wait (`input_wait`): this only bounds how late the loop would see a stop that
did not come through `exit_event.set()`. Each look wakes a thread (about 130 µs of CPU on this
box): ten looks a second cost about a third of what htop uses in all (80 ms of CPU a minute on
busy, issue 21); four cost 30 ms; one, 8 ms."""
FINAL_WAIT_S = 0.1
"""The last look, after the terminal is let go: Textual's own 0.1 s. Not 0: with no wait
there, a dropped SSH session (the pty's master closed) left the monitor still running 17-18 s
later in 3 of 6 loaded runs of the real-terminal drill R6 (the exit races something this wait
left time for; not understood further yet)."""


class WakingEvent(threading.Event):
    """The driver's `exit_event`: setting it also writes a byte to a pipe the input loop
    sleeps on, so a stop (quit, suspend) is seen at once, not at the next idle look.

    Textual's `LinuxDriver.disable_input` sets `exit_event` and then joins the input thread;
    replacing the event (a public attribute, made in `LinuxDriver.__init__`) is how the loop is
    told without overriding Textual's method."""

    def __init__(self) -> None:
        super().__init__()
        self.wake_fd, self._write_fd = os.pipe()
        os.set_blocking(self.wake_fd, False)
        os.set_blocking(self._write_fd, False)
        self.closed = False
        """The pipe is closed: its descriptors' numbers may be another file's by now."""

    def set(self) -> None:
        super().set()
        if self.closed:
            return
        with contextlib.suppress(OSError):  # full (a wake is already pending)
            os.write(self._write_fd, b"x")

    def drain(self) -> None:
        """Empty the pipe (a stop seen; a resumed loop must not wake for it again)."""
        if self.closed:
            return
        with contextlib.suppress(OSError):
            while os.read(self.wake_fd, 512):
                pass

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self.wake_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def input_wait(parser: object) -> float:
    """How long the input loop may sleep: until a pending Esc timeout is due, else idle."""
    if getattr(parser, "_timeout_time", None) is None:
        return IDLE_WAIT_S
    return min(IDLE_WAIT_S, constants.ESCAPE_DELAY)


class QuickEscapeDriver(LinuxDriver):
    """`LinuxDriver` whose input loop wakes for the parser's Esc timeout, and whose output
    goes through a `FrameWriter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_event = WakingEvent()
        self._job_control_on_loop()

    def _job_control_on_loop(self) -> None:
        """Answer SIGTSTP and SIGCONT from the app's loop, between two callbacks, not in a
        Python signal handler, which runs wherever the main thread happens to be.

        Textual's handlers (set in `LinuxDriver.__init__`) stop the driver: they join the
        input and output threads. Run inside the main thread's `FrameWriter.write`, which holds
        the writer's lock (a frame a second is written), the join waited for a thread that
        waited for that lock: a `kill -TSTP` left the monitor running and hung for good, about
        one stop in 300 on a loaded box (py-spy: `_sigtstp_application` under
        `Condition.notify` in `FrameWriter.write`). On the loop no lock is held. Ctrl+Z is the
        same path: Textual's action sends SIGTSTP to the process."""
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTSTP, self._on_stop_signal)
            loop.add_signal_handler(signal.SIGCONT, self._on_continue_signal)

    def _on_stop_signal(self) -> None:
        self._sigtstp_application()

    def _on_continue_signal(self) -> None:
        self._sigcont_application()

    def close(self) -> None:
        super().close()
        if isinstance(self.exit_event, WakingEvent):
            self.exit_event.close()

    @property
    def frame_writer(self) -> FrameWriter | None:
        writer = self._writer_thread
        return writer if isinstance(writer, FrameWriter) else None

    def start_application_mode(self) -> None:
        if isinstance(self.exit_event, WakingEvent) and self.exit_event.closed:
            # A resume after a suspend (Ctrl+Z or SIGTSTP, then `fg`): Textual's
            # `suspend_application_mode` closed the driver, pipe included. The new input loop
            # sleeps on a new pipe; on the old one's numbers (another file's by then, or none)
            # its select failed with EBADF and the app crashed on `fg`, about one time in three.
            self.exit_event = WakingEvent()
        super().start_application_mode()  # type: ignore[no-untyped-call]
        old = self._writer_thread
        if isinstance(old, WriterThread) and self._file is not None:
            # Textual's thread wrote the set-up sequences; it is emptied and ours takes over.
            old.stop()
            loop = asyncio.get_running_loop()

            def call_soon(callback: Callable[[], None]) -> None:
                loop.call_soon_threadsafe(callback)

            # Textual hid the cursor (`ESC[?25l`) through its own thread, before this one.
            writer = FrameWriter(self._file, call_soon=call_soon, cursor_shown=False)
            self._writer_thread = writer  # type: ignore[assignment]  # same interface
            writer.start()

    def write(self, data: str) -> None:
        writer = self.frame_writer
        if writer is not None and writer.backed_up():
            # The link is behind: this frame waits, and the app holds the next ones until it
            # drains (`QuickEscapeApp.output_backed_up`).
            held = getattr(self._app, "output_backed_up", None)
            if callable(held):
                held(writer)
        super().write(data)

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual 8.2's loop; see the module's note)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        waking = self.exit_event if isinstance(self.exit_event, WakingEvent) else None
        if waking is not None:
            selector.register(waking.wake_fd, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        escapes = WholeSequences(constants.ESCAPE_DELAY)

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (key, mask) in loop_last(events):
                if waking is not None and key.fd == waking.wake_fd:
                    # The stop's byte, taken (a byte written after the loop last drained, a
                    # stop racing it, must not keep a resumed loop awake): `exit_event` says
                    # the rest.
                    waking.drain()
                    continue
                if mask & selectors.EVENT_READ:
                    raw = data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin piped and closed
                    writer = self.frame_writer  # set after this thread starts
                    if writer is not None:  # the terminal's answers to the output's queries
                        data = writer.take_replies(data)
                    for event in parser.feed(data) if data else ():
                        self.process_message(event)
                    waiting = getattr(parser, "_timeout_time", None) is not None
                    if escapes.read(raw, waiting, time.monotonic()) and waiting:
                        parser._timeout_time = 0.0  # due now: `tick` below sends the Esc
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(input_wait(parser)))
            selector.unregister(self.fileno)
            if waking is not None:
                selector.unregister(waking.wake_fd)
                waking.drain()
            # Nothing is registered now: the last look is a wait (see FINAL_WAIT_S).
            process(selector.select(FINAL_WAIT_S), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass


class QuickEscapeApp(App[int]):
    """An app that runs on `QuickEscapeDriver` where Textual would pick its Linux driver."""

    _link_hold: contextlib.ExitStack | None = None

    def get_driver_class(self) -> type[Driver]:
        chosen = super().get_driver_class()
        return QuickEscapeDriver if chosen is LinuxDriver else chosen

    def frame_writer(self) -> FrameWriter | None:
        """The output's writer (None under a headless or non-Linux driver)."""
        writer = getattr(self._driver, "frame_writer", None)
        return writer if isinstance(writer, FrameWriter) else None

    def link_slow(self) -> bool:
        """Writes to the terminal have waited for the link lately (a slow SSH link)."""
        writer = self.frame_writer()
        return writer is not None and writer.gauge.slow(time.monotonic())

    def output_backed_up(self, writer: Drainable) -> None:
        """Hold every frame until the output drains, then draw one with all the changes made
        meanwhile (Textual keeps them as dirty regions): a key pressed meanwhile is answered
        by the first frame out, not behind frames that went stale in a queue."""
        if self._link_hold is not None:
            return
        self._link_hold = contextlib.ExitStack()
        self._link_hold.enter_context(self.batch_update())
        writer.when_drained(self._output_drained)

    def _output_drained(self) -> None:
        hold, self._link_hold = self._link_hold, None
        if hold is not None:
            hold.close()
            if self.screen_stack:
                # Textual dropped the frames made in the hold: all of it again, of which the
                # writer sends only the cells that differ from what the terminal shows.
                self.screen.refresh()

    @on(Driver.SignalResume)
    def _repaint_after_resume(self) -> None:
        # Back from a suspend (Ctrl+Z or SIGTSTP, then `fg`): the terminal entered a cleared
        # alternate screen, and the resumed driver's writer knows nothing of it, but Textual
        # repaints only what changed since (it drops a Resize to the same size), so the
        # screen stayed blank but for the cells that ticked. All of it is drawn again.
        if self.screen_stack:
            self.screen.refresh()

    def on_resize(self) -> None:
        writer = self.frame_writer()
        if writer is not None:
            writer.forget_screen()
