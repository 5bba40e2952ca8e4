"""History that survives a restart (issue 17): record, stop, start the live monitor again on
the same recording, and the campaigns' counts and connect rates and the concurrency
sparkline are on screen at once, not "history filling" and an empty sparkline."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from textual.geometry import Region

from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import SnapshotRecorder
from monitor.record_command import recorder_for_monitor
from monitor.resume import COUNTS_WITHIN_S, resume_history
from monitor.state.store import CampaignState, Store
from monitor.state.tally import COUNTED_VALUES
from monitor.ui.app import MonitorApp
from monitor.ui.format import rate
from monitor.ui.state_file import UiState
from tests.ui.fixtures import FakeEngine, make_engine


def _record(path: Path) -> tuple[FakeEngine, float]:
    """The first run: a snapshot a second recorded, then the monitor stops."""
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(path)
    recorder.record(feed.snapshot())
    engine.clock.advance(1.0)
    recorder.record(feed.latest())
    recorder.close()
    return engine, engine.clock.now().timestamp()


def _restarted(first: FakeEngine, gap_s: float) -> FakeEngine:
    """The second run just after its first campaigns read: the campaigns listed, no count
    read yet (what a fresh start shows as history filling), no concurrency history."""
    clock = first.clock
    clock.advance(gap_s)
    store = Store()
    with store.batch():
        for state in first.store.campaigns.values():
            store.put_campaign(CampaignState(campaign=state.campaign))
            store.mark_fresh(f"counts/{state.campaign.id}", clock.monotonic(), interval_s=30)
    return FakeEngine(store, clock, first.settings)


def _lines(app: MonitorApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in lines)


async def test_a_restart_on_the_same_recording_shows_rates_and_sparkline_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.sqlite"
    first, _at = _record(path)
    before = LiveFeed(first).latest().data
    second = _restarted(first, gap_s=30)
    fresh = LiveFeed(second).snapshot().data
    assert all(row.connect_rate is None and row.history_filling for row in fresh.campaigns)
    assert fresh.concurrency.history == ()

    args = argparse.Namespace(record=str(path))
    settings = Settings(concurrency_cap=25)
    feed = recorder_for_monitor(args, settings, LiveFeed(second))
    app = MonitorApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "u")
    )
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.pause()
        app.render_now()
        await pilot.pause()
        shown = app.current().data
        for was, now in zip(before.campaigns, shown.campaigns, strict=True):
            assert {s: now.counts[s] for s in COUNTED_VALUES} == {
                s: was.counts[s] for s in COUNTED_VALUES
            }
            assert now.connect_rate == was.connect_rate and now.connect_rate is not None
            assert not now.history_filling
        assert shown.concurrency.history == before.concurrency.history
        table = _lines(app, "#campaigns")
        assert rate(before.campaigns[0].connect_rate) in table
        assert "filling" not in table
        spark = app.screen.query_one("HistorySpark")
        shown_lines = [t.plain for t in spark._shown if t is not None]  # type: ignore[attr-defined]
        assert shown_lines[0].startswith("last ") and "no samples yet" not in shown_lines
    feed.close()


def test_endings_after_the_recorded_instant_count_on_top(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    first, at = _record(path)
    was = LiveFeed(first).latest().data.campaigns[0]
    second = _restarted(first, gap_s=20)
    resume_history(path, LiveFeed(second), now=at + 20)
    tally = second.store.tally.campaign(was.id)
    ended = second.clock.now() - timedelta(seconds=5)
    tally.observe("call_after0001", "completed", ended)
    tally.observe("call_before001", "completed", ended - timedelta(seconds=60))  # in the record
    second.store.touch()
    row = LiveFeed(second).snapshot().data.campaigns[0]
    assert row.counts["completed"] == (was.counts["completed"] or 0) + 1
    assert row.counts["no_answer"] == was.counts["no_answer"]
    assert row.connect_rate is not None and row.connect_rate > (was.connect_rate or 0)


def test_after_a_long_stop_the_counts_are_read_again_but_the_sparkline_is_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.sqlite"
    first, at = _record(path)
    before = LiveFeed(first).latest().data
    second = _restarted(first, gap_s=COUNTS_WITHIN_S + 30)
    taken = resume_history(path, LiveFeed(second), now=at + COUNTS_WITHIN_S + 30)
    assert taken == len(before.concurrency.history) > 0
    data = LiveFeed(second).snapshot().data
    assert all(row.history_filling and row.connect_rate is None for row in data.campaigns)
    assert data.concurrency.history == before.concurrency.history
    assert second.store.tally.campaigns == {}
