"""The JSON depth limit's fast path (valid JSON) measures exactly what the slow one does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.api.jsonlimit import MAX_JSON_DEPTH, json_depth, loads_limited, valid_json_depth

TRICKY_TEXT = st.text(alphabet='[]{}"\\/ab\n\u00e9', max_size=12)
"""Strings full of brackets, quotes and backslashes: escaped, they must never count."""

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=40,
)


def nest(value: Any, depth: int) -> Any:
    for n in range(depth):
        value = [value] if n % 2 else {'k\\"[': value}
    return value


@given(JSON_VALUES, st.integers(min_value=0, max_value=80), st.booleans())
def test_valid_json_depth_decides_as_the_slow_scan(
    value: Any, depth: int, ascii_only: bool
) -> None:
    text = json.dumps(nest(value, depth), ensure_ascii=ascii_only)
    fast, slow = valid_json_depth(text), json_depth(text)
    # Both may answer 0 without scanning when the text cannot pass the limit.
    assert (fast > MAX_JSON_DEPTH) == (slow > MAX_JSON_DEPTH)
    assert fast in (0, slow)


@given(
    JSON_VALUES,
    st.integers(min_value=0, max_value=80),
    st.lists(st.sampled_from("[{"), min_size=0, max_size=80),
    st.booleans(),
)
def test_the_skeleton_scan_decides_as_the_slow_scan_from_the_text_or_its_bytes(
    value: Any, depth: int, shape: list[str], ascii_only: bool
) -> None:
    # Nestings of any mix of arrays and objects around any value: the peeling early-out (two
    # levels a round at most) must never let a payload past the limit pass.
    for kind in shape:
        value = [value, "]"] if kind == "[" else {"{": value, "x": "}"}
    text = json.dumps(nest(value, depth), ensure_ascii=ascii_only)
    slow = json_depth(text)
    for fast in (valid_json_depth(text), valid_json_depth(text, text.encode())):
        assert (fast > MAX_JSON_DEPTH) == (slow > MAX_JSON_DEPTH)
        assert fast in (0, slow)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
@pytest.mark.parametrize("kinds", ["{", "[", "[{", "{["])
def test_the_limit_is_exact_for_every_mix_of_brackets(depth: int, kinds: str) -> None:
    text = "".join(kinds[n % len(kinds)] for n in range(depth))
    text = text.replace("{", '{"k":') + "1"
    text += "".join("}" if c == "{" else "]" for c in reversed(text) if c in "[{")
    json.loads(text)
    refused = depth > MAX_JSON_DEPTH
    assert (valid_json_depth(text) > MAX_JSON_DEPTH) == refused
    assert (valid_json_depth(text, text.encode()) > MAX_JSON_DEPTH) == refused


def test_a_page_nested_65_deep_is_refused_and_64_deep_is_read() -> None:
    assert loads_limited(json.dumps(nest(1, MAX_JSON_DEPTH))) is not None
    with pytest.raises(ValueError, match="nested too deep"):
        loads_limited(json.dumps(nest(1, MAX_JSON_DEPTH + 1)))


def test_truncated_deep_text_is_still_nested_too_deep() -> None:
    with pytest.raises(ValueError, match="nested too deep"):
        loads_limited("[" * 500)


def test_truncated_shallow_text_is_invalid_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        loads_limited('{"id": "call_1", "status": ')


def test_escaped_quotes_and_backslashes_never_hide_brackets() -> None:
    # An escaped backslash before a closing quote: the bracket after it is outside the string.
    text = '{"a": "x\\\\", "b": ' + "[" * 70 + "]" * 70 + "}"
    assert valid_json_depth(text) == json_depth(text) == 71
    with pytest.raises(ValueError, match="nested too deep"):
        loads_limited(text)
