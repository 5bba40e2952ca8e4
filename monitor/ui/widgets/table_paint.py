"""`TablePaint`: how a `LiveTable` draws its lines (the Line API), cached per item.

Only the rows in the window are ever rendered, lazily, and a row is rendered again only when
its item (or a ticking column) changed; a rendered cell's segments are cached, so a row redrawn
for one ticking cell re-renders that cell only. `_drawn` keeps what each screen line shows, so
the window (`table_window`) repaints only the lines, or cells, that differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from monitor.ui.direct import DirectRefresh
from monitor.ui.widgets.plain_lines import render_plain
from monitor.ui.widgets.table_columns import Column, SortMode, T, same_row, same_text

SEGMENT_CACHE_SIZE = 4096
"""Rendered cells kept (a few windows' worth); the cache starts afresh beyond that."""


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


def plain_style(style: Style, post: Style | None) -> Style | None:
    """The style `Segment.apply_style(segments, style, post)` gives an unstyled segment (what
    `Text.render` yields for a Text without spans), without its two generators."""
    out = style if style else None
    if post:
        out = out + post if out else post
    return out


def join(segments: list[Segment], more: Sequence[Segment]) -> None:
    """Append simplified `more` to simplified `segments`, merging the seam if one style
    continues across it (`Segment.simplify` of the whole, without walking it again)."""
    if segments and more:
        tail, head = segments[-1], more[0]
        if tail.style == head.style and not head.control:
            segments[-1] = Segment(tail.text + head.text, tail.style)
            segments.extend(more[1:])
            return
    segments.extend(more)


_UNKNOWN = object()
"""A line never drawn (as opposed to drawn empty: None)."""


class TablePaint(DirectRefresh, Widget, Generic[T]):
    """The drawing of a live table: header, rows, the cursor's and flashing rows' styles."""

    # The table's state, kept by the classes above (declared here: every part reads it).
    filter_text: str
    sort_index: int
    sort_reversed: bool
    _items: dict[str, T]
    _gone_items: dict[str, T]
    _keys: list[str]
    """Row keys in display order (filtered and sorted): the table's rows."""
    _pos: dict[str, int]
    _flash: dict[str, float]
    _rows_shown: bool
    _cursor: int
    _top: int
    """Index of the first row in the window."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns_now: list[Column] = []
        self._rendered: dict[str, _Rendered[T]] = {}
        self._tickers: dict[str, Callable[[T], Text]] = {}
        self._tick_epoch = 0
        self._drawn: dict[int, _Drawn | _Message | None] = {}
        """Screen line (0 = first row under the header) -> what it shows."""
        self._header: tuple[int, tuple[Column, ...], str] | None = None
        self._styles: dict[str, Style] = {}
        self._segments: dict[tuple[int, bool, int], tuple[Text, list[Segment]]] = {}
        """A cell as rendered, by (the Text's identity, cursor row, width): cleared with the
        styles (the Text is kept in the value, so an id reused after collection misses)."""
        self._flashed: dict[tuple[int, int], tuple[Text, Style, Text]] = {}
        """A cell's flashing copy, by (the Text's identity, width), with the flash style."""

    # Described by the classes above (the order's hooks).

    def sort_modes(self) -> Sequence[SortMode[T]]:
        raise NotImplementedError

    def empty_message(self) -> str:
        raise NotImplementedError

    def render_row(self, item: T) -> tuple[Text, ...]:
        """One Text per column of `self.columns_now`, each fitted to its width."""
        raise NotImplementedError

    def draws_same(self, old: T, new: T) -> bool:
        """Whether `new` draws as `old` did (its cells need no rendering again)."""
        return old == new

    def render_gone(self, item: T) -> tuple[Text, ...]:
        """A row whose item left the data (while it lingers): dimmed by default."""
        muted = self.style_of("muted")
        out = []
        for text in self.render_row(item):
            copy = text.copy()
            copy.stylize(muted)
            out.append(copy)
        return tuple(out)

    def style_of(self, name: str) -> Style:
        """A `live-table--name` component class as a Rich style (theme-aware), cached."""
        return self._component(f"live-table--{name}", partial=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._segments.clear()
        self._flashed.clear()
        self._drawn.clear()
        self._header = None
        self.refresh()

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
        self._rows_shown = True
        cells = self._cells(key)
        cursor = index == self._cursor
        flash = key in self._flash
        self._drawn[line] = _Drawn(key, cells, cursor, flash)
        return self._row_strip(self._styled(key, cells) if flash else cells, width, cursor)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, as Textual's `StylesCache` would give them, without it when the
        table's styles leave its lines as they are (`plain_lines`: the dashboard's tables)."""
        strips = render_plain(self, crop)
        return super().render_lines(crop) if strips is None else strips

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
        total = 0
        last = len(self.columns_now) - 1
        for n, (text, col) in enumerate(zip(cells, self.columns_now, strict=False)):
            cell_width = col.width + (0 if n == last else 1)
            total += cell_width
            # A row redrawn for one ticking cell re-renders that cell only.
            hit = cache.get((id(text), cursor, cell_width))
            if hit is not None and hit[0] is text:
                fitted = hit[1]
            else:
                # `Text.render` yields the spans' styles only; the Text's own style goes under.
                own = text.style
                if isinstance(own, str):
                    own = console.get_style(own, default=Style.null()) if own else Style.null()
                if text.spans:
                    rendered = list(Segment.apply_style(text.render(console), pre + own, post))
                else:  # most cells: one segment, styled as `apply_style` would style it
                    rendered = [Segment(text.plain, plain_style(pre + own, post))]
                fitted = list(
                    Segment.simplify(Segment.adjust_line_length(rendered, cell_width, pre))
                )
                cache[(id(text), cursor, cell_width)] = (text, fitted)
            join(segments, fitted)
        if total > width:  # columns wider than the table (not allocated so): cut as before
            return Strip(segments).adjust_cell_length(width, pre).simplify()
        if total < width:
            join(segments, [Segment(" " * (width - total), pre)])
        # The cells come simplified and `join` merges at their seams: the same segments as
        # simplifying the whole row (what the screen and the snapshots see), for a fraction.
        return Strip(segments, width)

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
            and (entry.source is item or (not gone and self.draws_same(entry.source, item)))
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
            if out[n] is not new and not same_text(out[n], new):
                out = (*out[:n], new, *out[n + 1 :])
        return out

    def _styled(self, key: str, cells: Sequence[Text]) -> tuple[Text, ...]:
        flash = self.style_of("flash")
        cache = self._flashed
        if len(cache) > SEGMENT_CACHE_SIZE:
            cache.clear()
        out = []
        last = len(self.columns_now) - 1
        for n, (text, col) in enumerate(zip(cells, self.columns_now, strict=False)):
            width = col.width + (0 if n == last else 1)
            # The same flashing copy while its cell is unchanged: a flashing row redrawn for
            # its ticking duration re-renders that cell only (a new copy missed every cell).
            hit = cache.get((id(text), width))
            if hit is not None and hit[0] is text and hit[1] == flash:
                out.append(hit[2])
                continue
            copy = text.copy()
            # Fill the gap after the cell too, so the row reads as one highlighted band.
            copy.align("left", width)
            copy.stylize(flash)
            cache[(id(text), width)] = (text, flash, copy)
            out.append(copy)
        return tuple(out)

    def get_row(self, key: str) -> list[Text]:
        """The cells of a row as drawn (current, even off screen)."""
        if key not in self._pos:
            raise KeyError(key)
        cells = self._cells(key)
        return list(self._styled(key, cells) if key in self._flash else cells)

    def get_row_at(self, index: int) -> list[Text]:
        return self.get_row(self._keys[index])
