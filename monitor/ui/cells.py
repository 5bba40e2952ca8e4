"""A terminal's cells as `monitor.ui.compact` models them, and the cursor moves between them.

Pure: no Textual, no I/O.
"""

from __future__ import annotations

from rich.cells import get_character_cell_size

StyleKey = tuple[tuple[str, str], ...]
Cell = tuple[str, StyleKey]
Pos = tuple[int, int]


_WIDTHS: dict[str, int] = {}


def single_width(text: str) -> bool:
    if text.isascii():
        return text.isprintable()
    widths = _WIDTHS
    for ch in text:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = get_character_cell_size(ch)
        if w != 1:
            return False
    return True


def cursor_move(frm: Pos | None, to: Pos, exact: bool = False) -> str:
    """The shortest sequence found that takes the cursor from `frm` (None: unknown) to `to`.

    `exact`: `frm` is where the terminal's cursor is. After a write to the last column it is
    not: the cursor stays on that column (`frm` says one further), and only moves that need
    no column from it are relative (forward along the row, or down or up the same column:
    from there no cell lies further right, nor in that column)."""
    x, y = to
    best = f"\x1b[{y + 1};{x + 1}H" if x else f"\x1b[{y + 1}H"
    if frm is None:
        return best
    fx, fy = frm
    if not exact and not (fy == y and x > fx) and fx != x:
        return best
    rel = _step(y - fy, "B", "A") + _step(x - fx, "C", "D")
    return rel if len(rel) < len(best) else best


def _step(n: int, forward: str, back: str) -> str:
    if n == 0:
        return ""
    final = forward if n > 0 else back
    return f"\x1b[{final}" if abs(n) == 1 else f"\x1b[{abs(n)}{final}"


def estimate(pend: dict[int, Cell]) -> int:
    """About how many bytes drawing a row's pending cells takes (moves and style changes at
    typical sizes)."""
    size, last_x, last_key = 0, -2, None
    for x in sorted(pend):
        ch, key = pend[x]
        size += len(ch.encode()) + (0 if x == last_x + 1 else 6) + (0 if key == last_key else 16)
        last_x, last_key = x, key
    return size


__all__ = ["Cell", "Pos", "StyleKey", "cursor_move", "estimate", "single_width"]
