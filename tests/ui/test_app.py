"""Pilot tests: what the user sees and can do, on a hand-built store with frozen time."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from monitor.api.errors import Unreachable
from monitor.polling.fetch import Routes
from monitor.state.store import ApiHealth
from monitor.ui.app import MonitorApp
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.screens.events import EventsScreen, events_text
from monitor.ui.screens.help import HelpScreen
from monitor.ui.state_file import UiState
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.campaign_table import CampaignTable
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.pane import Pane
from monitor.ui.widgets.status_line import ApiBanner, StatusLine
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0, call, iso, key_refused, make_engine, outage

SIZE = (80, 24)


def plain_rows(table: LiveTable) -> list[str]:  # type: ignore[type-arg]
    return [" ".join(c.plain for c in table.get_row_at(i)) for i in range(table.row_count)]


def static_text(app: MonitorApp, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    return str(widget.render())


async def test_dashboard_has_the_four_panes_titled_as_the_interface_says(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [p.title for p in app.screen.query(Pane)]
        assert titles == ["Active calls", "Retry timeline", "Campaigns", "Concurrency"]
        assert app.query_one(ActiveCallsTable).row_count == 8
        assert app.query_one(CampaignTable).row_count == 3
        status = app.screen.query_one(StatusLine)
        assert status.text("status-api") == "API ok"
        assert "next poll 3s" in status.text("status-next")
        # Readable at 80 columns: whole words, not "req 34/60/min · 112 left".
        assert "requests 34/60 per min · API allows 112 of 150 more" in status.text("status-budget")
        assert status.text("status-ages") == "age act <5s · camp <10s · retry <5s · conc <5s"


async def test_the_highlighted_call_stays_highlighted_across_a_poll(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        await pilot.press("down", "down", "j", "down", "k")
        chosen = table.cursor_key
        assert chosen == "call_b2c3d4e5f6a7"
        assert engine.selected_call_id == chosen
        index_before = table.cursor_row
        store = engine.store
        mono = engine.clock.monotonic()
        with store.batch():
            # A call above the cursor ends, a new one starts, the chosen one changes state.
            store.mark_ended("call_d4e5f6a7b8c9", mono)
            store.upsert_call(call("call_new000000001", "dialing", ago=1), mono)
            store.upsert_call(
                call(
                    "call_b2c3d4e5f6a7",
                    "in_progress",
                    ago=95,
                    to="+14155550001",
                    metadata={"note": "changed"},
                ),
                mono,
            )
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_key == chosen
        # The ended call lingers, marked, so nothing shifts yet ...
        assert table.cursor_row == index_before
        assert "call_new000000001" in table.row_keys()
        ended = " ".join(c.plain for c in table.get_row("call_d4e5f6a7b8c9"))
        assert "ended" in ended
        # ... then goes in one sweep; the cursor stays on its call.
        engine.clock.advance(31)
        app.tick_now()
        await pilot.pause()
        assert "call_d4e5f6a7b8c9" not in table.row_keys()
        assert table.cursor_key == chosen
        assert table.cursor_row == index_before - 1
        assert engine.selected_call_id == chosen


async def test_enter_drills_into_a_campaign_then_a_call_and_esc_comes_back(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, CampaignTable)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.screen.campaign_id == "cmp_winback2"
        assert engine.focused_campaign_id == "cmp_winback2"
        assert static_text(app, "#breadcrumb") == "Dashboard › Campaign Win-back Q4"
        calls = app.screen.query_one(CampaignCallsTable)
        assert calls.row_count == 10
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        opened = app.screen.call_id
        assert engine.selected_call_id == opened
        assert static_text(app, "#breadcrumb") == (
            f"Dashboard › Campaign Win-back Q4 › Call {opened}"
        )
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert engine.focused_campaign_id is None
        assert static_text(app, "#breadcrumb") == "DialNexa Monitor › Dashboard"
        await pilot.press("escape")  # nothing above the dashboard: stays
        assert isinstance(app.screen, DashboardScreen)


async def test_enter_on_an_active_call_opens_every_field(make_app: AppFactory) -> None:
    engine = make_engine()
    store = engine.store
    store.upsert_call(
        call(
            "call_d4e5f6a7b8c9",
            "in_progress",
            ago=610,
            campaign="cmp_winback2",
            attempt=2,
            to="+14155550003",
            metadata={"customer_name": "Dana", "tier": ["gold", 3]},
            recording_url="https://rec.example/abc.mp3",
            end_reason=None,
            sentiment="neutral",
        ),
        engine.clock.monotonic(),
    )
    app, _ = make_app(engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CallScreen)
        text = static_text(app, "#call-fields")
        for expected in (
            "call_d4e5f6a7b8c9",
            "in call",
            "Win-back Q4",
            "+14155550003",
            "https://rec.example/abc.mp3",
            "neutral",
            "customer_name: Dana",
            'tier: ["gold", 3]',
            "– (call in progress)",
        ):
            assert expected in text
        assert static_text(app, "#call-duration").endswith("10:10 since placed (live)")
        engine.clock.advance(2)
        app.tick_now()
        assert static_text(app, "#call-duration").endswith("10:12 since placed (live)")


async def test_recording_url_only_https_and_never_a_link(make_app: AppFactory) -> None:
    engine = make_engine()
    mono = engine.clock.monotonic()
    engine.store.upsert_call(
        call(
            "call_evilrec00001",
            "completed",
            ago=300,
            recording_url="javascript:alert(1)",
            ended_at=iso(T0 - timedelta(seconds=200)),
            duration_seconds=40,
        ),
        mono,
    )
    engine.store.upsert_call(
        call(
            "call_goodrec00001",
            "completed",
            ago=300,
            recording_url="https://r.example/x.wav",
            ended_at=iso(T0 - timedelta(seconds=200)),
            duration_seconds=40,
        ),
        mono,
    )
    app, _ = make_app(engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.open_call("call_evilrec00001")
        await pilot.pause()
        text = static_text(app, "#call-fields")
        assert "javascript" not in text
        assert "(not shown: not an https URL)" in text
        assert "analysis pending" in text
        await pilot.press("escape")
        app.open_call("call_goodrec00001")
        await pilot.pause()
        fields = app.screen.query_one("#call-fields", Static).render()
        assert "https://r.example/x.wav" in str(fields)
        spans = getattr(fields, "spans", [])
        assert not any("link" in str(s.style) for s in spans)


async def test_filter_narrows_the_focused_table_and_is_remembered(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        bar = app.screen.query_one("#filter-bar", Input)
        assert bar.has_focus
        await pilot.press(*"win-back")
        await pilot.press("enter")
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        assert table.has_focus
        assert table.row_count == 3
        assert all("Win-back" in row for row in plain_rows(table))
        pane = app.screen.query_one("#pane-active", Pane)
        assert str(pane.border_title).startswith("Active calls")
        assert " /win-back " in str(pane.border_title)  # the filter in the title, reversed
        assert str(pane.border_subtitle).startswith("1/3")
    state = UiState.load(tmp_path / "state" / "ui-state.json")
    assert state.get("dashboard.active").filter == "win-back"
    again, _ = make_app(ui_state=state)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.query_one(ActiveCallsTable).row_count == 3


async def test_campaign_calls_filter_by_outcome(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        total = table.row_count
        await pilot.press("slash", *"no_answer", "enter")
        await pilot.pause()
        rows = table.visible_items()
        assert rows and all(c.status.value == "no_answer" for c in rows)
        assert table.row_count < total
        await pilot.press("o")  # next outcome in the cycle
        assert table.filter_text == "busy"
        await pilot.press("slash", "ctrl+u", "enter")
        assert table.filter_text == ""
        assert table.row_count == total


async def test_s_cycles_the_sort_and_it_is_remembered(make_app: AppFactory, tmp_path: Path) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        first = table.row_keys()
        assert table.sort_label == "arrival"
        await pilot.press("s")
        assert table.sort_label == "longest first"
        assert table.row_keys() == first
        await pilot.press("S")  # shift+s: the same column the other way round
        assert table.sort_label == "longest first, reversed"
        assert table.row_keys() == list(reversed(first))
        assert "sort longest first, reversed" in str(
            app.screen.query_one("#pane-active", Pane).border_subtitle
        )
        await pilot.press("s")
        assert table.sort_label == "state"
    state = UiState.load(tmp_path / "state" / "ui-state.json")
    assert state.get("dashboard.active").sort == "state"
    assert not state.get("dashboard.active").reverse


async def test_p_freezes_the_view_and_says_so(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        status = app.screen.query_one(StatusLine)
        assert "PAUSED at 10:00:00" in status.text("status-paused")
        renders = app.renders
        engine.store.upsert_call(
            call("call_new000000002", "dialing", ago=1), engine.clock.monotonic()
        )
        await pilot.pause()
        app._on_clock()
        await pilot.pause()
        assert app.renders == renders
        assert app.query_one(ActiveCallsTable).row_count == 8
        await pilot.press("p")
        await pilot.pause()
        assert status.text("status-paused") == ""
        assert app.query_one(ActiveCallsTable).row_count == 9


async def test_a_paused_view_says_how_old_its_data_grows(make_app: AppFactory) -> None:
    """Paused 25 s, the frozen view's age line reads 25 s older ("act <30s", not "<5s"), and
    only the status line moves: the tables stay as they were."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert "act <5s" in status.text("status-ages"), status.text("status-ages")
        await pilot.press("p")
        await pilot.pause()
        renders = app.renders
        rows = app.query_one(ActiveCallsTable).row_count
        for _ in range(25):
            engine.clock.advance(1)
            app._on_clock()
        await pilot.pause()
        ages = status.text("status-ages")
        assert "act <30s" in ages, ages
        assert "PAUSED at 10:00:00" in status.text("status-paused")
        assert app.renders == renders
        assert app.query_one(ActiveCallsTable).row_count == rows


