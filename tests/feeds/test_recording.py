"""The flight recorder's file: what is written is read back byte for byte at any instant,
keyframes bound a seek, pruning keeps a readable range, another process reads while one
writes, and every bad file or full disk ends as a sentence, never a traceback (issue 17)."""

from __future__ import annotations

import json
import random
import sqlite3
import zlib
from pathlib import Path

import pytest

from monitor.feeds import framecodec, recording
from monitor.feeds.recording import (
    KEYFRAME_FRAMES,
    KEYFRAME_S,
    RecordingError,
    RecordingFile,
    RecordingReader,
    RecordingWriter,
)

T0 = 1_795_000_000.0


def part(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def snap(i: int, *, data: object = "same") -> dict[str, str]:
    return {"now": part(f"t{i}"), "data": part({"rows": [data], "name": "Café ☕"}), "n": part(i)}


def test_every_instant_reads_back_exactly_as_written(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    file = RecordingFile(path)
    written = [snap(0), snap(1), snap(2, data={"x": None, "y": 1.5}), snap(3, data=[1, 2])]
    for i, parts in enumerate(written):
        assert file.write(T0 + i, parts)
    reader = RecordingReader(path)
    for i, parts in enumerate(written):
        frame = reader.at(T0 + i + 0.5)
        assert frame is not None
        assert (frame.at, frame.parts) == (T0 + i, parts)
    assert reader.at(T0 - 1) is None
    assert reader.span() == (T0, T0 + 3)
    assert [f.parts for f in reader.frames()] == written
    assert [f.at for f in reader.frames(T0 + 1.5)] == [T0 + 1, T0 + 2, T0 + 3]


def test_only_changed_parts_are_written_and_nothing_when_nothing_changed(tmp_path: Path) -> None:
    file = RecordingFile(tmp_path / "r.sqlite")
    assert file.write(T0, snap(0))
    assert not file.write(T0 + 1, snap(0))
    assert file.write(T0 + 2, {"n": part(5)})
    rows = file.conn.execute("SELECT full, body FROM frames ORDER BY id").fetchall()
    # A delta frame is decoded against the parts before it (schema 2: zlib dictionaries).
    bases = [None, snap(0)]
    assert [
        (f, sorted(recording.decode(b, base))) for (f, b), base in zip(rows, bases, strict=True)
    ] == [
        (1, ["data", "n", "now"]),
        (0, ["n"]),
    ]


def test_a_keyframe_every_interval_or_every_so_many_frames(tmp_path: Path) -> None:
    file = RecordingFile(tmp_path / "r.sqlite")
    for i in range(KEYFRAME_FRAMES + 2):
        file.write(T0 + i * 0.1, {"n": part(i)})
    fulls = [r[0] for r in file.conn.execute("SELECT id FROM frames WHERE full = 1 ORDER BY id")]
    assert fulls == [1, KEYFRAME_FRAMES + 2]
    file.write(T0 + KEYFRAME_S + 100, {"n": part(-1)})
    last = file.conn.execute("SELECT full, body FROM frames ORDER BY id DESC LIMIT 1").fetchone()
    assert last[0] == 1 and recording.decode(last[1]) == {"n": part(-1)}


def test_pruned_by_age_the_kept_range_starts_at_a_keyframe(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    file = RecordingFile(path, keep_days=1)
    for minute in range(0, 26 * 60, 1):  # 26 hours, a frame a minute: a keyframe each
        file.write(T0 + minute * 60, {"n": part(minute), "fixed": part("x")})
    file.prune(T0 + 26 * 3600)
    reader = RecordingReader(path)
    first, last = reader.span() or (0.0, 0.0)
    assert first == T0 + 2 * 3600  # the cutoff is a keyframe: the range starts there
    assert last == T0 + (26 * 60 - 1) * 60
    frame = reader.at(first)
    assert frame is not None and frame.parts == {"n": part(120), "fixed": part("x")}
    # A cutoff between keyframes keeps the keyframe before it, so its instant stays readable.
    sparse = RecordingFile(tmp_path / "sparse.sqlite", keep_days=1)
    for i in range(100):
        sparse.write(T0 + i * 1000, {"n": part(i)})  # 1000 s apart: each a keyframe
    sparse.prune(T0 + 86_400 + 1500)
    first_kept = sparse.conn.execute("SELECT min(at) FROM frames").fetchone()[0]
    assert first_kept == T0 + 1000


def test_pruned_by_size_the_oldest_go_and_the_newest_stay(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    file = RecordingFile(path, keep_days=30, max_mb=0.5)
    rng = random.Random(1)
    for i in range(1000):  # incompressible parts, a keyframe every 60 s
        file.write(T0 + i * 10, {"n": part(i), "blob": part(rng.randbytes(800).hex())})
    assert file._size() > 0.5 * 1024 * 1024
    file.prune(T0 + 10_000)
    assert file._size() <= 0.5 * 1024 * 1024
    reader = RecordingReader(path)
    first, last = reader.span() or (0.0, 0.0)
    assert last == T0 + 9990 and first > T0
    frame = reader.at(first)
    assert frame is not None and set(frame.parts) == {"n", "blob"}


def test_another_process_reads_while_this_one_writes(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    file = RecordingFile(path)
    file.write(T0, snap(0))
    reader = RecordingReader(path)
    assert reader.span() == (T0, T0)
    file.write(T0 + 1, {"n": part(1)})
    assert reader.span() == (T0, T0 + 1)
    frame = reader.at(T0 + 1)
    assert frame is not None and frame.parts["n"] == "1"
    assert file.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_writer_thread_writes_marks_and_frames_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    writer = RecordingWriter(path)
    writer.start()
    for i in range(5):
        writer.put(T0 + i, snap(i))
    writer.mark(T0 + 2, "alert", "connect rate fell under 20%")
    writer.close()
    assert (writer.written, writer.dropped, writer.failed) == (5, 0, None)
    reader = RecordingReader(path)
    assert [m.detail for m in reader.marks(T0, T0 + 9)] == ["connect rate fell under 20%"]
    assert [f.parts["n"] for f in reader.frames()] == ["0", "1", "2", "3", "4"]


def test_a_full_disk_stops_recording_with_a_sentence_and_nothing_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.sqlite"
    real_connect = sqlite3.connect

    def small_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[call-overload]
        # SQLite answers SQLITE_FULL past max_page_count exactly as on a full disk.
        conn.execute("PRAGMA max_page_count = 40")
        return conn  # type: ignore[no-any-return]

    monkeypatch.setattr(recording.sqlite3, "connect", small_disk)
    told: list[str] = []
    writer = RecordingWriter(path, on_fail=told.append)
    writer.start()
    rng = random.Random(2)
    for i in range(200):
        writer.put(T0 + i, {"n": part(i), "blob": part(rng.randbytes(2000).hex())})
    writer.close()
    assert writer.failed is not None
    assert told == [writer.failed]
    assert "disk is full" in writer.failed and "the monitor goes on" in writer.failed
    assert 0 < writer.written < 200
    writer.put(T0 + 999, {"n": part(999)})  # after the failure: ignored, nothing raised
    monkeypatch.undo()
    frames = list(RecordingReader(path).frames())
    assert [f.parts["n"] for f in frames] == [str(i) for i in range(writer.written)]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"hello, not a database at all" * 100, "not a recording (not an SQLite file)"),
        (b"", None),
    ],
)
def test_a_file_that_is_not_sqlite_is_refused_in_words(
    tmp_path: Path, content: bytes, words: str | None
) -> None:
    path = tmp_path / "r.sqlite"
    path.write_bytes(content)
    if words is None:
        # An empty file is an empty database to SQLite: a recording with nothing in it.
        with pytest.raises(RecordingError, match="not a DialNexa Monitor recording"):
            RecordingReader(path)
        RecordingFile(path).close()  # ...in which a recording may start
        assert RecordingReader(path).span() is None
        return
    with pytest.raises(RecordingError) as caught:
        RecordingReader(path)
    assert words in str(caught.value)
    with pytest.raises(RecordingError):
        RecordingFile(path)


def test_other_sqlite_files_newer_schemas_and_truncated_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(RecordingError, match="not a DialNexa Monitor recording"):
        RecordingReader(other)

    newer = tmp_path / "newer.sqlite"
    RecordingFile(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {recording.SCHEMA + 1}")
    for opener in (RecordingReader, RecordingFile):
        with pytest.raises(
            RecordingError, match=rf"newer DialNexa Monitor \(schema {recording.SCHEMA + 1}"
        ):
            opener(newer)

    whole = tmp_path / "whole.sqlite"
    file = RecordingFile(whole)
    for i in range(300):
        file.write(T0 + i * 61, {"n": part(i), "pad": part("p" * 500 + str(i))})
    file.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    file.close()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with pytest.raises(RecordingError, match="damaged|not a recording"):
        reader = RecordingReader(cut)
        list(reader.frames())


def test_a_locked_file_is_said_to_be_locked(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    RecordingFile(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(RecordingError, match="locked by another process"):
            RecordingFile(path, timeout_s=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_missing_file_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        RecordingReader(tmp_path / "nope.sqlite")


def test_a_schema_1_file_is_migrated_and_its_old_frames_still_read(tmp_path: Path) -> None:
    # Written as schema 1 wrote it: one zlib'd JSON object per frame, user_version 1.
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in recording._CREATE:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {recording.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    old = [snap(0), {"n": part(1)}]
    for i, parts in enumerate(old):
        body = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in parts.items()) + "}"
        conn.execute(
            "INSERT INTO frames (at, full, body) VALUES (?, ?, ?)",
            (T0 + i, int(i == 0), zlib.compress(body.encode())),
        )
    conn.close()
    file = RecordingFile(path)  # migrates 1 -> 2
    assert file.conn.execute("PRAGMA user_version").fetchone()[0] == recording.SCHEMA
    file.write(T0 + 2, {**snap(0), "n": part(2)})
    file.write(T0 + 3, {**snap(0), "n": part(3), "data": part({"rows": ["changed"]})})
    file.close()
    frames = list(RecordingReader(path).frames())
    assert [f.parts["n"] for f in frames] == ["0", "1", "2", "3"]
    assert frames[1].parts["data"] == snap(0)["data"]
    assert frames[3].parts["data"] == part({"rows": ["changed"]})


def test_small_parts_travel_in_one_bundle_and_read_back_verbatim() -> None:
    noise = random.Random(4).randbytes(3000).hex()
    base = {"now": part("t0"), "n": part(0), "big": part(noise), "ü": part("é")}
    nxt = {"now": part("t1"), "n": part(1), "big": part(noise[:-1] + "y"), "ü": part("ë")}
    blob = recording.encode(nxt, base)
    assert recording.decode(blob, base) == nxt
    key = recording.encode(nxt)
    assert recording.decode(key) == nxt
    assert len(blob) < len(key)  # against the previous texts a change costs little
    with pytest.raises(ValueError, match="needs the frame before it"):
        recording.decode(blob)


def test_a_large_part_is_written_as_pieces_of_the_last_and_reads_back_verbatim() -> None:
    rng = random.Random(9)
    rows = [{"id": f"call_{rng.randbytes(6).hex()}", "n": i, "name": "a},{b"} for i in range(900)]
    before = {"big": part(rows), "now": part(0)}
    rows[3]["n"] = -1
    rows.insert(10, {"id": "call_new", "n": 0, "name": '","'})
    del rows[500]
    after = {"big": part(rows), "now": part(1)}
    assert len(after["big"]) >= framecodec.LARGE
    blob = recording.encode(after, before)
    assert recording.decode(blob, before) == after
    assert len(blob) < len(recording.encode(after)) / 10  # a few changed rows cost a few
