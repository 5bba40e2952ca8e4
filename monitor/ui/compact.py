"""Fewer bytes for the same frame: only cells that change, style runs merged, no idle moves.

Textual renders each segment as Rich does, `ESC[<style>m text ESC[0m`: a full style from the
default, then a reset. A column of ticking cells in one style pays the whole style twice per
row (about 30 bytes of truecolor for 6 characters), a partial update rewrites a whole run of
cells when one digit moved, and a screen switch repaints every cell, the unchanged header,
borders and key line included. Measured on the dashboard at 80x24 (issue 21): two thirds of
the bytes were style codes.

`Compactor` keeps what the terminal shows (a cell model: character and look per cell) and
the cells the input wants that the terminal does not show yet (pending). `feed` reads
Textual's writes into pending cells; `take` writes them, never changing what the terminal
ends up showing:

* only cells whose character or look differs from the terminal's are written; a cell changed
  twice before it is written goes out once, in its last state, and a cell changed back to
  what the terminal shows not at all (frames that queued behind a slow link coalesce);
* rows changed by the newest write go first (a key's answer before older data), then by row;
  `take(limit)` stops after about `limit` bytes and keeps the rest pending;
* the style is written only when a cell is about to be drawn (or an erase, which paints with
  the background), as the difference from the terminal's (`monitor.ui.sgr`);
* the cursor moves only when the next cell to draw is elsewhere, by the shortest of an
  absolute move, a move forward along the row or down the column, or rewriting a short run of
  unchanged cells in the same look; a newline followed by an absolute move is dropped
  (Textual never writes one on the last row, where it would scroll);
* once nothing is pending, the terminal's cursor and style are where the input left them.

Text whose cell widths are not all 1 (wide or combining characters), text at an unknown
position, and sequences that move the cursor or erase are passed through in order (pending
cells are written before them), and the model forgets what they may have touched; a screen
switch, a cursor restore, a reset and `forget()` (a resize) forget it all. Synchronized-output
markers (mode 2026) are not passed through: once the input used them, each `take` is wrapped
in them. Pure: no Textual, no I/O.
"""

from __future__ import annotations

import re
from collections import deque

from monitor.ui.cells import Cell, Pos, StyleKey, cursor_move, estimate, single_width
from monitor.ui.sgr import Attrs, Raw, read_sgr, style_key, transition

_TOKEN = re.compile(
    r"""
    (?P<sgr>\x1b\[(?P<sgr_params>[0-9;:]*)m)
    |(?P<cup>\x1b\[(?P<row>\d*)(?:;(?P<col>\d*))?H)
    |(?P<csi>\x1b\[(?P<csi_params>[0-?]*)[\x20-/]*(?P<csi_final>[@-~]))
    |(?P<osc>\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))
    |(?P<string>\x1b[P_^X].*?\x1b\\)
    |(?P<esc>\x1b.?)
    |(?P<nl>[\r\n]+)
    |(?P<text>[^\x1b\r\n]+)
    """,
    re.VERBOSE | re.DOTALL,
)

_STYLE_KEEPING_FINALS = frozenset("ABCDEFGHfdKJXlh")
"""CSI finals after which the terminal's style is still what was written."""
_STYLE_SAVING_MODES = ("47", "1047", "1048", "1049")
"""Private modes that switch screens or save/restore the cursor with its attributes."""
_PAINTS = frozenset("KJX@LMPSTb")
"""CSI finals that paint cells with the current background: the style must be written first."""
_NEUTRAL_MODES = frozenset({"?2026", "?25"})
"""Synchronized output and cursor visibility: they move and paint nothing."""
SYNC_ON, SYNC_OFF = "\x1b[?2026h", "\x1b[?2026l"

STYLE_CACHE = 4096
"""Style changes remembered (a screen uses a few dozen looks)."""


