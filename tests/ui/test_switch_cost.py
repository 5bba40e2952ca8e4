"""What Enter on a kept screen costs: one whole frame, and no restyle unless styles changed."""

from __future__ import annotations

from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Static

from monitor.ui.app import MonitorApp
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.dashboard import DashboardScreen
from tests.ui.conftest import AppFactory

SIZE = (80, 24)


def frames_of(app: MonitorApp, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every frame the app renders from now on: (screen class, update kind)."""
    seen: list[tuple[str, str]] = []
    original = app._display

    def display(screen: Screen[Any], renderable: object) -> None:
        if renderable is not None:
            seen.append((type(screen).__name__, type(renderable).__name__))
        original(screen, renderable)

    monkeypatch.setattr(app, "_display", display)
    return seen


async def test_a_kept_call_screen_comes_back_in_one_whole_frame(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # a call with three attempts: more lines
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        frames = frames_of(app, monkeypatch)
        await pilot.press("up", "enter")  # the kept screen, another call (fewer lines)
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        on_call = [kind for name, kind in frames if name == "CallScreen"]
        # Its first frame paints all of it: a partial one first would leave the dashboard's
        # cells around the changed widgets on the terminal until the whole one follows.
        assert on_call[:1] == ["LayoutUpdate"]
        assert on_call.count("LayoutUpdate") == 1


async def test_a_kept_screen_is_restyled_only_when_styles_changed(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        call = app.screen
        assert isinstance(call, CallScreen)
        await pilot.press("escape")
        await pilot.pause()
        restyled: list[bool] = []
        original = call.update_node_styles

        def counted(animate: bool = True) -> None:
            restyled.append(animate)
            original(animate=animate)

        monkeypatch.setattr(call, "update_node_styles", counted)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is call
        assert restyled == []  # nothing changed since it left: its styles stand
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        before = call.query_one("#breadcrumb", Static).styles.background
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        dashboard_crumb = app.screen.query_one("#breadcrumb", Static).styles.background
        assert dashboard_crumb != before  # the new theme shows on the dashboard ...
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is call
        assert restyled  # ... and on the kept screen when it comes back
        assert call.query_one("#breadcrumb", Static).styles.background == dashboard_crumb


async def test_a_new_screen_is_rendered_once_not_also_inside_the_hold(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rendered: list[tuple[str, str, int]] = []
        original = app._display

        def display(screen: Screen[Any], renderable: object) -> None:
            if renderable is not None:
                rendered.append(
                    (type(screen).__name__, type(renderable).__name__, app._batch_count)
                )
            original(screen, renderable)

        monkeypatch.setattr(app, "_display", display)
        await pilot.press("enter")  # the call screen's first use: composed now
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        # A frame rendered while the switch holds painting is thrown away by Textual.
        assert [r for r in rendered if r[2]] == []
        assert [r[:2] for r in rendered if r[0] == "CallScreen"][:1] == [
            ("CallScreen", "LayoutUpdate")
        ]


async def test_the_call_screen_composed_ahead_watches_nothing_and_serves_the_first_enter(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        watched = engine.selected_call_id
        assert watched is not None  # the dashboard's highlighted call
        app.prepare_screens()  # what the program does 0.5 s after its first data
        await pilot.pause()
        prepared = app.get_screen("call")
        assert isinstance(prepared, CallScreen) and prepared.is_mounted
        assert engine.selected_call_id == watched  # it asked the feed for nothing
        assert isinstance(app.screen, DashboardScreen)
        assert prepared.size == app.size  # laid out already
        restyled: list[bool] = []
        original = prepared.update_node_styles

        def counted(animate: bool = True) -> None:
            restyled.append(animate)
            original(animate=animate)

        monkeypatch.setattr(prepared, "update_node_styles", counted)
        frames = frames_of(app, monkeypatch)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prepared  # the first Enter composes nothing ...
        assert restyled == []  # ... and restyles nothing: styled when it was mounted
        crumb_style = prepared.query_one("#breadcrumb", Static).styles.background
        assert crumb_style == app.screen_stack[0].query_one("#breadcrumb", Static).styles.background
        crumb = str(prepared.query_one("#breadcrumb", Static).render())
        assert crumb.endswith(f"Call {watched}")
        assert watched in str(prepared.query_one("#call-fields", Static).render())
        on_call = [kind for name, kind in frames if name == "CallScreen"]
        assert on_call[:1] == ["LayoutUpdate"] and on_call.count("LayoutUpdate") == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert engine.selected_call_id == watched
