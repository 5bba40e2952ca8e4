"""How fast the link behind the terminal drains, measured two ways (pure, fake clock in tests).

* `LinkGauge`: "the link is slow", from writes that blocked (the kernel's buffer was full) or
  from the terminal's answers (`AckWindow`); it slows the 1 Hz tick, which the status line says.
* `AckWindow`: how many bytes may be in flight. Neither a pty nor SSH says how much written
  output the terminal has not read yet: a pty holds about 20 KB before a write blocks, sshd and
  TCP far more, and at 4 KB/s 20 KB is five seconds of stale frames in front of a key's answer
  (issue 21). So the writer asks the terminal: a status query (DSR, `ESC[5n`) after a chunk of
  output is answered (`ESC[0n`) once the terminal has read everything before it. Until a
  terminal has answered once, nothing is held (one that never answers writes as before).
  The window grows while answers come back no later than the link's round trip and halves
  when they queue (the round trip is the fastest answer seen): a key waits behind at most
  about `QUEUE_TARGET_S` (0.1 s) of output, whatever the link's speed or distance.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

BLOCKED_WRITE_S = 0.1
"""A write to a terminal that is not backed up returns in microseconds: one that takes this
long waited for the link (the kernel's buffer was full; a pty holds about 20 KB). Not less: on
a loaded box a thread can wait tens of milliseconds for a core in the middle of a write."""
SLOW_HOLD_S = 30.0
"""A slow link is assumed slow this long after the last sign of it."""
SLOW_TICK_S = 5.0
"""The tick's period on a slow link: ages and durations move every 5 s instead of every 1 s."""
SLOW_RATE = 16_000.0
"""Bytes per second under which the terminal's answers say the link is slow (a busy 200x50
dashboard writes about 1.5 KB/s; a screen switch 5-15 KB)."""

QUERY = "\x1b[5n"
"""Device status report: "are you there?"; answered with `REPLY` in order with the output."""
REPLY = "\x1b[0n"
QUERY_EVERY = 512
"""Bytes written without a query outstanding before one is asked (about one a second on a busy
dashboard: 4 bytes of 500)."""
WINDOW_MIN = 512
"""Bytes in flight at least: at 4 KB/s an eighth of a second."""
WINDOW_MAX = 256 * 1024
QUEUE_TARGET_S = 0.1
"""How long output may wait in the link beyond its round trip: what a key's answer waits
behind at most. At 0.2 s a 4 KB/s link settled on a 1 KB window, a quarter of a second in
front of every key (Down at p95 478 ms there, issue 21); at 0.1 s it stays near 512 bytes."""
RATE_QUEUED_S = 0.1
"""Answers queued at least this long measure the link's rate (less is a loaded box's jitter:
too short a time to tell a slow link by)."""
ACK_TIMEOUT_S = 5.0
"""A query unanswered this long is taken as lost (what it covered as read)."""
MIN_SAMPLES = 4
"""Answers seen before the round trip (the fastest of them) is trusted to size the window."""


@dataclass
class LinkGauge:
    """Whether the link behind the terminal is slow."""

    slow_until: float = float("-inf")
    blocked_writes: int = 0
    last_rate: float | None = None
    """Bytes per second of the last write that waited, or the terminal's answers measured."""

    def record(self, nbytes: int, seconds: float, at: float) -> None:
        """A write of `nbytes` to the terminal took `seconds`."""
        if seconds < BLOCKED_WRITE_S:
            return
        self.blocked_writes += 1
        self.last_rate = nbytes / seconds
        self.slow_until = at + SLOW_HOLD_S

    def record_rate(self, rate: float, at: float) -> None:
        """The link drained queued output at `rate` bytes per second."""
        self.last_rate = rate
        if rate < SLOW_RATE:
            self.slow_until = at + SLOW_HOLD_S

    def slow(self, now: float) -> bool:
        return now < self.slow_until

    def tick_s(self, now: float) -> float:
        """How often the clock should tick now."""
        return SLOW_TICK_S if self.slow(now) else 1.0


class AckWindow:
    """Bytes written, bytes the terminal said it read, and how many more may go now."""

    def __init__(self) -> None:
        self.answers = False
        """The terminal has answered a query: it can be waited for."""
        self.window = WINDOW_MIN
        self.written = 0
        self.acked = 0
        self._queries: deque[tuple[int, float]] = deque()
        """Queries outstanding: (bytes written up to the query's end, when it was sent)."""
        self._trips: deque[float] = deque(maxlen=32)
        """How long recent answers took (the fastest: the round trip, nothing queued)."""

    @property
    def in_flight(self) -> int:
        return self.written - self.acked

    def budget(self, now: float) -> int | None:
        """Bytes that may be written now (None: no limit, the terminal never answered)."""
        if not self.answers:
            return None
        if self._queries and now - self._queries[0][1] > ACK_TIMEOUT_S:
            self._queries.clear()  # lost (a terminal reset, a detach): what it covered is read
            self.acked = self.written
        return max(0, self.window - self.in_flight)

    def query_due(self, nbytes: int, more: bool) -> bool:
        """A query should follow a write of `nbytes` (0: a query alone); `more`: output is
        still held, and only an answer lets it go."""
        unread = self.in_flight + nbytes
        if self._queries or unread <= 0:
            return False
        return unread >= QUERY_EVERY or more

    def wrote(self, nbytes: int, query_at: float | None = None) -> None:
        """`nbytes` went to the terminal, ending with a query sent at `query_at` if given."""
        self.written += nbytes
        if query_at is not None:
            self._queries.append((self.written, query_at))

    def next_timeout(self, now: float) -> float | None:
        """Seconds until the oldest query is taken as lost (None: none outstanding)."""
        if not self._queries or not self.answers:
            return None  # one that never answered is not waited for
        return max(0.0, self._queries[0][1] + ACK_TIMEOUT_S - now)

    def answered(self, now: float) -> float | None:
        """The terminal answered the oldest query; the link's rate measured when the output
        had queued (bytes per second), else None."""
        if not self._queries:
            return None  # a late answer to a query taken as lost
        end, sent = self._queries.popleft()
        covered = end - self.acked
        self.acked = max(self.acked, end)
        self.answers = True
        took = now - sent
        self._trips.append(took)
        if len(self._trips) < MIN_SAMPLES:
            return None
        queued = took - min(self._trips)
        if queued > QUEUE_TARGET_S:
            self.window = max(WINDOW_MIN, self.window // 2)
        elif queued < QUEUE_TARGET_S / 2 and covered >= self.window // 2:
            self.window = min(WINDOW_MAX, self.window * 2)
        if queued > RATE_QUEUED_S and covered >= WINDOW_MIN // 2:
            return covered / queued
        return None


def take_replies(data: str) -> tuple[str, int]:
    """`data` read from the terminal without the answers to queries, and how many there were
    (they are not keys: Textual's parser would read an unknown sequence's letters as keys)."""
    n = data.count(REPLY)
    return (data.replace(REPLY, ""), n) if n else (data, 0)


__all__ = [
    "BLOCKED_WRITE_S",
    "QUERY",
    "REPLY",
    "SLOW_TICK_S",
    "AckWindow",
    "LinkGauge",
    "take_replies",
]
