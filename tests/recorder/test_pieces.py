"""A large part written as pieces of the last frame's text (issue 17's write path): the
galloping run search finds the same runs a piece-by-piece walk does, a part that mostly
changed is packed fast, and every case reads back verbatim."""

from __future__ import annotations

import json
import random
import zlib

from monitor.feeds import framecodec
from monitor.feeds.framecodec import decode, encode


def _rows(ids: list[int], state: str = "dialing") -> str:
    return "[" + ",".join(f'{{"id":"call_{n:06d}","s":"{state}"}}' for n in ids) + "]"


def _ops(body: bytes) -> list[object]:
    # The one entry after the frame's first byte: header (7 bytes) + name, then the pieces.
    name_len = int.from_bytes(body[1:3], "big")
    doc = json.loads(zlib.decompress(body[8 + name_len :]))
    ops: list[object] = doc["o"]
    return ops


def test_runs_are_as_long_as_the_unchanged_rows() -> None:
    before = _rows(list(range(1000)))
    # Rows 0-299 kept, 300-309 gone, 5 new rows, 310-999 kept: two runs and five new pieces.
    after = _rows(list(range(300)) + [5000 + n for n in range(5)] + list(range(310, 1000)))
    body = encode({"data.active": after}, {"data.active": before})
    assert decode(body, {"data.active": before}) == {"data.active": after}
    runs = [op for op in _ops(body) if isinstance(op, list)]
    assert [run[1] for run in runs] == [300, 690]
    assert sum(isinstance(op, str) for op in _ops(body)) == 5


def test_random_edits_read_back_verbatim_frame_after_frame() -> None:
    rng = random.Random(11)
    ids = list(range(1500))
    base: dict[str, str] | None = None
    for _ in range(12):
        for _ in range(rng.randint(0, 40)):
            at = rng.randrange(len(ids))
            if rng.random() < 0.5:
                del ids[at]
            else:
                ids.insert(at, rng.randrange(10**6))
        text = _rows(ids)
        body = encode({"data.active": text}, base)
        assert decode(body, base) == {"data.active": text}
        base = {"data.active": text}


def test_a_part_that_mostly_changed_is_packed_fast_and_reads_back() -> None:
    ids = list(range(3000))
    before, after = _rows(ids), _rows(ids, state="in_progress")
    assert len(after) > framecodec.FAST_OVER
    body = encode({"data.active": after}, {"data.active": before})
    name_len = int.from_bytes(body[1:3], "big")
    assert body[8 + name_len : 10 + name_len] == b"\x78\x01"  # zlib's header for level 1
    assert decode(body, {"data.active": before}) == {"data.active": after}


def test_a_part_no_longer_cut_where_its_last_text_was_reads_back() -> None:
    before = _rows(list(range(3000)))  # cut at "},{"
    after = json.dumps([f"call_{n:06d}" for n in range(3000)], separators=(",", ":"))
    encode({"data.x": before}, {"data.x": _rows(list(range(3001)))})  # `before` cut once
    assert any(c.text is before and c.sep == "},{" for c in framecodec._SPLITS)
    assert len(after) >= framecodec.LARGE
    body = encode({"data.x": after}, {"data.x": before})
    assert decode(body, {"data.x": before}) == {"data.x": after}


def test_new_pieces_with_escapes_and_any_script_read_back_verbatim() -> None:
    # The pieces document is JSON made by pydantic-core: quotes, backslashes, escaped
    # control characters, non-ASCII and line separators in new rows come back as they were.
    names = ['Zoë "the" \\\\ agent', "日本語\\n\\t", "\u2028\u2029 emoji \U0001f600", "\\u0000"]
    before = _rows(list(range(1500)))
    after = _rows(list(range(1500))).replace(
        '"id":"call_000150"', ",".join(f'"id":"{n}"' for n in names), 1
    )
    body = encode({"data.active": after}, {"data.active": before})
    assert any(isinstance(op, list) for op in _ops(body))  # written as pieces
    assert decode(body, {"data.active": before}) == {"data.active": after}


def test_a_frame_with_many_new_rows_packs_its_other_parts_fast() -> None:
    from monitor.feeds.rowparts import RowTexts

    def serialise(rows: list[object]) -> str:
        return json.dumps(rows, separators=(",", ":"))

    campaigns = json.dumps([{"id": f"camp_{n}", "placed": n * 7} for n in range(600)])
    later = campaigns.replace('"placed": 700', '"placed": 701')
    for new_rows, level in ((250, 1), (20, 2)):  # zlib's FLEVEL: 1 fast, 2 default
        texts = RowTexts(serialise, "[", "]", by_value=False)
        ids = [f"call_{n:06d}" for n in range(3000)]
        before_ids = texts.text(tuple(ids))
        assert before_ids is not None
        after_ids = texts.text(tuple(ids + [f"new_{n}" for n in range(new_rows)]))
        assert after_ids is not None and after_ids.new == new_rows
        base = {"data.call_ids": before_ids, "data.campaigns": campaigns}
        parts = {"data.call_ids": after_ids, "data.campaigns": later}
        body = encode(parts, base)
        assert decode(body, base) == parts
        name = b"data.campaigns"
        at = body.index(name) + len(name)
        assert body[at + 1] >> 6 == level  # the zlib header's compression level
