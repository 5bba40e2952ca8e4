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


def encode(parts: Mapping[str, str], base: Mapping[str, str] | None = None) -> bytes:
    """A frame's body; `base`: the parts as of the previous frame (None for a keyframe)."""
    out = [FRAME_V2]
    for name, text in parts.items():
        raw = text.encode("utf-8")
        ref = base.get(name) if base is not None else None
        if ref is not None:
            comp = zlib.compressobj(6, zdict=ref.encode("utf-8"))
            packed = comp.compress(raw) + comp.flush()
        else:
            packed = zlib.compress(raw, 6)
        key = name.encode("utf-8")
        flag = 1 if ref is not None else 0
        out.append(struct.pack(">HBI", len(key), flag, len(packed)) + key + packed)
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
        size, flag, length = struct.unpack_from(">HBI", blob, pos)
        pos += 7
        name = blob[pos : pos + size].decode("utf-8")
        pos += size
        packed = blob[pos : pos + length]
        pos += length
        if flag:
            if base is None or name not in base:
                raise ValueError(f"part {name!r} needs the frame before it")
            dec = zlib.decompressobj(zdict=base[name].encode("utf-8"))
            raw = dec.decompress(packed) + dec.flush()
        else:
            raw = zlib.decompress(packed)
        parts[name] = raw.decode("utf-8")
    if pos != len(blob):
        raise ValueError("a frame's body is cut short")
    return parts


__all__ = ["FRAME_V2", "decode", "encode"]
