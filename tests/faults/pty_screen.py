"""A real terminal for the drills: the monitor on a pty (`benchmarks.pty_harness.PtyChild`), every
byte it writes kept, its exit status, an emulated screen, and a reading of the bytes.

The screen is pyte's with its text drawing replaced (`CodePointScreen.draw`), for two reasons:

- pyte stops drawing a run of text at the first zero-width character that is not a combining
  mark (ZWJ, VS15, a Devanagari vowel sign), so a row holding "👩‍🔬" loses everything after the
  emoji: no terminal does that.
- pyte takes widths from the `wcwidth` package, whose answers follow neither Rich (which Textual
  lays the screen out with) nor the terminals people run. `cell_width` is the rule of the
  terminals that measure text code point by code point, as xterm and VTE do (and tmux, but for
  ZWJ sequences): a mark that does not space (Mn, Me) or a format character (Cf) takes no cell,
  an East Asian wide or full-width character two, anything else one, spacing marks (Mc)
  included. Where Rich counts otherwise (Devanagari vowel signs, ZWJ emoji: `disputed`), such a
  terminal shows the text wider than Textual planned.

Textual also writes the kitty keyboard protocol (CSI > n u, CSI < u) and DECRQM queries
(CSI ? n $ p) at start and exit, which pyte draws as text ("u", "p" at the cursor): they are left
out of what the screen is fed (`raw` keeps every byte as written).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyte
from pyte import modes
from rich.cells import cell_len

from benchmarks.pty_harness import PtyChild

BORDERS = frozenset("│╭╮╰╯┃┏┓┗┛")
"""A pane's vertical edges and corners (Textual's round border; heavy for the focused pane)."""

SEQUENCE = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # any other escape sequence
)
"""Every escape sequence a terminal acts on, whole."""
_UNFINISHED = re.compile(r"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b]*|[\x20-\x2f]*)\Z")
_NOT_FOR_PYTE = re.compile(rb"\x1b\[[<>=][0-9;]*u|\x1b\[\?[0-9;]*\$p")

STRAY = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but CR, LF (and ESC: not in a sequence), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi controls
    "\u00ad\u180e\u200b\u200c\u2060-\u2063\ufeff]"  # zero-width and invisible (not ZWJ)
)
"""What must never reach a terminal outside an escape sequence Textual wrote itself."""

DEFAULT_MODES: dict[int, bool] = {
    25: True,  # cursor shown
    7: True,  # autowrap
    1049: False,  # alternate screen
    1000: False,  # mouse: button events
    1002: False,  # mouse: drag
    1003: False,  # mouse: any motion
    1005: False,  # mouse: UTF-8 coordinates
    1006: False,  # mouse: SGR coordinates
    1015: False,  # mouse: urxvt coordinates
    1004: False,  # focus in/out reports
    2004: False,  # bracketed paste
    2026: False,  # synchronized output
}
"""DEC private modes as a shell expects to find them."""


def cell_width(ch: str) -> int:
    """Cells a terminal that measures code point by code point gives `ch` (module doc)."""
    if unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def disputed(text: str) -> bool:
    """Rich (so Textual) and a code-point terminal give `text` different widths."""
    return cell_len(text) != sum(cell_width(ch) for ch in text)


class CodePointScreen(pyte.Screen):
    """A pyte screen that draws text as a code-point terminal does (see the module doc)."""

    def draw(self, data: str) -> None:
        # pyte's Screen.draw (0.8) with `cell_width`, zero-width characters kept on the cell
        # before, and no insert mode (Textual never sets it).
        data = data.translate(self.g1_charset if self.charset else self.g0_charset)
        for ch in data:
            width = cell_width(ch)
            line = self.buffer[self.cursor.y]
            if width == 0:
                x = self.cursor.x - 1
                if x > 0 and line[x].data == "":  # the second cell of a wide character
                    x -= 1
                if x >= 0 and unicodedata.category(ch) != "Cc":
                    line[x] = line[x]._replace(data=line[x].data + ch)
                continue
            if self.cursor.x == self.columns:
                if modes.DECAWM in self.mode:
                    self.dirty.add(self.cursor.y)
                    self.carriage_return()
                    self.linefeed()
                    line = self.buffer[self.cursor.y]
                else:
                    self.cursor.x -= width
            line[self.cursor.x] = self.cursor.attrs._replace(data=ch)
            if width == 2 and self.cursor.x + 1 < self.columns:
                line[self.cursor.x + 1] = self.cursor.attrs._replace(data="")
            self.cursor.x = min(self.cursor.x + width, self.columns)
        self.dirty.add(self.cursor.y)

    def row(self, y: int) -> list[str]:
        """Row `y` cell by cell ("" is the second cell of a wide character)."""
        line = self.buffer[y]
        return [line[x].data for x in range(self.columns)]

    def text(self) -> list[str]:
        return ["".join(self.row(y)) for y in range(self.lines)]


class _Recorder(pyte.ByteStream):
    """Keeps every byte; feeds the screen all but what pyte misreads (see the module doc).
    Bytes in, as pyte's own ByteStream (hence the override of `Stream.feed(str)`)."""

    def __init__(self, screen: CodePointScreen, raw: bytearray) -> None:
        super().__init__(screen)
        self.raw = raw
        self._carry = b""

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        self.raw.extend(data)
        data = self._carry + data
        self._carry = b""
        start = data.rfind(b"\x1b")
        if start != -1 and _UNFINISHED.match(data[start:].decode("latin-1")):
            data, self._carry = data[:start], data[start:]
        super().feed(_NOT_FOR_PYTE.sub(b"", data))


