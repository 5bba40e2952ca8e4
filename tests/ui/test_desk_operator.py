"""The desk operator's day (issue 20): what a new user coming from k9s, htop or btop tripped
over, each test named after what they saw. Pilot on a hand-built store, frozen time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.ui.app import MonitorApp
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import OUTCOME_CYCLE
from monitor.ui.screens.help import LEGEND, HelpScreen
from monitor.ui.state_file import UiState, ViewPrefs
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.campaign_table import CampaignTable
from monitor.ui.widgets.key_bar import KeyBar
from monitor.ui.widgets.status_line import StatusLine
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import call, campaign, make_engine

SIZE = (80, 24)


def screen_lines(app: MonitorApp) -> list[str]:
    """The terminal's lines as the user sees them (every layer composited)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def notifications(app: MonitorApp) -> str:
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


def key_line(app: MonitorApp) -> str:
    return app.screen.query_one(KeyBar).render().plain


def saved(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    views: dict[str, dict[str, object]] = json.loads(path.read_text())["views"]
    return views


# -- 1. saved view state ---------------------------------------------------------------------


async def test_a_filter_saved_in_the_last_run_is_said_at_launch_and_shown_in_the_title(
    make_app: AppFactory, tmp_path: Path
) -> None:
    state = UiState(tmp_path / "ui.json")
    state.set("dashboard.active", ViewPrefs(sort="oldest", filter="win-back"))
    app, _ = make_app(ui_state=state)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        told = notifications(app)
        assert "Restored from the last run" in told
        assert "Active calls: sort longest first, filter 'win-back'" in told
        assert "c clears" in told and "--reset-view" in told
        top = screen_lines(app)[1]
        assert "Active calls  /win-back " in top  # in the title, not only small border text
        assert app.query_one(ActiveCallsTable).row_count == 3


async def test_no_notice_when_nothing_was_saved(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "Restored" not in notifications(app)


async def test_c_clears_every_filter_and_sort_and_the_saved_ones(
    make_app: AppFactory, tmp_path: Path
) -> None:
    path = tmp_path / "ui.json"
    state = UiState(path)
    state.set("dashboard.active", ViewPrefs(sort="oldest", filter="win-back"))
    state.set("campaign.calls@cmp_spring01", ViewPrefs(filter="busy"))
    app, _ = make_app(ui_state=state)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        assert table.row_count == 3
        await pilot.press("c")
        assert table.filter_text == "" and table.sort_label == "arrival"
        assert table.row_count == 8
        assert saved(path) == {}
        assert "View reset" in notifications(app)
        assert UiState.load(path).saved() == {}


def test_reset_view_is_a_flag_of_the_monitor() -> None:
    from monitor.cli import build_parser

    assert build_parser().parse_args(["--reset-view"]).reset_view is True
    assert build_parser().parse_args([]).reset_view is False


async def test_esc_cancels_the_filter_being_typed_and_a_second_esc_clears_it(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app, _ = make_app()
    path = tmp_path / "state" / "ui-state.json"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        await pilot.press("slash", *"win-back", "enter")
        assert table.row_count == 3
        assert saved(path)["dashboard.active"]["filter"] == "win-back"
        await pilot.press("slash", "ctrl+u", *"spring")
        assert table.filter_text == "spring"  # live while typing ...
        assert "esc Cancel" in key_line(app)
        await pilot.press("escape")  # ... Esc puts the previous one back, not saved
        assert table.filter_text == "win-back"
        assert saved(path)["dashboard.active"]["filter"] == "win-back"
        assert table.has_focus
        assert "esc Clear filter" in key_line(app)
        await pilot.press("escape")  # the second Esc clears it
        assert table.filter_text == ""
        assert table.row_count == 8
        assert "dashboard.active" not in saved(path)
        assert "esc" not in key_line(app)  # nothing left for Esc to do on the dashboard


async def test_a_call_id_filter_in_one_campaign_leaves_the_other_campaigns_alone(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        calls = app.screen.query_one(CampaignCallsTable)
        await pilot.press("slash", *"b2c3d4e5f6a7", "enter")
        assert calls.row_count == 1
        app.pop_screen()
        await pilot.pause()
        app.open_campaign("cmp_winback2")
        await pilot.pause()
        other = app.screen.query_one(CampaignCallsTable)
        assert other.filter_text == ""
        assert other.row_count > 1
        app.pop_screen()
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        assert app.screen.query_one(CampaignCallsTable).filter_text == "b2c3d4e5f6a7"


async def test_each_campaign_keeps_its_own_filter(make_app: AppFactory, tmp_path: Path) -> None:
    path = tmp_path / "ui.json"
    state = UiState(path)
    state.set("campaign.calls@cmp_spring01", ViewPrefs(filter="no_answer"))
    app, _ = make_app(ui_state=state)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_winback2")
        await pilot.pause()
        assert app.screen.query_one(CampaignCallsTable).filter_text == ""
        app.pop_screen()
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        assert table.filter_text == "no_answer"
        # The Calls pane has the focus: its title sits on a heavy border.
        titles = [line for line in screen_lines(app) if "Calls" in line and "━" in line]
        assert len(titles) == 1 and " /no_answer " in titles[0]  # the Calls pane's title


# -- 2. the legend and the status line -------------------------------------------------------


async def test_help_explains_every_column_mark_and_gauge(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        marks = " ".join(mark for mark, _ in LEGEND)
        for word in (
            "live",
            "done",
            "n/a",
            "conn",
            "qual",
            "#",
            "anl.pend",
            "max",
            "total",
            "vm",
            "fail",
            "peak 22:09 +46 → 146/100",
            "retry wave: N due in 1h",
            "OVER CAP",
            "STALE",
            "3/100 ↓92",
            "waiting!",
        ):
            assert word in marks or word in text, word
        assert "the next hour" in text  # the wave's window
        assert "requests 34/60 per min" in text  # the status line's words


async def test_the_status_line_is_whole_words_at_80_columns_even_paused(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        top = screen_lines(app)[21]
        assert "requests 34/60 per min · API allows 112 of 150 more" in top
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one(StatusLine).show(**app.screen.query_one(StatusLine)._last)  # type: ignore[arg-type]
        await pilot.pause()
        top = screen_lines(app)[21]
        assert "PAUSED at 10:00:00, p resumes" in top
        assert "next poll" not in top
        assert top.rstrip().endswith(("more", "left", "req/min"))  # not cut mid-word


# -- 3. focus without colour, the footer, x/N ------------------------------------------------


async def test_the_focused_pane_is_drawn_heavy_so_it_shows_without_colour(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].startswith("┏━ Active calls")  # focused: heavy
        assert "╭─ Retry timeline" in lines[1]  # not focused: light
        await pilot.press("tab")
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].startswith("╭─ Active calls")
        assert "┏━ Retry timeline" in lines[1]


async def test_tab_and_keys_that_do_nothing_here_say_so(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        assert app.screen.focused is not None and app.screen.focused.id == "call-scroll"
        await pilot.press("slash")
        await pilot.pause()
        assert "Nothing to filter in this pane: tab moves to a table." in notifications(app)
        await pilot.press("s")
        await pilot.pause()
        assert "Nothing to sort in this pane" in notifications(app)
        app.pop_screen()
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        assert "tab" not in key_line(app)  # one table on this screen: Tab goes nowhere


async def test_the_footer_names_tab_jk_esc_and_o(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = key_line(app)
        for item in ("tab Pane", "j/k Move", "⏎ Open", "/ Filter", "s Sort", "? Help", "q Quit"):
            assert item in line
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        line = key_line(app)
        for item in ("j/k Move", "esc Back", "o Outcome", "? Help"):
            assert item in line
        assert len(line.rstrip()) <= SIZE[0]


async def test_the_footer_keeps_help_and_navigation_at_60_columns(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        line = screen_lines(app)[-1]
        assert "? Help" in line and "j/k Move" in line and "tab Pane" in line
        assert line.rstrip().endswith("Help") or "Quit" in line  # nothing cut mid-word


async def test_pane_borders_say_row_x_of_n_and_how_many_are_hidden(
    make_app: AppFactory,
) -> None:
    engine = make_engine()
    mono = engine.clock.monotonic()
    for n in range(20):
        engine.store.upsert_call(call(f"call_more{n:08d}", "in_progress", ago=30 + n), mono)
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bottom = screen_lines(app)[10]
        assert "1/28 ↓21" in bottom  # row 1 of 28; 21 more below the pane's edge
        await pilot.press("end")
        await pilot.pause()
        assert "28/28 ↑21" in screen_lines(app)[10]


# -- 4. o, sort, / ---------------------------------------------------------------------------


async def test_o_says_no_matches_and_includes_queued(make_app: AppFactory) -> None:
    engine = make_engine()
    engine.store.upsert_call(call("call_queued000001", "queued", ago=3), engine.clock.monotonic())
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        assert "queued" in OUTCOME_CYCLE
        while table.filter_text != "queued":
            await pilot.press("o")
        assert [c.id for c in table.visible_items()] == ["call_queued000001"]
        while table.filter_text != "voicemail":
            await pilot.press("o")
        await pilot.pause()
        assert table.row_count == 0
        assert any("no matches: no voicemail calls" in line for line in screen_lines(app))


async def test_o_keeps_the_highlighted_call_on_screen(make_app: AppFactory) -> None:
    engine = make_engine()
    mono = engine.clock.monotonic()
    for n in range(60):
        engine.store.upsert_call(
            call(f"call_old{n:09d}", "completed" if n % 2 else "busy", ago=1000 + n * 10), mono
        )
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        table = app.screen.query_one(CampaignCallsTable)
        await pilot.press("end")
        chosen = table.cursor_key
        assert chosen is not None
        assert table.item(chosen).status.value == "completed"  # type: ignore[union-attr]
        await pilot.press("o")  # completed: the first outcome of the cycle
        assert table.filter_text == "completed"
        assert table.cursor_key == chosen
        assert table._top <= table.cursor_row < table._top + table._body_height()
        await pilot.press("o")  # the next outcome: the call is filtered out, cursor on top
        assert table.cursor_row == 0 and table._top == 0


async def test_a_sort_shows_the_top_of_the_list(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        await pilot.press("down", "down", "down", "down")
        await pilot.press("s")
        assert table.cursor_row == 0  # the longest call, not the old cursor's call mid-list
        assert table.cursor_key == "call_d4e5f6a7b8c9"
        assert "dur▼" in screen_lines(app)[2]  # the header names the sorted column
        await pilot.press("S")
        assert table.cursor_key == "call_h8c9d0e1f2g3"  # the newest
        assert "dur▲" in screen_lines(app)[2]


async def test_filter_matches_only_what_the_rows_show(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        await pilot.press("slash", *"cmp_", "enter")  # campaign ids are not shown
        assert table.row_count == 0
        await pilot.press("slash", "ctrl+u", *"in_progress", "enter")  # shown as "in call"
        assert table.row_count == 0
        await pilot.press("slash", "ctrl+u", *"dialing", "enter")
        assert table.row_count == 2


# -- 5. ended calls and idle campaigns -------------------------------------------------------


async def test_an_ended_call_says_ended_and_its_outcome_without_long_call_marks(
    make_app: AppFactory,
) -> None:
    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        store = engine.store
        mono = engine.clock.monotonic()
        with store.batch():
            store.upsert_call(
                call("call_d4e5f6a7b8c9", "no_answer", ago=610, campaign="cmp_winback2"), mono
            )
            store.mark_ended("call_d4e5f6a7b8c9", mono)
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        cells = [c.plain.strip() for c in table.get_row("call_d4e5f6a7b8c9")]
        assert cells[0] == "ended" and "!" not in " ".join(cells)
        assert cells[1] == "n/a"  # "no answer" in the legend's word, whole in 7 cells


async def test_a_waiting_campaign_with_calls_in_flight_is_flagged(make_app: AppFactory) -> None:
    engine = make_engine()
    state = engine.store.campaigns["cmp_winback2"]
    engine.store.put_campaign(
        type(state)(
            campaign=campaign("cmp_winback2", "Win-back Q4", "waiting"),
            counts=state.counts,
            total=state.total,
        )
    )
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(CampaignTable)
        row = " ".join(c.plain for c in table.get_row("cmp_winback2"))
        assert "waiting!" in row or "wait!" in row


# -- 6. truncation at 80x24 and 60x20 --------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_nothing_that_matters_is_cut_at_small_sizes(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "AT CAP" in text or "in flight" in text
        assert "No call selected: highlight a" not in text
        assert ":1 " not in text.replace("10:1", "")  # no time cut to "10:1"


async def test_at_cap_is_never_cut_at_60_columns(make_app: AppFactory) -> None:
    engine = make_engine(cap=8)
    app, _ = make_app(engine)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert any(
            "8/8 in flight AT CAP" in line or "8/8 AT CAP" in line for line in screen_lines(app)
        )


async def test_the_call_screen_shows_every_attempt_at_60x20_and_j_scrolls_the_fields(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        app.open_call("call_a1b2c3d4e5f6")  # three attempts
        await pilot.pause()
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        for attempt in ("  1 no answer", "  2 busy", "  3 in call"):
            assert attempt in text, attempt
        assert "more lines (j)" in text
        fields = app.screen.query_one("#call-scroll")
        assert fields.scroll_y == 0
        await pilot.press("j", "j", "j")
        assert fields.scroll_y == 3


# -- 7. the palette's Screenshot ---------------------------------------------------------------


async def test_the_palette_screenshot_says_where_it_saved_or_why_it_could_not(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" in titles
        app.action_screenshot_svg()
        await pilot.pause()
        saved_to = tmp_path / "state" / "exports"
        assert f"Saved to {saved_to}" in notifications(app)
        assert list(saved_to.glob("screenshot-*.svg"))
        blocked = tmp_path / "not-a-dir"
        blocked.write_text("")
        monkeypatch.setenv("DIALNEXA_MONITOR_STATE_DIR", str(blocked))
        app.action_screenshot_svg()
        await pilot.pause()
        told = notifications(app)
        assert "Screenshot not saved: Not a directory" in told


def test_the_legend_explains_every_column_header_of_every_table() -> None:
    """The help cannot drift from the tables: a header renamed or added (the `calls` column
    once read "total — the campaign's leads" in the help) fails here until it is explained."""
    from monitor.ui.widgets.active_calls import ActiveCallsTable
    from monitor.ui.widgets.campaign_calls import CampaignCallsTable
    from monitor.ui.widgets.campaign_table import CampaignTable
    from monitor.ui.widgets.retry_timeline import TimelineTable

    explained = {word for mark, _ in LEGEND for word in mark.split(" · ")}
    for table in (ActiveCallsTable, CampaignTable, TimelineTable, CampaignCallsTable):
        missing = [spec.label for spec in table.SPECS if spec.label not in explained]
        assert missing == [], (table.__name__, missing)


async def test_the_help_lists_no_key_twice_and_no_stray_up(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        rows = [line.split() for line in text.splitlines() if line.startswith("  ")]
        assert ["k", "Up"] not in rows, text
        assert any(row[:2] == ["j/k", "Move"] for row in rows), text
