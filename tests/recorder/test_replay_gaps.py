"""A replay of a recording made without a screen (no campaign open, no call selected): the
campaign screen lists the calls the recording saw, and the retry timeline shows the
highlighted call's row, even once the call has ended (found in a tryout, issue 17)."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widget import Widget

from monitor.feeds import LiveFeed
from monitor.feeds.recorder import SnapshotRecorder
from monitor.feeds.recording import RecordingReader
from monitor.feeds.replay import ReplayFeed
from monitor.ui.replay import ReplayApp
from monitor.ui.state_file import UiState
from tests.ui.fixtures import call, make_engine

CAMPAIGN = "cmp_spring01"


def record_an_ending(path: Path) -> None:
    """Two instants: `call_ending0001` in flight, then ended busy (its row gone)."""
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(path)
    mono = engine.clock.monotonic()
    engine.store.upsert_call(call("call_ending0001", "in_progress", ago=30), mono)
    recorder.record(feed.snapshot())
    engine.clock.advance(1.0)
    mono = engine.clock.monotonic()
    engine.store.upsert_call(call("call_ending0001", "busy", ago=30), mono)
    recorder.record(feed.snapshot())
    recorder.close()


def lines(widget: Widget) -> list[str]:
    region = Region(0, 0, widget.size.width, widget.size.height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


def test_an_ended_calls_detail_is_its_last_recorded_row_with_its_outcome(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    record_an_ending(path)
    feed = ReplayFeed(RecordingReader(path))
    first = feed.latest()
    assert "call_ending0001" in [r.id for r in first.data.active]
    feed.go_to(feed.end)
    assert "call_ending0001" not in [r.id for r in feed.latest().data.active]
    feed.select_call("call_ending0001")
    detail = feed.latest().detail_of("call_ending0001")
    assert detail is not None and detail.call is not None
    assert detail.call.status.value == "busy"
    assert detail.timeline is not None
    assert [r.outcome.value for r in detail.timeline.rows] == ["busy"]
    assert detail.retries_error == "not recorded"
    feed.go_to(feed.start)  # seeking back: the row as it was then
    detail = feed.latest().detail_of("call_ending0001")
    assert detail is not None and detail.call is not None
    assert detail.call.status.value == "in_progress"


async def test_the_campaign_screen_lists_the_calls_the_recording_saw(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    record_an_ending(path)
    feed = ReplayFeed(RecordingReader(path))
    app = ReplayApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed.go_to(feed.end)
        app.render_now()
        await pilot.pause()
        summary = " ".join(lines(app.screen.query_one("#retry-summary")))
        assert "history: not recorded" in summary
        assert "not in view" not in lines(app.screen.query_one("#retry-call"))[0]
        app.open_campaign(CAMPAIGN)
        await pilot.pause()
        app.render_now()
        await pilot.pause()
        text = "\n".join(lines(app.screen.query_one("#campaign-summary")))
        assert "only the calls seen in the recording" in text
        calls = "\n".join(lines(app.screen.query_one("#campaign-calls")))
        assert "ending0001" in calls and "busy" in calls
        assert "no calls of this campaign seen yet" not in calls


async def test_a_cut_summary_line_ends_with_an_ellipsis(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    record_an_ending(path)
    feed = ReplayFeed(RecordingReader(path))
    feed.select_call("call_notrecorded01")  # nothing known: the longest summary
    app = ReplayApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.selected_call_id = None  # type: ignore[attr-defined]
        app.screen._select("call_notrecorded01")  # type: ignore[attr-defined]
        await pilot.pause()
        line = lines(app.screen.query_one("#retry-summary"))[0]
        assert line.startswith("no attempts known · ")
        assert line.endswith("…"), line


def test_live_before_any_listing_read_the_focus_has_the_campaigns_calls_in_flight() -> None:
    # The same gap checked live: the focus is built from every call the store holds, so the
    # calls of Active calls are listed before the campaign's listing is first read.
    engine = make_engine()
    feed = LiveFeed(engine)
    in_flight = {r.id for r in feed.latest().data.active if r.campaign_id == CAMPAIGN}
    assert in_flight
    feed.focus_campaign(CAMPAIGN)
    focus = feed.latest().focus
    assert focus is not None and focus.partial is None
    assert in_flight <= {c.id for c in focus.calls}
