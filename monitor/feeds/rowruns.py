"""Runs of the last frame's rows in this frame's, found by comparing slices (issue 17).

A `huge` workspace's recent outcomes (~2,500 members, call id to status) change each
second by losing some members among the oldest quarter (calls that ended more than two
minutes ago, not quite in the order they ended) and gaining members at the end (calls that
just ended). Looking every member up by key, then mapping the rows to runs of the last
text's, touched each of the ~2,500 keys several times on cold caches (~1 ms a frame). Here
the two key lists are walked side by side a run at a time: a run is measured by comparing
list slices in C, where an unchanged member's key is the very object it was (a pointer
compare, the string itself not read), so the Python loop runs once per run, dropped member
or new member (~100-300), never once per row.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Container, Sequence
from typing import Any

LOOKAHEAD = 8
"""How far on among the last rows a row is looked for when the last row there moved."""

Run = tuple[int, int, int]
"""`(row, last_row, count)`: rows `row..row+count-1` are the last frame's rows
`last_row..last_row+count-1`, in that order, unchanged."""


def run_length(
    old: Sequence[object], start: int, new: Sequence[object], at: int, limit: int | None = None
) -> int:
    """How many items from `new[at]` on equal those from `old[start]` on (at least the
    first). Galloping list-slice compares (in C) instead of one Python step per item: a huge
    workspace's lists are long runs of unchanged rows, so this is the diff's hot loop."""
    if limit is None:
        limit = min(len(old) - start, len(new) - at)
    length, step = 1, 1
    while length < limit:
        k = min(step, limit - length)
        if old[start + length : start + length + k] == new[at + length : at + length + k]:
            length += k
            step *= 2
        elif k == 1:
            break
        else:
            step = max(1, k // 2)
    return length


def align(
    keys: Sequence[object],
    values: Sequence[object],
    old_keys: Sequence[object],
    old_values: Sequence[object],
    present: Container[object],
    budget: int,
) -> tuple[list[Run], list[int]] | None:
    """The runs of the last rows (`old_keys`, with `old_values`) that this frame's rows
    (`keys`, `values`) keep in their order, and the indices of the rows that are not in a
    run (new keys, changed values, keys that moved). `present`: this frame's keys (a last
    key not in it was dropped). None when more than `budget` steps would be taken: the rows
    did not follow the last ones by drops and additions (the caller looks each up by key).
    """
    runs: list[Run] = []
    missing: list[int] = []
    i = j = 0
    n, m = len(keys), len(old_keys)
    while i < n and j < m:
        budget -= 1
        if budget < 0:
            return None
        if keys[i] == old_keys[j]:
            length = run_length(old_keys, j, keys, i)
            if values[i : i + length] != old_values[j : j + length]:
                # A member whose value changed in place: the run stops before it.
                differs = map(operator.ne, values[i : i + length], old_values[j : j + length])
                length = next(itertools.compress(itertools.count(), differs))
                if length == 0:
                    missing.append(i)
                    i, j = i + 1, j + 1
                    continue
            runs.append((i, j, length))
            i, j = i + length, j + length
        elif old_keys[j] not in present:
            j += 1  # a row dropped since the last frame
        else:
            try:  # the last row moved (it is further on): is this one a little further?
                j = old_keys.index(keys[i], j + 1, j + 1 + LOOKAHEAD)
            except ValueError:
                # A key new here (or one that moved back: made anew, still the right text;
                # rows that do not follow the last ones run out the budget).
                missing.append(i)
                i += 1
    missing.extend(range(i, n))
    return runs, missing


def pick(keys: list[Any], values: list[Any], missing: list[int]) -> dict[Any, Any]:
    """The members at `missing` as a dict: one container, where a (key, value) pair per
    member (~100 on a `huge` frame) would each be one more for the garbage collector to
    count (a gen-0 collection, ~1-2 ms, inside a frame that made enough of them)."""
    return dict(zip(map(keys.__getitem__, missing), map(values.__getitem__, missing), strict=True))


__all__ = ["Run", "align", "pick", "run_length"]
