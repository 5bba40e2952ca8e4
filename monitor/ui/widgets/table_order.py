"""`TableOrder`: which rows a `LiveTable` shows and in what order: filter, sort, remembered.

`/` filters (every word must appear in a row's text, case-insensitive), `s` cycles the sort
modes, `S` reverses; both are remembered per table (and the filter per campaign) in the UI
state file, and the pane's border says what is in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from monitor.display import to_display
from monitor.ui.state_file import UiState, ViewPrefs
from monitor.ui.widgets.table_columns import SortMode, T
from monitor.ui.widgets.table_window import TableWindow


class TableOrder(TableWindow[T]):
    """The filter and sort of a live table, remembered."""

    VIEW_NAME: ClassVar[str] = "table"
    """The key under which sort and filter are remembered."""

    def __init__(
        self, *, ui_state: UiState | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ui_state = ui_state
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
        self._search: dict[str, tuple[T, str]] = {}
        self._last_prefs: tuple[str, str] | None = None
        self._keep_cursor = True
        """False while a sort is applied: the cursor stays on the first row."""

    # Done by the table itself.

    def row_key(self, item: T) -> str:
        raise NotImplementedError

    def _apply(self, *, flash: bool) -> None:
        raise NotImplementedError

    def search_text(self, item: T) -> str:
        """What the filter matches against (lower case)."""
        raise NotImplementedError

    def sort_modes(self) -> Sequence[SortMode[T]]:
        return (SortMode("default", "default"),)

    def matches(self, item: T, words: Sequence[str]) -> bool:
        text = self.cached_search_text(item)
        return all(w in text for w in words)

    def matches_gone(self, item: T, words: Sequence[str]) -> bool:
        """`matches` for a row that left the data and lingers: a table that draws such a row
        otherwise (`render_gone`) matches what it draws."""
        return self.matches(item, words)

    def empty_message(self) -> str:
        """What an empty table says on its first line (a blank table explains nothing)."""
        if self.filter_text.strip():
            return f"no matches for {to_display(self.filter_text, 30)!r} (esc clears)"
        return ""

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

    def cached_search_text(self, item: T) -> str:
        """`search_text`, computed once per item (a filter over 10,000 rows stays cheap)."""
        key = self.row_key(item)
        hit = self._search.get(key)
        if hit is not None and hit[0] is item:
            return hit[1]
        text = self.search_text(item)
        self._search[key] = (item, text)
        return text

    def _order(self) -> list[str]:
        words = self.filter_text.lower().split()
        everything = {**self._items, **self._gone_items} if self._gone_items else self._items
        if words:
            gone = self._gone_items
            keys = [
                k
                for k, item in everything.items()
                if (self.matches_gone(item, words) if k in gone else self.matches(item, words))
            ]
        else:
            keys = list(everything)
        mode = self.sort_modes()[self.sort_index]
        if mode.key is not None:
            sort_key = mode.key
            keys.sort(key=lambda k: sort_key(everything[k]), reverse=self.sort_descending)
        elif self.sort_reversed:
            keys.reverse()
        return keys

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

    def row_keys(self) -> list[str]:
        """Every row's key, in display order (lingering rows included)."""
        return list(self._keys)

    def item(self, key: str | None) -> T | None:
        if key is None:
            return None
        return self._items.get(key, self._gone_items.get(key))

    def visible_items(self) -> list[T]:
        """The live rows (filtered, sorted), without the lingering ended ones."""
        return [self._items[k] for k in self._keys if k in self._items]

    def export_rows(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The header and the rows on screen (filtered and sorted), full values."""
        return self.export_header(), [self.export_row(i) for i in self.visible_items()]

    def export_header(self) -> tuple[str, ...]:
        raise NotImplementedError

    def export_row(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError
