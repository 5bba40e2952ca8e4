"""List-like parts made of their rows' texts (issue 17's write path at `huge`).

A `huge` workspace's calls in flight are ~1,000 rows (~270 KB of JSON) whose rows mostly did
not change since the last frame. Serialising all of them every frame, then cutting the text
into pieces and comparing it with the last frame's, was most of a frame's cost; so was, next,
hashing and comparing every row to find the unchanged ones (~1,000 rows, and ~2,500 outcomes,
on a frame where the in-flight list was re-read). Here each row's JSON text is kept while the
row is unchanged (`RowTexts`: the live feed hands back the very row object of an unchanged
call, so a row is found by identity; a dict's members as runs), only the changed rows are
serialised, and the part's text carries its rows and where each was in the last frame's text
(`RowsText`), so the frame codec writes the runs of the last frame's rows without cutting,
comparing or looking up ~270 KB.

What is written is the frame codec's pieces entry of schema 2, unchanged: the pieces are the
rows as the reader cuts the last text at the separator between two rows (`},{` between
objects, `","` between strings and between an object's members whose values are strings), so
a recording written this way reads back with any reader of schema 2. A row whose text holds
that separator would be cut inside; such a part is left to the codec's text diff.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, cast

from monitor.feeds.rowruns import Run, align, pick


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
    before: Sequence[str] | None
    """The rows of the text this one was made after (its maker's last), when `at` or `slid`
    says where each row was in them; else None."""
    at: list[int] | None
    """For each row, its index in `before` (-1: a row not there, or changed)."""
    slid: tuple[int, int] | None
    """`(start, kept)`: rows `0..kept-1` are `before[start:]` (a sliding window), the rest
    new."""
    runs: list[Run] | None
    """`(row, before_row, count)`: the rows that are runs of `before`'s, in order (the
    rest new or changed)."""
    joint: str
    sep: str | None
    prefix: str
    suffix: str
    _where: dict[str, int] | None

    def __new__(
        cls,
        rows: Sequence[str],
        prefix: str,
        suffix: str,
        joint: str,
        cut: bool,
        empty: str,
        whole: str | None = None,
    ) -> RowsText:
        """`whole`: the text, when the maker has it (it must be what joining would give)."""
        if whole is None:
            whole = _joined(rows, prefix, suffix, joint) if rows else empty
        made = super().__new__(cls, whole)  # (a copy: a str subclass holds its text)
        made.rows, made.prefix, made.suffix = rows, prefix, suffix
        made.joint, made.sep, made._where = joint, joint if cut else None, None
        made.new = len(rows)
        made.before, made.at, made.slid, made.runs = None, None, None, None
        return made

    @property
    def where(self) -> dict[str, int]:
        """Row to its index, inner rows only (the first and last pieces carry the brackets,
        so they never equal an inner row's piece)."""
        if self._where is None:
            # Built in C; a repeated row keeps its last index (any of them reads back).
            inner = range(1, len(self.rows) - 1)
            self._where = dict(
                zip(itertools.islice(self.rows, 1, len(self.rows) - 1), inner, strict=True)
            )
        return self._where

    def literal(self, first: int, last: int) -> str:
        """Rows `first`..`last` as the one piece they make once the text is cut at `sep`."""
        joined = self.joint.join(self.rows[first : last + 1])
        if first == 0:
            joined = self.prefix + joined
        return joined + self.suffix if last == len(self.rows) - 1 else joined


def _joined(rows: Sequence[str], prefix: str, suffix: str, joint: str) -> str:
    """`prefix + joint.join(rows) + suffix` copied once: each `+` copies the whole text
    again (~270 KB for a huge workspace's calls in flight)."""
    if len(rows) == 1:
        return prefix + rows[0] + suffix
    inner = itertools.islice(rows, 1, len(rows) - 1)
    return joint.join([prefix + rows[0], *inner, rows[-1] + suffix])


class RowTexts:
    """Each row's JSON text, kept while that row is in the part (one per list-like field).

    Three ways to know a row unchanged, each a few C-level passes over the rows, never a
    Python step per row (at `huge`, ~1,000 calls in flight and ~2,500 outcomes a frame):
    - rows of a class (`by_value`: the calls in flight): by identity. The live feed hands
      back the very row object of an unchanged call (`ActiveRowCache`), and the last frame's
      rows are held, so a row's `id()` is its own while its index is kept. A feed that
      rebuilds every row (one reading snapshots from Redis) finds none by identity: its rows
      are then looked up by value (a hash and a comparison of each row's fields).
    - a dict's members (`members`: outcomes, call id to its status): as runs of the last
      frame's members, key and value slices compared (`rowruns`: members drop out among
      the oldest and come in at the end), the runs handed to the codec (`RowsText.runs`);
      by key, the value compared, when they do not follow the last ones that way.
    - else a sliding window (call ids: dropped at the front, added at the back, so comparing
      the two tuples is done in C): the rows kept since the last frame keep their texts.
    An unchanged row's text is the same object as last frame's, and the text says where each
    of its rows was in the last one (`RowsText.at`, `slid`), so the codec writes the runs of
    the last frame's rows without looking any row up. The rows not found are serialised
    together (`serialise`: the JSON of a part made of just those rows; a dict's members as
    a dict) and that text cut at the separator between two rows.
    """

    def __init__(
        self,
        serialise: Callable[[Any], str],
        open_: str,
        close: str,
        *,
        by_value: bool,
        members: bool = False,
    ) -> None:
        self.serialise, self.open_, self.close, self.by_value = serialise, open_, close, by_value
        self.members = members
        self._rows: dict[Hashable, str] = {}
        """Row (by value) to its text: for a feed that does not hand rows back as they were."""
        self._held: Sequence[Any] = ()
        """The last frame's rows, held so that their ids stay theirs (`by_value`)."""
        self._index: dict[Any, int] = {}
        """The last frame's rows by `id()` (a dict's by key) to their index."""
        self._unindexed: list[Any] | None = None
        """The last frame's rows' ids (keys) while `_index` is not yet theirs (`prepare`)."""
        self._texts: list[str | None] = [None]
        """The last frame's row texts, and None at the end: the index -1 is "not found"."""
        self._values: list[Any] = [_ABSENT]
        """A dict's last values, and a value equal to none at the end (`members`)."""
        self._keys: list[Any] = []
        """A dict's last keys, in order (`members`)."""
        self._before: Sequence[str] = ()
        """The last text's rows."""
        self._text: RowsText | None = None
        """The last text made."""
        self._last: tuple[Sequence[Hashable], list[str]] = ((), [])
        """The last rows and their pieces, when all could be cut (sliding window)."""
        self._sep: str | None = None
        """The separator between two rows (`},{`, `","`), known from the first rows made."""
        self.looked_up = 0
        """Rows looked up by value so far (not found by identity): what a test can count."""
        self._identity = False
        """Whether the last frame found some of its rows by identity (`by_value`)."""

    def text(self, rows: Sequence[Hashable] | Mapping[str, Any]) -> RowsText | None:
        """The part's text from its rows (a dict, for `members`); None when a row cannot be
        looked up (unhashable)."""
        at: list[int] | None = None
        slid: tuple[int, int] | None = None
        runs: list[Run] | None = None
        if self.members:
            assert isinstance(rows, Mapping)
            got, at, runs, new, clean = self._members(rows)
        elif self.by_value:
            assert not isinstance(rows, Mapping)
            found = self._by_identity(rows)
            if found is None:
                return None
            got, at, new, clean = found
        else:
            assert not isinstance(rows, Mapping)
            got, slid, new, clean = self._window(rows)
        joint = self._sep or ""  # known once any row was made (else there are none)
        opened, closed = self.open_ + joint[-1:], joint[:1] + self.close
        whole = self._slid_text(slid, got, opened, closed, joint) if slid is not None else None
        text = RowsText(got, opened, closed, joint, clean, self.open_ + self.close, whole)
        text.new = new
        if at is not None or slid is not None or runs is not None:
            text.before, text.at, text.slid, text.runs = self._before, at, slid, runs
        self._before, self._text = got, text
        return text

    def prepare(self) -> None:
        """Index the last frame's rows, which the next frame looks its rows up in. Left
        undone by the frame that made them: the recorder calls this on a frame that did not
        change this field (at `huge`, six in seven frames do not re-read the calls in
        flight), so the frame that does finds it built instead of building it too (a dict
        of ~1,000 ids, built on cold caches). A dict's members are followed by runs
        (`rowruns`), their keys looked up only when they do not follow the last ones: not
        indexed ahead."""
        if not self.members:
            self._index_last()

    def _index_last(self) -> None:
        if self._unindexed is not None:
            keys, self._unindexed = self._unindexed, None
            self._index = dict(zip(keys, _ints(len(keys)), strict=False))

    def _slid_text(
        self, slid: tuple[int, int], got: list[str], opened: str, closed: str, joint: str
    ) -> str | None:
        """The text of rows that slid, cut from the last text (one copy of ~100 KB) instead
        of joined from ~6,000 row objects (each a cache miss when the engine ran between
        two frames); None when the last text is not this maker's last."""
        last = self._text
        if last is None or last.rows is not self._before or last.joint != joint:
            return None
        if last.prefix != opened or last.suffix != closed:
            return None
        start, kept = slid
        head = len(opened) + sum(map(len, last.rows[:start])) + start * len(joint)
        kept_text = last[head : len(last) - len(closed)]
        added = got[kept:]
        return "".join((opened, kept_text, joint if added else "", joint.join(added), closed))

    def _window(
        self, rows: Sequence[Hashable]
    ) -> tuple[list[str], tuple[int, int] | None, int, bool]:
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
            return [self._one(row) for row in rows], None, len(rows), False
        got = last_pieces[start:] + made
        self._last = (tuple(rows), got)
        return got, ((start, kept) if kept else None), len(added), True

    def _by_identity(
        self, rows: Sequence[Hashable]
    ) -> tuple[list[str], list[int] | None, int, bool] | None:
        ids = list(map(id, rows))
        self.prepare()
        # The last frame's rows are held: an id found is that very row.
        at = list(map(self._index.get, ids, _MINUS))
        got = list(map(self._texts.__getitem__, at))
        missing = _missing(got)
        by_value = bool(missing) and len(missing) == len(rows) and not self._identity
        # A feed whose rows came back by identity last frame and are all new objects now
        # (the live feed rebuilt every row at once): nothing to find by value, none hashed
        # (~1,000 rows hashed twice, ~1 ms); should the next frame's be new too, it is
        # looked up by value.
        self._identity = len(missing) < len(rows)
        if by_value:
            # None came back as the same objects: this feed rebuilds its rows (or all
            # changed, or it is the first frame); looked up by value, where they were not
            # known (the codec looks them up). A feed that hands them back costs no hash: a
            # row not found by identity is a changed one.
            try:
                got = list(map(self._rows.get, rows))
            except TypeError:
                return None
            self.looked_up += len(rows)
            missing = _missing(got)
        elif self._rows:
            self._rows = {}  # rows come back by identity: the ones kept by value are stale
        filled, clean = self._fill(got, missing, [rows[i] for i in missing], by_value=by_value)
        self._held, self._unindexed = rows, ids
        self._texts = [*filled, None]
        return filled, (None if by_value else at), len(missing), clean

    def _members(
        self, rows: Mapping[str, Any]
    ) -> tuple[list[str], list[int] | None, list[Run] | None, int, bool]:
        keys, values = list(rows), list(rows.values())
        if self._keys:
            # Members dropped and added (outcomes: the oldest go, those that just ended come
            # at the end): runs of the last members, found by slices (`rowruns`).
            aligned = align(keys, values, self._keys, self._values, rows, 64 + len(keys) // 4)
            if aligned is not None:
                runs, missing = aligned
                got: list[str | None] = [None] * len(keys)
                texts = self._texts
                for i, j, count in runs:
                    got[i : i + count] = texts[j : j + count]
                new = pick(keys, values, missing)
                filled, clean = self._fill(got, missing, new, by_value=False)
                self._unindexed, self._texts, self._keys = keys, [*filled, None], keys
                values.append(_ABSENT)
                self._values = values
                return filled, None, runs, len(missing), clean
        self._index_last()
        at = list(map(self._index.get, keys, _MINUS))
        got = list(map(self._texts.__getitem__, at))
        moved = map(operator.ne, map(self._values.__getitem__, at), rows.values())
        missing = list(itertools.compress(_ints(len(keys)), moved))
        for i in missing:
            got[i], at[i] = None, -1
        filled, clean = self._fill(got, missing, pick(keys, values, missing), by_value=False)
        self._unindexed, self._texts, self._keys = keys, [*filled, None], keys
        values.append(_ABSENT)
        self._values = values
        return filled, at, None, len(missing), clean

    def _fill(
        self,
        got: list[str | None],
        missing: list[int],
        new: list[Any] | dict[Any, Any],
        *,
        by_value: bool,
    ) -> tuple[list[str], bool]:
        """`got` with the rows at `missing` (`new`: a dict's members as a dict) serialised
        (and, `by_value`, kept by value)."""
        clean = True
        if missing:
            made = self._made(new)
            clean = made is not None
            if made is None:  # some row holds the separator: each on its own, none kept
                made = [self._one(row) for row in (new.items() if isinstance(new, dict) else new)]
            elif by_value:
                self._rows.update(zip(new, made, strict=True))
                if len(self._rows) > 4 * len(got) + 64:  # rows gone since: forget them
                    self._rows = dict(zip(new, made, strict=True))
            for i, piece in zip(missing, made, strict=True):
                got[i] = piece
        return cast(list[str], got), clean  # every None was filled

    def _one(self, row: Any) -> str:
        return self.serialise([row])[len(self.open_) + 1 : -len(self.close) - 1]

    def _made(self, rows: list[Any] | dict[Any, Any]) -> list[str] | None:
        """The rows' pieces, cut from one serialisation of them; None when a row holds the
        separator (the cut would not give the rows back)."""
        whole = self.serialise(rows)
        if self._sep is None:
            first = self.serialise(
                dict(itertools.islice(rows.items(), 1)) if isinstance(rows, dict) else rows[:1]
            )
            self._sep = first[-1 - len(self.close)] + "," + first[len(self.open_)]
        sep = self._sep
        if whole[len(self.open_)] != sep[-1] or whole[-1 - len(self.close)] != sep[0]:
            return None
        pieces = whole[len(self.open_) + 1 : -len(self.close) - 1].split(sep)
        return pieces if len(pieces) == len(rows) else None


class _Absent:
    """A last value equal to no value (a key not in the last frame)."""

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


_ABSENT = _Absent()
_INTS: list[int] = []


def _ints(n: int) -> list[int]:
    """At least 0..n-1 as int objects made once: an index of 2,500 rows built every frame
    from a `range` allocates an int per row (beyond 256), ~60% of building the dict (so
    does picking rows from a `range`)."""
    if len(_INTS) < n:
        _INTS.extend(range(len(_INTS), 2 * n))
    return _INTS


_MINUS = itertools.repeat(-1)


def _missing(got: list[str | None]) -> list[int]:
    """Indices of the rows not found (None), found in C."""
    return list(itertools.compress(_ints(len(got)), map(operator.is_, got, _NONES)))


_NONES = itertools.repeat(None)


indices = _ints
"""At least 0..n-1, made once (the codec picks rows from them)."""

__all__ = ["RowTexts", "RowsText", "indices"]
