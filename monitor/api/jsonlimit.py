"""JSON parsing with a depth limit: a payload nested 990 levels deep is a bad payload.

Python's `json` reads about a thousand levels before `RecursionError`, and whatever walks the
result next (printing it, copying it, `snapshot`'s own `json.dumps`) has less stack left than
that. The vendor's records nest about 5 deep; past `MAX_JSON_DEPTH` the answer is refused.

The depth is measured on the text, never by walking the parsed value (Python speed). Valid JSON
(the common case: it is parsed first, at C speed) has backslashes only as escape pairs inside
strings, so dropping the pairs and splitting on quotes leaves the text outside strings with
C-speed calls only; a page of 100 calls costs about a fifth of what stripping its strings with
a regex did (about 1 ms, more than parsing it; issue 21). Text that does not parse is measured
the slow way, so a truncated, deeply nested payload is still called "nested too deep".
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


def valid_json_depth(text: str) -> int:
    """`json_depth` of text that `json.loads` accepted (quotes and escapes pair up), or 0 when
    it cannot nest deeper than the limit."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    if "\\" in text:
        # Left to right, as JSON reads them: an escaped backslash first, then escaped quotes.
        text = text.replace("\\\\", "").replace('\\"', "")
    outside = "".join(text.split('"')[::2])
    if outside.count("[") + outside.count("{") <= MAX_JSON_DEPTH:
        return 0
    return _deepest(_NOT_BRACKET.sub("", outside))


def loads_limited(text: str) -> Any:
    """`json.loads` that refuses nesting past `MAX_JSON_DEPTH` (a `ValueError`), and never
    raises anything else on any text."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep") from None
    except ValueError:
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError("nested too deep") from None
        raise
    if valid_json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError("nested too deep")
    return data
