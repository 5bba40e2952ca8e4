"""Recordings made before Active calls rows carried `state_since` (snapshot schema 1: each
row had `changed_at`, any field's last change) still replay, print and show the same screens:
the file's own schema (frames, parts) did not change, only what one row holds (issue 17)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from monitor.feeds import LiveFeed
from monitor.feeds.recorder import DATA_PREFIX, SnapshotParts
from monitor.feeds.recording import RecordingFile, RecordingReader
from monitor.feeds.replay import ReplayFeed
from monitor.state.snapshot import SCHEMA_VERSION, MonitorSnapshot
from monitor.ui.app import MonitorApp
from monitor.ui.state_file import UiState
from tests.recorder.helpers import clean_env, run
from tests.recorder.test_replay import widgets_of
from tests.ui.fixtures import call, make_engine


def as_version_1(parts: dict[str, str]) -> dict[str, str]:
    """The parts as the monitor wrote them before: schema 1, rows with `changed_at` where
    `state_since` is now (the same place: the row's last field)."""
    out = dict(parts)
    out["schema_version"] = "1"
    active = out.get(DATA_PREFIX + "active")
    if active is not None:
        assert '"state_since":' in active
        out[DATA_PREFIX + "active"] = active.replace('"state_since":', '"changed_at":')
    return out


def record_old(path: Path) -> list[MonitorSnapshot]:
    engine = make_engine()
    feed = LiveFeed(engine)
    file = RecordingFile(path)
    make_parts = SnapshotParts()
    snaps: list[MonitorSnapshot] = []
    for step in range(3):
        snap = feed.snapshot()
        parts = make_parts(snap, snaps[-1] if snaps else None)
        assert file.write(snap.now.timestamp(), as_version_1(parts))
        snaps.append(snap)
        engine.clock.advance(1.0)
        engine.store.upsert_call(
            call(f"call_old{step:08d}", "dialing", ago=1), engine.clock.monotonic()
        )
    file.close()
    return snaps


def as_read_back(snap: MonitorSnapshot) -> MonitorSnapshot:
    """What a version-1 frame reads as: its version, and no `state_since` (not recorded)."""
    rows = tuple(dataclasses.replace(r, state_since=None) for r in snap.data.active)
    data = snap.data.model_copy(update={"active": rows})
    return snap.model_copy(update={"schema_version": 1, "data": data})


def test_an_old_recording_replays_with_its_rows_and_no_state_since(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    snaps = record_old(path)
    assert SCHEMA_VERSION > 1 and len(snaps[-1].data.active) > len(snaps[0].data.active)
    feed = ReplayFeed(RecordingReader(path))
    for i, snap in enumerate(snaps):
        replayed = feed.latest()
        assert replayed.data.active and all(r.state_since is None for r in replayed.data.active)
        assert replayed == as_read_back(snap), i
        feed.advance(1.0)


async def test_an_old_recording_shows_the_screens_it_showed_live(tmp_path: Path) -> None:
    # Live: the dashboard (the cursor's call open, as a person's screen has it); the snapshot
    # it showed is written as the monitor wrote it before. Replay: the same screens.
    live = MonitorApp(
        LiveFeed(make_engine()),
        run_feed=False,
        min_render_interval_s=0.0,
        ui_state=UiState.load(tmp_path / "live.json"),
    )
    shown: list[MonitorSnapshot] = []
    seen_live = await widgets_of(live, shown.append)
    path = tmp_path / "old.sqlite"
    file = RecordingFile(path)
    assert file.write(shown[0].now.timestamp(), as_version_1(SnapshotParts()(shown[0], None)))
    file.close()
    replayed = MonitorApp(
        ReplayFeed(RecordingReader(path)),
        run_feed=False,
        min_render_interval_s=0.0,
        ui_state=UiState.load(tmp_path / "replay.json"),
    )
    seen_replayed = await widgets_of(replayed)
    assert seen_live == seen_replayed
    assert any("call_" in line for lines in seen_live.values() for line in lines)


def test_snapshot_from_an_old_recording_prints_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    snaps = record_old(path)
    done = run("snapshot", "--from", str(path), env=clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema_version"] == 1
    rows = doc["data"]["active"]
    assert [r["id"] for r in rows] == [r.id for r in snaps[-1].data.active]
    assert all(r["state_since"] is None and "changed_at" not in r for r in rows)