@dataclass
class Terminal(PtyChild):
    """The monitor on a pty, with every byte it wrote, its exit status and an emulated screen."""

    raw: bytearray = field(default_factory=bytearray)
    status: int | None = None
    """`os.waitpid`'s status once the child has exited."""
    exited_at: float | None = None
    emulated: CodePointScreen | None = None

    def start(self) -> Terminal:
        # pytest-xdist's workers export LINES=24 and COLUMNS=80, which the child would inherit
        # and which win over the pty's size (shutil.get_terminal_size): empty, they are ignored.
        self.env_extra = {**self.env_extra, "LINES": "", "COLUMNS": ""}
        self.emulate = False
        super().start()
        self.emulated = CodePointScreen(self.cols, self.rows)
        self._stream = _Recorder(self.emulated, self.raw)
        return self

    def _reap(self) -> bool:
        # PtyChild's, keeping the status and the time the exit was seen.
        if self.exited:
            return True
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.exited = True
            return True
        if pid:
            self.exited, self.status, self.exited_at = True, status, time.monotonic()
        return self.exited

    # -- reading the screen ------------------------------------------------------------------

    def lines(self) -> list[str]:
        assert self.emulated is not None
        return self.emulated.text()

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.lines())

    def border_columns(self) -> dict[int, tuple[int, ...]]:
        """Per row holding any, the cells with a pane's vertical edge or corner."""
        assert self.emulated is not None
        out: dict[int, tuple[int, ...]] = {}
        for y in range(self.emulated.lines):
            cols = tuple(x for x, ch in enumerate(self.emulated.row(y)) if ch in BORDERS)
            if cols:
                out[y] = cols
        return out

    def misaligned_rows(self) -> dict[int, tuple[int, ...]]:
        """Rows whose pane edges are not in the columns most rows have them in."""
        found = self.border_columns()
        if not found:
            return {}
        usual, _ = Counter(found.values()).most_common(1)[0]
        return {y: cols for y, cols in found.items() if cols != usual}

    # -- terminal actions --------------------------------------------------------------------

    def wait_exit(self, timeout: float) -> bool:
        """Read until the child has exited (then what it left in the pty); False on timeout."""
        deadline = time.monotonic() + timeout
        while not self._reap():
            if time.monotonic() >= deadline:
                return False
            if self.fd >= 0:
                self.pump(0.01)
            else:
                time.sleep(0.005)  # nothing to read: the master side is closed
        while self.fd >= 0 and self.pump(0.05):  # all it wrote before exiting, up to EOF
            pass
        return True

    def hang_up(self) -> None:
        """Close the master side, as sshd does when the connection drops: the kernel sends
        SIGHUP and every later write to the terminal fails."""
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1

    def logs(self) -> str:
        """Every log file the child wrote in its private directories (there must be one)."""
        assert self._tmp is not None
        files = [p for p in Path(self._tmp.name).rglob("*.log*") if p.is_file()]
        assert files, f"no log file under {self._tmp.name}"
        return "".join(p.read_text(errors="replace") for p in files)


