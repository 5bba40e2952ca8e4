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


async def test_one_line_texts_draw_their_lines_as_textuals_styles_cache_would(
    make_app: AppFactory,
) -> None:
    # The status line's parts, the concurrency pane's lines, the retry ETA: drawn without
    # the styles cache (`plain_lines`), the same strips as through it.
    from monitor.ui.widgets.repeat_static import RepeatStatic

    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        texts = [w for w in app.screen.query(RepeatStatic).results() if w.size.area]
        assert len(texts) >= 8
        checked = 0
        for filtered in (False, True):
            if filtered:
                app._filters.append(Monochrome())
            for text in texts:
                width, height = text.size
                for crop in (Region(0, 0, width, height), Region(2, 0, max(1, width - 4), 1)):
                    ours = text.render_lines(crop)
                    theirs = Widget.render_lines(text, crop)
                    assert [list(s) for s in ours] == [list(s) for s in theirs]
                    checked += 1
        assert checked == 2 * len(texts) * 2


async def test_a_countdown_text_shown_again_is_drawn_from_the_strip_drawn_before(
    make_app: AppFactory,
) -> None:
    # "next poll 3s" comes back every few seconds: its line on screen is the very strip drawn
    # the last time (filtered once), not a new one made through the styles cache.
    from monitor.ui.widgets.repeat_static import RepeatStatic

    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        part = app.screen.query_one("#status-next", RepeatStatic)
        drawn: dict[float, list[object]] = {}
        for _ in range(3):  # the status line's parts reach their widths and styles
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        for next_poll in (2.0, 3.0, 2.0, 3.0):
            engine.next_poll = next_poll
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
            strips = part.render_lines(part.size.region)
            if next_poll in drawn:
                assert all(a is b for a, b in zip(strips, drawn[next_poll], strict=True))
            drawn[next_poll] = list(strips)
        assert drawn[3.0] != drawn[2.0]
