"""Row texts kept from frame to frame (issue 17's write path at `huge`): only the rows that
changed are serialised, the codec maps rows instead of cutting the text, and every frame
reads back verbatim with the schema-2 reader (the bodies' format did not change)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from monitor.feeds import LiveFeed, framecodec
from monitor.feeds.framecodec import decode, encode
from monitor.feeds.recorder import DATA_PREFIX, SnapshotParts, SnapshotRecorder
from monitor.feeds.recording import RecordingReader
from monitor.feeds.rowparts import RowsText, RowTexts
from monitor.state.snapshot import SnapshotData
from tests.ui.fixtures import call, make_engine

Row = tuple[str, str]


class Objects:
    """Rows (id, state) written as JSON objects, counting the rows it is asked to write."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def __call__(self, rows: list[Any]) -> str:
        self.asked.append(len(rows))
        return json.dumps([{"id": i, "s": s} for i, s in rows], separators=(",", ":"))


def _rows(n: int, state: str = "dialing") -> list[Row]:
    return [(f"call_{k:06d}", state) for k in range(n)]


def _name_and_kind(body: bytes) -> tuple[str, int]:
    size = int.from_bytes(body[1:3], "big")
    return body[8 : 8 + size].decode(), body[3]


def _ops(body: bytes) -> list[object]:
    size = int.from_bytes(body[1:3], "big")
    ops: list[object] = json.loads(zlib.decompress(body[8 + size :]))["o"]
    return ops


def test_only_the_rows_that_changed_are_written_again() -> None:
    writer = Objects()
    texts = RowTexts(writer, "[", "]", by_value=True)
    rows = _rows(1000)
    first = texts.text(rows)
    rows[500] = ("call_000500", "in_progress")
    second = texts.text(rows)
    assert first is not None and second is not None
    assert writer.asked[-1] == 1  # one row serialised, not 1,000
    assert second == writer(rows)  # the very JSON of all the rows
    assert second.rows[499] is first.rows[499]  # an unchanged row's text is kept


def test_one_changed_call_in_a_thousand_costs_one_row_in_the_frame() -> None:
    texts = RowTexts(Objects(), "[", "]", by_value=True)
    rows = _rows(1000)
    before = texts.text(rows)
    rows[500] = ("call_000500", "in_progress")
    del rows[10]
    rows.append(("call_new", "queued"))
    after = texts.text(rows)
    assert before is not None and after is not None
    body = encode({"data.active": after}, {"data.active": before})
    assert decode(body, {"data.active": before}) == {"data.active": after}
    literal = [op for op in _ops(body) if isinstance(op, str)]
    # The first and last pieces carry the brackets; between them, the one changed row.
    assert '"id":"call_000500","s":"in_progress"' in literal
    assert len(literal) == 3
    assert len(body) < 300


def test_a_row_holding_the_separator_is_cut_as_text_and_reads_back() -> None:
    texts = RowTexts(Objects(), "[", "]", by_value=True)
    rows = _rows(2000)
    before = texts.text(rows)
    rows[7] = ('odd"},{"id":"x', "dialing")  # the separator inside a string
    after = texts.text(rows)
    assert before is not None and after is not None
    assert after.sep is None and before.sep == "},{"
    assert after == Objects()(rows)
    base = {"data.active": str(before)}
    assert decode(encode({"data.active": after}, base), base) == {"data.active": after}


def test_rows_that_mostly_changed_are_written_whole_and_read_back() -> None:
    texts = RowTexts(Objects(), "[", "]", by_value=True)
    before = texts.text(_rows(1000))
    after = texts.text(_rows(1000, state="in_progress"))
    assert before is not None and after is not None and after.new == 1000
    body = encode({"data.active": after}, {"data.active": before})
    assert _name_and_kind(body) == ("data.active", 0)  # the whole part, no dictionary
    assert decode(body, {"data.active": before}) == {"data.active": after}