def pump_all(terms: Iterable[Terminal], timeout: float) -> None:
    """Read whatever any of `terms` wrote within `timeout` seconds."""
    live = [t for t in terms if t.fd >= 0]
    if not live:
        time.sleep(timeout)
        return
    ready, _, _ = select.select([t.fd for t in live], [], [], timeout)
    for t in live:
        if t.fd in ready:
            t.pump(0)


def wait_all(
    terms: Iterable[Terminal], done: Callable[[Terminal], bool], timeout: float
) -> list[Terminal]:
    """Read all of `terms` until `done` holds for each; those for which it never did."""
    terms = list(terms)
    deadline = time.monotonic() + timeout
    while (waiting := [t for t in terms if not done(t)]) and time.monotonic() < deadline:
        pump_all(terms, 0.02)
    return waiting


# -- reading the bytes --------------------------------------------------------------------------


def kind(sequence: str) -> str:
    """A sequence's kind: SGR and cursor moves by name, anything else as written."""
    if re.fullmatch(r"\x1b\[[0-9;:]*m", sequence):
        return "SGR"
    if re.fullmatch(r"\x1b\[[0-9;]*H", sequence):
        return "CUP"
    if re.fullmatch(r"\x1b\[[0-9]*[ABCDGd]", sequence):
        # relative moves and a column or a row alone (CHA, VPA): the output's compactor picks
        # the shortest
        return "cursor move"
    return sequence


@dataclass
class Wire:
    """What a program wrote to its terminal, read as a terminal would."""

    text: str
    kinds: Counter[str]
    """Escape sequences by kind (`kind`)."""
    oscs: Counter[str]
    """Operating system commands (hyperlinks, clipboard, title, pointer shape...) as written."""
    strays: list[str]
    """Controls, C1, bidi and invisible characters outside any escape sequence, each with what
    surrounds it (escape sequences shown as ⟪⟫)."""

    @classmethod
    def read(cls, raw: bytes) -> Wire:
        text = raw.decode("utf-8")  # strict: invalid UTF-8 on the wire is a failure too
        sequences = [m.group() for m in SEQUENCE.finditer(text)]
        rest = SEQUENCE.sub("⟪⟫", text)
        strays = [
            f"U+{ord(m.group()):04X} in {rest[max(0, m.start() - 30) : m.end() + 30]!r}"
            for m in STRAY.finditer(rest)
        ]
        return cls(
            text=text,
            kinds=Counter(kind(s) for s in sequences),
            oscs=Counter(s for s in sequences if s.startswith("\x1b]")),
            strays=strays,
        )

    @property
    def bells(self) -> int:
        return self.text.count("\x07")

    def modes_left(self) -> dict[int, bool]:
        """Each DEC private mode the program touched, as it left it (True: set)."""
        state: dict[int, bool] = {}
        for params, action in re.findall(r"\x1b\[\?([0-9;]+)([hl])", self.text):
            for p in params.split(";"):
                state[int(p)] = action == "h"
        return state

    def keyboard_pushes_left(self) -> int:
        """Kitty keyboard modes pushed (CSI > n u) and not popped (CSI < n u) at the end."""
        pushed = len(re.findall(r"\x1b\[>[0-9]*u", self.text))
        popped = sum(int(n or 1) for n in re.findall(r"\x1b\[<([0-9]*)u", self.text))
        return max(0, pushed - popped)

    def after_leaving_alt_screen(self) -> str:
        """What was written after the last exit from the alternate screen, less mode resets:
        anything here lands on the user's shell screen (a frame, a traceback)."""
        at = self.text.rfind("\x1b[?1049l")
        if at == -1:
            return self.text
        tail = self.text[at:]
        return re.sub(r"\x1b\[\?[0-9;]+[hl]|\x1b\[<[0-9]*u|[\r\n]", "", tail)
