"""How the relay tells its viewers' view in its log: not a line per cursor move.

A desk of engineers moving their cursors changes the relay's view many times a minute; a line
each buried the journal (issue 18's tmux trial). A viewer joining or leaving is said at once
(INFO); a selection change at INFO at most once every `every` seconds, with how many changes
since the last such line; every change stays at DEBUG for whoever needs them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

SUMMARY_EVERY_S = 60.0
"""At most one INFO line a minute for selection changes alone."""

log = logging.getLogger("monitor.relay")


class ViewLog:
    """The view's changes, logged without the noise."""

    def __init__(self, clock: Callable[[], float], every: float = SUMMARY_EVERY_S) -> None:
        self.clock = clock
        self.every = every
        self._viewers: int | None = None
        self._told_at: float | None = None
        self._changes = 0
        """Changes since the last INFO line."""

    def changed(
        self, viewers: int, calls: Sequence[str], campaign: str | None, limit: int, left_out: int
    ) -> None:
        now = self.clock()
        self._changes += 1
        joined_or_left = viewers != self._viewers
        due = self._told_at is None or now - self._told_at >= self.every
        level = logging.INFO if joined_or_left or due else logging.DEBUG
        since = ""
        if level == logging.INFO and self._changes > 1:
            since = f" ({self._changes} changes of view since the last such line)"
        log.log(
            level,
            "relay: %d viewer(s); budget on calls %s and campaign %s (a fixed share of %d "
            "calls: the most recent selections, then the relay's own picks, the newest calls "
            "in flight; %d older selections left out)%s",
            viewers,
            ", ".join(calls) or "none",
            campaign or "none",
            limit,
            left_out,
            since,
        )
        self._viewers = viewers
        if level == logging.INFO:
            self._told_at, self._changes = now, 0


__all__ = ["SUMMARY_EVERY_S", "ViewLog"]
