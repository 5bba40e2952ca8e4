"""A recording's frame bodies (issue 17): the parts of one frame, each compressed.

Schema 2 (`FRAME_V2`): a delta frame's part is compressed with the part's previous text as
zlib's preset dictionary, so a part that changed a little costs a little. Schema 1 bodies (one
zlib'd JSON object) are still read: the first byte tells them apart.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping

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
    sep = next((sp for sp in _SEPARATORS if text.count(sp) >= 50), None)
    if sep is None:
        return None
    previous = _split(ref, sep)
    old, where = previous.pieces, previous.where
    size = len(old)
    ops: list[object] = []
    run: list[int] | None = None  # [start, count] in `old`
    for piece in _split(text, sep).pieces:
        if run is not None:
            nxt = run[0] + run[1]
            if nxt < size and old[nxt] == piece:
                run[1] += 1
                continue
        found = where.get(piece)
        if found is None:
            run = None
            ops.append(piece)
        else:
            run = [found, 1]
            ops.append(run)
    doc = json.dumps({"s": sep, "o": ops}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(doc.encode("utf-8"), 6)


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


def _pack(raw: bytes, ref: str | None) -> bytes:
    if ref is None:
        return zlib.compress(raw, 6)
    comp = zlib.compressobj(6, zdict=ref.encode("utf-8"))
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
        if ref is not None and len(text) >= LARGE:
            pieces = _pieces(text, ref)
            if pieces is not None:
                out.append(_entry(_PIECES, name, pieces))
                continue
        kind = _PART_REF if ref is not None else _PART
        out.append(_entry(kind, name, _pack(text.encode("utf-8"), ref)))
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
