"""`LiveTable`: a table of live items that draws only its window and repaints only what changed.

Why not Textual's DataTable: every DataTable row operation is linear in the row count (its
`remove_row` rebuilds the row index, its cell and row regions are found by summing the heights
of every row above, and the row order is rebuilt after each change), so a diff applied to a
big table is quadratic: a campaign with 10,000 calls took tens of seconds to open and to filter.
Its `update_cell` also repaints the whole visible area (PERFORMANCE 8.1).

Here the table is a Line API widget (`render_line`): the data is a list of row keys in display
order, and only the rows in the window are ever rendered (lazily, cached per item, so a row
whose item did not change is not rendered again). After every change (new data, a filter, a
sort, a cursor move, a ticking column, a flash running out) the window is reconciled: each
screen line is compared with what was last drawn there, and only the lines, or the cells, that
differ are repainted. Opening, filtering or sorting 10,000 rows is then a few list operations
plus one window of rows; a ticking duration costs the cells that changed.

Rows whose item left the data may linger a few seconds (`LINGER_S`) and go in one sweep, so a
busy table shifts rarely. The cursor follows its row key through every update, so the
selection survives every poll. Subclasses describe their columns (per available width), rows,
sort modes and filter; the base class does the ordering, the filtering, the "new/changed"
flash and CSV rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from monitor.display import to_display
from monitor.ui.state_file import UiState, ViewPrefs

T = TypeVar("T")

FLASH_S = 3.0
"""How long a new or changed row stays highlighted: long enough to notice at 1 Hz."""
WHEEL_ROWS = 3
"""Rows scrolled per mouse-wheel step."""
SEGMENT_CACHE_SIZE = 4096
"""Rendered cells kept (a few windows' worth); the cache starts afresh beyond that."""


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
    column: str | None = None
    """The column this mode sorts by: its header carries ▲ (ascending) or ▼ (descending)."""
    ascending: bool = True
    """How that column's values run in this mode (before `S` turns it around)."""


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


@dataclass(slots=True)
class _Rendered(Generic[T]):
    """A row's cells as last rendered, and what they were rendered from."""

    source: T
    gone: bool
    epoch: int
    """The ticking columns' epoch the cells are current for."""
    cells: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class _Drawn:
    """What one screen line of the table shows (to repaint only lines that change)."""

    key: str
    cells: tuple[Text, ...]
    cursor: bool
    flash: bool


@dataclass(frozen=True, slots=True)
class _Message:
    """An empty table's first line says why it is empty ("no matches for ...")."""

    text: str


class LiveTable(Widget, Generic[T], can_focus=True):
    """A table of live items, keyed by id, updated in place.

    Subclasses implement `specs`, `row_key`, `render_row`, `search_text`, `export_row` and
    `sort_modes`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="drill_down", tooltip="Open the row"),
        # Shown in the footer as one item, "j/k Move" (htop's and k9s's footers name them too).
        Binding("j", "cursor_down", "Move", key_display="j/k", id="cursor_down_j"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor_up_k"),
        # No description: the help lists them under "Moving around" in words.
        Binding("down", "cursor_down", "", show=False),
        Binding("up", "cursor_up", "", show=False),
        Binding("pagedown", "page_down", "", show=False),
        Binding("pageup", "page_up", "", show=False),
        Binding("home,ctrl+home", "first_row", "", show=False),
        Binding("end,ctrl+end", "last_row", "", show=False),
    ]

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

    VIEW_NAME: ClassVar[str] = "table"
    """The key under which sort and filter are remembered."""

    REUSE_SLOTS: ClassVar[bool] = False
    """With `LINGER_S`: a new row takes the place of one that has lingered `LINGER_MIN_S`,
    so the rows below never shift (one row repainted instead of the whole window)."""
    LINGER_MIN_S: ClassVar[float] = 5.0
    """How long an ended row shows before a newcomer may take its place."""
    LINGER_S: ClassVar[float] = 0.0
    """Rows whose item left the data stay this long (drawn by `render_gone`), then go in one
    sweep: fewer row shifts, so fewer repaints, and the operator sees what just ended.
    0 removes them at once."""

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
        """The position, sort or filter changed; the pane shows them on its border."""

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
        super().__init__(id=id, classes=classes)
        self.ui_state = ui_state
        self.flash_enabled = flash
        prefs = ui_state.get(self.VIEW_NAME) if ui_state else ViewPrefs()
        self.scope: str | None = None
        """What the filter is kept for within `VIEW_NAME` (a campaign's id); None: the table."""
        self.filter_text = prefs.filter
        """What `/` typed: rows whose text contains every word (case-insensitive)."""
        names = [m.name for m in self.sort_modes()]
        self.sort_index = names.index(prefs.sort) if prefs.sort in names else 0
        """Which of `sort_modes()` orders the rows."""
        self.sort_reversed = prefs.reverse
        """`S` turned the sort mode's order around."""
        self.columns_now: list[Column] = []
        self._items: dict[str, T] = {}
        self._gone: dict[str, float] = {}
        self._gone_items: dict[str, T] = {}
        self._keys: list[str] = []
        """Row keys in display order (filtered and sorted): the table's rows."""
        self._pos: dict[str, int] = {}
        self._seen: dict[str, T] = {}
        """The items as of the last apply (what "changed" is measured against)."""
        self._flash: dict[str, float] = {}
        self._rendered: dict[str, _Rendered[T]] = {}
        self._search: dict[str, tuple[T, str]] = {}
        self._tickers: dict[str, Callable[[T], Text]] = {}
        self._tick_epoch = 0
        self._cursor = 0
        self._highlighted: str | None = None
        self._top = 0
        """Index of the first row in the window."""
        self._drawn: dict[int, _Drawn | _Message | None] = {}
        """Screen line (0 = first row under the header) -> what it shows."""
        self._header: tuple[int, tuple[Column, ...], str] | None = None
        self.on_highlight: Callable[[str], None] | None = None
        """Called at once when the cursor lands on another row (before `RowHighlighted` is
        delivered): what the screen shows beside the table lands in the same frame."""
        self._synced_once = False
        self._mono = 0.0
        self._styles: dict[str, Style] = {}
        self._segments: dict[tuple[int, bool, int], tuple[Text, list[Segment]]] = {}
        """A cell as rendered, by (the Text's identity, cursor row, width): cleared with the
        styles (the Text is kept in the value, so an id reused after collection misses)."""
        self._last_prefs: tuple[str, str] | None = None
        self._keep_cursor = True
        """False while a sort is applied: the cursor stays on the first row."""

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
        text = self.cached_search_text(item)
        return all(w in text for w in words)

    def empty_message(self) -> str:
        """What an empty table says on its first line (a blank table explains nothing)."""
        if self.filter_text.strip():
            return f"no matches for {to_display(self.filter_text, 30)!r} (esc clears)"
        return ""

    # -- public API -------------------------------------------------------------------------

    def sync(self, items: Iterable[T], mono: float, *, flash: bool | None = None) -> None:
        """Show `items` (in their default order): new rows appear, gone rows go, changed rows
        are redrawn, the cursor stays on its row.

        Args:
            items: the table's data, in its default order.
            mono: the app clock's monotonic time (flashes and lingering rows count from it).
            flash: False: this is other data, not news (e.g. another call's attempts), so
                nothing flashes and running flashes stop. None: flash new and changed rows
                (after the first data).
        """
        self._mono = mono
        fresh = {self.row_key(i): i for i in items}
        if flash is False:
            self._flash.clear()
        if self.LINGER_S > 0:
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
        self._items = fresh
        self._apply(flash=self.flash_enabled and self._synced_once and flash is not False)
        if self._items:
            self._synced_once = True

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
        self._synced_once = False
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

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        if not self._keys:
            return None
        return self._keys[min(self._cursor, len(self._keys) - 1)]

    def row_keys(self) -> list[str]:
        """Every row's key, in display order (lingering rows included)."""
        return list(self._keys)

    def get_row(self, key: str) -> list[Text]:
        """The cells of a row as drawn (current, even off screen)."""
        if key not in self._pos:
            raise KeyError(key)
        cells = self._cells(key)
        return list(self._styled(key, cells) if key in self._flash else cells)

    def get_row_at(self, index: int) -> list[Text]:
        return self.get_row(self._keys[index])

    def item(self, key: str | None) -> T | None:
        if key is None:
            return None
        return self._items.get(key, self._gone_items.get(key))

    def visible_items(self) -> list[T]:
        """The live rows (filtered, sorted), without the lingering ended ones."""
        return [self._items[k] for k in self._keys if k in self._items]

    def move_to_key(self, key: str) -> bool:
        index = self._pos.get(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def set_filter(self, text: str, *, save: bool = True) -> None:
        """Filter the rows. `save=False` while the filter is being typed: only Enter keeps
        it (Esc puts the previous one back, and nothing half-typed is remembered)."""
        if text != self.filter_text:
            before = self.cursor_key
            self.filter_text = text
            self._apply(flash=False)
            if before is not None and before not in self._pos:
                # The highlighted row is filtered out: start from the top, not mid-list.
                self._top = 0
                self._move_cursor(0)
        if save:
            self._remember()
        else:
            self._post_prefs()

    def set_scope(self, scope: str | None) -> None:
        """Show the filter kept for `scope` (another campaign's calls: its own filter)."""
        self.scope = scope
        prefs = self.ui_state.get(self.filter_key) if self.ui_state else ViewPrefs()
        self.set_filter(prefs.filter if scope is not None else self.filter_text, save=False)

    @property
    def filter_key(self) -> str:
        """Where the filter is remembered: the table's view name, or one per scope."""
        return self.VIEW_NAME if self.scope is None else f"{self.VIEW_NAME}@{self.scope}"

    def cycle_sort(self) -> str:
        """Next sort mode (in its own order); returns its label.

        The cursor goes to the first row (k9s's choice): a sort is asked for to see the top
        of the list, not the middle where the highlighted call happens to land.
        """
        modes = self.sort_modes()
        self.sort_index = (self.sort_index + 1) % len(modes)
        self.sort_reversed = False
        self._sorted_to_top()
        return modes[self.sort_index].label

    def reverse_sort(self) -> str:
        """The same sort the other way round (htop's "invert"); returns its label."""
        self.sort_reversed = not self.sort_reversed
        self._sorted_to_top()
        return self.sort_label

    def reset_prefs(self) -> None:
        """Default sort, no filter (nothing is saved: the caller forgets the saved state)."""
        self.sort_index = 0
        self.sort_reversed = False
        self.filter_text = ""
        self._sorted_to_top()

    def _sorted_to_top(self) -> None:
        self._cursor = 0
        self._top = 0
        self._apply_order_only()
        self._remember()

    def _apply_order_only(self) -> None:
        keep, self._keep_cursor = self._keep_cursor, False
        try:
            self._apply(flash=False)
        finally:
            self._keep_cursor = keep

    @property
    def sort_label(self) -> str:
        label = self.sort_modes()[self.sort_index].label
        return f"{label}, reversed" if self.sort_reversed else label

    @property
    def sort_descending(self) -> bool:
        """The sort key runs backwards (the mode's own `reverse`, turned around by `S`)."""
        return self.sort_modes()[self.sort_index].reverse != self.sort_reversed

    def describe(self) -> str:
        """Position and sort in words, for the pane's bottom border (display-safe).

        "3/100 ↓92": row 3 of 100, and 92 rows below the pane's edge (a pane holding more
        than it shows says so). It stands in for a scrollbar, whose thumb would be redrawn
        whenever the row count changes; this repaints the border line only.
        """
        parts = []
        count = self.row_count
        if count:
            position = f"{self._cursor + 1}/{count}"
            below = count - (self._top + self._body_height())
            if below > 0:
                position += f" ↓{below}"
            if self._top > 0:
                position += f" ↑{self._top}"
            parts.append(position)
        if len(self.sort_modes()) > 1 or self.sort_reversed:
            parts.append(f"sort {self.sort_label}")
        return " · ".join(parts)

    def export_rows(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The header and the rows on screen (filtered and sorted), full values."""
        return self.export_header(), [self.export_row(i) for i in self.visible_items()]

    def style_of(self, name: str) -> Style:
        """A `live-table--name` component class as a Rich style (theme-aware), cached."""
        return self._component(f"live-table--{name}", partial=True)

    def cached_search_text(self, item: T) -> str:
        """`search_text`, computed once per item (a filter over 10,000 rows stays cheap)."""
        key = self.row_key(item)
        hit = self._search.get(key)
        if hit is not None and hit[0] is item:
            return hit[1]
        text = self.search_text(item)
        self._search[key] = (item, text)
        return text

    # -- actions and events -------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        page = max(1, self._body_height() - 1)
        self._top = min(self._top + page, max(0, self.row_count - self._body_height()))
        self._move_cursor(self._cursor + page)

    def action_page_up(self) -> None:
        page = max(1, self._body_height() - 1)
        self._top = max(0, self._top - page)
        self._move_cursor(self._cursor - page)

    def action_first_row(self) -> None:
        self._move_cursor(0)

    def action_last_row(self) -> None:
        self._move_cursor(self.row_count - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self._top + offset.y - 1
        if index >= self.row_count:
            return
        event.stop()
        if index == self._cursor:
            self.action_select_cursor()
        else:
            self._move_cursor(index)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll_window(WHEEL_ROWS)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll_window(-WHEEL_ROWS)

    def on_mount(self) -> None:
        self._post_prefs()

    def on_resize(self) -> None:
        if not self._rebuild_columns():
            self._follow_cursor()  # a shorter window still shows the cursor
            self._drawn.clear()
            self.refresh()
        self._post_prefs()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._segments.clear()
        self._drawn.clear()
        self._header = None
        self.refresh()

    # -- rendering ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
        if y == 0:
            return self._header_strip(width)
        line = y - 1
        index = self._top + line
        if index >= len(self._keys) or not self.columns_now:
            message = self.empty_message() if line == 0 and not self._keys else ""
            if message:
                self._drawn[line] = _Message(message)
                muted = self.style_of("muted")
                text = Text(f" {message}", style=muted, no_wrap=True, overflow="ellipsis", end="")
                text.truncate(width, overflow="ellipsis")
                segments = list(Segment.apply_style(text.render(self.app.console), base))
                return Strip(segments).adjust_cell_length(width, base)
            self._drawn[line] = None
            return Strip.blank(width, base)
        key = self._keys[index]
        cells = self._cells(key)
        cursor = index == self._cursor
        flash = key in self._flash
        self._drawn[line] = _Drawn(key, cells, cursor, flash)
        return self._row_strip(self._styled(key, cells) if flash else cells, width, cursor)

    def _sort_mark(self) -> str:
        """Which column is sorted and which way, for the header: "dur▼"."""
        modes = self.sort_modes()
        mode = modes[self.sort_index]
        if mode.column is None or (len(modes) < 2 and not self.sort_reversed):
            return ""
        return f"{mode.column}:{'▲' if mode.ascending != self.sort_reversed else '▼'}"

    def _header_strip(self, width: int) -> Strip:
        style = self._base_style() + self._component("live-table--header")
        mark = self._sort_mark()
        self._header = (width, tuple(self.columns_now), mark)
        sorted_column, _, arrow = mark.partition(":")
        segments: list[Segment] = []
        last = len(self.columns_now) - 1
        for n, col in enumerate(self.columns_now):
            label = col.label
            if col.key == sorted_column:
                label = label[: max(0, col.width - 1)] + arrow
            label = label[: col.width]
            label = label.rjust(col.width) if col.right else label.ljust(col.width)
            segments.append(Segment(label if n == last else label + " ", style))
        return Strip(segments).adjust_cell_length(width, style).simplify()

    def _row_strip(self, cells: Sequence[Text], width: int, cursor: bool) -> Strip:
        base = self._base_style()
        post: Style | None = None
        pre = base
        if cursor:
            highlight = self._component("live-table--cursor")
            pre = base + highlight
            # The cursor's colour wins over the cells' (as in DataTable); a cell's own
            # background (a flash) shows through.
            if highlight.color is not None:
                post = Style.from_color(highlight.color)
        console = self.app.console
        cache = self._segments
        if len(cache) > SEGMENT_CACHE_SIZE:
            cache.clear()
        segments: list[Segment] = []
        last = len(self.columns_now) - 1
        for n, (text, col) in enumerate(zip(cells, self.columns_now, strict=False)):
            cell_width = col.width + (0 if n == last else 1)
            # A row redrawn for one ticking cell re-renders that cell only.
            hit = cache.get((id(text), cursor, cell_width))
            if hit is not None and hit[0] is text:
                segments.extend(hit[1])
                continue
            # `Text.render` yields the spans' styles only; the Text's own style goes under them.
            own = text.style
            if isinstance(own, str):
                own = console.get_style(own, default=Style.null()) if own else Style.null()
            rendered = Segment.apply_style(text.render(console), pre + own, post)
            fitted = Segment.adjust_line_length(list(rendered), cell_width, pre)
            cache[(id(text), cursor, cell_width)] = (text, fitted)
            segments.extend(fitted)
        return Strip(segments).adjust_cell_length(width, pre).simplify()

    def _base_style(self) -> Style:
        style = self._styles.get("base")
        if style is None:
            style = self._styles["base"] = self.rich_style
        return style

    def _component(self, name: str, *, partial: bool = False) -> Style:
        cache_key = f"{name}/{partial}"
        style = self._styles.get(cache_key)
        if style is None:
            try:
                style = self.get_component_rich_style(name, partial=partial)
            except Exception:  # not mounted yet: no styles to resolve
                return Style()
            self._styles[cache_key] = style
        return style

    # -- internals ----------------------------------------------------------------------------

    def _body_height(self) -> int:
        """Rows the window shows (one line each, under the header)."""
        return max(1, self.size.height - 1)

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

    def _cells(self, key: str) -> tuple[Text, ...]:
        """The row's cells, rendered only when its item (or a ticking column) changed.

        When a re-render gives the same cells, the old tuple is kept: the window's reconcile
        compares rows by identity.
        """
        item = self._items.get(key)
        gone = item is None
        if item is None:
            item = self._gone_items[key]
        entry = self._rendered.get(key)
        if (
            entry is not None
            and entry.gone == gone
            and (entry.source is item or (not gone and entry.source == item))
        ):
            if entry.epoch == self._tick_epoch or gone:
                return entry.cells
            cells = self._ticked(entry.cells, item)
        else:
            cells = self.render_gone(item) if gone else self.render_row(item)
            if entry is not None and same_row(cells, entry.cells):
                cells = entry.cells
        self._rendered[key] = _Rendered(item, gone, self._tick_epoch, cells)
        return cells

    def _ticked(self, cells: tuple[Text, ...], item: T) -> tuple[Text, ...]:
        out = cells
        for n, col in enumerate(self.columns_now):
            render = self._tickers.get(col.key)
            if render is None or n >= len(out):
                continue
            new = render(item)
            if not same_text(out[n], new):
                out = (*out[:n], new, *out[n + 1 :])
        return out

    def _styled(self, key: str, cells: Sequence[Text]) -> tuple[Text, ...]:
        flash = self.style_of("flash")
        out = []
        last = len(self.columns_now) - 1
        for n, (text, col) in enumerate(zip(cells, self.columns_now, strict=False)):
            copy = text.copy()
            # Fill the gap after the cell too, so the row reads as one highlighted band.
            copy.align("left", col.width + (0 if n == last else 1))
            copy.stylize(flash)
            out.append(copy)
        return tuple(out)

    def _order(self) -> list[str]:
        words = self.filter_text.lower().split()
        everything = {**self._items, **self._gone_items} if self._gone_items else self._items
        if words:
            keys = [k for k, item in everything.items() if self.matches(item, words)]
        else:
            keys = list(everything)
        mode = self.sort_modes()[self.sort_index]
        if mode.key is not None:
            sort_key = mode.key
            keys.sort(key=lambda k: sort_key(everything[k]), reverse=self.sort_descending)
        elif self.sort_reversed:
            keys.reverse()
        return keys

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

    def _move_cursor(self, index: int) -> None:
        if not self._keys:
            return
        self._cursor = max(0, min(index, len(self._keys) - 1))
        self._follow_cursor()
        self._reconcile()
        self._post_highlight()
        self._post_prefs()

    def _follow_cursor(self) -> None:
        """Scroll the window just enough to show the cursor."""
        height = self._body_height()
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + height:
            self._top = self._cursor - height + 1
        self._clamp_top()

    def _clamp_top(self) -> None:
        self._top = max(0, min(self._top, len(self._keys) - self._body_height()))

    def _scroll_window(self, rows: int) -> None:
        before = self._top
        self._top += rows
        self._clamp_top()
        if self._top != before:
            self._reconcile()

    def _reconcile(self) -> int:
        """Repaint the lines (or cells) of the window that differ from what was drawn.

        Returns:
            How many lines or cells were repainted.
        """
        if not self.is_mounted or not self.columns_now or not self.size.height:
            return 0
        if self._header != (self.size.width, tuple(self.columns_now), self._sort_mark()):
            self.refresh(Region(0, 0, self.size.width, 1))
        repainted = 0
        keys = self._keys
        message = self.empty_message() if not keys else ""
        for line in range(self._body_height()):
            index = self._top + line
            old = self._drawn.get(line, _UNKNOWN)
            if line == 0 and message:
                if old != _Message(message):
                    self._refresh_line(line)
                    repainted += 1
                continue
            if index >= len(keys):
                if old is not None:
                    self._drawn[line] = None
                    self._refresh_line(line)
                    repainted += 1
                continue
            key = keys[index]
            cells = self._cells(key)
            new = _Drawn(key, cells, index == self._cursor, key in self._flash)
            if isinstance(old, _Drawn):
                if old.key == key and old.cells is cells and old.cursor == new.cursor:
                    if old.flash == new.flash:
                        continue
                elif old.key == key and old.cursor == new.cursor and old.flash == new.flash:
                    changed = [
                        n
                        for n, (a, b) in enumerate(zip(old.cells, cells, strict=False))
                        if not same_text(a, b)
                    ]
                    self._drawn[line] = new
                    if changed and 2 * len(changed) <= len(self.columns_now):
                        for n in changed:
                            self._refresh_cell(line, n)
                        repainted += len(changed)
                    elif changed:
                        self._refresh_line(line)
                        repainted += 1
                    continue
            self._drawn[line] = new
            self._refresh_line(line)
            repainted += 1
        return repainted

    def _refresh_line(self, line: int) -> None:
        self.refresh(Region(0, line + 1, self.size.width, 1))

    def _refresh_cell(self, line: int, column: int) -> None:
        x = sum(c.width + 1 for c in self.columns_now[:column])
        col = self.columns_now[column]
        last = column == len(self.columns_now) - 1
        width = self.size.width - x if last else col.width + 1
        self.refresh(Region(x, line + 1, max(1, width), 1))

    def _post_highlight(self) -> None:
        key = self.cursor_key
        if key is not None and key != self._highlighted:
            self._highlighted = key
            if self.on_highlight is not None:
                self.on_highlight(key)
            self.post_message(self.RowHighlighted(self, key, self._cursor))
        elif key is None:
            self._highlighted = None

    def _remember(self) -> None:
        state = self.ui_state
        if state is not None:
            sort = self.sort_modes()[self.sort_index].name if self.sort_index else None
            if self.scope is None:
                state.set(
                    self.VIEW_NAME, ViewPrefs(sort, self.filter_text, reverse=self.sort_reversed)
                )
            else:
                state.set(self.VIEW_NAME, ViewPrefs(sort, "", self.sort_reversed))
                state.set(self.filter_key, ViewPrefs(filter=self.filter_text))
        self._post_prefs()

    def restored_words(self) -> str:
        """The sort and filter this table was built with, if not the defaults ("" if so)."""
        parts = []
        if self.sort_index or self.sort_reversed:
            parts.append(f"sort {self.sort_label}")
        if self.filter_text:
            parts.append(f"filter {to_display(self.filter_text, 30)!r}")
        return ", ".join(parts)

    def _post_prefs(self) -> None:
        description = (self.describe(), self.filter_text)
        if description != self._last_prefs:
            self._last_prefs = description
            self.post_message(self.PrefsChanged(self, *description))


_UNKNOWN = object()
"""A line never drawn (as opposed to drawn empty: None)."""
