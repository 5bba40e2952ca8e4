"""Rows known unchanged without comparing them (issue 17's write cost at `huge`): the live
feed hands back the very row object of a call whose shown fields did not change, the
recorder then serialises only the rows that are new objects (no hash of every row), a dict's
members are found by key, and the codec writes the runs it is told about. Every frame still
reads back as the snapshot it recorded."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from monitor.api.models import Call
from monitor.feeds import LiveFeed
from monitor.feeds.framecodec import decode, encode
from monitor.feeds.recorder import SnapshotParts, SnapshotRecorder, snapshot_from_parts
from monitor.feeds.recording import RecordingReader
from monitor.feeds.rowparts import RowsText, RowTexts
from monitor.state.views import ActiveCallRow
from tests.ui.fixtures import call, make_engine


class Row:
    """A row object as a feed builds it: equal by value, hashable."""

    def __init__(self, id_: str, state: str) -> None:
        self.id, self.state = id_, state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and (self.id, self.state) == (other.id, other.state)

    def __hash__(self) -> int:
        return hash((self.id, self.state))


class Writer:
    """Serialises rows (`Row`s, or a dict's (key, value) pairs), counting the rows asked."""

    def __init__(self, *, members: bool = False) -> None:
        self.asked: list[int] = []
        self.members = members

    def __call__(self, rows: list[Any]) -> str:
        self.asked.append(len(rows))
        if self.members:
            return json.dumps(dict(rows), separators=(",", ":"))
        return json.dumps([{"id": r.id, "s": r.state} for r in rows], separators=(",", ":"))


def _ops(body: bytes) -> list[object]:
    size = int.from_bytes(body[1:3], "big")
    ops: list[object] = json.loads(zlib.decompress(body[8 + size :]))["o"]
    return ops


def test_rows_handed_back_as_the_same_objects_are_neither_hashed_nor_written_again() -> None:
    writer = Writer()
    texts = RowTexts(writer, "[", "]", by_value=True)
    rows = [Row(f"call_{k:06d}", "dialing") for k in range(1000)]
    before = texts.text(rows)
    assert before is not None and texts.looked_up == 1000  # the first frame: by value
    rows = list(rows)
    rows[400] = Row("call_000400", "in_progress")  # a changed call: a new object
    rows.insert(10, Row("call_new", "queued"))
    after = texts.text(rows)
    assert after is not None
    assert writer.asked[-1] == 2  # the two new objects only
    assert texts.looked_up == 1000  # no row looked up by value (hashed) this time
    assert after == writer(rows)  # the very JSON of every row
    assert after.new == 2 and after.rows[500] is before.rows[499]
    base = {"data.active": before}
    body = encode({"data.active": after}, base)
    assert decode(body, base) == {"data.active": after}
    literal = [op for op in _ops(body) if isinstance(op, str)]
    # The first and last pieces (brackets), the two new rows; the rest runs of the last.
    assert len(literal) == 4 and '"id":"call_new","s":"queued"' in literal
    assert sum(n for op in _ops(body) if isinstance(op, list) for n in op[1:]) == 997


def test_a_feed_that_rebuilds_every_row_still_writes_only_the_changed_ones() -> None:
    writer = Writer()
    texts = RowTexts(writer, "[", "]", by_value=True)
    before = texts.text([Row(f"call_{k:06d}", "dialing") for k in range(500)])
    rebuilt = [Row(f"call_{k:06d}", "dialing") for k in range(500)]  # equal, not the same
    rebuilt[7] = Row("call_000007", "in_progress")
    after = texts.text(rebuilt)
    assert before is not None and after is not None
    assert writer.asked[-1] == 1 and texts.looked_up == 1000  # found by value
    base = {"data.active": before}
    assert decode(encode({"data.active": after}, base), base) == {"data.active": after}


def test_a_dicts_members_are_found_by_key_and_only_new_values_written() -> None:
    writer = Writer(members=True)
    texts = RowTexts(writer, "{", "}", by_value=True, members=True)
    outcomes = {f"call_{k:06d}": "completed" for k in range(2000)}
    before = texts.text(outcomes)
    later = dict(outcomes)
    del later["call_000003"]  # aged out
    later["call_000900"] = "no_answer"  # its value changed (same key, same place)
    later = {
        **dict(list(later.items())[:50]),
        "call_ended": "busy",
        **dict(list(later.items())[50:]),
    }
    after = texts.text(later)
    assert before is not None and after is not None
    assert writer.asked[-1] == 2  # the changed value and the new key
    assert after == writer(list(later.items()))
    assert after.new == 2
    base = {"data.outcomes": before}
    body = encode({"data.outcomes": after}, base)
    assert decode(body, base) == {"data.outcomes": after}
    literal = [op for op in _ops(body) if isinstance(op, str)]
    # Members cut at `","`: each piece is a member without its outer quotes.
    assert 'call_000900":"no_answer' in literal and 'call_ended":"busy' in literal
    assert len(body) < 300


def test_sliding_ids_are_one_run_of_the_last_frame() -> None:
    texts = RowTexts(
        lambda rows: json.dumps(list(rows), separators=(",", ":")), "[", "]", by_value=False
    )
    ids = tuple(f"call_{k:06d}" for k in range(3000))
    before = texts.text(ids)
    after = texts.text((*ids[25:], "call_x", "call_y"))
    assert before is not None and after is not None
    body = encode({"data.call_ids": after}, {"data.call_ids": before})
    ops = _ops(body)
    assert ops[1] == [26, 2973] and len(ops) == 3  # first row, one run, the rest
    assert decode(body, {"data.call_ids": before}) == {"data.call_ids": after}


def _reread(row: ActiveCallRow, status: str, **extra: Any) -> Call:
    """The call of `row` as the API lists it again, with `status` and `extra` fields."""
    assert row.started_at is not None
    return call(
        row.id,
        status,
        ago=0,
        campaign=row.campaign_id or "",
        to=row.to_number or "",
        attempt=row.attempt or 1,
        created_at=row.started_at.isoformat(),
        **extra,
    )


def test_the_live_feed_hands_back_the_row_of_a_call_whose_shown_fields_did_not_change() -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    first = feed.snapshot()
    mono = engine.clock.monotonic()
    shown = {r.id: r for r in first.data.active}
    running = next(r for r in first.data.active if r.status == "in_progress")
    dialing = next(r for r in first.data.active if r.status == "dialing")
    # A re-read: the record moves on (its duration) but nothing the row shows.
    engine.store.upsert_call(_reread(running, "in_progress", duration_seconds=999), mono + 1)
    engine.store.upsert_call(_reread(dialing, "in_progress"), mono + 1)
    engine.clock.advance(1.0)
    second = feed.snapshot()
    assert second.data is not first.data
    again = {r.id: r for r in second.data.active}
    assert engine.store.calls[running.id].call.duration_s == 999  # the record did change
    assert again[running.id] is shown[running.id]
    assert again[dialing.id] is not shown[dialing.id]
    assert again[dialing.id].status == "in_progress" and shown[dialing.id].status == "dialing"
    # The others: the same object exactly when equal (a dialling call past a minute of
    # ringing shows the long call mark a second later: a new row).
    others = [i for i in shown if i not in (running.id, dialing.id)]
    assert [i for i in others if again[i] is shown[i]] == [
        i for i in others if again[i] == shown[i]
    ]
    flipped = [i for i in others if again[i] != shown[i]]
    assert len(others) - len(flipped) >= 4
    assert all(again[i].long_call and not shown[i].long_call for i in flipped)


def test_a_recording_written_with_rows_reused_replays_every_snapshot_equal(
    tmp_path: Path,
) -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    recorder = SnapshotRecorder.open(tmp_path / "r.sqlite")
    recorder._parts.rows_from = 0  # this workspace's parts are short: made from rows all the same
    snaps = []
    for step in range(8):
        engine.clock.advance(1.0)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call(f"call_new{step:08d}", "dialing", ago=1), mono)
        if step % 2:  # the one before connects
            engine.store.upsert_call(call(f"call_new{step - 1:08d}", "in_progress", ago=2), mono)
        if step == 5:  # one ends: an outcome, out of the calls in flight
            engine.store.upsert_call(call("call_new00000002", "completed", ago=9), mono)
        snap = feed.snapshot()
        recorder.record(snap)
        snaps.append(snap)
    recorder.close()
    reader = RecordingReader(tmp_path / "r.sqlite")
    frames = list(reader.frames())
    assert len(frames) == len(snaps)
    for frame, snap in zip(frames, snaps, strict=True):
        assert snapshot_from_parts(frame.parts).model_dump_json() == snap.model_dump_json()
    assert "call_new00000002" in snaps[-1].data.outcomes


