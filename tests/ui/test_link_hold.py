"""A slow link (issue 21): while the terminal's output is backed up the app paints nothing,
and once it drains one frame carries everything, a key's answer included; on a slow link the
clock draws every few seconds and the status line says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.ui.app import SLOW_LINK_TICK_EVERY
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.widgets.status_line import StatusLine
from tests.ui.conftest import AppFactory

SIZE = (80, 24)


class HeldWriter:
    """The output as a blocked writer shows it: drains only when the test says."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []

    def when_drained(self, callback: Callable[[], None]) -> None:
        self.waiting.append(callback)

    def drain(self) -> None:
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback()


async def test_keys_pressed_while_the_output_is_backed_up_are_answered_by_one_frame(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        frames: list[object] = []
        display = app._display

        def counted(screen: object, update: object) -> None:
            if update is not None and not app._batch_count:  # what Textual would write
                frames.append(update)
            display(screen, update)  # type: ignore[arg-type]

        monkeypatch.setattr(app, "_display", counted)
        writer = HeldWriter()
        app.output_backed_up(writer)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)  # the keys were taken...
        assert frames == []  # ...and nothing was painted behind the backlog
        assert len(writer.waiting) == 1
        writer.drain()
        await pilot.pause()
        assert 1 <= len(frames) <= 2  # the new screen, at once, not one frame per key
        n = len(frames)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert len(frames) > n  # drained: painting as usual again


async def test_on_a_slow_link_the_clock_draws_every_few_seconds_and_says_so(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert "slow link" not in status.text("status-paused")
        monkeypatch.setattr(app, "link_slow", lambda: True)
        ticks: list[int] = []
        monkeypatch.setattr(app, "tick_now", lambda: ticks.append(1))
        monkeypatch.setattr(app, "render_now", lambda: ticks.append(1))
        for _ in range(2 * SLOW_LINK_TICK_EVERY):
            app._on_clock()
        assert len(ticks) == 2
        monkeypatch.undo()
        monkeypatch.setattr(app, "link_slow", lambda: True)
        app.tick_now()
        await pilot.pause()
        assert status.text("status-paused") == f"  slow link: every {SLOW_LINK_TICK_EVERY}s"
