"""A compositor that renders, for a partial update, only the widgets the changed cells are in.

Textual's partial update renders every widget that overlaps the *bounding box* of all the dirty
regions. A second's frame on the dashboard dirties a duration cell at the top and an age on the
status line at the bottom, so the box is the whole screen and all ~35 widgets render (from
their line caches, ~50-150 µs each): about half of a frame's CPU was spent on widgets that had
not changed (measured at 80x24 on busy, issue 21). This one renders a widget only if a dirty
span crosses it, and only the rows of it that one crosses. What is written is the same: the
terminal gets the dirty spans only, cut from the same strips.

It overrides one method of Textual's `Compositor` and reads its `_dirty_regions` and
`_regions_to_spans` (Textual 8.2; pinned with the driver's major version in pyproject).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


def rows_hit(spans: Iterable[tuple[int, int, int]], visible: Region) -> tuple[int, int] | None:
    """The first and last (exclusive) rows of `visible` that a span (y, x1, x2) crosses."""
    x, y, width, height = visible
    right, bottom = x + width, y + height
    first = last = -1
    for row, x1, x2 in spans:
        if row < y:
            continue
        if row >= bottom:
            break
        if x1 < right and x2 > x:
            if first < 0:
                first = row
            last = row
    return None if first < 0 else (first, last + 1)


class SpanCompositor(Compositor):
    """`Compositor` whose partial updates render only the widgets under dirty spans."""

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
        rendered_rows = {y for y, _, _ in spans}
        for widget, (region, clip) in self.visible_widgets.items():
            visible = region.intersection(clip)
            if not visible.area:
                continue
            hit = rows_hit(spans, visible)
            if hit is None:
                continue
            top, bottom = hit
            strips = widget.render_lines(
                Region(visible.x - region.x, top - region.y, visible.width, bottom - top)
            )
            first_cut, last_cut = visible.x, visible.right
            for y, strip in zip(range(top, bottom), strips, strict=False):
                if y not in rendered_rows:
                    continue
                line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                pieces = strip.divide([cut - visible.x for cut in final_cuts[1:]])
                # Front to back: the first strip for a cut wins (as in Textual's own).
                for cut, piece in zip(final_cuts, pieces, strict=False):
                    if line.get(cut) is None:
                        line[cut] = piece
        chop_ends = [cut_set[1:] for cut_set in cuts]
        return ChopsUpdate(chops, spans, chop_ends)
