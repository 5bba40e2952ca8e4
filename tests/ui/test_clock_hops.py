"""What a second costs in Textual's machinery (issue 21): the messages posted and the refreshes
asked for while the clock ticks and polls land. Counted, never timed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widget import Widget

from monitor.ui import direct
from monitor.ui.compositor import SpanCompositor
from monitor.ui.messages import FeedChanged
from monitor.ui.widgets.active_calls import ActiveCallsTable
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import call

SIZE = (80, 24)


def message_counter() -> tuple[Counter[tuple[str, str]], Callable[[MessagePump, Message], bool]]:
    """A `MessagePump.post_message` stand-in counting (receiver class, message class)."""
    posted: Counter[tuple[str, str]] = Counter()
    post_message = MessagePump.post_message

    def spy(self: MessagePump, message: Message) -> bool:
        posted[type(self).__name__, type(message).__name__] += 1
        return post_message(self, message)

    return posted, spy


def durations(table: ActiveCallsTable) -> list[str]:
    return [table.get_row_at(n)[0].plain.strip() for n in range(min(6, table.row_count))]


async def test_a_tick_wakes_no_widget_pump_and_still_reaches_the_screen(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app()
    posted, spy = message_counter()

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(3):  # the status line's parts reach their widths (no layout pass)
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        before, lines, checks = durations(table), compositor.lines_rendered, direct.checks
        monkeypatch.setattr(MessagePump, "post_message", spy)
        engine.next_poll = 2.0  # the countdown moves too
        engine.clock.advance(1)
        app.tick_now()
        monkeypatch.undo()
        # The durations and the countdown were repainted without a Prompt to their widgets'
        # own pumps; the screen got one Update per widget, as through Textual's idle path.
        assert not [what for what in posted if what[1] == "Prompt" and what[0] != "MonitorApp"]
        updates = posted["DashboardScreen", "Update"]
        assert updates >= 2 and direct.checks - checks == updates
        await pilot.pause()
        after = durations(table)
        changed = sum(1 for a, b in zip(before, after, strict=True) if a != b)
        assert changed >= 2
        assert compositor.lines_rendered - lines >= changed  # the frame drew them


async def test_polls_between_seconds_post_nothing_and_the_second_draws_them(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app(min_render_interval_s=1.0)
    posted: list[Message] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app._on_clock()
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        rows = table.row_count
        post_message = app.post_message

        def spy(message: Message) -> bool:
            posted.append(message)
            return post_message(message)

        monkeypatch.setattr(app, "post_message", spy)
        for n in range(5):  # a burst of polls, as on busy (about ten store changes a second)
            engine.store.upsert_call(
                call(f"call_burst0000000{n}", "dialing", ago=1), engine.clock.monotonic()
            )
        await pilot.pause()
        assert not [m for m in posted if isinstance(m, FeedChanged)]
        assert table.row_count == rows  # drawn on the clock's second, not before
        engine.clock.advance(1)
        app._on_clock()
        await pilot.pause()
        assert table.row_count == rows + 5


async def test_a_tick_asks_the_table_for_one_refresh_for_all_its_changed_cells(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app()
    asked: list[int] = []
    refresh = Widget.refresh

    def spy(self: Widget, *regions: Any, **kwargs: Any) -> Widget:
        if isinstance(self, ActiveCallsTable):
            asked.append(len(regions))
        return refresh(self, *regions, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        before = durations(table)
        monkeypatch.setattr(Widget, "refresh", spy)
        engine.clock.advance(1)
        app.tick_now()
        monkeypatch.undo()
        changed = sum(1 for a, b in zip(before, durations(table), strict=True) if a != b)
        assert changed >= 2
        assert len(asked) == 1 and asked[0] >= changed


async def test_campaigns_whose_age_alone_moved_are_taken_without_reordering_or_redrawing(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every second on busy the campaigns part is new only because each row's age moved (no
    # cell, sort or filter reads it): the table takes the rows (a CSV export shows the new
    # ages) and orders, compares and repaints nothing.
    from monitor.ui.widgets.campaign_table import CampaignTable

    app, engine = make_app()
    orders: list[int] = []
    refreshes: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CampaignTable)
        order, refresh = table._order, table.refresh
        monkeypatch.setattr(table, "_order", lambda: (orders.append(1), order())[1])
        monkeypatch.setattr(
            table, "refresh", lambda *a, **k: (refreshes.append(1), refresh(*a, **k))[1]
        )
        age_column = table.export_header().index("age_s")
        ages = [table.export_row(item)[age_column] for item in table._items.values()]
        engine.clock.advance(3)
        engine.store.mark_fresh("active", engine.clock.monotonic(), interval_s=5)
        app.render_now()
        await pilot.pause()
        assert orders == [] and refreshes == []
        moved = [table.export_row(item)[age_column] for item in table._items.values()]
        assert len(moved) == len(ages) and moved != ages
        # A count that moved is news as before: the rows are recomputed and repainted.
        engine.store.upsert_call(
            call("call_new000000009", "dialing", ago=1), engine.clock.monotonic()
        )
        app.render_now()
        await pilot.pause()
        assert orders and refreshes


async def test_a_new_row_updates_its_panes_count_without_a_message_or_a_pump_wake(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.ui.widgets.pane import Pane

    app, engine = make_app(min_render_interval_s=1.0)
    posted, spy = message_counter()

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app._on_clock()
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        rows = table.row_count
        engine.store.upsert_call(
            call("call_new000000004", "dialing", ago=1), engine.clock.monotonic()
        )
        monkeypatch.setattr(MessagePump, "post_message", spy)
        engine.clock.advance(1)
        app._on_clock()
        monkeypatch.undo()
        assert table.row_count == rows + 1
        pane = app.screen.query_one("#pane-active", Pane)
        assert str(pane.border_subtitle).startswith(f"1/{rows + 1} ")
        # The pane heard it at once; no message said it again, no pane or table pump woke.
        assert posted["ActiveCallsTable", "PrefsChanged"] == 0
        assert posted["Pane", "Prompt"] == 0 and posted["ActiveCallsTable", "Prompt"] == 0
        assert posted["DashboardScreen", "Update"] >= 2  # the table and the pane's border


async def test_repaints_read_no_styles_until_they_change(make_app: AppFactory) -> None:
    # The tables and one-line texts take their "plain styles" verdict and their background
    # colors from what the last render read, while no styles version moved (plain_lines).
    from monitor.ui.widgets import plain_lines
    from monitor.ui.widgets.campaign_table import CampaignTable

    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(3):
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        reads, lines = plain_lines.reads, compositor.lines_rendered
        for next_poll in (2.0, 1.0, 3.0):
            engine.next_poll = next_poll
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        assert compositor.lines_rendered - lines >= 6  # durations and the countdown, drawn
        assert plain_lines.reads == reads
        # The focus moves: both tables' styles changed (:focus), so they are read again.
        app.screen.query_one(CampaignTable).focus()
        await pilot.pause()
        engine.clock.advance(1)
        app.tick_now()
        await pilot.pause()
        assert plain_lines.reads > reads


async def test_a_duration_shown_before_comes_back_as_the_same_cell(make_app: AppFactory) -> None:
    # Two calls a few seconds apart: the younger one's duration passes through the values
    # the older one showed, and each comes back as the very cell drawn before (its rendered
    # segments are kept by identity), not a new one.
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        seconds = {}
        for n in range(table.row_count):
            text = table.get_row_at(n)[0].plain.strip()
            if text.replace(":", "").isdigit():
                m, s = text.split(":")[-2:]
                seconds[n] = int(m) * 60 + int(s)
        gaps = sorted(
            (seconds[a] - seconds[b], a, b)
            for a in seconds
            for b in seconds
            if 0 < seconds[a] - seconds[b] <= 30
        )
        assert gaps, seconds
        gap, older, younger = gaps[0]
        shown = table.get_row_at(older)[0]
        for _ in range(gap):
            engine.clock.advance(1)
            app.tick_now()
            await pilot.pause()
        cell = table.get_row_at(younger)[0]
        assert cell.plain == shown.plain and cell is shown