class Compactor:
    """Rewrites Textual's output writes into fewer bytes with the same screen."""

    def __init__(self, *, cursor_shown: bool = True) -> None:
        self._rows: dict[int, list[Cell | None]] = {}
        """What the terminal shows where it is known: per row, per column (character, look)."""
        self._pending: dict[int, dict[int, Cell]] = {}
        """Cells the input drew that the terminal does not show yet: per row, per column."""
        self._row_seq: dict[int, int] = {}
        """Per pending row, the newest `feed` that changed it (the newest rows go first)."""
        self._seq = 0
        self._looks: dict[StyleKey, tuple[Raw, Attrs | None]] = {}
        """How each look seen is written (its style as the input first spelled it)."""
        self._ready: list[str] = []
        """Output due before any pending cell: sequences passed through, in order."""
        self._styles: dict[tuple[Raw, str], tuple[Raw, Attrs | None, StyleKey]] = {}
        """Style changes seen before: (style, SGR parameters) -> the style after."""
        self._transitions: dict[tuple[Raw | None, Raw], str] = {}
        """SGR written before to take the terminal from one style to another."""
        self._term_raw: Raw | None = None
        """The style the terminal has (as written); None when unknown."""
        self._term_attrs: Attrs | None = None
        self._term_key: StyleKey | None = None
        self._want_raw: Raw = ()
        """The style the input has set so far."""
        self._want_attrs: Attrs | None = {}
        self._want_key = style_key((), {})
        self._pos: Pos | None = None
        """Where the input's cursor is (0-based x, y); None when unknown."""
        self._out_pos: Pos | None = None
        """Where the terminal's cursor is after what was written; None when unknown."""
        self._newlines: list[str] = []
        self._newline_from: Pos | None = None
        self._max_x = -1
        """The rightmost column drawn (the screen is at least this wide: a relative move from
        a column left of it starts where the model says)."""
        self._cursor_shown = cursor_shown
        """The input has not hidden the terminal's cursor (`ESC[?25l`)."""
        self._sync_frames = False
        """A write fed since the last `take` was wrapped in synchronized output (mode 2026):
        so is what `take` writes."""

    def forget(self) -> None:
        """The terminal's contents are not what was written (it was resized): the input
        repaints, and cells pending for the old size are dropped."""
        self._rows.clear()
        self._pending.clear()
        self._row_seq.clear()
        self._out_pos = None
        self._max_x = -1

    @property
    def pending(self) -> bool:
        """Something fed is not taken yet."""
        return bool(self._ready or self._pending)

    def compact(self, text: str) -> str:
        """`text` as the fewest bytes found that leave the terminal showing the same."""
        self.feed(text)
        return self.take()

    def feed(self, text: str) -> None:
        """Read a write of the input; nothing is written until `take`."""
        self._seq += 1
        out = self._ready
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "sgr":
                self._set_style(m.group("sgr_params"))
            elif kind == "cup":
                self._newlines = []
                self._pos = (int(m.group("col") or 1) - 1, int(m.group("row") or 1) - 1)
            elif kind == "nl":
                if not self._newlines:
                    self._newline_from = self._pos
                self._newlines.append(m.group())
                self._pos = None
            elif kind == "text":
                self._text(out, m.group())
            elif kind == "csi":
                self._csi(out, m.group(), m.group("csi_params"), m.group("csi_final"))
            elif kind in ("osc", "string"):
                out.append(m.group())
            else:  # a two-character escape (ESC 7/8, ESC c, ...) or a lone ESC
                self._barrier(out)
                self._write_style(out)
                out.append(m.group())
                self._forget_all()

    def take(self, limit: int | None = None) -> str:
        """What to write now: everything fed, or (with `limit`) the sequences passed through
        and pending rows, newest first, until about `limit` bytes; the rest stays pending."""
        if limit is not None and limit <= 0:
            return ""  # the link is full: all of it waits
        out, self._ready = self._ready, []
        self._emit(out, limit)
        if not self._pending and self._cursor_shown:
            # Where a user sees the cursor: it and the style as the input left them. Hidden
            # (Textual's drawing), nothing but this compactor writes to the terminal, which
            # knows where both are: parking the cursor and resetting the style after each
            # frame would cost ~30 bytes a frame for nothing.
            self._sync(out)
            if self._term_key is not None:  # unknown: the next text writes its style in full
                self._write_style(out)
        text = "".join(out)
        wrap = bool(text) and self._sync_frames
        self._sync_frames = self._sync_frames and bool(self._pending)
        return f"{SYNC_ON}{text}{SYNC_OFF}" if wrap else text

    # -- reading the input ----------------------------------------------------------------------

    def _text(self, out: list[str], text: str) -> None:
        pos = self._pos
        if pos is None or not single_width(text):
            self._barrier(out)
            self._write_style(out)
            out.append(text)
            self._forget_row(pos)
            self._pos = self._out_pos = None
            return
        x0, y = pos
        key = self._want_key
        if key not in self._looks:
            self._looks[key] = (self._want_raw, self._want_attrs)
        row = self._rows.get(y)
        if row is None:
            row = self._rows[y] = []
        end_x = x0 + len(text)
        if len(row) < end_x:
            row.extend([None] * (end_x - len(row)))
        self._pos = (end_x, y)
        pend = self._pending.get(y)
        if pend is None:
            old = row[x0:end_x]
            new = [(ch, key) for ch in text]
            if old == new:  # the common case: a run repainted as it is
                return
            self._pending[y] = {x0 + i: c for i, c in enumerate(new) if old[i] != c}
        else:
            for i, ch in enumerate(text):
                cell = (ch, key)
                if row[x0 + i] == cell:  # back to what the terminal shows: nothing to write
                    pend.pop(x0 + i, None)
                else:
                    pend[x0 + i] = cell
            if not pend:
                del self._pending[y], self._row_seq[y]
                return
        self._row_seq[y] = self._seq

    def _csi(self, out: list[str], seq: str, params: str, final: str) -> None:
        if final in "hl" and params == "?2026":
            self._sync_frames = True
            return
        if params in _NEUTRAL_MODES and final in "hl":
            if params == "?25":
                self._cursor_shown = final == "h"
            out.append(seq)
            return
        self._barrier(out)
        if final in _PAINTS:
            self._write_style(out)
        out.append(seq)
        mode_switch = params.startswith("?") and any(
            p in _STYLE_SAVING_MODES for p in params[1:].split(";")
        )
        if final not in _STYLE_KEEPING_FINALS or mode_switch:
            self._forget_all()
        elif final in _PAINTS:
            self._rows.clear()
        elif final not in "hl":  # a cursor move this module does not follow
            self._pos = self._out_pos = None

    def _set_style(self, params: str) -> None:
        cache_key = (self._want_raw, params)
        seen = self._styles.get(cache_key)
        if seen is None:
            raw, attrs = self._want_raw, self._want_attrs
            if params in ("", "0"):
                raw, attrs = (), {}
            else:
                if params.startswith("0;"):
                    raw, attrs = (), {}
                    params = params[2:]
                raw = (*raw, params)
                if attrs is not None:
                    attrs = read_sgr(attrs, params)
            seen = (raw, attrs, style_key(raw, attrs))
            if len(self._styles) < STYLE_CACHE:
                self._styles[cache_key] = seen
        self._want_raw, self._want_attrs, self._want_key = seen

    # -- writing --------------------------------------------------------------------------------

    def _barrier(self, out: list[str]) -> None:
        """Before a sequence passed through: every pending cell, then the input's cursor."""
        self._emit(out, None)
        self._sync(out)

    def _emit(self, out: list[str], limit: int | None) -> None:
        if not self._pending:
            return
        if limit is not None:
            seq = self._row_seq
            newest_first = sorted(self._pending, key=lambda r: (-seq[r], r))
            used = 0
            for n, y in enumerate(newest_first, 1):
                used += estimate(self._pending[y])
                if used >= limit and n < len(newest_first):
                    for y in newest_first[:n]:  # the link is the limit: the newest first
                        pend = self._pending.pop(y)
                        del seq[y]
                        for a, b in self._runs(self._rows[y], pend):
                            self._draw(out, self._rows[y], pend, a, b, y)
                    return
        self._emit_by_look(out)

    def _emit_by_look(self, out: list[str]) -> None:
        """All pending cells, run by run, each next run one that starts in the look the
        terminal has, when there is one (a column of ticking cells in two looks: each look
        once, not once per row); else the next in screen order."""
        runs: list[tuple[int, int, int]] = []
        by_look: dict[StyleKey, deque[int]] = {}
        for y in sorted(self._pending):
            pend = self._pending[y]
            for a, b in self._runs(self._rows[y], pend):
                by_look.setdefault(pend[a][1], deque()).append(len(runs))
                runs.append((y, a, b))
        done = [False] * len(runs)
        after = 0
        for _ in runs:
            i = -1
            same = by_look.get(self._term_key) if self._term_key is not None else None
            while same:
                j = same.popleft()
                if not done[j]:
                    i = j
                    break
            if i < 0:
                while done[after]:
                    after += 1
                i = after
            done[i] = True
            y, a, b = runs[i]
            self._draw(out, self._rows[y], self._pending[y], a, b, y)
        self._pending.clear()
        self._row_seq.clear()

    def _runs(self, row: list[Cell | None], pend: dict[int, Cell]) -> list[tuple[int, int]]:
        """The changed cells of a row as runs to draw (first, last column)."""
        xs = sorted(pend)
        runs = []
        first = last = xs[0]
        for x in xs[1:]:
            if x - last > 1 and not self._bridge(row, pend, last, x):
                runs.append((first, last))
                first = x
            last = x
        runs.append((first, last))
        return runs

    def _bridge(self, row: list[Cell | None], pend: dict[int, Cell], a: int, b: int) -> bool:
        """Rewrite the unchanged cells between changed `a` and `b` rather than move over them:
        when they all have `a`'s look and cost no more bytes than the move."""
        key = pend[a][1]
        size = 0
        for cell in row[a + 1 : b]:
            if cell is None or cell[1] != key:
                return False
            size += len(cell[0].encode())
        n = b - a - 1
        return size <= (3 if n == 1 else 3 + len(str(n)))

    def _draw(
        self, out: list[str], row: list[Cell | None], pend: dict[int, Cell], a: int, b: int, y: int
    ) -> None:
        self._move(out, (a, y))
        chars: list[str] = []
        for x in range(a, b + 1):
            cell = pend.get(x) or row[x]
            assert cell is not None  # a gap is bridged only over known cells
            if cell[1] != self._term_key:
                if chars:
                    out.append("".join(chars))
                    chars = []
                raw, attrs = self._looks[cell[1]]
                self._switch(out, raw, attrs, cell[1])
            chars.append(cell[0])
            row[x] = cell
        out.append("".join(chars))
        self._out_pos = (b + 1, y)
        self._max_x = max(self._max_x, b)

    def _move(self, out: list[str], to: Pos) -> None:
        frm = self._out_pos
        if frm != to:
            out.append(cursor_move(frm, to, exact=frm is not None and frm[0] <= self._max_x))
            self._out_pos = to

    def _sync(self, out: list[str]) -> None:
        """Bring the terminal's cursor to the input's (the moves held back are due)."""
        if self._newlines:
            if self._newline_from is not None:
                self._move(out, self._newline_from)
            out.extend(self._newlines)
            self._newlines = []
            self._out_pos = None  # a newline's column depends on the terminal's settings
            return
        if self._pos is not None:
            self._move(out, self._pos)

    def _write_style(self, out: list[str]) -> None:
        """The input's style, before text or an erase passed through."""
        self._switch(out, self._want_raw, self._want_attrs, self._want_key)

    def _switch(self, out: list[str], raw: Raw, attrs: Attrs | None, key: StyleKey) -> None:
        if self._term_key == key:
            return
        pair = (self._term_raw, raw)
        change = self._transitions.get(pair)
        if change is None:  # each look follows from its parameters: the same pair, same change
            change = transition(self._term_raw, self._term_attrs, raw, attrs)
            if len(self._transitions) < STYLE_CACHE:
                self._transitions[pair] = change
        if change:
            out.append(change)
        self._term_raw, self._term_key = raw, key
        self._term_attrs = None if attrs is None else dict(attrs)

    # -- forgetting -----------------------------------------------------------------------------

    def _forget_row(self, pos: Pos | None) -> None:
        if pos is None:
            self._rows.clear()
        else:
            self._rows.pop(pos[1], None)

    def _forget_all(self) -> None:
        self._rows.clear()
        self._term_raw = self._term_attrs = self._term_key = None
        self._pos = self._out_pos = None


__all__ = ["Compactor"]
