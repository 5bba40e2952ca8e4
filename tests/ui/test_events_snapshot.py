"""The events screen (issue 17) at 80x24 and wide: an outage, an alert fired and cleared, a
count correction, newest on top, the status line and banner below as on every screen.
Regenerate with `--snapshot-update` on this file, then look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from monitor.feeds import LiveFeed
from monitor.feeds.recorder import RecordingFeed
from monitor.state.tally import Correction
from monitor.ui.app import MonitorApp
from monitor.ui.state_file import UiState
from tests.ui.fixtures import make_engine, outage

Snap = Callable[..., bool]


def _app(tmp_path: Path) -> tuple[MonitorApp, Callable[[Pilot[int]], object]]:
    engine = make_engine()
    feed = RecordingFeed(LiveFeed(engine), None)
    app = MonitorApp(
        feed,
        run_feed=False,
        min_render_interval_s=0.0,
        ui_state=UiState.load(tmp_path / "ui.json"),
    )

    async def run(pilot: Pilot[int]) -> None:
        await pilot.pause()
        log = feed.event_log
        now = engine.clock.now()
        log.add_alert("at_cap", "workspace", "fired", now, "25/25 in flight")
        engine.clock.advance(60)
        log.add_alert("at_cap", "workspace", "cleared", engine.clock.now(), "")
        cid = next(iter(engine.store.campaigns))
        tally = engine.store.tally.campaign(cid)
        tally.corrections.append(Correction(at=engine.clock.now(), status="completed", by=2))
        engine.store.touch()
        # The feed's run (not started here) would mark the data new: take it from the inner.
        feed.watch(feed.inner.snapshot())
        outage(engine, age=1)
        feed.watch(feed.inner.snapshot())
        await pilot.press("e")
        await pilot.pause()
        app.render_now()
        await pilot.pause()

    return app, run


@pytest.mark.parametrize("size", [(80, 24), (160, 40)], ids=["80x24", "160x40"])
def test_events_screen(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run = _app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=run)
