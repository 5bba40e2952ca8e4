"""JSON parsing with a depth limit: a payload nested 990 levels deep is a bad payload.

Python's `json` reads about a thousand levels before `RecursionError`, and whatever walks the
result next (printing it, copying it, `snapshot`'s own `json.dumps`) has less stack left than
that. The vendor's records nest about 5 deep; past `MAX_JSON_DEPTH` the answer is refused
before it is parsed, at the cost of two C-speed regex passes over the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64
"""Deeper JSON is refused as a bad payload: the vendor's records nest about 5 deep, and a
payload 990 deep would exhaust the stack of whatever walks it next (printing it, copying it)."""

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep the JSON text nests (brackets outside strings), at C speed for the scans."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than the limit: no scan
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_limited(text: str) -> Any:
    """`json.loads` that refuses nesting past `MAX_JSON_DEPTH` (a `ValueError`), and never
    raises anything else on any text."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError("nested too deep")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep") from None
