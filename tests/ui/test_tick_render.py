"""What a second's tick renders (issue 21): the table rows whose ticking cell changed, and
nothing behind them. Counted by spying on the widgets' `render_lines`, never timed."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from monitor.state.views import CampaignRow
from monitor.ui.compositor import SpanCompositor
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_table import CampaignTable
from monitor.ui.widgets.live_table import FLASH_S
from monitor.ui.widgets.pane import Pane
from monitor.ui.widgets.repeat_static import RepeatStatic
from monitor.ui.widgets.table_paint import TablePaint
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import call

SIZE = (80, 24)


def shown_rows(table: ActiveCallsTable) -> dict[int, Any]:
    """Screen line of the table -> the cells it shows."""
    return {line: getattr(drawn, "cells", drawn) for line, drawn in table._drawn.items()}


async def test_a_tick_renders_the_rows_whose_duration_changed_and_no_container(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app()
    lines: Counter[str] = Counter()
    render_lines = Widget.render_lines
    render_table_lines = TablePaint.render_lines

    def spy(self: Widget, crop: Region) -> list[Strip]:
        lines[type(self).__name__] += crop.height
        if isinstance(self, TablePaint):
            return render_table_lines(self, crop)
        return render_lines(self, crop)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        for _ in range(3):  # the status line's parts reach their widths (no layout pass)
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        before = shown_rows(table)
        monkeypatch.setattr(Widget, "render_lines", spy)
        monkeypatch.setattr(TablePaint, "render_lines", spy)
        engine.clock.advance(1)
        app.tick_now()
        await pilot.pause()
        after = shown_rows(table)
        changed = sum(1 for line, cells in after.items() if before.get(line) != cells)
        assert changed >= 2  # the live calls' durations moved on
        assert lines["ActiveCallsTable"] == changed
        # Nothing behind the changed cells is rendered: not the panes, the grid, the screen.
        assert not {"Pane", "Grid", "DashboardScreen", "Horizontal", "StatusLine"} & set(lines)


def drawn_text(widget: Widget) -> str:
    region = widget.size.region
    return "".join(seg.text for strip in widget.render_lines(region) for seg in strip).rstrip()


async def test_a_countdown_lays_out_each_of_its_texts_once_and_shows_the_current_one(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        part = app.screen.query_one("#status-next", RepeatStatic)
        before = part.layouts
        shown = []
        for next_poll in (3.0, 2.0, 1.0) * 3:
            engine.next_poll = next_poll
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
            shown.append(drawn_text(part))
        assert shown == ["  next poll 3s", "  next poll 2s", "  next poll 1s"] * 3
        assert part.layouts - before <= 3  # 9 updates, 3 texts: the rest from the cache


async def test_data_and_the_seconds_tick_arriving_apart_share_one_frame(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app(min_render_interval_s=1.0)
    frames: list[int] = []
    render_update = SpanCompositor.render_update

    def spy(self: SpanCompositor, *args: Any, **kwargs: Any) -> Any:
        update = render_update(self, *args, **kwargs)
        if update is not None:
            frames.append(len(update.spans))
        return update

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(3):  # the status line's parts reach their widths (no layout pass)
            engine.clock.advance(1)
            app._on_clock()
            await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        rows = table.row_count
        monkeypatch.setattr(SpanCompositor, "render_update", spy)
        # A poll lands mid-second: nothing is drawn until the clock's second.
        engine.store.upsert_call(
            call("call_new000000003", "dialing", ago=1), engine.clock.monotonic()
        )
        await pilot.pause()
        await pilot.pause()
        assert frames == [] and table.row_count == rows
        engine.clock.advance(1)
        app._on_clock()
        await pilot.pause()
        await pilot.pause()
        # One frame: the new row, the durations that ticked and the pane's "n/n" (its
        # subtitle came in a second frame, after the table's message, before issue 21).
        assert len(frames) == 1 and table.row_count == rows + 1
        pane = app.screen.query_one("#pane-active", Pane)
        assert str(pane.border_subtitle).startswith(f"1/{rows + 1} ")


async def test_a_flashing_row_re_renders_only_its_ticking_cell(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        key = table._keys[1]  # a live call on screen, highlighted as news would be
        table._flash[key] = engine.clock.monotonic() + FLASH_S
        table._reconcile()
        await pilot.pause()
        before = shown_rows(table)
        cells_rendered = len(table._segments)
        engine.clock.advance(1)
        app.tick_now()
        await pilot.pause()
        assert key in table._flash and table._drawn[1].flash  # type: ignore[union-attr]
        changed = sum(1 for line, cells in shown_rows(table).items() if before.get(line) != cells)
        # One new cell per changed row (its duration), the flashing row's included.
        assert changed >= 2 and len(table._segments) - cells_rendered == changed


async def test_campaign_rows_whose_age_alone_moved_are_not_rendered_again(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A campaign row's `age_s` moves every second and no cell shows it: the row is not laid
    # out again for it (eight campaigns' rows every second on busy), but a count that moved is.
    app, engine = make_app()
    rendered: Counter[str] = Counter()
    render_row = CampaignTable.render_row

    def spy(self: CampaignTable, item: CampaignRow) -> Any:
        rendered[item.id] += 1
        return render_row(self, item)

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CampaignTable)
        ages = {c.id: c.age_s for c in app.snapshot.data.campaigns}
        monkeypatch.setattr(CampaignTable, "render_row", spy)
        engine.clock.advance(1)
        engine.store.mark_fresh("active", engine.clock.monotonic(), interval_s=5)
        app.render_now()
        await pilot.pause()
        moved = {c.id: c.age_s for c in app.snapshot.data.campaigns}
        assert moved.keys() == ages.keys() and all(moved[k] != ages[k] for k in ages)
        assert rendered == Counter()
        engine.store.upsert_call(
            call("call_new000000009", "dialing", ago=1), engine.clock.monotonic()
        )
        app.render_now()
        await pilot.pause()
        assert rendered == Counter({"cmp_spring01": 1})  # its in-flight count moved
        assert table.row_count == len(ages)
