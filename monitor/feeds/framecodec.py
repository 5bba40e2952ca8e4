"""A recording's frame bodies (issue 17): the parts of one frame, each compressed.

Schema 2 (`FRAME_V2`): a delta frame's part is compressed with the part's previous text as
zlib's preset dictionary, so a part that changed a little costs a little. Schema 1 bodies (one
zlib'd JSON object) are still read: the first byte tells them apart.
"""

from __future__ import annotations

import itertools
import json
import operator
import struct
import zlib
from collections.abc import Mapping, Sequence

import pydantic_core

from monitor.feeds.rowparts import RowsText, indices
from monitor.feeds.rowruns import Run, run_length

FRAME_V2 = b"\x02"
"""Schema 2's frame body starts with this byte (a schema-1 body is a zlib stream, 0x78...):
each part compressed on its own, a delta frame's part with the part's previous text as zlib's
preset dictionary, so a part that changed a little costs a little (a day of `busy` went from
~750 MB to what the benchmark reports)."""


SMALL = 1024
"""Parts shorter than this (the clock fields, health, pane ages) go in one bundle per frame,
compressed together: a few bytes each instead of a zlib stream's overhead each."""
_PART, _PART_REF, _BUNDLE, _BUNDLE_REF, _PIECES = 0, 1, 2, 3, 4
LARGE = 32 * 1024
"""Parts this long (a huge workspace's calls in flight: ~250 KB) outgrow zlib's 32 KB window,
so a dictionary of their previous text helps little: they are cut into pieces at a separator
and written as runs of the previous text's pieces plus the pieces that are new. Cutting and
joining at the same separator gives the text back verbatim, wherever the separator falls."""
_SEPARATORS = ("},{", '","', ",")
FAST_FRAME_ROWS = 200
"""A delta frame whose row parts have this many new rows compresses its other parts fast."""
FAST_OVER = 64 * 1024
"""A pieces document longer than this is compressed at zlib's level 1 (see `_packed_ops`)."""


class _Split:
    """A text cut at a separator, and where each distinct piece first is (built when asked)."""

    __slots__ = ("_where", "pieces", "sep", "text")

    def __init__(self, text: str, sep: str, pieces: list[str]) -> None:
        self.text, self.sep, self.pieces = text, sep, pieces
        self._where: dict[str, int] | None = None

    @property
    def where(self) -> dict[str, int]:
        if self._where is None:
            # Built in C: later pieces are written first, so a repeated piece keeps its first
            # index.
            n = len(self.pieces)
            self._where = dict(zip(reversed(self.pieces), range(n - 1, -1, -1), strict=True))
        return self._where


_SPLITS: list[_Split] = []
"""The last large texts cut (a frame's text is the next frame's reference: cut once, not twice
a frame). Matched by identity: the writer passes the very string it encoded last time."""
_SPLITS_KEPT = 8


def _split(text: str, sep: str) -> _Split:
    for cached in _SPLITS:
        if cached.text is text and cached.sep == sep:
            return cached
    made = _Split(text, sep, text.split(sep))
    _SPLITS.append(made)
    del _SPLITS[:-_SPLITS_KEPT]
    return made


def _pieces(text: str, ref: str) -> bytes | None:
    """The text as runs of `ref`'s pieces and new pieces; None when no separator fits."""
    if isinstance(text, RowsText) and isinstance(ref, RowsText):
        by_rows = _row_ops(text, ref)
        if by_rows is not None:  # both made of their rows by the recorder: mapped row by row
            return _packed_ops(text.sep or "", by_rows)
    # The separator the reference was cut at (the last frame chose it) is tried first: the
    # cut is needed anyway, whereas counting every separator scans ~250 KB once or twice.
    hint = next((c.sep for c in _SPLITS if c.text is ref), None)
    cut = _split(text, hint) if hint is not None else None
    if cut is None or len(cut.pieces) <= 50:
        sep = next((sp for sp in _SEPARATORS if text.count(sp) >= 50), None)
        if sep is None:
            return None
        cut = _split(text, sep)
    sep = cut.sep
    previous = _split(ref, sep)
    old, where = previous.pieces, previous.where
    new = cut.pieces
    ops: list[str | bytes] = []
    i, count = 0, len(new)
    while i < count:
        found = where.get(new[i])
        if found is None:
            ops.append(new[i])
            i += 1
            continue
        run = run_length(old, found, new, i)
        ops.append(_run_op(found, run))
        i += run
    return _packed_ops(sep, ops)


def _row_ops(text: RowsText, ref: RowsText) -> list[str | bytes] | None:
    """`text`'s pieces as runs of `ref`'s (`[first, count]`) and literal pieces, found row
    by row: the pieces cut at `sep` are the rows (the first and last with the brackets), so
    no text is cut or compared. None when the two are not cut at the same separator.

    Where each row was in `ref` comes from the text's maker when it was made after `ref`
    (`at`, `slid`), else from looking each row up among `ref`'s (in C: an unchanged row is
    the very text object of the last frame, its hash kept). The Python loop below then runs
    once per run or new row (~250 at a `huge` re-read), not once per row (~1,000)."""
    sep = text.sep
    if sep is None or sep != ref.sep or len(text.rows) < 3 or len(ref.rows) < 3:
        return None
    new = text.rows
    last, old_last = len(new) - 1, len(ref.rows) - 1
    made_after = text.before is ref.rows
    if made_after and text.slid is not None:
        start, kept = text.slid  # rows 0..kept-1 are ref's from `start` on, to its last
        if kept >= 3:
            return [text.literal(0, 0), _run_op(start + 1, kept - 2), text.literal(kept - 1, last)]
    if made_after and text.runs is not None:
        return _runs_ops(text, text.runs, old_last)
    if made_after and text.at is not None:
        at = text.at[1:last]
        # `ref`'s first and last pieces carry its brackets: never part of a run (a row is
        # there once, so two scans in C find them).
        for edge in (0, old_last):
            k = -1
            while True:
                try:
                    k = at.index(edge, k + 1)
                except ValueError:
                    break
                at[k] = -1
    else:  # where each inner row was among `ref`'s inner rows (-1: not there)
        at = list(map(ref.where.get, new[1:last], itertools.repeat(-1)))
    # A row continues a run when it was right after the row before it (a new row never
    # does: -1 minus an index or -1 is never 1, nor is 0, not an inner row, minus -1). The
    # differences of a run are 1, a cached int: nothing allocated per row.
    breaks = map(_ONE.__ne__, map(operator.sub, at, itertools.chain((-9,), at)))
    starts = list(itertools.compress(indices(len(at)), breaks))
    starts.append(len(at))
    ops: list[str | bytes] = []
    pending: int | None = 0  # the first row of literal rows not yet written (row 0 always)
    for k, end in zip(starts, itertools.islice(starts, 1, None), strict=False):
        j = at[k]
        if j < 0:  # a new row (rows k + 1 ... are each a segment of their own)
            if pending is None:
                pending = k + 1
            continue
        if pending is not None:
            ops.append(text.literal(pending, k))
            pending = None
        ops.append(_run_op(j, end - k))
    ops.append(text.literal(last if pending is None else pending, last))
    return ops


_ONE = 1


def _runs_ops(text: RowsText, runs: Sequence[Run], old_last: int) -> list[str | bytes]:
    """The ops of rows whose runs of `ref`'s rows the maker found (`RowsText.runs`): a
    Python step per run, none per row. The first and last rows of either text carry its
    brackets: never in a run (a run is trimmed off them; its rows are then literal)."""
    last = len(text.rows) - 1
    ops: list[str | bytes] = []
    pending = 0  # the first row not yet written (row 0 always is literal)
    for row, before_row, count in runs:
        skip = max(1 - row, 1 - before_row, 0)
        first, old_first = row + skip, before_row + skip
        end = min(row + count, last, first + old_last - old_first)
        if end <= first:
            continue
        if pending < first:
            ops.append(text.literal(pending, first - 1))
        ops.append(_run_op(old_first, end - first))
        pending = end
    ops.append(text.literal(pending, last))
    return ops


def _run_op(first: int, count: int) -> bytes:
    """A run of the last text's pieces as the pieces document writes it, `[first,count]`:
    JSON text already, so no list per run (~300 on a frame where a huge workspace's calls
    in flight were re-read: each a container the garbage collector counts, so such a
    write set off a gen-0 collection, ~1-2 ms, far more often than its own work needs)."""
    return b"[%d,%d]" % (first, count)


def _packed_ops(sep: str, ops: list[str | bytes]) -> bytes:
    # Compact JSON, in UTF-8, as `json.dumps` writes it: a literal piece escaped by
    # pydantic-core (in half `json.dumps`'s time on a huge workspace's ~120 KB of new
    # rows), a run as the text `_run_op` made.
    to_json = pydantic_core.to_json
    items = [op if op.__class__ is bytes else to_json(op) for op in ops]
    # The ~140 KB document copied once: its head and tail go with the first and last op.
    head = b'{"s":' + to_json(sep) + b',"o":['
    if items:
        items[0] = head + items[0]
    else:
        items = [head]
    items[-1] += b"]}"
    doc = b",".join(items)
    # A part that mostly changed (at `huge`, a second where most rows in flight moved on:
    # ~230 KB of new pieces) is compressed fast: level 1 takes ~40% of level 6's time there,
    # for ~20% more bytes on those frames only (a day of `huge` stays far under its 1 GB).
    return zlib.compress(doc, 1 if len(doc) > FAST_OVER else 6)


def _from_pieces(packed: bytes, ref: str) -> str:
    doc = json.loads(zlib.decompress(packed))
    sep: str = doc["s"]
    old = ref.split(sep)
    out: list[str] = []
    for op in doc["o"]:
        if isinstance(op, str):
            out.append(op)
        else:
            start, count = op
            out.extend(old[start : start + count])
    return sep.join(out)


