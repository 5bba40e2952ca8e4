"""The recording sink: a snapshot's parts read back as the same snapshot, unchanged big parts
are not serialised again, the UI and the recorder share one build, a stopped recording is
said, and `record --demo` writes a readable file headless (issue 17)."""

from __future__ import annotations

from pathlib import Path

from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import (
    RecordingFeed,
    SnapshotRecorder,
    snapshot_from_parts,
    snapshot_parts,
)
from monitor.feeds.recording import RecordingReader, RecordingWriter
from tests.recorder.helpers import clean_env, run
from tests.ui.fixtures import call, make_engine


def test_a_snapshot_reads_back_exactly_from_its_parts() -> None:
    feed = LiveFeed(make_engine())
    feed.select_call("call_a1b2c3d4e5f6")
    feed.focus_campaign("cmp_winback2")
    snap = feed.snapshot()
    assert snap.selection is not None and snap.focus is not None
    back = snapshot_from_parts(snapshot_parts(snap, None))
    assert back.model_dump_json() == snap.model_dump_json()
    assert back == snap


def test_unchanged_big_parts_are_not_serialised_again() -> None:
    feed = LiveFeed(make_engine())
    first = feed.snapshot()
    later = feed.latest()
    assert later.data is first.data
    assert set(snapshot_parts(later, first)) & {"data", "selection", "focus"} == set()
    feed.select_call("call_a1b2c3d4e5f6")
    assert "selection" in snapshot_parts(feed.latest(), later)


def test_recorded_frames_replay_as_the_snapshots_given(tmp_path: Path) -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(tmp_path / "r.sqlite")
    given = [feed.snapshot()]
    engine.clock.advance(1.0)
    given.append(feed.latest())
    engine.clock.advance(1.0)
    engine.store.upsert_call(call("call_new000000001", "dialing", ago=1), engine.clock.monotonic())
    given.append(feed.snapshot())
    for snap in given:
        recorder.record(snap)
    recorder.close()
    frames = list(RecordingReader(tmp_path / "r.sqlite").frames())
    assert [snapshot_from_parts(f.parts) for f in frames] == given


def test_the_ui_and_the_recorder_share_one_build(tmp_path: Path) -> None:
    engine = make_engine()
    inner = LiveFeed(engine)
    feed = RecordingFeed(inner, SnapshotRecorder(RecordingWriter(tmp_path / "r.sqlite")))
    feed.subscribe(lambda _v: None)
    feed._unsubscribe = inner.subscribe(feed._changed)
    first = feed.snapshot()
    assert feed.snapshot().data is first.data  # no change: no second scan
    engine.store.upsert_call(call("call_new000000001", "dialing", ago=1), engine.clock.monotonic())
    second = feed.snapshot()
    assert second.data is not first.data
    assert feed.snapshot().data is second.data


def test_a_stopped_recording_is_said_and_the_feed_goes_on(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "r.sqlite")
    writer.failed = "Recording stopped: the disk is full (x); the monitor goes on."
    feed = RecordingFeed(LiveFeed(make_engine()), SnapshotRecorder(writer))
    snap = feed.snapshot()
    assert snap.internal_error == writer.failed
    assert snap.data.active  # the data is still there


def test_record_true_is_short_for_the_record_table() -> None:
    assert Settings(record=True).record.enabled  # type: ignore[arg-type]
    custom = Settings(record={"keep_days": 2, "max_mb": 50})  # type: ignore[arg-type]
    assert (custom.record.enabled, custom.record.keep_days, custom.record.max_mb) == (
        False,
        2,
        50,
    )


def test_record_headless_writes_a_readable_recording(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    done = run("--demo", "record", str(path), "--duration", "4", env=clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"to {path}" in done.stderr
    frames = list(RecordingReader(path).frames())
    assert len(frames) >= 2
    snap = snapshot_from_parts(frames[-1].parts)
    assert snap.data.active_read


def test_record_true_in_the_config_file_is_accepted(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    Path(env["DIALNEXA_MONITOR_CONFIG"]).write_text(
        'bell = false\n[record]\nkeep_days = 2\nmax_mb = 100\npath = "x.sqlite"\n'
    )
    done = run("config", "show", env=env)
    assert done.returncode == 0, done.stderr
    assert "record" in done.stdout


def test_the_concurrency_history_survives_a_restart(tmp_path: Path) -> None:
    from dataclasses import replace

    from monitor.resume import RESUME_WITHIN_S, resume_history

    path = tmp_path / "r.sqlite"
    first = LiveFeed(make_engine()).snapshot()
    conc = replace(first.data.concurrency, history=(3, 5, 8))
    snap = first.model_copy(update={"data": first.data.model_copy(update={"concurrency": conc})})
    recorder = SnapshotRecorder.open(path)
    recorder.record(snap)
    recorder.close()
    at = snap.now.timestamp()
    engine = make_engine()
    engine.store.concurrency.clear()
    engine.store.record_concurrency(snap.now, 13)
    assert resume_history(path, LiveFeed(engine), now=at + 60) == 3
    assert [n for _t, n in engine.store.concurrency] == [3, 5, 8, 13]
    assert LiveFeed(engine).snapshot().data.concurrency.history == (3, 5, 8, 13)
    stale = make_engine()
    before = list(stale.store.concurrency)
    assert resume_history(path, LiveFeed(stale), now=at + RESUME_WITHIN_S + 1) == 0
    assert list(stale.store.concurrency) == before
    assert resume_history(tmp_path / "none.sqlite", LiveFeed(stale)) == 0
