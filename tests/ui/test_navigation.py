"""Drilling in and out: the campaign and call screens are kept and reused, and say so rightly."""

from __future__ import annotations

from textual.widgets import Static

from monitor.ui.app import MonitorApp
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.live_table import LiveTable
from tests.ui.conftest import AppFactory

SIZE = (100, 40)


def text_of(app: MonitorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_call_screen_reused_shows_the_new_call_only(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # call_a1b2c3d4e5f6: three attempts
        await pilot.pause()
        first = app.screen
        assert isinstance(first, CallScreen)
        assert first.call_id == "call_a1b2c3d4e5f6"
        assert first.query_one("#call-retry-table", LiveTable).row_count == 3
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert first.is_mounted  # kept for the next call
        await pilot.press("up", "enter")  # call_d4e5f6a7b8c9: one attempt
        await pilot.pause()
        assert app.screen is first
        assert first.call_id == "call_d4e5f6a7b8c9"
        assert engine.selected_call_id == "call_d4e5f6a7b8c9"
        assert "call_d4e5f6a7b8c9" in text_of(app, "#call-fields")
        assert "a1b2c3d4e5f6" not in text_of(app, "#call-fields")
        assert text_of(app, "#breadcrumb") == "Dashboard › Call call_d4e5f6a7b8c9"
        timeline = first.query_one("#call-retry-table", LiveTable)
        assert timeline.row_count == 1
        assert not timeline._flash  # another call's attempts are not news
        await pilot.press("escape")
        await pilot.pause()
        active = app.screen.query_one("#active-calls", LiveTable)
        assert engine.selected_call_id == active.cursor_key


async def test_a_campaign_screen_reused_lists_the_new_campaign_from_the_top(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CampaignScreen)
        table = screen.query_one(CampaignCallsTable)
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("escape")
        await pilot.pause()
        assert engine.focused_campaign_id is None
        app.open_campaign("cmp_winback2")
        await pilot.pause()
        assert app.screen is screen
        assert engine.focused_campaign_id == "cmp_winback2"
        assert text_of(app, "#breadcrumb") == "Dashboard › Campaign Win-back Q4"
        assert "Win-back Q4" in text_of(app, "#campaign-summary")
        assert all(c.campaign_id == "cmp_winback2" for c in table.visible_items())
        assert table.row_count == 10
        assert table.cursor_row == 0
        assert not table._flash


async def test_a_call_opened_from_a_call_comes_back_to_that_call(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_call("call_a1b2c3d4e5f6")
        await pilot.pause()
        app.open_call("call_b2c3d4e5f6a7")  # e.g. jumped to with ctrl+p
        await pilot.pause()
        top = app.screen
        assert isinstance(top, CallScreen) and top.call_id == "call_b2c3d4e5f6a7"
        assert "Call call_a1b2c3d4e5f6 › Call call_b2c3d4e5f6a7" in text_of(app, "#breadcrumb")
        await pilot.press("escape")
        await pilot.pause()
        back = app.screen
        assert isinstance(back, CallScreen) and back.call_id == "call_a1b2c3d4e5f6"
        assert "call_a1b2c3d4e5f6" in text_of(app, "#call-fields")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_a_campaign_opened_from_a_campaign_comes_back_to_it(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        app.open_campaign("cmp_winback2")  # e.g. jumped to with ctrl+p
        await pilot.pause()
        top = app.screen
        assert isinstance(top, CampaignScreen) and top.campaign_id == "cmp_winback2"
        await pilot.press("escape")
        await pilot.pause()
        back = app.screen
        assert isinstance(back, CampaignScreen) and back.campaign_id == "cmp_spring01"
        assert engine.focused_campaign_id == "cmp_spring01"
        assert "Spring Renewals" in text_of(app, "#campaign-summary")
