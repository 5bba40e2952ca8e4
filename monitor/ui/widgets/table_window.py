"""`TableWindow`: the rows a `LiveTable` shows, the cursor, and repainting what changed.

After every change (new data, a filter, a sort, a cursor move, a ticking column, a flash
running out) the window is reconciled: each screen line is compared with what was last drawn
there, and only the lines, or the cells, that differ are repainted. The cursor moves by key,
page, mouse click or wheel; the window scrolls just enough to show it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region

from monitor.ui.widgets.table_columns import T, same_text
from monitor.ui.widgets.table_paint import _UNKNOWN, TablePaint, _Drawn, _Message

WHEEL_ROWS = 3
"""Rows scrolled per mouse-wheel step."""


class TableWindow(TablePaint[T]):
    """The window over a live table's rows, and its cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="drill_down", tooltip="Open the row"),
        # Shown in the footer as one item, "j/k Move" (htop's and k9s's footers name them too).
        Binding("j", "cursor_down", "Move", key_display="j/k", id="cursor_down_j"),
        # No description: "j/k Move" above says it (the help listed a stray "k Up").
        Binding("k", "cursor_up", "", show=False, id="cursor_up_k"),
        # No description: the help lists them under "Moving around" in words.
        Binding("down", "cursor_down", "", show=False),
        Binding("up", "cursor_up", "", show=False),
        Binding("pagedown", "page_down", "", show=False),
        Binding("pageup", "page_up", "", show=False),
        Binding("home,ctrl+home", "first_row", "", show=False),
        Binding("end,ctrl+end", "last_row", "", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys = []
        self._pos = {}
        self._cursor = 0
        self._top = 0

    # Done by the table itself (they post its messages).

    def action_select_cursor(self) -> None:
        raise NotImplementedError

    def _post_highlight(self) -> None:
        raise NotImplementedError

    def _post_prefs(self) -> None:
        raise NotImplementedError

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

    def move_to_key(self, key: str) -> bool:
        index = self._pos.get(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

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

    def _body_height(self) -> int:
        """Rows the window shows (one line each, under the header)."""
        return max(1, self.size.height - 1)

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
        width = self.size.width
        # One `refresh` for all of them: each call costs ~30 µs of Textual's bookkeeping (the
        # widget's regions, its caches, an idle check), and a tick changed six to eight cells.
        dirty: list[Region] = []
        if self._header != (width, tuple(self.columns_now), self._sort_mark()):
            dirty.append(Region(0, 0, width, 1))
        keys = self._keys
        message = self.empty_message() if not keys else ""
        for line in range(self._body_height()):
            index = self._top + line
            old = self._drawn.get(line, _UNKNOWN)
            if line == 0 and message:
                if old != _Message(message):
                    dirty.append(self._line_region(line))
                continue
            if index >= len(keys):
                if old is not None:
                    self._drawn[line] = None
                    dirty.append(self._line_region(line))
                continue
            key = keys[index]
            cells = self._cells(key)
            new = _Drawn(key, cells, index == self._cursor, key in self._flash)
            if isinstance(old, _Drawn):
                if old.key == key and old.cells is cells and old.cursor == new.cursor:
                    if old.flash == new.flash:
                        continue
                elif old.key == key and old.cursor == new.cursor and old.flash == new.flash:
                    # A re-rendered row keeps its unchanged cells (the same objects).
                    changed = [
                        n
                        for n, (a, b) in enumerate(zip(old.cells, cells, strict=False))
                        if a is not b and not same_text(a, b)
                    ]
                    self._drawn[line] = new
                    if changed and 2 * len(changed) <= len(self.columns_now):
                        dirty.extend(self._cell_region(line, n) for n in changed)
                    elif changed:
                        dirty.append(self._line_region(line))
                    continue
            self._drawn[line] = new
            dirty.append(self._line_region(line))
        if dirty:
            self.refresh(*dirty)
        return len(dirty) - (1 if dirty and dirty[0].y == 0 else 0)

    def _line_region(self, line: int) -> Region:
        return Region(0, line + 1, self.size.width, 1)

    def _cell_region(self, line: int, column: int) -> Region:
        x = sum(c.width + 1 for c in self.columns_now[:column])
        col = self.columns_now[column]
        last = column == len(self.columns_now) - 1
        width = self.size.width - x if last else col.width + 1
        return Region(x, line + 1, max(1, width), 1)
