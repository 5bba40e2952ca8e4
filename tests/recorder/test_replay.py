"""Replay: the screens fed from a recording equal those fed live at the same instants (Pilot,
widget by widget), the replay's clock (speed, pause, seek) moves over recorded time, and
`snapshot --from` prints the recorded moment (issue 17)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.geometry import Region

from monitor.feeds import LiveFeed
from monitor.feeds.recorder import SnapshotRecorder
from monitor.feeds.recording import RecordingReader
from monitor.feeds.replay import ReplayFeed, parse_when
from monitor.state.snapshot import MonitorSnapshot
from monitor.ui.app import MonitorApp
from monitor.ui.replay import ReplayApp
from monitor.ui.state_file import UiState
from tests.recorder.helpers import clean_env, run
from tests.ui.fixtures import call, make_engine


class StillFeed:
    """One snapshot, as a live feed produced it (the "live" side of the comparison)."""

    def __init__(self, snap: MonitorSnapshot) -> None:
        self.snap = snap

    async def run(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        return lambda: None

    def snapshot(self) -> MonitorSnapshot:
        return self.snap

    def latest(self) -> MonitorSnapshot:
        return self.snap

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        yield self.snap

    def select_call(self, call_id: str | None) -> None:
        return None

    def focus_campaign(self, campaign_id: str | None) -> None:
        return None

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        return None

    def refresh_now(self) -> None:
        return None


def record_instants(path: Path) -> list[MonitorSnapshot]:
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(path)
    snaps = []
    for step in range(4):
        snap = feed.snapshot() if step % 2 == 0 else feed.latest()
        recorder.record(snap)
        snaps.append(snap)
        engine.clock.advance(1.0)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call(f"call_new{step:08d}", "dialing", ago=1), mono)
    recorder.close()
    return snaps


async def widgets_of(
    app: MonitorApp, keep: Callable[[MonitorSnapshot], None] | None = None
) -> dict[str, list[str]]:
    """Every visible widget's lines, by position and id; `keep` gets the snapshot shown."""
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        app.render_now()
        await pilot.pause()
        if keep is not None:
            keep(app.current())
        out: dict[str, list[str]] = {}
        for n, widget in enumerate(app.screen.query("*")):
            if not widget.display or widget.size.area == 0:
                continue
            lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
            out[f"{n}:{type(widget).__name__}#{widget.id}"] = [strip.text for strip in lines]
        return out


async def test_replayed_screens_equal_the_live_ones_at_the_same_instants(tmp_path: Path) -> None:
    # Live: the dashboard over a live feed at four instants (the cursor's call selected, as a
    # person's screen has it), each shown snapshot recorded. Replay: the same instants from
    # the file, through the same app and screens.
    path = tmp_path / "r.sqlite"
    engine = make_engine()
    recorder = SnapshotRecorder.open(path)
    live_seen = []
    for step in range(4):
        app = MonitorApp(
            LiveFeed(engine),
            run_feed=False,
            min_render_interval_s=0.0,
            ui_state=UiState.load(tmp_path / "live.json"),
        )
        live_seen.append(await widgets_of(app, recorder.record))
        engine.clock.advance(1.0)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call(f"call_new{step:08d}", "dialing", ago=1), mono)
    recorder.close()
    reader = RecordingReader(path)
    instants = [f.at for f in reader.frames()]
    assert len(instants) == 4
    for at, seen_live in zip(instants, live_seen, strict=True):
        replayed = MonitorApp(
            ReplayFeed(reader, start=at),
            run_feed=False,
            min_render_interval_s=0.0,
            ui_state=UiState.load(tmp_path / "replay.json"),
        )
        seen_replayed = await widgets_of(replayed)
        assert seen_live.keys() == seen_replayed.keys()
        for key, lines in seen_live.items():
            assert seen_replayed[key] == lines, key
    assert live_seen[0] != live_seen[-1]  # the instants differ: the comparison means something


