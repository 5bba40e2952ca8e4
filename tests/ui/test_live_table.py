"""`LiveTable` at scale: only the window is rendered, and only what changed is repainted.

No timings here (benchmarks measure speed): these count what the table does, so a change that
makes it render or compare every row again fails a test rather than a benchmark.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rich.text import Text
from textual.geometry import Region

from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.pane import Pane
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import FakeEngine, call, make_engine

BIG = 3000
OUTCOMES = ("completed", "no_answer", "busy", "failed", "voicemail")


def big_engine(n: int = BIG) -> FakeEngine:
    engine = make_engine()
    mono = engine.clock.monotonic()
    with engine.store.batch():
        for i in range(n):
            engine.store.upsert_call(
                call(
                    f"call_big{i:08d}",
                    OUTCOMES[i % len(OUTCOMES)],
                    ago=100_000 - 10 * i,
                    to=f"+1415{i:07d}",
                    ended_at="2026-11-23T09:00:00Z",
                    duration_seconds=30,
                ),
                mono,
            )
    return engine


class Counting:
    """Counts `render_row` and `search_text` calls of one table class."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cls: type[Any]) -> None:
        self.rows = 0
        self.searches = 0
        render_row, search_text = cls.render_row, cls.search_text

        def counted_render(table: Any, item: Any) -> tuple[Text, ...]:
            self.rows += 1
            result: tuple[Text, ...] = render_row(table, item)
            return result

        def counted_search(table: Any, item: Any) -> str:
            self.searches += 1
            result: str = search_text(table, item)
            return result

        monkeypatch.setattr(cls, "render_row", counted_render)
        monkeypatch.setattr(cls, "search_text", counted_search)


async def test_a_big_campaign_renders_only_the_rows_on_screen(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(monkeypatch, CampaignCallsTable)
    app, _ = make_app(big_engine())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        total = table.row_count
        assert total > BIG // 3
        window = table.size.height - 1
        assert 0 < counting.rows <= 2 * window
        # An outcome filter needs no search text; a text filter builds it once per call.
        await pilot.press("o")  # completed
        assert table.filter_text == "completed"
        assert counting.searches == 0
        assert all(c.status.value == "completed" for c in table.visible_items())
        table.set_filter("big00000123")
        await pilot.pause()
        assert table.row_keys() == ["call_big00000123"]
        searches = counting.searches
        table.set_filter("big0000012")
        await pilot.pause()
        assert counting.searches == searches  # cached per call
        assert len(table.row_keys()) == 10
        table.set_filter("")
        await pilot.pause()
        assert table.row_count == total
        assert counting.rows <= 8 * window


async def test_moving_far_in_a_big_table_keeps_the_cursor_in_view(make_app: AppFactory) -> None:
    app, engine = make_app(big_engine())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CampaignScreen)
        table = screen.query_one(CampaignCallsTable)
        window = table.size.height - 1
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        assert engine.selected_call_id == table.cursor_key
        await pilot.press("pageup")
        assert table.cursor_row == table.row_count - 1 - (window - 1)
        await pilot.press("home", "down", "down")
        assert table.cursor_row == 2
        key = table.cursor_key
        # What is drawn on the cursor's line is the cursor's row.
        line = table.render_line(1 + table.cursor_row)
        assert key is not None and key.removeprefix("call_") in line.text
        # New calls arriving above do not move the selection off its call.
        mono = engine.clock.monotonic()
        with engine.store.batch():
            for i in range(5):
                engine.store.upsert_call(call(f"call_newer{i:07d}", "dialing", ago=-i), mono)
        await pilot.pause()
        assert table.cursor_key == key
        assert table.cursor_row == 7


async def test_clicking_a_row_highlights_it_and_clicking_again_opens_it(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        await pilot.click(ActiveCallsTable, offset=(3, 3))  # header + third row
        await pilot.pause()
        assert table.cursor_row == 2
        assert engine.selected_call_id == table.cursor_key
        assert isinstance(app.screen, DashboardScreen)
        await pilot.click(ActiveCallsTable, offset=(3, 3))
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CallScreen"


async def test_a_second_of_ticking_repaints_only_duration_cells(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        drawn = [table.render_line(y).text for y in range(1, 1 + table.size.height - 1)]
        engine.clock.advance(1)
        table.now = engine.clock.now()
        changed = table.tick_column("dur", table.duration_cell)
        visible = sum(1 for line in drawn if line.strip())
        assert changed == visible  # one cell per visible row, not one row
        assert table.tick_column("dur", table.duration_cell) == 0  # nothing moved since


async def test_another_calls_attempts_do_not_flash(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        timeline = app.screen.query_one("#retry-table", LiveTable)
        assert timeline.row_count == 1
        await pilot.press("down")  # the call with three attempts
        await pilot.pause()
        assert timeline.row_count == 3
        assert not timeline._flash


async def test_moving_the_cursor_repaints_the_pane_border_line_not_the_pane(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app(big_engine(200))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        pane = app.screen.query_one("#pane-calls", Pane)
        await pilot.pause()
        marked: list[set[Region]] = []
        set_dirty = pane._set_dirty

        def spy(*regions: Region) -> None:
            pane._repaint_regions.clear()
            set_dirty(*regions)
            marked.append(set(pane._repaint_regions))

        monkeypatch.setattr(pane, "_set_dirty", spy)
        await pilot.press("down")
        assert str(pane.border_subtitle).startswith("2/211 ↓")
        width, height = pane.outer_size
        assert marked == [{Region(0, height - 1, width, 1)}]


async def test_a_shorter_terminal_keeps_the_cursor_in_view(make_app: AppFactory) -> None:
    app, _ = make_app(big_engine(200))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        await pilot.press("end", "up", "up")
        key = table.cursor_key
        assert key is not None
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        assert table.cursor_key == key
        line = table.cursor_row - table._top + 1
        assert 1 <= line < table.size.height
        assert key.removeprefix("call_") in table.render_line(line).text


async def test_rows_that_changed_before_the_table_was_drawn_do_not_flash(
    make_app: AppFactory,
) -> None:
    # At start the campaign names come a moment after the first calls, while the first frame
    # is held: every row flashed, and 3 s later the whole table was written again to unflash.
    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        rows = list(table._items.values())
        mono = engine.clock.monotonic()
        renamed = [dataclasses.replace(r, campaign_name="Zed") for r in rows]
        with app.batch_update():  # no frame drawn in between, as under the start's hold
            table.clear_rows()
            table.sync(rows, mono)
            table.sync(renamed, mono)
            assert not table._flash  # nobody saw the rows before: nothing is news
        await pilot.pause()
        assert table.get_row(rows[0].id)[3].plain.strip() == "Zed"  # drawn, renamed
        table.sync(rows, mono)  # a change after the rows were drawn: news
        assert set(table._flash) == {r.id for r in rows}


async def test_a_row_that_looks_the_same_does_not_flash(make_app: AppFactory) -> None:
    # The API spells a status two ways between polls ("in_progress", "in-progress") and may
    # leave the attempt out: the row shows "in call" and "1" either way.
    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        rows = list(table._items.values())
        mono = engine.clock.monotonic()
        respelled = [
            dataclasses.replace(
                r, status_raw=f"{r.status_raw}-again", attempt=None if r.attempt == 1 else r.attempt
            )
            for r in rows
        ]
        table.sync(respelled, mono)
        assert not table._flash
        table.sync([dataclasses.replace(rows[0], to_number="+15550000000"), *rows[1:]], mono)
        assert set(table._flash) == {rows[0].id}
