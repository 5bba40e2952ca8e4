"""JSON parsing with a depth limit: a payload nested 990 levels deep is a bad payload.

Python's `json` reads about a thousand levels before `RecursionError`, and whatever walks the
result next (printing it, copying it, `snapshot`'s own `json.dumps`) has less stack left than
that. The vendor's records nest about 5 deep; past `MAX_JSON_DEPTH` the answer is refused.

The depth is measured on the text, never by walking the parsed value (Python speed). Valid JSON
(the common case: it is parsed first, at C speed) has backslashes only as escape pairs inside
strings and quotes only in pairs, so its skeleton (the bytes `"[]{}` alone, after the escape
pairs are dropped) is found with C-speed calls only; its empty strings (`""`: most of them, as
the other characters are gone) are dropped, the few strings left (those holding brackets) split
away, and the nesting of the bracket-only rest is peeled a level pair per round. A page of 200
calls costs about a tenth of a millisecond, a fifth of its parse (issue 21: the scan used to
cost as much as the parse). Text that does not parse is measured the slow way, so a truncated,
deeply nested payload is still called "nested too deep".
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 64
"""Deeper JSON is refused as a bad payload: the vendor's records nest about 5 deep, and a
payload 990 deep would exhaust the stack of whatever walks it next (printing it, copying it)."""

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'"[]{}')
_STEPS = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})
"""Opening brackets to +1, closing to -1 (as signed bytes), for a C-speed running sum."""


def _deepest(brackets: str) -> int:
    """How deep a string of brackets only nests."""
    steps = array("b", brackets.translate(_STEPS).encode("latin-1"))
    return max(0, max(accumulate(steps), default=0))


def json_depth(text: str) -> int:
    """How deep the JSON text nests (brackets outside strings), or 0 when it cannot nest
    deeper than the limit; any text, valid or not."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than the limit: no scan
    return _deepest(_NOT_BRACKET.sub("", _JSON_STRING.sub("", text)))


def valid_json_depth(text: str, raw: bytes | None = None) -> int:
    """`json_depth` of text that `json.loads` accepted (quotes and escapes pair up), or 0 when
    it cannot nest deeper than the limit. `raw`: the same text's UTF-8 bytes, when at hand
    (the body it was decoded from: no encoding again)."""
    # Every byte of a non-ASCII character is >= 0x80: no bracket, quote or backslash is made
    # or lost by working on the bytes.
    data = raw if raw is not None else text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        # Left to right, as JSON reads them: an escaped backslash first, then escaped quotes.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = data.translate(None, _NOT_SKELETON).replace(b'""', b"")
    # Two quotes side by side are an empty string or a string's end and the next one's start
    # (what stood between them was a colon or a comma): either way, dropping them leaves the
    # brackets outside strings as they were.
    if b'"' in skeleton:
        skeleton = b"".join(skeleton.split(b'"')[::2])
    if skeleton.count(b"[") + skeleton.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    peeled = skeleton
    for _ in range(MAX_JSON_DEPTH // 2):
        # Each round takes the innermost `{}` pairs, then the `[]` pairs (newly empty ones
        # too): at most two levels. Gone within MAX_JSON_DEPTH / 2 rounds: not deeper.
        peeled = peeled.replace(b"{}", b"").replace(b"[]", b"")
        if not peeled:
            return 0
    return _deepest(skeleton.decode("latin-1"))


def loads_limited(text: str, raw: bytes | None = None) -> Any:
    """`json.loads` that refuses nesting past `MAX_JSON_DEPTH` (a `ValueError`), and never
    raises anything else on any text. `raw`: the text's UTF-8 bytes, when at hand."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep") from None
    except ValueError:
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError("nested too deep") from None
        raise
    if valid_json_depth(text, raw) > MAX_JSON_DEPTH:
        raise ValueError("nested too deep")
    return data
