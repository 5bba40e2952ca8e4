"""`LiveTable`: a DataTable updated by row key and by diff, never cleared and refilled.

Why not plain `update_cell`: a DataTable repaints its whole visible area on every `update_cell`
(PERFORMANCE 8.1: ~10 KB per tick at 80x24). Here, cell updates, row additions, removals and
sorts made while `_quiet` is set do not repaint the table; the table then repaints only what
changed: the cells, rows or column (`refresh_coordinate` / `refresh_row` / `refresh_column`,
public DataTable API), and after a shift only the rows from the first one that moved down to
the window's end. A ticking duration column then costs a few hundred bytes per second instead
of ten thousand. Rows whose item left the data may linger a few seconds (`LINGER_S`) and go in
one sweep, so a busy table shifts (and repaints) rarely.

The cursor follows its row key through every update, so the selection survives every poll.
Subclasses describe their columns (per available width), rows, sort modes and filter; the base
class does the diffing, the sorting, the filtering, the "new/changed" flash and CSV rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist, RowKey

from monitor.display import to_display
from monitor.ui.state_file import UiState, ViewPrefs

T = TypeVar("T")

FLASH_S = 3.0
"""How long a new or changed row stays highlighted: long enough to notice at 1 Hz."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column the table may show, and how much room it wants."""

    key: str
    label: str
    min: int
    max: int
    optional: int | None = None
    """None: always shown. Otherwise the order in which optional columns are added as the
    table gets wider (lower first)."""
    right: bool = False
    """Numbers are right-aligned."""
    grow: int = 5
    """Spare width goes to columns with a lower `grow` first (names before ids)."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    right: bool = False


@dataclass(frozen=True, slots=True)
class SortMode(Generic[T]):
    name: str
    """Stable name, remembered in the state file."""
    label: str
    """Shown in the pane's subtitle."""
    key: Callable[[T], Any] | None = None
    """None keeps the order the data came in."""
    reverse: bool = False


def allocate(specs: Sequence[ColumnSpec], width: int) -> list[Column]:
    """Fit columns to `width` cells: required ones at their minimum, optional ones while they
    fit, then the spare room handed out a cell at a time up to each column's maximum: a column
    with `grow` g gets a cell every g-th turn, so names widen faster than ids.

    Every column but the last is followed by a one-cell gap.
    """
    chosen = [s for s in specs if s.optional is None]

    def needed(cols: Sequence[ColumnSpec]) -> int:
        return sum(c.min for c in cols) + max(0, len(cols) - 1)

    for spec in sorted((s for s in specs if s.optional is not None), key=lambda s: s.optional or 0):
        trial = [s for s in specs if s in chosen or s is spec]
        if needed(trial) <= width:
            chosen = trial
    widths = {s.key: s.min for s in chosen}
    spare = max(0, width - needed(chosen))
    growing = sorted(chosen, key=lambda s: s.grow)
    turn = 0
    while spare > 0 and any(widths[s.key] < s.max for s in growing):
        turn += 1
        for spec in growing:
            if spare > 0 and widths[spec.key] < spec.max and turn % max(1, spec.grow) == 0:
                widths[spec.key] += 1
                spare -= 1
    return [Column(s.key, s.label, widths[s.key], s.right) for s in chosen]


