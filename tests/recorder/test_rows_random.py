"""Row texts kept from frame to frame, under random sequences of frames (issue 17): whatever
rows come, go, change, move or come back as the very objects of an earlier frame, and
whenever the recorder readies a field between two of its frames, each frame's text is the
one made from scratch and reads back from its pieces entry after the frame before it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.feeds.framecodec import LARGE, decode, encode
from monitor.feeds.rowparts import RowTexts
from tests.recorder.test_row_reuse import Row, Writer

PAD = "x" * 700
"""Each row this long: 50 rows outgrow `LARGE`, so the codec writes pieces (row runs)."""

Edit = tuple[str, int, int]

edits = st.lists(
    st.tuples(
        st.sampled_from(["keep", "change", "drop", "add", "move", "revive", "ready"]),
        st.integers(0, 10_000),
        st.integers(1, 12),
    ),
    max_size=12,
)


def _step(rows: list[Row], pool: list[Row], edit: Edit, serial: list[int]) -> None:
    kind, where, count = edit
    at = where % (len(rows) + 1)
    if kind == "change":  # new objects for rows whose shown fields moved on
        for k in range(at, min(at + count, len(rows))):
            rows[k] = Row(rows[k].id, f"s{serial[0]}{PAD}")
            serial[0] += 1
    elif kind == "drop":
        del rows[at : at + count]
    elif kind == "add":
        for _ in range(count):
            rows.insert(at, Row(f"call_{serial[0]:06d}", f"dialing{PAD}"))
            serial[0] += 1
    elif kind == "move" and rows:
        rows.insert(at % len(rows), rows.pop(where % len(rows)))
    elif kind == "revive" and pool:  # a row object of an earlier frame comes back
        rows.insert(at, pool[where % len(pool)])


@settings(max_examples=60, deadline=None)
@given(st.integers(40, 90), st.lists(edits, min_size=1, max_size=8))
def test_rows_made_frame_after_frame_are_the_text_made_from_scratch(
    start: int, frames: list[list[Edit]]
) -> None:
    writer = Writer()
    texts = RowTexts(writer, "[", "]", by_value=True)
    serial = [start]
    rows = [Row(f"call_{k:06d}", f"dialing{PAD}") for k in range(start)]
    pool = list(rows)
    last = texts.text(tuple(rows))
    assert last is not None
    for frame in frames:
        for edit in frame:
            if edit[0] == "ready":
                texts.prepare()  # the recorder, on a frame that left this field alone
            else:
                _step(rows, pool, edit, serial)
        pool.extend(rows)
        made = texts.text(tuple(rows))
        assert made is not None
        assert made == Writer()(rows)  # the JSON of all the rows, as if made from scratch
        base = {"data.active": last}
        assert decode(encode({"data.active": made}, base), base) == {"data.active": made}
        last = made


@settings(max_examples=60, deadline=None)
@given(
    st.integers(60, 120),
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 10_000), max_size=15),  # keys that age out
            st.lists(st.integers(0, 10_000), max_size=15),  # keys whose outcome changed
            st.integers(0, 20),  # calls that ended
            st.booleans(),  # readied before this frame
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_members_made_frame_after_frame_are_the_text_made_from_scratch(
    start: int, frames: list[tuple[list[int], list[int], int, bool]]
) -> None:
    texts = RowTexts(Writer(members=True), "{", "}", by_value=True, members=True)
    outcomes = {f"call_{k:06d}{PAD}": "completed" for k in range(start)}
    serial = start
    last = texts.text(outcomes)
    assert last is not None
    for gone, moved, ended, ready in frames:
        outcomes = dict(outcomes)
        keys = list(outcomes)
        for k in gone:
            if keys:
                outcomes.pop(keys[k % len(keys)], None)
        keys = list(outcomes)
        for k in moved:
            if keys:
                outcomes[keys[k % len(keys)]] = f"failed{k}"
        for _ in range(ended):
            outcomes[f"call_{serial:06d}{PAD}"] = "no_answer"
            serial += 1
        if ready:
            texts.prepare()
        made = texts.text(outcomes)
        assert made is not None
        assert made == json.dumps(outcomes, separators=(",", ":"))
        if len(made) >= LARGE:
            base = {"data.outcomes": last}
            assert decode(encode({"data.outcomes": made}, base), base) == {"data.outcomes": made}
        last = made


def test_a_readied_field_still_finds_its_unchanged_rows() -> None:
    # Readying between frames changes where the work is done, not what is written: one
    # changed row among 60 is the one row serialised again.
    writer = Writer()
    texts = RowTexts(writer, "[", "]", by_value=True)
    rows: list[Any] = [Row(f"call_{k:06d}", f"dialing{PAD}") for k in range(60)]
    texts.text(tuple(rows))
    texts.prepare()
    texts.prepare()  # twice: nothing more to do
    rows[30] = Row("call_000030", f"in_progress{PAD}")
    made = texts.text(tuple(rows))
    assert made is not None and made.new == 1 and writer.asked[-1] == 1
