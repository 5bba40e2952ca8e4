"""`LiveTable`: a table of live items that draws only its window and repaints only what changed.

Why not Textual's DataTable: every DataTable row operation is linear in the row count (its
`remove_row` rebuilds the row index, its cell and row regions are found by summing the heights
of every row above, and the row order is rebuilt after each change), so a diff applied to a
big table is quadratic: a campaign with 10,000 calls took tens of seconds to open and to filter.
Its `update_cell` also repaints the whole visible area (PERFORMANCE 8.1).

Here the table is a Line API widget (`render_line`): the data is a list of row keys in display
order, and only the rows in the window are ever rendered. Its parts, by idea: the columns and
sort modes (`table_columns`), the drawing (`table_paint`), the window and its cursor
(`table_window`), the filter and the sort (`table_order`), the rows that linger after their
item left (`table_linger`); this module keeps the data.

Rows whose item left the data may linger a few seconds (`LINGER_S`) and go in one sweep, so a
busy table shifts rarely. The cursor follows its row key through every update, so the
selection survives every poll. Subclasses describe their columns (per available width), rows,
sort modes and filter; the base class does the ordering, the filtering, the "new/changed"
flash and CSV rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.message import Message

from monitor.ui.state_file import UiState
from monitor.ui.widgets.table_columns import (
    Column,
    ColumnSpec,
    SortMode,
    T,
    allocate,
    same_row,
    same_text,
)
from monitor.ui.widgets.table_linger import TableLinger

FLASH_S = 3.0
"""How long a new or changed row stays highlighted: long enough to notice at 1 Hz."""


class LiveTable(TableLinger[T], can_focus=True):
    """A table of live items, keyed by id, updated in place.

    Subclasses implement `specs`, `row_key`, `render_row`, `search_text`, `export_row` and
    `sort_modes`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        "live-table--flash",
        "live-table--warn",
        "live-table--bad",
        "live-table--good",
        "live-table--muted",
    }
    """
    | Class | Description |
    | :- | :- |
    | `live-table--header` | The column labels. |
    | `live-table--cursor` | The highlighted row. |
    | `live-table--flash` | A row that is new or changed, for a few seconds. |
    | `live-table--warn` | A cell that needs attention (long call, stale). |
    | `live-table--bad` | A failed outcome. |
    | `live-table--good` | A completed outcome. |
    | `live-table--muted` | Unknown or pending values. |
    """

    DEFAULT_CSS = """
    LiveTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .live-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .live-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .live-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .live-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .live-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class _RowMessage(Message):
        def __init__(self, table: LiveTable[Any], key: str, index: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            """The row's key (the item's id)."""
            self.index = index

        @property
        def control(self) -> LiveTable[Any]:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor is on another row (or the first row appeared)."""

    class RowSelected(_RowMessage):
        """Enter (or a click on the highlighted row) chose a row."""

    class PrefsChanged(Message):
        """The position, sort or filter changed (posted when no `on_prefs` took it at once)."""

        def __init__(self, table: LiveTable[Any], description: str, filter_text: str) -> None:
            super().__init__()
            self.table = table
            self.description = description
            """e.g. "3/100 ↓92 · sort newest"."""
            self.filter_text = filter_text
            """The filter in force (the pane's title shows it, where it cannot be missed)."""

        @property
        def control(self) -> LiveTable[Any]:
            return self.table

    def __init__(
        self,
        *,
        ui_state: UiState | None = None,
        flash: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Args:
        ui_state: where sort and filter are remembered (None: not remembered).
        flash: highlight new and changed rows briefly.
        id: the widget id.
        classes: CSS classes.
        """
        super().__init__(ui_state=ui_state, id=id, classes=classes)
        self.flash_enabled = flash
        self._items: dict[str, T] = {}
        self._seen: dict[str, T] = {}
        """The items as of the last apply (what "changed" is measured against)."""
        self._flash: dict[str, float] = {}
        self._highlighted: str | None = None
        self.on_highlight: Callable[[str], None] | None = None
        """Called at once when the cursor lands on another row (before `RowHighlighted` is
        delivered): what the screen shows beside the table lands in the same frame."""
        self.on_prefs: Callable[[str, str], None] | None = None
        """Called at once with what `PrefsChanged` would say (then not posted): the pane's
        "3/9" lands in the frame that shows the ninth row, not in a second frame after it."""
        self._rows_shown = False
        """A row of data was drawn: news (the flash) is what changed since the user saw the
        table. Rows synced before (the first polls while the first frame is held) are not:
        the campaign names arriving 80 ms after the first calls flashed every row at start,
        and 3 s later the whole table was written again to unflash it (issue 21)."""
        self._mono = 0.0

    # -- what subclasses describe ------------------------------------------------------------

    def specs(self) -> Sequence[ColumnSpec]:
        raise NotImplementedError

    def change_key(self, item: T) -> object:
        """What counts as "this row changed" for the flash: the data, not its age.

        Redrawn cells (a duration that ticked, a row dimmed as stale) are not changes.
        """
        return item

    def same_data(self, old: T, new: T) -> bool:
        """`new` draws, sorts and filters as `old` does (False: every sync recomputes the rows).
        Items with a field no cell, sort or filter reads (a campaign's age, moving every second
        on busy) say so: a sync that moved only that redraws nothing (issue 21)."""
        return False

    def _shows_the_same(self, fresh: dict[str, T]) -> bool:
        items = self._items
        if self._gone or not items or len(fresh) != len(items) or list(fresh) != list(items):
            return False
        same = self.same_data
        return all(same(items[key], item) for key, item in fresh.items())

    # -- public API -------------------------------------------------------------------------

    def sync(self, items: Iterable[T], mono: float, *, flash: bool | None = None) -> None:
        """Show `items` (in their default order): new rows appear, gone rows go, changed rows
        are redrawn, the cursor stays on its row.

        Args:
            items: the table's data, in its default order.
            mono: the app clock's monotonic time (flashes and lingering rows count from it).
            flash: False: this is other data, not news (e.g. another call's attempts), so
                nothing flashes and running flashes stop. None: flash new and changed rows
                (once rows of it were drawn).
        """
        self._mono = mono
        fresh = {self.row_key(i): i for i in items}
        if flash is not False and self._shows_the_same(fresh):
            # Nothing on screen, in the order or in the filter moves: the rows are taken
            # (exports read them) and nothing is recomputed or redrawn.
            self._items = self._seen = fresh
            return
        if flash is False:
            self._flash.clear()
        self._linger(fresh, mono)
        self._items = fresh
        self._apply(flash=self.flash_enabled and self._rows_shown and flash is not False)

    def clear_rows(self) -> None:
        """Forget every row (the table is about to show other data), cursor to the top."""
        self._items = {}
        self._gone.clear()
        self._gone_items.clear()
        self._flash.clear()
        self._seen = {}
        self._rendered.clear()
        self._cursor = 0
        self._top = 0
        self._rows_shown = False
        self._apply(flash=False)

    def expire_flash(self, mono: float) -> None:
        """Un-highlight rows whose flash has run out, let lingering rows go (app clock)."""
        self._mono = mono
        if self._sweep(mono):
            self._apply(flash=False)
            return
        done = [k for k, until in self._flash.items() if until <= mono]
        if done:
            for key in done:
                del self._flash[key]
            self._reconcile()

    def tick_column(self, column: str, render: Callable[[T], Text]) -> int:
        """Re-render one column (e.g. a ticking duration); repaint only the cells that changed.

        Rows outside the window are brought up to date when they come into view.

        Returns:
            How many cells in the window changed.
        """
        self._tickers[column] = render
        self._tick_epoch += 1
        return self._reconcile()

    # -- actions and events -------------------------------------------------------------------

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self._cursor))

    def on_mount(self) -> None:
        self._post_prefs()

    def on_resize(self) -> None:
        if not self._rebuild_columns():
            self._follow_cursor()  # a shorter window still shows the cursor
            self._drawn.clear()
            self.refresh()
        self._post_prefs()

    # -- internals ----------------------------------------------------------------------------

    def _rebuild_columns(self) -> bool:
        """Fit the columns to the width; True if they changed (everything is redrawn)."""
        if not self.size.width:
            return False
        columns = allocate(self.specs(), max(10, self.size.width))
        if columns == self.columns_now:
            return False
        self.columns_now = columns
        self._rendered.clear()
        self._drawn.clear()
        self._header = None
        self._styles.clear()
        self._segments.clear()
        self._apply(flash=False)
        self.refresh()
        return True

    def _apply(self, *, flash: bool) -> None:
        """Recompute the rows (filter, sort), flag news, keep the cursor on its row."""
        cursor_key = self.cursor_key
        order = self._order()
        pos = dict(zip(order, range(len(order)), strict=True))
        mono = self._mono
        for key in [k for k in self._flash if k not in pos or self._flash[k] <= mono]:
            del self._flash[key]
        for key in [k for k in self._rendered if k not in pos]:
            del self._rendered[key]
        if len(self._search) > 2 * (len(self._items) + len(self._gone_items)) + 256:
            self._search = {
                k: v for k, v in self._search.items() if k in self._items or k in self._gone_items
            }
        if flash:
            # News: a row not shown before, or whose `change_key` moved since the last apply.
            # Without flash nothing is compared: opening or filtering 10,000 rows visits none.
            shown, seen, change_key = self._pos, self._seen, self.change_key
            for key in order:
                item = self._items.get(key)
                if item is None:  # lingering: frozen, never news
                    continue
                if key not in shown:
                    self._flash[key] = mono + FLASH_S
                    continue
                old = seen.get(key)
                if old is None or old is item:
                    continue
                before, after = change_key(old), change_key(item)
                if before is not after and before != after:
                    self._flash[key] = mono + FLASH_S
        self._seen = self._items
        self._keys = order
        self._pos = pos
        if self._keep_cursor and cursor_key is not None and cursor_key in pos:
            self._cursor = pos[cursor_key]
        else:
            self._cursor = max(0, min(self._cursor, len(order) - 1))
        self._follow_cursor()
        self._reconcile()
        self._post_highlight()
        self._post_prefs()

    def _post_highlight(self) -> None:
        key = self.cursor_key
        if key is not None and key != self._highlighted:
            self._highlighted = key
            if self.on_highlight is not None:
                self.on_highlight(key)
            self.post_message(self.RowHighlighted(self, key, self._cursor))
        elif key is None:
            self._highlighted = None

    def _post_prefs(self) -> None:
        description = (self.describe(), self.filter_text)
        if description != self._last_prefs:
            self._last_prefs = description
            if self.on_prefs is not None:
                # Told at once: the message would only say it again, two pump hops later.
                self.on_prefs(*description)
            else:
                self.post_message(self.PrefsChanged(self, *description))


__all__ = ["FLASH_S", "Column", "ColumnSpec", "LiveTable", "SortMode", "same_row", "same_text"]