async def test_r_asks_the_engine_to_poll_now(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert engine.refreshes == 1


async def test_help_lists_every_key(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for key in (
            "q ",
            "? ",
            "p ",
            "r ",
            "ctrl+s",
            "ctrl+p",
            "enter",
            "esc",
            "/ ",
            "s ",
            "j k",
            "o ",
        ):
            assert key in text, key
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_q_quits_with_status_zero_and_stops_the_engine(make_app: AppFactory) -> None:
    closed: list[bool] = []

    async def closer() -> None:
        closed.append(True)

    app, engine = make_app(closers=[closer])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
    assert app.return_code == 0
    assert engine.stopped
    assert closed == [True]


async def test_palette_jumps_to_a_campaign_and_to_a_call(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"winback")
        await pilot.pause(0.6)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.screen.campaign_id == "cmp_winback2"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"g7b8c9")
        await pilot.pause(0.6)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        assert app.screen.call_id == "call_g7b8c9d0e1f2"


async def test_a_refused_key_shows_a_banner_and_the_app_keeps_running(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        key_refused(engine)
        await pilot.pause()
        banner = app.screen.query_one(ApiBanner)
        assert banner.has_class("-shown")
        assert banner.text.startswith("API KEY REFUSED")
        assert app.screen.query_one(StatusLine).text("status-api") == "KEY REFUSED"
        assert app.query_one(ActiveCallsTable).row_count == 8  # last data kept
        assert app.is_running


async def test_an_outage_marks_panes_stale_in_words_and_keeps_the_data(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        outage(engine, age=95)
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert status.text("status-api") == "API UNREACHABLE since 10:00:05"
        assert "act STALE 1m" in status.text("status-ages")
        pane = app.screen.query_one("#pane-active", Pane)
        assert pane.has_class("stale")
        assert "STALE since 09:59:58" in str(pane.border_subtitle)
        assert app.query_one(ActiveCallsTable).row_count == 8
        banner = app.screen.query_one(ApiBanner)
        assert "API UNREACHABLE since 10:00:05" in banner.text
        # Recovery needs no keypress.
        mono = engine.clock.monotonic()
        with engine.store.batch():
            engine.store.mark_fresh("active", mono, interval_s=5)
            engine.store.set_health(ApiHealth(state="ok"))
        await pilot.pause()
        assert status.text("status-api") == "API ok"
        assert not banner.has_class("-shown")
        assert app.is_running


@pytest.mark.parametrize("refused", [False, True])
async def test_at_60_columns_the_banner_still_says_how_old_the_data_is(
    make_app: AppFactory, refused: bool
) -> None:
    """The banner is at most 3 lines: a trial at 60x20 lost its "Showing data from" at the
    end; what is wrong and how old the data is come first now."""
    import textwrap

    app, engine = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        if refused:
            key_refused(engine)
        else:
            outage(engine, age=95)
            engine.store.set_health(
                ApiHealth(
                    state="unreachable",
                    since=engine.store.health.since,
                    message="All connection attempts failed (ConnectError, 127.0.0.1:8787)",
                )
            )
        await pilot.pause()
        banner = app.screen.query_one(ApiBanner)
        shown = " ".join(textwrap.wrap(banner.text, banner.content_region.width)[:3])
        assert "Showing data from" in shown, banner.text
        assert banner.size.height <= 3


async def test_rate_limited_and_fallback_routes_in_words(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        mono = engine.clock.monotonic()
        engine.routes = Routes(campaign_logs="batch-calls")  # type: ignore[attr-defined]
        engine.store.set_health(
            ApiHealth(
                state="rate_limited",
                since=mono,
                until=mono + 65,
                used_last_minute=60,
                remaining=0,
                limit=150,
                reset_after_s=65,
            )
        )
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert status.text("status-api") == (
            "RATE LIMITED until 10:01:05 · endpoint unavailable; fallback: campaign calls via "
            "/batch-calls"
        )
        # The state's words leave little room: the budget shortens, the reset stays.
        assert "60/60 req/min" in status.text("status-budget")
        assert "reset 1m05s" in status.text("status-budget")


@pytest.mark.parametrize(
    "hostile", ["[/]", "[@click=app.quit]Priya[/]", "Ann\x1b[2J\x1b[1;1HFAKE", "[bold red]VIP[/]"]
)
async def test_hostile_names_are_shown_literally(make_app: AppFactory, hostile: str) -> None:
    engine = make_engine(names={"cmp_spring01": hostile, "cmp_winback2": hostile + " 2"})
    app, _ = make_app(engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(CampaignTable)
        shown = table.get_row_at(0)[1].plain
        assert "\x1b" not in shown
        expected = hostile.replace("\x1b", "\\x1b")
        assert shown.rstrip("…") in expected or expected.startswith(shown.rstrip("…"))
        # Click the name cell: a markup action link would quit the app.
        await pilot.click(CampaignTable, offset=(2, 1))
        await pilot.pause()
        assert app.is_running
        for strip in table.render_lines(table.region.reset_offset):
            for segment in strip:
                assert "\x1b" not in segment.text
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        crumb = static_text(app, "#breadcrumb")
        assert "\x1b" not in crumb
        assert crumb.startswith("Dashboard › Campaign ")
        await pilot.click("#breadcrumb", offset=(24, 0))
        await pilot.pause()
        assert app.is_running


async def test_palette_lists_a_hostile_campaign_name_literally(make_app: AppFactory) -> None:
    engine = make_engine(names={"cmp_spring01": "[@click=app.quit]Priya[/]"})
    app, _ = make_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"priya")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.screen.campaign_id == "cmp_spring01"
        assert app.is_running


async def test_hostile_customer_name_in_metadata_on_the_call_screen(make_app: AppFactory) -> None:
    engine = make_engine()
    engine.store.upsert_call(
        call(
            "call_hostile00001",
            "completed",
            ago=100,
            ended_at=iso(T0),
            metadata={"customer_name": "[@click=app.quit]Priya[/]", "note": "Ann\x1b[2Jx"},
            end_reason="ZLEXCOUNT z [b + 3",
            sentiment="[/]",
        ),
        engine.clock.monotonic(),
    )
    app, _ = make_app(engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.open_call("call_hostile00001")
        await pilot.pause()
        text = static_text(app, "#call-fields")
        assert "customer_name: [@click=app.quit]Priya[/]" in text
        assert "note: Ann\\x1b[2Jx" in text
        assert "ZLEXCOUNT z [b + 3" in text
        await pilot.click("#call-fields", offset=(20, 18))
        await pilot.pause()
        assert app.is_running


async def test_unknown_status_shows_its_raw_value(make_app: AppFactory) -> None:
    engine = make_engine()
    engine.store.upsert_call(
        call("call_weird0000001", "[red]FAILED", ago=50), engine.clock.monotonic()
    )
    app, _ = make_app(engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        row = table.get_row("call_weird0000001")
        assert any(cell.plain.startswith("UNKNOWN [red]F") for cell in row), row
        app.open_call("call_weird0000001")
        await pilot.pause()
        assert "UNKNOWN [red]FAILED" in static_text(app, "#call-fields")


async def test_ctrl_s_exports_the_focused_table_to_csv(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        files = list((tmp_path / "state" / "exports").glob("dashboard.active-*.csv"))
        assert len(files) == 1
        assert oct(files[0].stat().st_mode & 0o777) == "0o600"
        rows = list(csv.reader(files[0].open(encoding="utf-8")))
        assert rows[0][0] == "call_id"
        assert len(rows) == 9
        assert any(str(files[0]) in str(n.message) for n in app._notifications)


async def test_durations_tick_from_the_one_app_clock(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        assert table.get_row("call_a1b2c3d4e5f6")[0].plain.strip() == "4:12"
        engine.clock.advance(3)
        app.tick_now()
        assert table.get_row("call_a1b2c3d4e5f6")[0].plain.strip() == "4:15"
        # One interval timer on the app; no widget runs its own.
        assert [t.name for t in app._timers] == ["app-clock"]
        for node in app.screen.query("*"):
            if not isinstance(node, Input):  # its blink timer stays paused (blink is off)
                assert not node._timers, node


async def test_no_tick_mode_leaves_durations_until_new_data(make_app: AppFactory) -> None:
    app, engine = make_app(tick=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        engine.clock.advance(3)
        app.tick_now()
        assert table.get_row("call_a1b2c3d4e5f6")[0].plain.strip() == "4:12"
        engine.store.record_concurrency(T0, 8)
        await pilot.pause()
        assert table.get_row("call_a1b2c3d4e5f6")[0].plain.strip() == "4:15"


async def test_new_and_changed_rows_flash_then_settle(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        assert not table._flash
        engine.store.upsert_call(
            call("call_new000000003", "dialing", ago=0), engine.clock.monotonic()
        )
        await pilot.pause()
        assert "call_new000000003" in table._flash
        engine.clock.advance(4)
        app.tick_now()
        assert not table._flash


async def test_too_small_terminal_says_so(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        notice = app.screen.query_one("#too-small", Static)
        assert notice.display and notice.region.height > 0
        assert "Terminal too small" in str(notice.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one("#too-small").region.height == 0


async def test_no_color_is_honoured(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app, engine = make_app()
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        outage(engine)
        await pilot.pause()
        # Words carry the state, not colour alone.
        assert "UNREACHABLE" in app.screen.query_one(StatusLine).text("status-api")
        assert "STALE" in app.screen.query_one(StatusLine).text("status-ages")


async def test_an_engine_crash_does_not_stop_the_app(make_app: AppFactory) -> None:
    class Crashing:
        pass

    app, engine = make_app(run_feed=True)

    async def boom() -> None:
        raise Unreachable("boom", reason="refused")

    engine.run = boom  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.is_running


async def test_a_long_start_note_is_a_short_toast_and_stays_whole_in_the_events(
    make_app: AppFactory,
) -> None:
    """A trial at 60x20: the note of a broken config file left out was a toast taller than the
    screen (cut at its top, mid-sentence) and then gone. Now the toast says its first sentence
    and where the rest is; the events screen (e) keeps all of it."""
    note = (
        "--demo: the config file is ignored: 3 problems in the configuration. (1) unknown "
        "setting 'plann'. Did you mean 'plan'? (2) poll.active_calls_s must be a number. (3) "
        "2 settings are wrong: tick must be true or false, colors must be one of auto, 256."
    )
    app, _ = make_app(startup_notes=[note])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert toasts == [
            "--demo: the config file is ignored: 3 problems in the configuration. "
            "(All of it: e, the events screen.)"
        ], toasts
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        console = Console(width=100, record=True)
        console.print(events_text(app.events()))
        assert note in " ".join(console.export_text().split())
