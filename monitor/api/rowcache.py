"""Rows of list pages read again unchanged: the record read last time, not a new read.

The pollers read the same lists every few seconds (the calls in flight, the newest endings),
and most rows are what they were: reading one with the models' spelling rules costs about
20 µs, a page of 100 about 2-3 ms (issue 21: a fifth of the monitor's own CPU went to
reading API pages). A row is recognised by its `marshal` bytes (format 2, which has no
back-references, so the bytes are the value's alone): exact and type-sensitive (1, 1.0, True
and "1" are written apart, where `==` would call them equal), and half what its `repr` cost. A
row that fails to read is never kept, so it fails again.

Some fields move on every read of an unchanged row (a call in flight: its duration, about half
of the active page each poll). Where the model says how (`Volatile`), a row equal to one read
before but for those fields is the record read then with them re-read (`Volatile.patch`), about
a sixth of a full read; the patch answers None where that would not be exactly the full read.

Bounded: two generations of `GENERATION` rows each; when the newer fills up, the older goes.
Where that finds too little to pay for itself, the generations are `SMALLEST` rows instead: on
`huge` (1,000 rows in flight, most changed since their last read) the calls' cache found 1% of
its lookups and held ~2 MB of keys and records the store did not share (issue 21, the RSS of
`huge`); on `busy` it finds ~28%. What full generations would find is known from a ghost of
them (the hashes of the keys they would hold), so a small cache grows back when it would pay.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

GENERATION = 1000
"""Rows per generation: enough to hold every list polled between two polls of it on busy
(about 40 rows a second are kept, new, changed or moved up from the older generation; 500
held under 15 s, less than two reads of the endings page, and 8 rows a second were read in
full again, issue 21); about 1.5 MB of keys for both, plus records the store mostly holds
anyway (`huge` keeps its RSS bound)."""

USEFUL = 0.1
"""The share of lookups full generations must find (whole or to patch) to be kept full, as a
running mean over the ghost's turns (each turn weighs a quarter): the first turns find nothing
(every row is new), and on `busy` a turn now and then finds nothing (a burst of new rows)
between turns finding a third; eight turns finding nothing make the cache small."""
SMALLEST = 50

MARSHAL_FORMAT = 2
"""Format 3 on writes back-references to objects met twice, depending on reference counts:
equal rows could then be written apart (a miss, never a wrong hit); 2 writes values only."""


@dataclass(frozen=True, slots=True)
class Volatile(Generic[T]):
    """Fields of a model's rows that change between reads of an otherwise unchanged row."""

    keys: tuple[str, ...]
    """The row keys (every spelling) of those fields."""
    patch: Callable[[T, Mapping[str, Any]], T | None]
    """`patch(record, row)`: what reading `row` gives, `record` having been read from a row
    equal to it but for the values at `keys` (the same ones present); None when that is
    not simply `record` with those fields re-read (then the row is read in full)."""
    moves: Callable[[T], bool] | None = None
    """Whether a record's fields at `keys` may still move (a call in flight, not one that
    ended); None: any may. The shape of a row whose fields no longer move is not kept: it
    would only take room (issue 21: on `busy`, most rows read are endings, and their shapes
    pushed rows read 8 s earlier out, to be read in full again)."""


class RowCache(Generic[T]):
    """`read(row)` through a cache of rows read lately (same bytes: the same record)."""

    def __init__(
        self,
        read: Callable[[Any], T],
        generation: int = GENERATION,
        *,
        volatile: Volatile[T] | None = None,
    ) -> None:
        self._read = read
        self._generation = generation
        self._volatile = volatile
        self._new: dict[bytes, T] = {}
        self._old: dict[bytes, T] = {}
        self._size = generation
        """Rows per generation now: `generation`, or `SMALLEST` while full ones would not pay."""
        self._ghost_new: set[int] = set()
        self._ghost_old: set[int] = set()
        """The hashes of the keys full generations would hold (a few KB, never the records)."""
        self._looked = 0
        self._would = 0
        """Lookups since the ghost's last turn, and those full generations would have found."""
        self._useful = 1.0
        """The running share full generations found (`USEFUL`)."""
        self.hits = 0
        self.patched = 0
        self.misses = 0

    def _get(self, key: bytes) -> T | None:
        self._looked += 1
        found = self._new.get(key)
        if found is None:
            found = self._old.get(key)
            if found is not None:
                self._keep(key, found)
            elif hash(key) in self._ghost_new or hash(key) in self._ghost_old:
                self._would += 1
                return None
            else:
                return None
        self._would += 1
        return found

    def _keep(self, key: bytes, record: T) -> None:
        if len(self._new) >= self._size:
            self._old, self._new = self._new, {}
        self._new[key] = record
        ghost = self._ghost_new
        if self._looked >= self._generation:  # a turn per `generation` lookups
            share = self._would / self._looked if self._looked else 1.0
            self._useful += (share - self._useful) / 4
            useful = self._useful >= USEFUL
            self._size = self._generation if useful else min(SMALLEST, self._generation)
            self._looked = self._would = 0
            self._ghost_old, self._ghost_new = ghost, set()
            ghost = self._ghost_new
        ghost.add(hash(key))

    def __call__(self, row: Any) -> T:
        if type(row) is not dict:
            return self._read(row)
        try:
            key = marshal.dumps(row, MARSHAL_FORMAT)
        except ValueError:  # a value marshal cannot write (never one from JSON): no cache
            return self._read(row)
        found = self._get(key)
        if found is not None:
            self.hits += 1
            return found
        volatile = self._volatile
        if volatile is None:
            self.misses += 1
            found = self._read(row)  # raises for an unreadable row: nothing kept
            self._keep(key, found)
            return found
        # The row without its volatile fields, and which of them it has: a tuple, so its bytes
        # never equal a whole row's (a dict).
        present = tuple(k for k in volatile.keys if k in row)
        steady = row.copy()
        for name in present:
            del steady[name]
        shape = marshal.dumps((steady, present), MARSHAL_FORMAT)
        before = self._get(shape)
        found = volatile.patch(before, row) if before is not None else None
        if found is None:
            self.misses += 1
            found = self._read(row)
        else:
            self.patched += 1
        self._keep(key, found)
        if volatile.moves is None or volatile.moves(found):
            self._keep(shape, found)
        return found