def test_call_ids_slide_only_the_new_ids_are_written() -> None:
    asked: list[int] = []

    def strings(rows: list[Any]) -> str:
        asked.append(len(rows))
        return json.dumps(list(rows), separators=(",", ":"))

    texts = RowTexts(strings, "[", "]", by_value=False)
    ids = tuple(f"call_{k:06d}" for k in range(5000))
    before = texts.text(ids)
    later = (*ids[40:], "call_a", "call_b")
    after = texts.text(later)
    assert before is not None and after is not None
    assert asked[-1] == 2
    assert after == strings(list(later))
    body = encode({"data.call_ids": after}, {"data.call_ids": before})
    assert decode(body, {"data.call_ids": before}) == {"data.call_ids": after}
    assert len(body) < 200
    # Not a window of the last ids (one moved): all written anew, still exact.
    moved = (later[1], later[0], *later[2:])
    again = texts.text(moved)
    assert again == strings(list(moved)) and asked[-1] == len(moved)


def test_rows_text_is_cut_by_the_reader_into_its_rows() -> None:
    text = RowsText(["a", "b", "c"], "[{", "}]", "},{", True, "[]")
    assert text == "[{a},{b},{c}]"
    assert text.split("},{") == ["[{a", "b", "c}]"]
    assert text.literal(0, 1) == "[{a},{b" and text.literal(1, 2) == "b},{c}]"
    assert RowsText([], "[{", "}]", "},{", True, "[]") == "[]"


def test_a_recorder_keeps_row_texts_and_every_field_is_the_json_pydantic_writes(
    tmp_path: Path,
) -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    parts_of = SnapshotParts()
    parts_of.rows_from = 0  # this workspace's parts are short: made from rows all the same
    recorder = SnapshotRecorder.open(tmp_path / "r.sqlite")
    recorder._parts.rows_from = 0
    previous = None
    snaps = []
    for step in range(6):
        engine.clock.advance(1.0)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call(f"call_new{step:08d}", "dialing", ago=1), mono)
        if step % 2:
            engine.store.upsert_call(call(f"call_new{step - 1:08d}", "in_progress", ago=2), mono)
        snap = feed.snapshot()
        parts = parts_of(snap, previous)
        for name, info in SnapshotData.model_fields.items():
            if DATA_PREFIX + name in parts:
                adapter: TypeAdapter[Any] = TypeAdapter(info.annotation or Any)
                expected = adapter.dump_json(getattr(snap.data, name)).decode()
                assert parts[DATA_PREFIX + name] == expected, (step, name)
        recorder.record(snap)
        snaps.append(snap)
        previous = snap
    recorder.close()
    reader = RecordingReader(tmp_path / "r.sqlite")
    for snap in snaps:
        frame = reader.at(snap.now.timestamp())
        assert frame is not None
        active = frame.parts[DATA_PREFIX + "active"]
        assert json.loads(active) == json.loads(TypeAdapter(Any).dump_json(snap.data.active))


def test_the_codec_still_cuts_a_plain_text() -> None:
    # A part that does not know its rows (a file's own text, a test's) takes the text path.
    before = "[" + ",".join(f'{{"id":"call_{n:06d}"}}' for n in range(3000)) + "]"
    after = before.replace("call_001500", "call_xxxxxx")
    body = encode({"data.x": after}, {"data.x": before})
    assert _name_and_kind(body)[1] == 4  # pieces
    assert decode(body, {"data.x": before}) == {"data.x": after}
    assert len(after) >= framecodec.LARGE


def test_a_long_field_is_made_from_its_rows_from_the_first_frame() -> None:
    # Its length is not known before it is made: made from its rows, so the field's first
    # change finds them kept (else the whole field was written again then).
    engine = make_engine()
    feed = LiveFeed(engine)
    parts_of = SnapshotParts()
    parts_of.rows_from = 1  # every field made of rows counts as long here
    mono = engine.clock.monotonic()
    for k in range(6):
        engine.store.upsert_call(call(f"call_first{k:06d}", "dialing", ago=1), mono)
    first = feed.snapshot()
    made = parts_of(first, None)[DATA_PREFIX + "active"]
    assert isinstance(made, RowsText)
    engine.clock.advance(1.0)
    engine.store.upsert_call(
        call("call_first000003", "in_progress", ago=2), engine.clock.monotonic()
    )
    second = feed.snapshot()
    after = parts_of(second, first)[DATA_PREFIX + "active"]
    # The calls that moved on (the one above, and the fixture's with a second more), not
    # every row.
    assert isinstance(after, RowsText) and len(after.rows) >= 10 and after.new <= 3
    adapter: TypeAdapter[Any] = TypeAdapter(SnapshotData.model_fields["active"].annotation)
    assert after == adapter.dump_json(second.data.active).decode()
