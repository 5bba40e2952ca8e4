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
* with `take(limit)`, rows changed by the newest write go first (a key's answer before older
  data) until about `limit` bytes, and the rest stays pending; else runs in the look the
  terminal has go first, then the run cheapest to reach (style change and cursor move: a
  tick's column of durations in four looks changes style four times, not once per row);
* the style is written only when a cell is about to be drawn (or an erase, which paints with
  the background), as the difference from the terminal's (`monitor.ui.compact_style`);
* the cursor moves only when the next cell to draw is elsewhere, by the shortest form
  (`monitor.ui.cells.cursor_move`: absolute, relative, row or column only), or
  by rewriting a short run of unchanged cells in the same look; a newline followed by an
  absolute move is dropped (Textual never writes one on the last row, where it would scroll);
* once nothing is pending, the terminal's cursor and style are where the input left them.

Clusters whose cell widths are not all 1 (wide characters, combining marks, ZWJ sequences),
text at an unknown position, and sequences that move the cursor or erase are passed through in
order (pending cells are written before them), and the model forgets what they may have
touched; after a cluster the next cell is drawn after an absolute move to the column Rich's
widths give (terminals dispute some of them: the rest of the row stays in place); a screen
switch, a cursor restore, a reset and `forget()` (a resize) forget it all. Synchronized-output
markers (mode 2026) are not passed through: once the input used them, each `take` is wrapped
in them. Pure: no Textual, no I/O.
"""

from __future__ import annotations

from collections import deque

from rich.cells import cell_len

from monitor.ui.cells import (
    Cell,
    Pos,
    StyleKey,
    cursor_move,
    estimate,
    runs_of,
    single_width,
    width_runs,
)
from monitor.ui.compact_style import StyleTrack
from monitor.ui.vt import (
    NEUTRAL_MODES,
    PAINTS,
    STYLE_KEEPING_FINALS,
    STYLE_SAVING_MODES,
    SYNC_OFF,
    SYNC_ON,
    TOKEN,
)

GREEDY_RUNS = 64
"""Up to this many runs in a frame (a tick, a few rows), the next run is the cheapest one to
reach (style change and cursor move); beyond (a screen switch), screen order: the search is
per run and look, and a big frame's order matters less than its cells."""


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
        self._ready: list[str] = []
        """Output due before any pending cell: sequences passed through, in order."""
        self._style = StyleTrack()
        """The input's style, the terminal's, and the SGR between them."""
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
        for m in TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "sgr":
                self._style.set_style(m.group("sgr_params"))
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
                self._style.write_want(out)
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
            if self._style.term_key is not None:  # unknown: the next text writes its style in full
                self._style.write_want(out)
        text = "".join(out)
        wrap = bool(text) and self._sync_frames
        self._sync_frames = self._sync_frames and bool(self._pending)
        return f"{SYNC_ON}{text}{SYNC_OFF}" if wrap else text

    # -- reading the input ----------------------------------------------------------------------

    def _text(self, out: list[str], text: str) -> None:
        pos = self._pos
        if pos is None:
            self._pass(out, text)
            return
        if single_width(text):
            self._cells(text, pos)
            return
        # Where the input goes on drawing is where Rich's widths put it; terminals disagree
        # with Rich, and with each other, on combining marks, ZWJ sequences and some emoji.
        # Each such cluster is written on its own, and the next cell after an absolute move
        # to the column the input meant: a name whose width is disputed cannot push the rest
        # of its row, pane edges included, aside (FAULTS T14).
        for run, plain in width_runs(text):
            pos = self._pos
            assert pos is not None
            if plain:
                self._cells(run, pos)
            else:
                self._pass(out, run)
                self._pos = (pos[0] + cell_len(run), pos[1])

    def _pass(self, out: list[str], text: str) -> None:
        """Write `text` as it is, where the input's cursor is; the terminal's cursor is then
        not known (its widths are its own)."""
        self._barrier(out)
        self._style.write_want(out)
        out.append(text)
        self._forget_row(self._pos)
        self._pos = self._out_pos = None

    def _cells(self, text: str, pos: Pos) -> None:
        """Model `text`, one cell a character, at `pos`: pending where it changes cells."""
        x0, y = pos
        key = self._style.want_look()
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
        if params in NEUTRAL_MODES and final in "hl":
            if params == "?25":
                self._cursor_shown = final == "h"
            out.append(seq)
            return
        self._barrier(out)
        if final in PAINTS:
            self._style.write_want(out)
        out.append(seq)
        mode_switch = params.startswith("?") and any(
            p in STYLE_SAVING_MODES for p in params[1:].split(";")
        )
        if final not in STYLE_KEEPING_FINALS or mode_switch:
            self._forget_all()
        elif final in PAINTS:
            self._rows.clear()
        elif final not in "hl":  # a cursor move this module does not follow
            self._pos = self._out_pos = None

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
                        for a, b in runs_of(self._rows[y], pend):
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
            for a, b in runs_of(self._rows[y], pend):
                by_look.setdefault(pend[a][1], deque()).append(len(runs))
                runs.append((y, a, b))
        done = [False] * len(runs)
        after = 0
        greedy = len(runs) <= GREEDY_RUNS
        for _ in runs:
            i = -1
            term_key = self._style.term_key
            same = by_look.get(term_key) if term_key is not None else None
            while same:
                j = same.popleft()
                if not done[j]:
                    i = j
                    break
            if i < 0 and greedy:
                i = self._cheapest(runs, by_look, done)
            if i < 0:
                while done[after]:
                    after += 1
                i = after
            done[i] = True
            y, a, b = runs[i]
            self._draw(out, self._rows[y], self._pending[y], a, b, y)
        self._pending.clear()
        self._row_seq.clear()

    def _cheapest(
        self,
        runs: list[tuple[int, int, int]],
        by_look: dict[StyleKey, deque[int]],
        done: list[bool],
    ) -> int:
        """Of the first run left in each look, the one whose style change and cursor move
        from where the terminal is cost the fewest bytes (ties: the first on screen); -1 if
        the terminal's style is unknown (each look is then written in full anyway)."""
        if self._style.term_key is None:
            return -1
        best, best_cost = -1, 0
        for queue in by_look.values():
            while queue and done[queue[0]]:
                queue.popleft()
            if not queue:
                continue
            j = queue[0]
            y, a, _ = runs[j]
            change = self._style.change_to_look(self._pending[y][a][1])
            cost = len(change) + len(self._move_to(self._out_pos, (a, y)))
            if best < 0 or cost < best_cost or (cost == best_cost and j < best):
                best, best_cost = j, cost
        return best

    def _draw(
        self, out: list[str], row: list[Cell | None], pend: dict[int, Cell], a: int, b: int, y: int
    ) -> None:
        self._move(out, (a, y))
        style = self._style
        chars: list[str] = []
        for x in range(a, b + 1):
            cell = pend.get(x) or row[x]
            assert cell is not None  # a gap is bridged only over known cells
            if cell[1] != style.term_key:
                if chars:
                    out.append("".join(chars))
                    chars = []
                style.switch_look(out, cell[1])
            chars.append(cell[0])
            row[x] = cell
        out.append("".join(chars))
        self._out_pos = (b + 1, y)
        self._max_x = max(self._max_x, b)

    def _move(self, out: list[str], to: Pos) -> None:
        frm = self._out_pos
        if frm != to:
            out.append(self._move_to(frm, to))
            self._out_pos = to

    def _move_to(self, frm: Pos | None, to: Pos) -> str:
        if frm == to:
            return ""
        return cursor_move(frm, to, exact=frm is not None and frm[0] <= self._max_x)

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

    # -- forgetting -----------------------------------------------------------------------------

    def _forget_row(self, pos: Pos | None) -> None:
        if pos is None:
            self._rows.clear()
        else:
            self._rows.pop(pos[1], None)

    def _forget_all(self) -> None:
        self._rows.clear()
        self._style.forget_term()
        self._pos = self._out_pos = None


__all__ = ["Compactor"]
