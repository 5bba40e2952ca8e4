"""The terminal's output: compacted frames, paced by what the link behind it drains.

Textual writes each frame through a writer thread with a queue of 30 frames and no notion of
the link: on a slow SSH link every frame waits behind the ones before it, so a key's answer
comes seconds late, behind frames that are already stale (issue 21). `FrameWriter` replaces
that thread:

* every write is read into a `Compactor`, which writes only the cells that differ from what the
  terminal shows, the newest changes first;
* output in flight is bounded by the terminal's answers (`monitor.ui.link.AckWindow`): what
  comes while the link is full stays in the compactor, where later frames overwrite it, and
  goes out as the link drains, so a key's answer waits behind at most a fraction of a second
  of output, never behind a queue of stale frames;
* it says when a write blocks (`backed_up`: the kernel's buffer is full, a terminal that does
  not answer queries). The screens then hold their frames (their changes accumulate in
  Textual's dirty regions) and draw once when it drains (`when_drained`);
* `LinkGauge` turns blocked writes and answers into "the link is slow", which slows the 1 Hz
  tick and is said on the status line.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO

from monitor.ui.compact import Compactor
from monitor.ui.link import (
    BLOCKED_WRITE_S,
    QUERY,
    SLOW_TICK_S,
    AckWindow,
    LinkGauge,
    take_replies,
)

log = logging.getLogger(__name__)


LEAVE_ALT_SCREEN = "\x1b[?1049l"
"""How Textual leaves the alternate screen: on the way out, and on a suspend (Ctrl+Z)."""
ENTER_ALT_SCREEN = "\x1b[?1049h"
"""...and enters it again (a resume after a suspend: pacing goes on)."""


class FrameWriter(threading.Thread):
    """Writes Textual's frames to the terminal from its own thread (Textual's WriterThread's
    interface: `write`, `flush`, `fileno`, `isatty`, `stop`)."""

    def __init__(
        self,
        file: IO[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        call_soon: Callable[[Callable[[], None]], None] | None = None,
        cursor_shown: bool = True,
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
        self._held = False
        """The compactor holds cells the window did not let out yet (writer thread only)."""
        self._waiters: list[Callable[[], None]] = []
        self.compactor = Compactor(cursor_shown=cursor_shown)
        self.acks = AckWindow()
        self.gauge = LinkGauge()
        self._forget = False
        self._left = False
        """The app left the alternate screen: no more status queries (their answers would be
        typed into the user's shell once the app stops reading)."""
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

    def take_replies(self, data: str) -> str:
        """`data` read from the terminal without the answers to the writer's queries (the
        input thread's side: each answer may let held output go)."""
        data, n = take_replies(data)
        if n:
            with self._cond:
                for _ in range(n):
                    rate = self.acks.answered(self._clock())
                    if rate is not None:
                        self.gauge.record_rate(rate, self._clock())
                self._cond.notify()
        return data

    def stop(self) -> None:
        self.write(None)  # type: ignore[arg-type]  # the end marker
        self.join()

    # -- the thread -------------------------------------------------------------------------

    def run(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
                done = None in batch
                budget = None if done else self.acks.budget(self._clock())
                self._busy = True
            texts = [t for t in batch if t is not None]
            self._write(texts, budget)
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

    def _next_batch(self) -> list[str | None]:
        """Wait (holding the lock) for frames, or for room for held output, or for a query
        that is due; take the frames."""
        while True:
            if self._queue:
                batch = list(self._queue)
                self._queue.clear()
                return batch
            now = self._clock()
            budget = self.acks.budget(now)
            if self._held and (budget is None or budget > 0):
                return []
            if self.acks.query_due(0, self._held):
                return []
            self._cond.wait(self.acks.next_timeout(now))

    def _write(self, texts: list[str], budget: int | None) -> None:
        if self._forget:
            self._forget = False
            self.compactor.forget()
        try:
            for text in texts:
                self.compactor.feed(text)
            data = self.compactor.take(budget)
        except Exception:  # a bug here must not blank the terminal: these frames as they came
            log.exception("output compaction failed; sending the frames as they came")
            self.compactor = Compactor()  # its model is not what the terminal shows now
            self.compactor.forget()
            data = "".join(texts)
        self._held = self.compactor.pending
        for text in texts:  # the later of the two in the text says where the app is
            left, entered = text.rfind(LEAVE_ALT_SCREEN), text.rfind(ENTER_ALT_SCREEN)
            if left != entered:  # both -1 when neither is in it
                self._left = left > entered
        with self._cond:
            query = not self._left and self.acks.query_due(len(data.encode()), self._held)
        if query:
            data += QUERY
        if not data:
            return
        nbytes = len(data.encode())
        # From here on only the link can make it wait (the compaction above is CPU, which a
        # busy box may stretch: counted, it would hold frames and slow the tick for nothing).
        started = self._writing_since = self._clock()
        with self._cond:  # before the write: the answer can come before the write returns
            self.acks.wrote(nbytes, started if query else None)
        try:
            self._file.write(data)
            self._file.flush()
        except OSError:  # the terminal went away: nothing to show it on
            return
        now = self._clock()
        self.gauge.record(nbytes, now - started, now)
        self.bytes_in += sum(len(t) for t in texts)
        self.bytes_out += nbytes
        self.writes += 1

    def _schedule(self, callback: Callable[[], None]) -> None:
        if self._call_soon is None:
            callback()
            return
        with contextlib.suppress(RuntimeError):  # the app's loop closed: nobody waits
            self._call_soon(callback)


__all__ = ["BLOCKED_WRITE_S", "SLOW_TICK_S", "FrameWriter", "LinkGauge"]
