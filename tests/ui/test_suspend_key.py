"""Ctrl+Z is offered in the help (`?`), not on the key line; where the driver cannot suspend
(here Textual's headless one, as under Textual Web) it does nothing: no signal is sent, and the
screen stays. In a real terminal it stops the monitor: `tests/faults/test_suspend_pty.py`."""

from __future__ import annotations

import os

import pytest
from textual.widgets import Static

from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.screens.help import HelpScreen
from monitor.ui.widgets.key_bar import KeyBar
from tests.ui.conftest import AppFactory
from tests.ui.test_frames import key_line


async def test_the_help_offers_ctrl_z_and_the_key_line_does_not(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        line = key_line(app.screen.query_one(KeyBar))
        assert "^z" not in line and "Suspend" not in line, line
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        row = next((r for r in text.splitlines() if "ctrl+z" in r), "")
        assert "Suspend to the shell (fg resumes)" in row, text


async def test_ctrl_z_does_nothing_where_the_driver_cannot_suspend(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    signals: list[int] = []
    # Were a stop sent, it would stop this test run: it is kept instead.
    monkeypatch.setattr(os, "kill", lambda _pid, signum: signals.append(signum))
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app._driver is not None and not app._driver.can_suspend
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert signals == []
        assert isinstance(app.screen, DashboardScreen)
        assert app.is_running