def same_text(a: Text, b: Text) -> bool:
    """Text equality that also compares the base style (`Text.__eq__` ignores it)."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


def same_row(a: Sequence[Text], b: Sequence[Text]) -> bool:
    return len(a) == len(b) and all(same_text(x, y) for x, y in zip(a, b, strict=True))


class LiveTable(DataTable[Text], Generic[T]):
    """A table of live items, keyed by id, updated in place.

    Subclasses implement `specs`, `row_key`, `render_row`, `search_text`, `export_row` and
    `sort_modes`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="drill_down", tooltip="Open the row"),
        Binding("j", "cursor_down", "Down", show=False, id="cursor_down_j"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor_up_k"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--flash",
        "live-table--warn",
        "live-table--bad",
        "live-table--good",
        "live-table--muted",
    }
    """
    | Class | Description |
    | :- | :- |
    | `live-table--flash` | A row that is new or changed, for a few seconds. |
    | `live-table--warn` | A cell that needs attention (long call, stale). |
    | `live-table--bad` | A failed outcome. |
    | `live-table--good` | A completed outcome. |
    | `live-table--muted` | Unknown or pending values. |
    """

    _quiet = False
    """True while cell updates must not repaint the whole table (see `refresh`)."""

    VIEW_NAME: ClassVar[str] = "table"
    """The key under which sort and filter are remembered."""

    REUSE_SLOTS: ClassVar[bool] = False
    """With `LINGER_S`: a new row takes the place of one that has lingered `LINGER_MIN_S`,
    so the rows below never shift (one row repainted instead of the whole window)."""
    LINGER_MIN_S: ClassVar[float] = 5.0
    """How long an ended row shows before a newcomer may take its place."""
    LINGER_S: ClassVar[float] = 0.0
    """Rows whose item left the data stay this long (drawn by `render_gone`), then go in one
    sweep: fewer row shifts, so fewer whole-table repaints, and the operator sees what just
    ended. 0 removes them at once."""

    class PrefsChanged(Message):
        """The sort or filter changed; the pane shows it in its subtitle."""

        def __init__(self, table: LiveTable[Any], description: str) -> None:
            super().__init__()
            self.table = table
            self.description = description
            """e.g. "sort newest · filter busy"."""

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
        super().__init__(
            id=id, classes=classes, cursor_type="row", cell_padding=0, zebra_stripes=False
        )
        self.ui_state = ui_state
        self.flash_enabled = flash
        prefs = ui_state.get(self.VIEW_NAME) if ui_state else ViewPrefs()
        self.filter_text = prefs.filter
        """What `/` typed: rows whose text contains every word (case-insensitive)."""
        names = [m.name for m in self.sort_modes()]
        self.sort_index = names.index(prefs.sort) if prefs.sort in names else 0
        """Which of `sort_modes()` orders the rows."""
        self.columns_now: list[Column] = []
        self._items: dict[str, T] = {}
        self._sources: dict[str, T] = {}
        self._changes: dict[str, object] = {}
        self._gone: dict[str, float] = {}
        self._gone_items: dict[str, T] = {}
        self._gone_drawn: set[str] = set()
        self._base: dict[str, tuple[Text, ...]] = {}
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._flash: dict[str, float] = {}
        self._synced_once = False
        self._mono = 0.0
        self._styles: dict[str, Style] = {}

    # -- what subclasses describe ------------------------------------------------------------

    def specs(self) -> Sequence[ColumnSpec]:
        raise NotImplementedError

    def row_key(self, item: T) -> str:
        raise NotImplementedError

    def render_row(self, item: T) -> tuple[Text, ...]:
        """One Text per column of `self.columns_now`, each fitted to its width."""
        raise NotImplementedError

    def search_text(self, item: T) -> str:
        """What the filter matches against (lower case)."""
        raise NotImplementedError

    def export_header(self) -> tuple[str, ...]:
        raise NotImplementedError

    def export_row(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError

    def sort_modes(self) -> Sequence[SortMode[T]]:
        return (SortMode("default", "default"),)

    def change_key(self, item: T) -> object:
        """What counts as "this row changed" for the flash: the data, not its age.

        Redrawn cells (a duration that ticked, a row dimmed as stale) are not changes.
        """
        return item

    def render_gone(self, item: T) -> tuple[Text, ...]:
        """A row whose item left the data (while it lingers): dimmed by default."""
        muted = self.style_of("muted")
        out = []
        for text in self.render_row(item):
            copy = text.copy()
            copy.stylize(muted)
            out.append(copy)
        return tuple(out)

    def matches(self, item: T, words: Sequence[str]) -> bool:
        text = self.search_text(item)
        return all(w in text for w in words)

    # -- public API -------------------------------------------------------------------------

    def sync(self, items: Iterable[T], mono: float) -> None:
        """Show `items` (in their default order): update changed rows, add new ones, remove
        gone ones, keep the cursor on its row."""
        self._mono = mono
        fresh = {self.row_key(i): i for i in items}
        if self.LINGER_S > 0:
            for key in self._shown:
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
        self._items = fresh
        self._apply(flash=self.flash_enabled and self._synced_once)
        if self._items:
            self._synced_once = True

    def expire_flash(self, mono: float) -> None:
        """Un-highlight rows whose flash has run out (called by the app's clock)."""
        self._mono = mono
        if self._sweep(mono):
            self._apply(flash=False)
        done = [k for k, until in self._flash.items() if until <= mono]
        for key in done:
            del self._flash[key]
            if key in self._shown:
                self._set_row(key, self._base[key])
                self._refresh_key(key)

    def tick_column(self, column: str, render: Callable[[T], Text]) -> int:
        """Re-render one column (e.g. a ticking duration) and repaint only that column.

        Returns:
            How many cells changed.
        """
        index = next((n for n, c in enumerate(self.columns_now) if c.key == column), None)
        if index is None:
            return 0
        changed = 0
        for key, base in self._base.items():
            item = self._items.get(key)
            if item is None or key in self._gone:
                continue
            new = render(item)
            if same_text(base[index], new):
                continue
            row = (*base[:index], new, *base[index + 1 :])
            self._base[key] = row
            self._set_row(key, self._styled(key, row))
            changed += 1
        if changed:
            self.refresh_column(index)
        return changed

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None
        return key

    def item(self, key: str | None) -> T | None:
        if key is None:
            return None
        return self._items.get(key, self._gone_items.get(key))

    def visible_items(self) -> list[T]:
        """The live rows on screen (filtered, sorted), without the lingering ended ones."""
        return [self._items[k] for k in self._order() if k in self._items]

    def move_to_key(self, key: str) -> bool:
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return False
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)
        return True

    def set_filter(self, text: str) -> None:
        if text == self.filter_text:
            return
        self.filter_text = text
        self._apply(flash=False)
        self._remember()

    def cycle_sort(self) -> str:
        """Next sort mode; returns its label."""
        modes = self.sort_modes()
        self.sort_index = (self.sort_index + 1) % len(modes)
        self._apply(flash=False)
        self._remember()
        return modes[self.sort_index].label

    @property
    def sort_label(self) -> str:
        return self.sort_modes()[self.sort_index].label

    def describe(self) -> str:
        """Position, sort and filter in words, for the pane subtitle (display-safe).

        The position ("row 12") stands in for a scrollbar: a busy table's scrollbar thumb would
        be redrawn whenever the row count changes, i.e. on most polls. The count is left out
        for the same reason: a new subtitle repaints the whole pane.
        """
        parts = []
        if self.row_count > max(1, self.size.height - 1):
            parts.append(f"row {self.cursor_row + 1}")
        if len(self.sort_modes()) > 1:
            parts.append(f"sort {self.sort_label}")
        if self.filter_text:
            parts.append(f"filter {to_display(self.filter_text, 24)}")
        return " · ".join(parts)

    def export_rows(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The header and the rows on screen (filtered and sorted), full values."""
        return self.export_header(), [self.export_row(i) for i in self.visible_items()]

    def style_of(self, name: str) -> Style:
        """A component class as a Rich style (theme-aware), cached per render pass."""
        style = self._styles.get(name)
        if style is None:
            try:
                style = self.get_component_rich_style(f"live-table--{name}", partial=True)
            except Exception:  # not mounted yet: no styles to resolve
                style = Style()
            self._styles[name] = style
        return style

    # -- DataTable plumbing -------------------------------------------------------------------

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # While `_quiet`, the whole-table repaint of `update_cell`, `remove_row` and `sort` is
        # dropped (a layout, if asked for, still happens): the caller repaints just the cells,
        # rows or column that changed.
        if self._quiet and not regions and not recompose:
            if layout:
                return super().refresh(repaint=False, layout=True)
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def on_mount(self) -> None:
        self._post_prefs()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable recomputes its virtual size after rows come or go, and setting it repaints
        # the whole table; `_apply` has already repainted exactly the rows that moved.
        with self._quietly():
            super()._update_dimensions(new_rows)

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        self._post_prefs()

    def on_resize(self) -> None:
        self._rebuild_columns()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    # -- internals ----------------------------------------------------------------------------

    def _available_width(self) -> int:
        # Columns leave room for the vertical scrollbar (one cell, or none: global.tcss).
        return max(10, self.size.width - self.styles.scrollbar_size_vertical)

    def _rebuild_columns(self) -> None:
        columns = allocate(self.specs(), self._available_width())
        if columns == self.columns_now:
            return
        cursor = self.cursor_key
        self.columns_now = columns
        self.clear(columns=True)
        for n, col in enumerate(columns):
            gap = 0 if n == len(columns) - 1 else 1
            label = col.label[: col.width]
            label = label.rjust(col.width) if col.right else label
            self.add_column(Text(label, no_wrap=True, end=""), width=col.width + gap, key=col.key)
        self._shown.clear()
        self._base.clear()
        self._sources.clear()
        self._changes.clear()
        self._gone_drawn.clear()
        self._apply(flash=False, cursor=cursor)

    def _order(self) -> list[str]:
        words = self.filter_text.lower().split()
        everything = {**self._items, **self._gone_items}
        keys = [k for k, item in everything.items() if not words or self.matches(item, words)]
        mode = self.sort_modes()[self.sort_index]
        if mode.key is not None:
            sort_key = mode.key
            keys.sort(key=lambda k: sort_key(everything[k]), reverse=mode.reverse)
        return keys

    def _item_any(self, key: str) -> T:
        item = self._items.get(key)
        return item if item is not None else self._gone_items[key]

    def _revive(self, key: str) -> None:
        self._gone.pop(key, None)
        self._gone_items.pop(key, None)
        self._gone_drawn.discard(key)
        self._sources.pop(key, None)

    def _reuse_slots(self, fresh: dict[str, T], mono: float) -> None:
        """Newcomers take the rows of calls that ended a while ago, in place."""
        newcomers = [k for k in fresh if k not in self._items and k not in self._shown]
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

    def _forget(self, key: str) -> None:
        self._base.pop(key, None)
        self._sources.pop(key, None)
        self._changes.pop(key, None)
        self._flash.pop(key, None)
        self._revive(key)

    def _styled(self, key: str, cells: tuple[Text, ...]) -> tuple[Text, ...]:
        if key not in self._flash:
            return cells
        flash = self.style_of("flash")
        out = []
        last = len(self.columns_now) - 1
        for n, (text, col) in enumerate(zip(cells, self.columns_now, strict=True)):
            copy = text.copy()
            # Fill the gap after the cell too, so the row reads as one highlighted band.
            copy.align("left", col.width + (0 if n == last else 1))
            copy.stylize(flash)
            out.append(copy)
        return tuple(out)

    def _set_row(self, key: str, cells: tuple[Text, ...]) -> list[int]:
        """Put `cells` in the row without repainting; return the indexes of changed cells."""
        shown = self._shown.get(key)
        changed: list[int] = []
        with self._quietly():
            for n, (col, text) in enumerate(zip(self.columns_now, cells, strict=True)):
                if shown is None or not same_text(shown[n], text):
                    self.update_cell(key, col.key, text)
                    changed.append(n)
        self._shown[key] = cells
        return changed

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Cell and row operations inside do not repaint the whole table (see `refresh`)."""
        before = self._quiet
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = before

    def _window_rows(self) -> tuple[int, int]:
        """The first and last row indexes the window can show (rows are one line high)."""
        header = self.header_height if self.show_header else 0
        first = max(0, self.scroll_offset.y)
        return first, first + max(1, self.size.height - header)

    def _refresh_key(self, key: str, columns: Sequence[int] | None = None) -> None:
        """Repaint the changed cells of one row (the whole row when most of it changed).

        Rows outside the window are skipped before any region is computed (DataTable's region
        maths is linear in the row index).
        """
        with contextlib.suppress(RowDoesNotExist):
            row = self.get_row_index(key)
            first, last = self._window_rows()
            if not first <= row <= last:
                return
            if columns is None or 2 * len(columns) > len(self.columns_now):
                self.refresh_row(row)
            else:
                for column in columns:
                    self.refresh_coordinate(Coordinate(row, column))

    def _apply(self, *, flash: bool, cursor: str | None = None) -> None:
        if not self.columns_now:
            if self.size.width:
                self._rebuild_columns()
            return
        self._styles.clear()
        cursor_key = cursor if cursor is not None else self.cursor_key
        cursor_row = self.cursor_row
        before = [row.key.value for row in self.ordered_rows]
        order = self._order()
        wanted = set(order)
        changed: dict[str, list[int] | None] = {}
        mono = self._mono
        with self._quietly():
            for key in [k for k in self._shown if k not in wanted]:
                self.remove_row(key)
                del self._shown[key]
                self._forget(key)
            for key in order:
                item = self._item_any(key)
                gone = key in self._gone
                old_base = self._base.get(key)
                source = self._sources.get(key)
                # View rows are rebuilt on every render: equal data means the cells still hold
                # (ticking cells are kept current by `tick_column`).
                same = source is item or (source is not None and source == item)
                if old_base is not None and same and not (gone and key not in self._gone_drawn):
                    base = old_base
                else:
                    base = self.render_gone(item) if gone else self.render_row(item)
                    self._sources[key] = item
                    if gone:
                        self._gone_drawn.add(key)
                self._base[key] = base
                if base is old_base and key in self._shown and key not in self._flash:
                    continue  # unchanged: the common case on a big table
                if key not in self._shown:
                    self._changes[key] = self.change_key(item)
                    if flash:
                        self._flash[key] = mono + FLASH_S
                    cells = self._styled(key, base)
                    self.add_row(*cells, key=key)
                    self._shown[key] = cells
                elif old_base is None or not same_row(base, old_base):
                    if flash and not gone and self._changes.get(key) != self.change_key(item):
                        self._flash[key] = mono + FLASH_S
                        self._set_row(key, self._styled(key, base))
                        changed[key] = None
                    else:
                        changed[key] = self._set_row(key, self._styled(key, base))
                elif key in self._flash and self._flash[key] <= mono:
                    del self._flash[key]
                    self._set_row(key, base)
                    changed[key] = None
            for key in order:
                self._changes[key] = self.change_key(self._item_any(key))
            current = [row.key.value for row in self.ordered_rows]
            if current != order and order:
                sort_column = self.columns_now[0].key
                rank = {id(self._shown[k][0]): n for n, k in enumerate(order)}
                self.sort(sort_column, key=lambda text: rank.get(id(text), 0))
        # Repaint only the rows whose occupant changed: a row taken over in place (a slot
        # reused) costs one row; a shift costs from its first row to the window's end; rows
        # appended below the window cost nothing on the wire.
        first, last = self._window_rows()
        common = min(len(before), len(order))
        moved = [n for n in range(first, min(common, last + 1)) if before[n] != order[n]]
        if len(moved) > 8:
            self._refresh_from(moved[0])
        else:
            for n in moved:
                self.refresh_row(n)
        if len(before) != len(order) and common <= last:
            self._refresh_from(common)
        for key, columns in changed.items():
            self._refresh_key(key, columns)
        if cursor_key is not None and cursor_key in self._shown:
            self.move_to_key(cursor_key)
        elif self.row_count and cursor_row >= self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)
        self._post_prefs()

    def _refresh_from(self, row_index: int) -> None:
        top = row_index + (self.header_height if self.show_header else 0)
        height = max(1, self.virtual_size.height, self.size.height + self.scroll_offset.y) - top
        self._refresh_region(
            Region(0, top, max(1, self.virtual_size.width, self.size.width), max(1, height))
        )

    def _remember(self) -> None:
        if self.ui_state is not None:
            self.ui_state.set(
                self.VIEW_NAME,
                ViewPrefs(sort=self.sort_modes()[self.sort_index].name, filter=self.filter_text),
            )
        self._post_prefs()

    def _post_prefs(self) -> None:
        description = self.describe()
        if description != getattr(self, "_last_prefs", None):
            self._last_prefs = description
            self.post_message(self.PrefsChanged(self, description))
