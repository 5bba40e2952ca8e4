"""A compositor that renders, for a partial update, only the widgets whose own cells changed.

Textual's partial update renders every widget that overlaps the *bounding box* of all the dirty
regions. A second's frame on the dashboard dirties a duration cell at the top and an age on the
status line at the bottom, so the box is the whole screen and all ~35 widgets render (from
their line caches, ~50-150 µs each): about half of a frame's CPU was spent on widgets that had
not changed (measured at 80x24 on busy, issue 21). This one renders a widget only for the rows
where a dirty span crosses a cell that widget shows on screen: a container (the screen, the
grid, a pane) under a ticking table cell shows none of that cell (its child is in front of it),
so a tick renders the table's changed rows and not the three containers behind them (~70 µs
each, every second). What is written is the same: the terminal gets the dirty spans only, cut
from the same strips, and each cut from the front-most widget, as in Textual's own.

It overrides one method of Textual's `Compositor` and reads its `_dirty_regions`, `cuts` and
`_regions_to_spans` (Textual 8.2; pinned with the driver's major version in pyproject).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

_NOTHING = Strip([], 0)


def wanted_cuts(
    spans: Iterable[tuple[int, int, int]], cuts: Sequence[Sequence[int]]
) -> dict[int, list[int]]:
    """Per row, the cuts (the starts of the row's pieces) whose piece a span (y, x1, x2)
    writes: those are the only pieces an update needs rendered."""
    wanted: dict[int, list[int]] = {}
    for y, x1, x2 in spans:
        cut_set = cuts[y]
        row = wanted.setdefault(y, [])
        for n in range(len(cut_set) - 1):
            cut = cut_set[n]
            if cut >= x2:
                break
            if cut_set[n + 1] > x1:
                row.append(cut)
    return {y: row for y, row in wanted.items() if row}


class SpanCompositor(Compositor):
    """`Compositor` whose partial updates render only the widgets seen under dirty spans."""

    lines_rendered = 0
    """Widget lines rendered by partial updates (a count for tests: what a tick costs)."""

    def render_partial_update(self) -> ChopsUpdate | None:
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        screen = self.size.region
        spans = [
            span for span in self._regions_to_spans(update_regions) if 0 <= span[0] < screen.height
        ]
        if not spans:
            return None
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        # The pieces still to render, per row; a widget takes those it covers (front to back:
        # `visible_widgets` is in Textual's painting order, the front-most first).
        wanted = wanted_cuts(spans, cuts)
        for widget, (region, clip) in self.visible_widgets.items():
            if not wanted:
                break
            visible = region.intersection(clip)
            if not visible.area:
                continue
            left, right = visible.x, visible.right
            rows = [
                y
                for y in range(visible.y, visible.bottom)
                if (pending := wanted.get(y)) is not None
                and any(left <= cut < right for cut in pending)
            ]
            if not rows:
                continue
            top, bottom = rows[0], rows[-1] + 1
            strips = widget.render_lines(
                Region(left - region.x, top - region.y, visible.width, bottom - top)
            )
            self.lines_rendered += bottom - top
            for y in rows:
                strip = strips[y - top]
                line = chops[y]
                final_cuts = [cut for cut in cuts[y] if right >= cut >= left]
                pieces = strip.divide([cut - left for cut in final_cuts[1:]])
                # Front to back: the first strip for a cut wins (as in Textual's own).
                for cut, piece in zip(final_cuts, pieces, strict=False):
                    if line.get(cut) is None:
                        line[cut] = piece
                rest = [cut for cut in wanted[y] if not left <= cut < right]
                if rest:
                    wanted[y] = rest
                else:
                    del wanted[y]
        for y, _, x2 in spans:
            # A piece that starts where a span ends is written as a bare cursor move (Textual
            # crops it to nothing): none of its cells are needed, so nothing is rendered.
            line = chops[y]
            if x2 in line and line[x2] is None:
                line[x2] = _NOTHING
        chop_ends = [cut_set[1:] for cut_set in cuts]
        return ChopsUpdate(chops, spans, chop_ends)
