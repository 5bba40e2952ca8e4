"""`TableLinger`: rows whose item left a `LiveTable`'s data stay a few seconds, then go.

On a busy table calls end every second; removed at once, each end shifts every row below it
(a repaint of the window) and the operator never sees what just ended. A table with
`LINGER_S` keeps such rows (drawn by `render_gone`, frozen, never news) and lets them all go
in one sweep once the oldest has had its time: fewer shifts, fewer repaints. With
`REUSE_SLOTS`, a newcomer takes the place of a row that has lingered `LINGER_MIN_S`, so the
rows below do not shift at all. An item that comes back revives its row.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.ui.state_file import UiState
from monitor.ui.widgets.table_columns import T
from monitor.ui.widgets.table_order import TableOrder


class TableLinger(TableOrder[T]):
    """The rows of a live table whose item left the data, for a while."""

    REUSE_SLOTS: ClassVar[bool] = False
    """With `LINGER_S`: a new row takes the place of one that has lingered `LINGER_MIN_S`,
    so the rows below never shift (one row repainted instead of the whole window)."""
    LINGER_MIN_S: ClassVar[float] = 5.0
    """How long an ended row shows before a newcomer may take its place."""
    LINGER_S: ClassVar[float] = 0.0
    """Rows whose item left the data stay this long (drawn by `render_gone`), then go in one
    sweep: fewer row shifts, so fewer repaints, and the operator sees what just ended.
    0 removes them at once."""

    def __init__(
        self, *, ui_state: UiState | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(ui_state=ui_state, id=id, classes=classes)
        self._gone: dict[str, float] = {}
        """Lingering rows' keys -> when their item left (the app clock's monotonic time)."""
        self._gone_items: dict[str, T] = {}
        """Lingering rows' last items (what `render_gone` draws)."""

    def _linger(self, fresh: dict[str, T], mono: float) -> None:
        """Before `fresh` replaces the data: rows whose item left start lingering, rows whose
        item is back stop, newcomers take ripe slots, and a due sweep lets the rest go."""
        if self.LINGER_S <= 0:
            return
        for key in self._keys:
            if key not in fresh and key not in self._gone:
                last = self._items.get(key)
                if last is not None:
                    self._gone[key] = mono
                    self._gone_items[key] = last
        for key in [k for k in self._gone if k in fresh]:
            self._revive(key)
        if self.REUSE_SLOTS:
            self._reuse_slots(fresh, mono)
        self._sweep(mono)

    def _revive(self, key: str) -> None:
        self._gone.pop(key, None)
        self._gone_items.pop(key, None)

    def _reuse_slots(self, fresh: dict[str, T], mono: float) -> None:
        """Newcomers take the rows of calls that ended a while ago, in place."""
        newcomers = [k for k in fresh if k not in self._items and k not in self._pos]
        ripe = sorted(
            (k for k, at in self._gone.items() if mono - at >= self.LINGER_MIN_S),
            key=lambda k: self._gone[k],
        )
        for new_key, old_key in zip(newcomers, ripe, strict=False):
            self.take_slot(new_key, old_key)
            self._revive(old_key)

    def take_slot(self, new_key: str, old_key: str) -> None:
        """Subclasses with `REUSE_SLOTS`: give `new_key` the sort position of `old_key`."""

    def _sweep(self, mono: float) -> bool:
        """Once the oldest lingering row has had its time, let every lingering row go."""
        if not self._gone or mono - min(self._gone.values()) < self.LINGER_S:
            return False
        for key in list(self._gone):
            self._revive(key)
        return True
