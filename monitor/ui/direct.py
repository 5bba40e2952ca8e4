"""Repaints asked for during the clock's frame reach the screen without a hop through each
widget's message pump.

In Textual a widget's `refresh` posts a `Prompt` to the widget's own message pump; the pump
wakes, runs its idle handler (`Widget._check_refresh`), which posts `Update` to the screen;
the screen's pump wakes and asks its update timer for a frame. A second on busy repaints six
to ten widgets (the durations, the countdown, an age, the concurrency lines), and each of their
pumps woke once for it: ~90 µs a wake, most of the message pumps' CPU while nothing is pressed
(issue 21). Inside `direct_refreshes()` (the app's frame: one synchronous block, no `await`)
a `DirectRefresh` widget marks what is dirty as Textual does but posts nothing; when the block
ends each such widget runs its idle check at once, in order, and the screen gets the same
`Update` messages, all in one wake of its pump. What is painted is the same: only the route
to the screen is shorter.

It overrides `Widget.refresh` and `MessagePump.check_idle`, and calls `Widget._check_refresh`
(Textual's idle handler for a widget; Textual 8.2, pinned with the driver's major version).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textual.geometry import Region
from textual.widget import Widget

if TYPE_CHECKING:
    from typing import Self

    _Base = Widget
else:
    _Base = object

_pending: dict[Widget, None] | None = None
"""The widgets refreshed in the open `direct_refreshes()` block, in order (None: no block).
A module variable, not a context variable: the block is synchronous on the app's loop, and a
task started inside it must not inherit a block that has ended."""

checks = 0
"""Idle checks run directly (not through a widget's pump): a count for tests."""


@contextmanager
def direct_refreshes() -> Iterator[None]:
    """Within: `DirectRefresh` widgets post nothing on `refresh`; at the end, their idle check."""
    global _pending, checks
    if _pending is not None:  # nested: the outer block sends
        yield
        return
    pending: dict[Widget, None] = {}
    _pending = pending
    try:
        yield
    finally:
        _pending = None
        for widget in pending:
            checks += 1
            widget._check_refresh()


class DirectRefresh(_Base):
    """A widget whose repaints in `direct_refreshes()` skip its own message pump."""

    _deferring = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        pending = _pending
        if pending is None or layout or recompose or not self.is_mounted:
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        self._deferring = True
        try:
            super().refresh(*regions, repaint=repaint)
        finally:
            self._deferring = False
        pending[self] = None
        return self

    def check_idle(self) -> None:
        if not self._deferring:
            super().check_idle()
