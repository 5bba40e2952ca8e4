"""What a `LiveTable` shows across: its columns (fitted to the width) and its sort modes.

Pure: `allocate` fits the columns a table describes to the width it has; `same_text` compares
rendered cells with their style (what "this cell changed" means for a repaint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.text import Text

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column the table may show, and how much room it wants."""

    key: str
    label: str
    min: int
    max: int
    optional: int | None = None
    """None: always shown. Otherwise the order in which optional columns are added as the
    table gets wider (lower first)."""
    right: bool = False
    """Numbers are right-aligned."""
    grow: int = 5
    """Spare width goes to columns with a lower `grow` first (names before ids)."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    right: bool = False


@dataclass(frozen=True, slots=True)
class SortMode(Generic[T]):
    name: str
    """Stable name, remembered in the state file."""
    label: str
    """Shown in the pane's subtitle."""
    key: Callable[[T], Any] | None = None
    """None keeps the order the data came in."""
    reverse: bool = False
    column: str | None = None
    """The column this mode sorts by: its header carries ▲ (ascending) or ▼ (descending)."""
    ascending: bool = True
    """How that column's values run in this mode (before `S` turns it around)."""


def allocate(specs: Sequence[ColumnSpec], width: int) -> list[Column]:
    """Fit columns to `width` cells: required ones at their minimum, optional ones while they
    fit, then the spare room handed out a cell at a time up to each column's maximum: a column
    with `grow` g gets a cell every g-th turn, so names widen faster than ids.

    Every column but the last is followed by a one-cell gap.
    """
    chosen = [s for s in specs if s.optional is None]

    def needed(cols: Sequence[ColumnSpec]) -> int:
        return sum(c.min for c in cols) + max(0, len(cols) - 1)

    for spec in sorted((s for s in specs if s.optional is not None), key=lambda s: s.optional or 0):
        trial = [s for s in specs if s in chosen or s is spec]
        if needed(trial) <= width:
            chosen = trial
    widths = {s.key: s.min for s in chosen}
    spare = max(0, width - needed(chosen))
    growing = sorted(chosen, key=lambda s: s.grow)
    turn = 0
    while spare > 0 and any(widths[s.key] < s.max for s in growing):
        turn += 1
        for spec in growing:
            if spare > 0 and widths[spec.key] < spec.max and turn % max(1, spec.grow) == 0:
                widths[spec.key] += 1
                spare -= 1
    return [Column(s.key, s.label, widths[s.key], s.right) for s in chosen]


def same_text(a: Text, b: Text) -> bool:
    """Text equality that also compares the base style (`Text.__eq__` ignores it)."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


def same_row(a: Sequence[Text], b: Sequence[Text]) -> bool:
    return len(a) == len(b) and all(same_text(x, y) for x, y in zip(a, b, strict=True))