def _pack(raw: bytes, ref: str | None, *, fast: bool = False) -> bytes:
    if ref is None:
        # A long text written whole (a keyframe's, or one whose rows mostly changed) at
        # level 1, as `_packed_ops` does: ~40% of level 6's time for ~20% more bytes.
        return zlib.compress(raw, 1 if len(raw) > FAST_OVER else 6)
    comp = zlib.compressobj(2 if fast else 6, zdict=ref.encode("utf-8"))
    return comp.compress(raw) + comp.flush()


def _unpack(packed: bytes, ref: str | None) -> str:
    if ref is None:
        return zlib.decompress(packed).decode("utf-8")
    dec = zlib.decompressobj(zdict=ref.encode("utf-8"))
    return (dec.decompress(packed) + dec.flush()).decode("utf-8")


def _entry(kind: int, key: str, packed: bytes) -> bytes:
    name = key.encode("utf-8")
    return struct.pack(">HBI", len(name), kind, len(packed)) + name + packed


def encode(parts: Mapping[str, str], base: Mapping[str, str] | None = None) -> bytes:
    """A frame's body; `base`: the parts as of the previous frame (None for a keyframe)."""
    out = [FRAME_V2]
    made = sum(t.new for t in parts.values() if isinstance(t, RowsText))
    # A frame that brought many new rows (at `huge`, the calls in flight re-read: ~300
    # rows to write) compresses its other parts against their last text fast: level 6
    # spends ~0.3 ms on a huge workspace's 26 KB of campaigns, level 2 ~0.08 ms for ~600
    # bytes more (on those frames only; `busy` never has that many rows new at once).
    fast = base is not None and made >= FAST_FRAME_ROWS
    small = [n for n, t in parts.items() if len(t) < SMALL and "\n" not in n]
    if small:
        bundle = json.dumps([parts[n] for n in small], ensure_ascii=False)
        ref = None
        if base is not None and all(n in base for n in small):
            ref = json.dumps([base[n] for n in small], ensure_ascii=False)
        kind = _BUNDLE_REF if ref is not None else _BUNDLE
        out.append(_entry(kind, "\n".join(small), _pack(bundle.encode("utf-8"), ref)))
    for name, text in parts.items():
        if name in small:
            continue
        ref = base.get(name) if base is not None else None
        long = len(text) >= LARGE
        mostly_new = isinstance(text, RowsText) and text.new * 2 > len(text.rows)
        if long and ref is not None and mostly_new:
            # Most rows are new (most calls in flight changed at once): the pieces
            # would be the whole text anyway, with JSON escapes and a row map on top, and the
            # last text's 32 KB window as a dictionary would not help; written whole, fast
            # (as large as the pieces, in half the time).
            ref = None
        if ref is not None and long:
            pieces = _pieces(text, ref)
            if pieces is not None:
                out.append(_entry(_PIECES, name, pieces))
                continue
        kind = _PART_REF if ref is not None else _PART
        out.append(_entry(kind, name, _pack(text.encode("utf-8"), ref, fast=fast)))
    return b"".join(out)


def decode(blob: bytes, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Part texts back, verbatim. `base`: every part as of the previous frame (a delta frame
    of schema 2 needs it; a reader applies frames in order from a keyframe, so it has it)."""
    if blob[:1] != FRAME_V2:  # schema 1: one zlib'd JSON object, values re-serialised
        doc = json.loads(zlib.decompress(blob))
        return {k: json.dumps(v, separators=(",", ":"), ensure_ascii=False) for k, v in doc.items()}
    parts: dict[str, str] = {}
    pos = 1
    while pos < len(blob):
        size, kind, length = struct.unpack_from(">HBI", blob, pos)
        pos += 7
        key = blob[pos : pos + size].decode("utf-8")
        pos += size
        packed = blob[pos : pos + length]
        pos += length
        names = key.split("\n") if kind in (_BUNDLE, _BUNDLE_REF) else [key]
        ref: str | None = None
        if kind == _PIECES:
            if base is None or key not in base:
                raise ValueError(f"part {key!r} needs the frame before it")
            parts[key] = _from_pieces(packed, base[key])
            continue
        if kind in (_PART_REF, _BUNDLE_REF):
            if base is None or any(n not in base for n in names):
                raise ValueError(f"part {key!r} needs the frame before it")
            ref = (
                base[key]
                if kind == _PART_REF
                else json.dumps([base[n] for n in names], ensure_ascii=False)
            )
        text = _unpack(packed, ref)
        if kind in (_BUNDLE, _BUNDLE_REF):
            texts = json.loads(text)
            if not isinstance(texts, list) or len(texts) != len(names):
                raise ValueError("a frame's bundle does not match its names")
            parts.update(zip(names, texts, strict=True))
        else:
            parts[key] = text
    if pos != len(blob):
        raise ValueError("a frame's body is cut short")
    return parts


__all__ = ["FRAME_V2", "SMALL", "decode", "encode"]