def test_a_field_rebuilt_with_the_same_rows_is_not_written_again() -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    parts_of = SnapshotParts()
    parts_of.rows_from = 0  # this workspace's parts are short: made from rows all the same
    snaps, parts = [], []
    for step in range(4):
        engine.clock.advance(1.0)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call(f"call_newone{step:06d}", "dialing", ago=1), mono)
        if step == 3:  # one ends: a new outcome
            engine.store.upsert_call(call("call_newone000000", "completed", ago=9), mono)
        # The feed hands back the last outcomes while none came or went: made anew here
        # at each step (as a feed without that reuse would) to reach the recorder's own test.
        engine.store.memo.pop("recent_outcomes", None)
        snaps.append(feed.snapshot())
        parts.append(parts_of(snaps[-1], snaps[-2] if step else None))
    # Rebuilt (a new dict) with the same calls: once the row texts hold them, not serialised
    # nor sent again.
    third, before = snaps[2].data.outcomes, snaps[1].data.outcomes
    assert third and third is not before and third == before
    assert "data.outcomes" not in parts[2]
    assert "call_newone000002" in parts[2]["data.active"]
    # The next change is still written as the one member that changed, not the whole field.
    changed = parts[3]["data.outcomes"]
    assert isinstance(changed, RowsText) and changed.new == 1
    assert "call_newone000000" in changed and "call_newone000000" not in str(before)


