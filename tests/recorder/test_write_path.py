"""The recorder's write path (issue 17): the fast serialisers write the very JSON pydantic
writes, unchanged fields are left out, and a frame the queue dropped is not the next one's
reference."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from monitor.feeds import LiveFeed
from monitor.feeds.framecodec import decode, encode
from monitor.feeds.recorder import (
    DATA_PREFIX,
    SnapshotRecorder,
    snapshot_from_parts,
    snapshot_parts,
)
from monitor.feeds.recording import RecordingFile, RecordingReader
from monitor.state.snapshot import SnapshotData
from tests.ui.fixtures import call, make_engine


def test_each_data_field_is_the_json_pydantic_writes() -> None:
    snap = LiveFeed(make_engine()).snapshot()
    parts = snapshot_parts(snap, None)
    assert any(row.status for row in snap.data.active)  # enums are in it
    for name, info in SnapshotData.model_fields.items():
        adapter: TypeAdapter[Any] = TypeAdapter(info.annotation)
        expected = adapter.dump_json(getattr(snap.data, name)).decode()
        assert parts[DATA_PREFIX + name] == expected, name


def test_the_clock_fields_read_back_as_they_were_written() -> None:
    # Each small field has its own serialiser now: every one still reads back as it was,
    # an infinite wait included (it was written `Infinity`; pydantic's default is null).
    snap = (
        LiveFeed(make_engine())
        .snapshot()
        .model_copy(update={"next_poll_s": float("inf"), "fallbacks": 'é "quoted"', "mono": 12.5})
    )
    back = snapshot_from_parts(snapshot_parts(snap, None))
    assert back.next_poll_s == float("inf")
    assert back.model_dump(exclude={"data"}) == snap.model_dump(exclude={"data"})


def test_a_field_that_is_the_same_object_is_left_out() -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    first = feed.snapshot()
    mono = engine.clock.monotonic()
    engine.store.upsert_call(call("call_new00000001", "dialing", ago=1), mono)
    second = feed.snapshot()
    parts = snapshot_parts(second, first)
    assert DATA_PREFIX + "active" in parts
    for name in SnapshotData.model_fields:
        same = getattr(second.data, name) is getattr(first.data, name)
        assert (DATA_PREFIX + name in parts) is not same, name


def test_a_dropped_frame_is_not_the_next_ones_reference(tmp_path: Path) -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(tmp_path / "r.sqlite")
    recorder.record(feed.snapshot())
    engine.clock.advance(1.0)
    engine.store.upsert_call(call("call_new00000001", "dialing", ago=1), engine.clock.monotonic())
    dropped = feed.snapshot()
    put = recorder.writer.put
    recorder.writer.put = lambda *a: False  # type: ignore[method-assign]  # the queue is full
    recorder.record(dropped)
    recorder.writer.put = put  # type: ignore[method-assign]
    engine.clock.advance(1.0)
    recorder.record(feed.latest())  # the same data as the dropped one: must still be written
    recorder.close()
    frame = RecordingReader(tmp_path / "r.sqlite").at(engine.clock.now().timestamp())
    assert frame is not None
    assert "call_new00000001" in frame.parts[DATA_PREFIX + "active"]


def test_a_long_part_cut_in_pieces_reads_back_after_many_frames() -> None:
    rows = [f'{{"id":"call_{n:06d}","s":"dialing"}}' for n in range(400)]
    base: dict[str, str] | None = None
    last: dict[str, str] = {}
    for step in range(6):
        rows = rows[3:] + [f'{{"id":"call_x{step}{n:04d}","s":"in_progress"}}' for n in range(3)]
        text = "[" + ",".join(rows) + "]"
        body = encode({"data.active": text}, base)
        assert decode(body, base) == {"data.active": text}
        last = {"data.active": text}
        base = last


def test_pruning_copies_the_wal_back_into_the_file_each_minute(tmp_path: Path) -> None:
    # The minute's frames go back into the file at the prune (a small checkpoint a minute),
    # not all at once in some later frame's commit when the WAL reaches 1,000 pages.
    path = tmp_path / "r.sqlite"
    file = RecordingFile(path)
    rng = random.Random(1)
    for i in range(60):
        noise = json.dumps([rng.random() for _ in range(2000)])  # ~40 KB, barely compressible
        file.write(1_795_000_000.0 + i, {"now": str(i), "data": noise})
    before = path.stat().st_size
    file.prune(1_795_000_060.0)
    assert before < 100_000  # the frames are in the WAL
    assert path.stat().st_size > before + 1_000_000  # and now in the file itself
    file.close()
