"""List-like parts made of their rows' texts (issue 17's write path at `huge`).

A `huge` workspace's calls in flight are ~1,000 rows (~270 KB of JSON) whose rows mostly did
not change since the last frame. Serialising all of them every frame, then cutting the text
into pieces and comparing it with the last frame's, was most of a frame's cost. Here each row's
JSON text is kept while the row is unchanged (`RowTexts`: a row equal to one seen before gets
the very same text object back, so only the changed rows are serialised), and the part's text
carries its rows (`RowsText`), so the frame codec maps rows to the last frame's rows by their
texts (hashes already computed) instead of cutting and comparing ~270 KB.

What is written is the frame codec's pieces entry of schema 2, unchanged: the pieces are the
rows as the reader cuts the last text at the separator between two rows (`},{` between
objects, `","` between strings and between an object's members whose values are strings), so
a recording written this way reads back with any reader of schema 2. A row whose text holds
that separator would be cut inside; such a part is left to the codec's text diff.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast


class RowsText(str):
    """A part's JSON text made of its rows, as the pieces the codec cuts it into: `prefix +
    sep.join(rows) + suffix`, where a row is its text without its first and last character
    (the separator's two ends: `}` and `{` of `},{`), the prefix the bracket and the first
    row's first character, the suffix the last row's last character and the bracket. `sep`
    is found nowhere inside a row; None when some row holds it (the part is then cut as
    text by the codec)."""

    rows: Sequence[str]
    new: int
    """How many rows are not the last frame's (all, unless the maker says)."""
    joint: str
    sep: str | None
    prefix: str
    suffix: str
    _where: dict[str, int] | None

    def __new__(
        cls, rows: Sequence[str], prefix: str, suffix: str, joint: str, cut: bool, empty: str
    ) -> RowsText:
        made = super().__new__(cls, prefix + joint.join(rows) + suffix if rows else empty)
        made.rows, made.prefix, made.suffix = rows, prefix, suffix
        made.joint, made.sep, made._where = joint, joint if cut else None, None
        made.new = len(rows)
        return made

    @property
    def where(self) -> dict[str, int]:
        """Row to its index, inner rows only (the first and last pieces carry the brackets,
        so they never equal an inner row's piece)."""
        if self._where is None:
            rows = self.rows
            self._where = {rows[j]: j for j in range(1, len(rows) - 1)}
        return self._where

    def literal(self, first: int, last: int) -> str:
        """Rows `first`..`last` as the one piece they make once the text is cut at `sep`."""
        joined = self.joint.join(self.rows[first : last + 1])
        if first == 0:
            joined = self.prefix + joined
        return joined + self.suffix if last == len(self.rows) - 1 else joined


class RowTexts:
    """Each row's JSON text, kept while that row is in the part (one per list-like field).

    By value (`by_value`: rows rebuilt with each snapshot, frozen, hashable, the calls in
    flight): an unchanged row costs a hash and a comparison instead of a serialisation, and
    its text is the same object as last frame's (its hash kept), which is what the codec's
    row map needs. Else as a sliding window (call ids, outcomes: rows dropped at the front and
    added at the back, each a string or a pair of strings, so comparing the two tuples is
    done in C): the rows kept since the last frame keep their texts. The rows not found are
    serialised together (`serialise`: the JSON of a part made of just those rows) and that
    text cut at the separator between two rows.
    """

    def __init__(
        self, serialise: Callable[[list[Any]], str], open_: str, close: str, *, by_value: bool
    ) -> None:
        self.serialise, self.open_, self.close, self.by_value = serialise, open_, close, by_value
        self._rows: dict[Hashable, str] = {}
        self._last: tuple[Sequence[Hashable], list[str]] = ((), [])
        """The last rows and their pieces, when all could be cut (sliding window)."""
        self._sep: str | None = None
        """The separator between two rows (`},{`, `","`), known from the first rows made."""

    def text(self, rows: Sequence[Hashable]) -> RowsText | None:
        """The part's text from its rows; None when a row cannot be looked up (unhashable)."""
        if self.by_value:
            found = self._by_value(rows)
            if found is None:
                return None
            got, new, clean = found
        else:
            got, new, clean = self._window(rows)
        joint = self._sep or ""  # known once any row was made (else there are none)
        opened, closed = self.open_ + joint[-1:], joint[:1] + self.close
        text = RowsText(got, opened, closed, joint, clean, self.open_ + self.close)
        text.new = new
        return text

    def _window(self, rows: Sequence[Hashable]) -> tuple[list[str], int, bool]:
        last_rows, last_pieces = self._last
        start = -1
        if last_rows and rows:
            try:
                start = last_rows.index(rows[0])
            except ValueError:
                start = -1
        kept = len(last_rows) - start
        if start < 0 or len(rows) < kept or rows[:kept] != last_rows[start:]:
            kept, start = 0, len(last_pieces)  # not a window of the last rows: all made anew
        added = list(rows[kept:])
        made = self._made(added) if added else []
        if made is None:  # some row holds the separator: each on its own, none kept
            self._last = ((), [])
            return [self._one(row) for row in rows], len(rows), False
        got = last_pieces[start:] + made
        self._last = (tuple(rows), got)
        return got, len(added), True

    def _by_value(self, rows: Sequence[Hashable]) -> tuple[list[str], int, bool] | None:
        known = self._rows
        try:
            got: list[str | None] = list(map(known.get, rows))
        except TypeError:
            return None
        # Indices of the rows not found, found in C.
        missing = list(itertools.compress(range(len(got)), map(operator.is_, got, _NONES)))
        clean = True
        if missing:
            new = [rows[i] for i in missing]
            made = self._made(new)
            clean = made is not None
            if made is None:  # some row holds the separator: each on its own, none kept
                made = [self._one(row) for row in new]
            else:
                known.update(zip(new, made, strict=True))
            for i, piece in zip(missing, made, strict=True):
                got[i] = piece
        filled = cast(list[str], got)  # every None was filled
        if len(known) > 4 * len(rows) + 64:  # rows gone since: forget them (now and then)
            self._rows = {row: t for row, t in zip(rows, filled, strict=True) if row in known}
        return filled, len(missing), clean

    def _one(self, row: Any) -> str:
        return self.serialise([row])[len(self.open_) + 1 : -len(self.close) - 1]

    def _made(self, rows: list[Any]) -> list[str] | None:
        """The rows' pieces, cut from one serialisation of them; None when a row holds the
        separator (the cut would not give the rows back)."""
        whole = self.serialise(rows)
        if self._sep is None:
            first = self.serialise(rows[:1])
            self._sep = first[-1 - len(self.close)] + "," + first[len(self.open_)]
        sep = self._sep
        if whole[len(self.open_)] != sep[-1] or whole[-1 - len(self.close)] != sep[0]:
            return None
        pieces = whole[len(self.open_) + 1 : -len(self.close) - 1].split(sep)
        return pieces if len(pieces) == len(rows) else None


_NONES = itertools.repeat(None)


__all__ = ["RowTexts", "RowsText"]
