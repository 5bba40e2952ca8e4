"""The span compositor (monitor/ui/compositor.py) writes exactly what Textual's own would: for
every dirty span, the same cells in the same styles, on the live dashboard."""

from __future__ import annotations

import io
import random

from rich.console import Console
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region

from monitor.ui.compositor import SpanCompositor, rows_hit
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


def test_rows_hit_are_the_rows_a_span_crosses() -> None:
    visible = Region(10, 5, 20, 4)  # rows 5-8, columns 10-29
    assert rows_hit([(4, 0, 80), (9, 0, 80)], visible) is None
    assert rows_hit([(6, 0, 10)], visible) is None  # ends where the widget starts
    assert rows_hit([(6, 29, 31)], visible) == (6, 7)
    assert rows_hit([(5, 0, 80), (8, 12, 13), (20, 0, 80)], visible) == (5, 9)


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
        for _ in range(40):
            regions = {
                Region(x, y, rng.randint(1, width - x), rng.randint(1, min(3, height - y)))
                for x, y in (
                    (rng.randrange(width), rng.randrange(height)) for _ in range(rng.randint(1, 4))
                )
            }
            compositor._dirty_regions.clear()
            compositor._dirty_regions.update(regions)
            ours = written(compositor.render_partial_update(), width, height)
            compositor._dirty_regions.update(regions)
            theirs = written(Compositor.render_partial_update(compositor), width, height)
            assert ours == theirs
            checked += len(ours)
        assert checked > 40 * 80  # real frames were compared, not empty ones