def test_the_replay_clock_plays_pauses_speeds_up_and_seeks(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    snaps = record_instants(path)
    feed = ReplayFeed(RecordingReader(path))
    changes: list[int] = []
    feed.subscribe(changes.append)
    first = feed.latest()
    assert first == snaps[0]
    feed.advance(1.0)
    assert feed.latest() == snaps[1] and changes == [1]
    assert feed.latest().data is snaps[1].data or feed.latest().data == snaps[1].data
    feed.toggle_pause()
    feed.advance(5.0)
    assert feed.latest() == snaps[1]
    feed.toggle_pause()
    assert feed.faster() == 2.0
    feed.advance(1.0)
    assert feed.latest() == snaps[3] and feed.at_end
    feed.seek(-60)
    assert feed.latest() == snaps[0]
    feed.seek(600)
    assert feed.latest() == snaps[3]


def test_unchanged_recorded_data_is_the_same_object(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    record_instants(path)
    feed = ReplayFeed(RecordingReader(path))
    feed.advance(1.0)  # instant 1 is `latest()`: the data of instant 0
    feed.go_to(feed.start)
    a = feed.latest()
    feed.advance(1.0)
    assert feed.latest().data is a.data


async def test_the_replay_app_says_replay_and_its_keys_seek(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    record_instants(path)
    feed = ReplayFeed(RecordingReader(path))
    app = ReplayApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "REPLAY" in app.frame(app.current()).fallbacks
        await pilot.press("right_square_bracket")
        assert feed.at_end
        await pilot.press("left_curly_bracket")
        assert feed.position == feed.start
        await pilot.press("p")
        assert feed.paused
        assert "paused" in app.frame(app.current()).fallbacks
        await pilot.press("plus")
        assert feed.speed == 2.0


def test_snapshot_from_prints_the_recorded_moment(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    snaps = record_instants(path)
    at = snaps[1].now.isoformat()
    done = run("snapshot", "--from", str(path), "--at", at, env=clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["at"].replace("Z", "+00:00") == snaps[1].now.isoformat()
    recorded = {k: v for k, v in doc.items() if k not in ("at", "recording")}
    assert MonitorSnapshot.model_validate(recorded) == snaps[1]
    late = run("snapshot", "--from", str(path), "--at", "-1m", env=clean_env(tmp_path))
    assert late.returncode == 0, late.stderr  # after the recording's end: its last moment
    early = run("snapshot", "--from", str(path), "--at", "2000-01-01", env=clean_env(tmp_path))
    assert early.returncode == 2 and "Nothing was recorded" in early.stderr


def test_drilling_into_a_call_recorded_without_a_screen_shows_its_row(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    snaps = record_instants(path)  # recorded with no call open, no campaign focused
    feed = ReplayFeed(RecordingReader(path))
    row = snaps[0].data.active[0]
    feed.select_call(row.id)
    detail = feed.latest().detail_of(row.id)
    assert detail is not None and detail.call is not None
    assert (detail.call.id, detail.call.status, detail.call.campaign_id) == (
        row.id,
        row.status,
        row.campaign_id,
    )
    assert detail.retries_error is not None and "not recorded" in detail.retries_error
    feed.select_call("call_notrecorded01")
    unknown = feed.latest().detail_of("call_notrecorded01")
    assert unknown is not None and unknown.call is None and not unknown.listed


async def test_g_goes_to_a_time_typed_in(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    snaps = record_instants(path)
    feed = ReplayFeed(RecordingReader(path))
    feed.go_to(feed.end)
    app = ReplayApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        first = snaps[1].now  # the fixture's instants fall on whole seconds
        for key in first.strftime("%H:%M:%S"):
            await pilot.press("colon" if key == ":" else key)
        await pilot.press("enter")
        await pilot.pause()
        assert feed.recorded_at == first.timestamp()
        await pilot.press("g")
        await pilot.pause()
        for key in "nonsense":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        assert feed.recorded_at == first.timestamp()  # a wrong time is said, nothing moves


def test_times_are_iso_relative_or_a_clock_time_on_the_recorded_day() -> None:
    day = datetime(2026, 12, 3, 18, 0, tzinfo=UTC).timestamp()
    assert parse_when("10:02", day=day) == datetime(2026, 12, 3, 10, 2, tzinfo=UTC).timestamp()
    assert parse_when("-10m", now=day) == day - 600
    assert (
        parse_when("2026-12-03T10:02:05") == datetime(2026, 12, 3, 10, 2, 5, tzinfo=UTC).timestamp()
    )
    with pytest.raises(ValueError, match="not a time"):
        parse_when("yesterday")


async def test_a_seek_back_shows_no_call_of_a_later_instant_as_ended(tmp_path: Path) -> None:
    # Found replaying a demo in tmux: after `[`, calls that only start later stayed in Active
    # calls as "ended –" rows (the table lingered them on a recorded clock gone backwards).
    path = tmp_path / "r.sqlite"
    record_instants(path)
    feed = ReplayFeed(RecordingReader(path))
    app = ReplayApp(
        feed, run_feed=False, min_render_interval_s=0.0, ui_state=UiState.load(tmp_path / "s")
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        feed.go_to(feed.end)
        app.render_now()
        await pilot.pause()
        from monitor.ui.widgets.active_calls import ActiveCallsTable

        table = app.screen.query_one(ActiveCallsTable)
        assert "call_new00000001" in table.row_keys()
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        keys = table.row_keys()
        assert not any(k.startswith("call_new") for k in keys), keys
        assert keys  # the instant's own calls are there
