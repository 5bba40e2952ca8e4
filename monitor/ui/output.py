"""The terminal's output: compacted frames, and how fast the link behind it drains them.

Textual writes each frame through a writer thread with a queue of 30 frames and no notion of
the link: on a slow SSH link every frame waits behind the ones before it, so a key's answer
comes seconds late, behind frames that are already stale (issue 21). `FrameWriter` replaces
that thread:

* every write is rewritten by a `Compactor` (same screen, fewer bytes);
* whatever queued while a write blocked goes out as one write (merged, then compacted);
* it says when output backs up (`backed_up`): a write in progress for longer than a
  non-blocking write ever takes. The screens then hold their frames (their
  changes accumulate in Textual's dirty regions) and draw once when it drains
  (`when_drained`), so a key is answered by the next frame out, with the newest state;
* `LinkGauge` (pure, fake clock in tests) turns write times into "the link is slow", which
  slows the 1 Hz tick and is said on the status line.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from monitor.ui.compact import Compactor

log = logging.getLogger(__name__)

BLOCKED_WRITE_S = 0.1
"""A write to a terminal that is not backed up returns in microseconds: one that takes this
long waited for the link (the kernel's buffer was full; a pty holds about 20 KB). Not less: on
a loaded box a thread can wait tens of milliseconds for a core in the middle of a write."""
SLOW_HOLD_S = 30.0
"""A slow link is assumed slow this long after the last write that waited."""
SLOW_TICK_S = 5.0
"""The tick's period on a slow link: ages and durations move every 5 s instead of every 1 s."""


@dataclass
class LinkGauge:
    """Whether the link behind the terminal is slow, from how long writes take."""

    slow_until: float = float("-inf")
    blocked_writes: int = 0
    last_rate: float | None = None
    """Bytes per second of the last write that waited (what the link drained meanwhile)."""

    def record(self, nbytes: int, seconds: float, at: float) -> None:
        if seconds < BLOCKED_WRITE_S:
            return
        self.blocked_writes += 1
        self.last_rate = nbytes / seconds
        self.slow_until = at + SLOW_HOLD_S

    def slow(self, now: float) -> bool:
        return now < self.slow_until

    def tick_s(self, now: float) -> float:
        """How often the clock should tick now."""
        return SLOW_TICK_S if self.slow(now) else 1.0


class FrameWriter(threading.Thread):
    """Writes Textual's frames to the terminal from its own thread (Textual's WriterThread's
    interface: `write`, `flush`, `fileno`, `isatty`, `stop`)."""

    def __init__(
        self,
        file: IO[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        call_soon: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        super().__init__(daemon=True, name="dialnexa-output")
        self._file = file
        self._clock = clock
        self._call_soon = call_soon
        """Runs a callback on the app's loop (thread-safe); None: in the writer's thread."""
        self._queue: deque[str | None] = deque()
        self._cond = threading.Condition()
        self._writing_since: float | None = None
        """When the write to the terminal in progress began (after compaction)."""
        self._busy = False
        """A batch was taken from the queue and is not written yet."""
        self._waiters: list[Callable[[], None]] = []
        self.compactor = Compactor()
        self.gauge = LinkGauge()
        self._forget = False
        self.bytes_in = 0
        self.bytes_out = 0
        self.writes = 0

    # -- the app's side ---------------------------------------------------------------------

    def write(self, text: str) -> None:
        with self._cond:
            self._queue.append(text)
            self._cond.notify()

    def flush(self) -> None:
        """A no-op: the thread flushes after each write."""

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._file.fileno()

    def backed_up(self) -> bool:
        """The write in progress has waited for the link. Frames merely queued behind a write
        that has not (this thread not yet scheduled on a busy box) are not a backlog: holding
        them would cost a full repaint for nothing."""
        since = self._writing_since
        return since is not None and self._clock() - since >= BLOCKED_WRITE_S

    def when_drained(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the app's loop) once nothing is waiting; at once if nothing is."""
        with self._cond:
            if self._queue or self._busy:
                if callback not in self._waiters:
                    self._waiters.append(callback)
                return
        self._schedule(callback)

    def forget_screen(self) -> None:
        """The terminal was resized: what it shows is not known; the next frame is sent whole."""
        self._forget = True

    def stop(self) -> None:
        self.write(None)  # type: ignore[arg-type]  # the end marker
        self.join()

    # -- the thread -------------------------------------------------------------------------

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                batch = list(self._queue)
                self._queue.clear()
                self._busy = True
            done = None in batch
            texts = [t for t in batch if t is not None]
            if texts:
                self._write("".join(texts))
            with self._cond:
                self._writing_since = None
                self._busy = False
                waiters = [] if self._queue else self._waiters
                if waiters:
                    self._waiters = []
            for callback in waiters:
                self._schedule(callback)
            if done:
                return

    def _write(self, text: str) -> None:
        if self._forget:
            self._forget = False
            self.compactor.forget()
        try:
            data = self.compactor.compact(text)
        except Exception:  # a bug here must not blank the terminal: this frame as it came
            log.exception("output compaction failed; sending the frame as it came")
            self.compactor = Compactor()  # its model is not what the terminal shows now
            self.compactor.forget()
            data = text
        # From here on only the link can make it wait (the compaction above is CPU, which a
        # busy box may stretch: counted, it would hold frames and slow the tick for nothing).
        started = self._writing_since = self._clock()
        try:
            self._file.write(data)
            self._file.flush()
        except OSError:  # the terminal went away: nothing to show it on
            return
        self.gauge.record(len(data), self._clock() - started, self._clock())
        self.bytes_in += len(text)
        self.bytes_out += len(data)
        self.writes += 1

    def _schedule(self, callback: Callable[[], None]) -> None:
        if self._call_soon is None:
            callback()
            return
        with contextlib.suppress(RuntimeError):  # the app's loop closed: nobody waits
            self._call_soon(callback)


__all__ = ["BLOCKED_WRITE_S", "SLOW_TICK_S", "FrameWriter", "LinkGauge"]
