"""Fewer bytes for the same frame: only cells that change, style runs merged, no idle moves.

Textual renders each segment as Rich does, `ESC[<style>m text ESC[0m`: a full style from the
default, then a reset. A column of ticking cells in one style pays the whole style twice per
row (about 30 bytes of truecolor for 6 characters), a partial update rewrites a whole run of
cells when one digit moved, and a screen switch repaints every cell, the unchanged header,
borders and key line included. Measured on the dashboard at 80x24 (issue 21): two thirds of
the bytes were style codes.

`Compactor` keeps what the terminal shows (a cell model: character and look per cell) and
rewrites each write as a terminal would see it, never changing what it shows:

* a run of text at a known position writes only the cells whose character or look differs
  from the model (short unchanged gaps are rewritten rather than paying a cursor move), so
  the 1 Hz tick sends the digit that moved and a screen switch only what differs;
* the style is written only when a cell is about to be drawn (or an erase, which paints with
  the background), as the difference from the terminal's (`monitor.ui.sgr`);
* cursor moves are written only when the next drawn cell is elsewhere; a newline followed by
  an absolute move is dropped (Textual never writes one on the last row, where it would
  scroll);
* at the end of each write the terminal's cursor and style are where the input left them.

Text whose cell widths are not all 1 (wide or combining characters), text at an unknown
position, and sequences that move the cursor or erase are passed through as they came, and the
model forgets what they may have touched; a screen switch, a cursor restore, a reset and
`forget()` (a resize) forget it all. Pure: no Textual, no I/O.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

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
GAP_REWRITE = 5
"""Unchanged cells between two changed ones are rewritten up to this many (a cursor move
costs 6-8 bytes)."""

StyleKey = tuple[tuple[str, str], ...]
Cell = tuple[str, StyleKey]
STYLE_CACHE = 4096
"""Style changes remembered (a screen uses a few dozen looks)."""
Pos = tuple[int, int]


_WIDTHS: dict[str, int] = {}


def _single_width(text: str) -> bool:
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


class Compactor:
    """Rewrites Textual's output writes into fewer bytes with the same screen."""

    def __init__(self) -> None:
        self._rows: dict[int, list[Cell | None]] = {}
        """What the terminal shows where it is known: per row, per column (character, look)."""
        self._styles: dict[tuple[Raw, str], tuple[Raw, Attrs | None, StyleKey]] = {}
        """Style changes seen before: (style, SGR parameters) -> the style after."""
        self._transitions: dict[tuple[Raw | None, Raw], str] = {}
        """SGR written before to take the terminal from one style to another."""
        self._term_raw: Raw | None = None
        """The style the terminal has (as written); None when unknown."""
        self._term_attrs: Attrs | None = None
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

    def forget(self) -> None:
        """The terminal's contents are not what was written (it was resized)."""
        self._rows.clear()
        self._out_pos = None

    def compact(self, text: str) -> str:
        out: list[str] = []
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
                self._sync(out)
                self._write_style(out)
                out.append(m.group())
                self._forget_all()
        self._sync(out)
        if self._term_raw is not None:  # unknown: the next text writes its style in full
            self._write_style(out)
        return "".join(out)

    # -- drawing --------------------------------------------------------------------------------

    def _text(self, out: list[str], text: str) -> None:
        pos = self._pos
        if pos is None or not _single_width(text):
            self._sync(out)
            self._write_style(out)
            out.append(text)
            self._forget_row(pos)
            self._pos = self._out_pos = None
            return
        x0, y = pos
        key = self._want_key
        row = self._rows.get(y)
        if row is None:
            row = self._rows[y] = []
        end_x = x0 + len(text)
        if len(row) < end_x:
            row.extend([None] * (end_x - len(row)))
        new = [(ch, key) for ch in text]
        old = row[x0:end_x]
        self._pos = (end_x, y)
        if old == new:  # the common case: a run repainted as it is
            return
        changed = [i for i in range(len(new)) if old[i] != new[i]]
        i = 0
        while i < len(changed):
            start = end = changed[i]
            i += 1
            while i < len(changed) and changed[i] - end <= GAP_REWRITE:
                end = changed[i]
                i += 1
            self._move(out, (x0 + start, y))
            self._write_style(out)
            out.append(text[start : end + 1])
            row[x0 + start : x0 + end + 1] = new[start : end + 1]
            self._out_pos = (x0 + end + 1, y)

    def _move(self, out: list[str], to: Pos) -> None:
        if self._out_pos != to:
            out.append(f"\x1b[{to[1] + 1};{to[0] + 1}H")
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

    def _csi(self, out: list[str], seq: str, params: str, final: str) -> None:
        if params in _NEUTRAL_MODES and final in "hl":
            out.append(seq)
            return
        self._sync(out)
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

    # -- state ----------------------------------------------------------------------------------

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

    def _write_style(self, out: list[str]) -> None:
        if self._term_raw == self._want_raw:
            return
        key = (self._term_raw, self._want_raw)
        change = self._transitions.get(key)
        if change is None:  # each look follows from its parameters: the same pair, same change
            change = transition(self._term_raw, self._term_attrs, self._want_raw, self._want_attrs)
            if len(self._transitions) < STYLE_CACHE:
                self._transitions[key] = change
        if change:
            out.append(change)
        self._term_raw = self._want_raw
        self._term_attrs = None if self._want_attrs is None else dict(self._want_attrs)

    def _forget_row(self, pos: Pos | None) -> None:
        if pos is None:
            self._rows.clear()
        else:
            self._rows.pop(pos[1], None)

    def _forget_all(self) -> None:
        self._rows.clear()
        self._term_raw = self._term_attrs = None
        self._pos = self._out_pos = None


__all__ = ["GAP_REWRITE", "Compactor"]
