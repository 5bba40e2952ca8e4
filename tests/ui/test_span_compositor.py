"""The span compositor (monitor/ui/compositor.py) writes exactly what Textual's own would: for
every dirty span, the same cells in the same styles, on the live dashboard."""

from __future__ import annotations

import io
import random

from rich.console import Console
from textual._compositor import ChopsUpdate, Compositor
from textual.filter import Monochrome
from textual.geometry import Region
from textual.widget import Widget

from monitor.ui.compositor import SpanCompositor, wanted_cuts
from monitor.ui.widgets.live_table import LiveTable
from tests.ui.conftest import AppFactory


def written(update: ChopsUpdate | None, width: int, height: int) -> str:
    """The bytes an update puts on the terminal (cursor moves, styles, text)."""
    if update is None:
        return ""
    out = io.StringIO()
    console = Console(
        file=out, width=width, height=height, force_terminal=True, color_system="truecolor"
    )
    console.print(update, end="")
    return out.getvalue()


def test_wanted_cuts_are_the_pieces_a_span_writes() -> None:
    cuts = [[0, 10, 30, 80]] * 3  # each row: pieces 0-9, 10-29, 30-79
    assert wanted_cuts([(0, 12, 13)], cuts) == {0: [10]}
    assert wanted_cuts([(1, 5, 31)], cuts) == {1: [0, 10, 30]}
    # A span ending where a piece starts does not need that piece; one starting there does.
    assert wanted_cuts([(2, 0, 10), (1, 30, 31)], cuts) == {2: [0], 1: [30]}


async def test_partial_updates_write_what_textuals_compositor_writes(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    rng = random.Random(21)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        width, height = compositor.size
        checked = 0
        for _ in range(200):
            # Cells (a ticking duration) and wide bands, so pieces in front and behind are hit.
            regions = {
                Region(
                    x,
                    y,
                    rng.randint(1, min(rng.choice((6, width)), width - x)),
                    rng.randint(1, min(3, height - y)),
                )
                for x, y in (
                    (rng.randrange(width), rng.randrange(height)) for _ in range(rng.randint(1, 4))
                )
            }
            compositor._dirty_regions.clear()
            compositor._dirty_regions.update(regions)
            ours = compositor.render_partial_update()
            compositor._dirty_regions.update(regions)
            theirs = Compositor.render_partial_update(compositor)
            assert written(ours, width, height) == written(theirs, width, height)
            # The bytes the app writes (`App._display`) too.
            assert ours is not None and theirs is not None
            assert ours.render_segments(app.console) == theirs.render_segments(app.console)
            checked += len(written(ours, width, height))
        assert checked > 200 * 80  # real frames were compared, not empty ones


async def test_tables_draw_their_lines_as_textuals_styles_cache_would(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tables = list(app.screen.query(LiveTable).results())
        assert len(tables) >= 3
        checked = 0
        for filtered in (False, True):
            if filtered:  # NO_COLOR's filter, as Textual adds it
                app._filters.append(Monochrome())
            for focused in tables:
                focused.focus()
                await pilot.pause()
                for table in tables:
                    width, height = table.size
                    for crop in (Region(0, 0, width, height), Region(3, 1, width - 5, 2)):
                        ours = table.render_lines(crop)
                        theirs = Widget.render_lines(table, crop)
                        assert [list(s) for s in ours] == [list(s) for s in theirs]
                        checked += 1
        assert checked == 2 * len(tables) * len(tables) * 2