def test_the_last_frames_first_and_last_rows_moved_inside_read_back() -> None:
    # Their pieces carry the brackets: written again, never part of a run.
    texts = RowTexts(Writer(), "[", "]", by_value=True)
    rows = [Row(f"call_{k:06d}", "dialing") for k in range(2000)]
    before = texts.text(rows)
    after = texts.text([Row("call_first", "queued"), *rows, Row("call_last", "queued")])
    assert before is not None and after is not None
    base = {"data.active": before}
    body = encode({"data.active": after}, base)
    assert decode(body, base) == {"data.active": after}
    runs = [op for op in _ops(body) if isinstance(op, list)]
    assert runs == [[1, 1998]]  # the inner rows of the last frame, in one run


def test_rows_all_new_at_once_after_rows_came_back_are_not_hashed() -> None:
    # The live feed hands rows back by identity; once in a while every row is a new object
    # (all rebuilt at once): they are serialised, none hashed for a lookup that could find
    # nothing. A feed whose rows are new objects frame after frame is looked up by value.
    writer = Writer()
    texts = RowTexts(writer, "[", "]", by_value=True)
    rows = [Row(f"call_{k:06d}", "dialing") for k in range(300)]
    texts.text(rows)  # the first frame: by value
    assert texts.looked_up == 300
    texts.text(list(rows))  # handed back: by identity
    rebuilt = [Row(r.id, r.state) for r in rows]
    made = texts.text(rebuilt)
    assert made is not None and made == writer(rebuilt)
    assert texts.looked_up == 300 and writer.asked[-2] == 300  # made anew, not hashed
    again = [Row(r.id, r.state) for r in rows]
    texts.text(again)  # new objects twice running: by value (kept from now on)
    assert texts.looked_up == 600
    asked = len(writer.asked)
    third = [Row(r.id, r.state) for r in rows]
    made = texts.text(third)
    assert made is not None and made == writer(third)
    assert texts.looked_up == 900 and len(writer.asked) == asked + 1  # found by value
