"""Rows of list pages read again unchanged: the record read last time, not a new read.

The pollers read the same lists every few seconds (the calls in flight, the newest endings),
and most rows are what they were: reading one with the models' spelling rules costs about
20 µs, a page of 100 about 2-3 ms (issue 21: a fifth of the monitor's own CPU went to
reading API pages). A row is recognised by its `repr`: exact and type-sensitive (1, 1.0,
True and "1" read differently, and their reprs differ, where `==` would call them equal), and
about a quarter of a read's cost. A row that fails to read is never kept, so it fails again.

Bounded: two generations of `GENERATION` rows each; when the newer fills up, the older goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

GENERATION = 500
"""Rows per generation: enough to hold every list polled between two polls of it on busy
(about 20 new rows a second); under 1 MB of keys for both, plus records the store mostly holds
anyway (`huge` keeps its RSS bound)."""


class RowCache(Generic[T]):
    """`read(row)` through a cache of rows read lately (same repr: the same record)."""

    def __init__(self, read: Callable[[Any], T], generation: int = GENERATION) -> None:
        self._read = read
        self._generation = generation
        self._new: dict[str, T] = {}
        self._old: dict[str, T] = {}
        self.hits = 0
        self.misses = 0

    def __call__(self, row: Any) -> T:
        if type(row) is not dict:
            return self._read(row)
        key = repr(row)
        found = self._new.get(key)
        if found is None:
            found = self._old.get(key)
            if found is None:
                self.misses += 1
                found = self._read(row)  # raises for an unreadable row: nothing kept
            else:
                self.hits += 1
            if len(self._new) >= self._generation:
                self._old, self._new = self._new, {}
            self._new[key] = found
        else:
            self.hits += 1
        return found
