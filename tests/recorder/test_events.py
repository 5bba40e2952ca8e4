"""The events pane (issue 17): the API down and back, alerts, count corrections, one line
each with its time; live (`e` opens it) and in a replay, where the lines are the events marked
in the recording up to the instant on screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.geometry import Region
from textual.widgets import Static

from monitor.alerts import AlertEvent
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import RecordingFeed, SnapshotRecorder
from monitor.feeds.recording import RecordingReader
from monitor.feeds.replay import ReplayFeed
from monitor.state.events import EventLog, line_from_mark, mark_of
from monitor.state.store import ApiHealth
from monitor.state.tally import Correction
from monitor.ui.app import MonitorApp
from monitor.ui.replay import ReplayApp
from monitor.ui.screens.events import EventsScreen
from monitor.ui.state_file import UiState
from tests.ui.fixtures import FakeEngine, make_engine, outage


def _ok_again(engine: FakeEngine, after_s: float = 130.0) -> None:
    engine.clock.advance(after_s)
    engine.store.set_health(ApiHealth(state="ok", budget_per_min=60))


def test_the_api_down_and_back_is_two_lines_and_a_correction_one() -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    log = EventLog()
    assert log.observe(feed.snapshot()) == []  # starting fine is not news
    outage(engine, age=10)
    down = log.observe(feed.snapshot())
    assert [line.words for line in down] == ["API unreachable: connection refused"]
    assert log.observe(feed.latest()) == []  # still down: nothing new
    _ok_again(engine)
    back = log.observe(feed.snapshot())
    assert [line.words for line in back] == ["API ok again after 2m10s unreachable"]
    assert back[0].at - down[0].at == timedelta(seconds=130)
    tally = engine.store.tally.campaign(next(iter(engine.store.campaigns)))
    tally.corrections.append(Correction(at=engine.clock.now(), status="no_answer", by=-3))
    engine.store.touch()
    fixed = log.observe(feed.snapshot())
    assert len(fixed) == 1
    assert fixed[0].words.startswith("Count corrected: ")
    assert "no answer -3 (the API's total at" in fixed[0].words
    assert log.observe(feed.snapshot()) == []  # the same correction is said once
    assert len(log.lines) == 3


def test_an_event_read_back_from_its_mark_says_the_same() -> None:
    engine = make_engine()
    outage(engine)
    (line,) = EventLog().observe(LiveFeed(engine).snapshot())
    back = line_from_mark(line.at.timestamp(), *mark_of(line))
    assert back == line
    alert = AlertEvent("at_cap", "workspace", "fired", line.at, "25/25 in flight")
    read = line_from_mark(line.at.timestamp(), "alert-fired", alert.json_line())
    assert read is not None and read.words == "ALERT at cap: 25/25 in flight"
    assert line_from_mark(0.0, "event-api", "not json") is None


def _screen_text(app: MonitorApp) -> str:
    widget = app.screen.query_one("#events-text", Static)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in lines)


async def test_e_opens_the_events_and_the_lines_follow_the_feed(tmp_path: Path) -> None:
    engine = make_engine()
    feed = RecordingFeed(LiveFeed(engine), None)
    app = MonitorApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        assert "No events yet" in _screen_text(app)
        outage(engine, age=10)
        feed.watch(feed.snapshot())
        feed.event_log.add_alert("at_cap", "workspace", "fired", engine.clock.now(), "25/25")
        app.render_now()
        await pilot.pause()
        text = _screen_text(app)
        stamp = engine.clock.now().strftime("%H:%M:%S")
        assert f"{stamp}  ALERT at cap: 25/25" in text
        assert f"{stamp}  API unreachable: connection refused" in text
        assert text.index("at cap") < text.index("unreachable")  # newest on top
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, EventsScreen)


async def test_a_replay_lists_the_events_marked_up_to_its_instant(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    engine = make_engine()
    recorder = SnapshotRecorder.open(path)
    feed = RecordingFeed(LiveFeed(engine), recorder)
    feed.watch(feed.snapshot())
    for _ in range(3):
        engine.clock.advance(1.0)
        feed.watch(feed.latest())
    outage(engine, age=1)
    feed.watch(feed.snapshot())
    down_at = engine.clock.now().strftime("%H:%M:%S")
    recorder.close()
    replay = ReplayFeed(RecordingReader(path))
    app = ReplayApp(
        replay, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert "No events yet" in _screen_text(app)  # at the start: nothing happened yet
        replay.go_to(replay.end)
        app.render_now()
        await pilot.pause()
        assert f"{down_at}  API unreachable: connection refused" in _screen_text(app)
        await pilot.press("left_curly_bracket")  # ten minutes back: before it
        await pilot.pause()
        assert "No events yet" in _screen_text(app)


def test_watching_for_events_alone_does_not_rebuild_the_data_each_second() -> None:
    engine = make_engine()
    live = LiveFeed(engine)
    built: list[int] = []
    snapshot = live.snapshot

    def counted() -> object:
        built.append(1)
        return snapshot()

    live.snapshot = counted  # type: ignore[method-assign]
    feed = RecordingFeed(live, None)
    feed.snapshot()  # the UI's first frame
    assert len(built) == 1
    outage(engine, age=1)  # the store changed: new data waits for the UI's next frame
    feed._changed(0)
    snap = feed.tick()
    assert len(built) == 1  # the events' second took the clock parts only...
    assert snap.health.state == "unreachable"  # ...which carry the API's state
    assert [line.words for line in feed.events()] == ["API unreachable: connection refused"]
    feed.on_snapshot = lambda _snap: None  # an alert rule watches the data: it is rebuilt
    feed.tick()
    assert len(built) == 2


def test_help_lists_the_events_key() -> None:
    from monitor.ui.screens.help import help_text

    text = help_text([("Everywhere", list(MonitorApp.BINDINGS))], width=120).plain
    line = next(row for row in text.splitlines() if row.strip().startswith("e "))
    assert "Events: alerts fired and cleared, the API down and back" in line
