"""Where the monitor's terminal bytes go: a minute of its output, classified (issue 21).

Runs the monitor against `dialnexa-monitor sim` (busy, speed 1) in a pty as `bench_terminal`
does, records every byte read after the warm-up, and classifies it: cursor moves, SGR (style),
text, and the rest (synchronized-output markers, the writer's status queries); the text's
cells by row of the final screen, and the cells written most often with what they show.

Run: `python -m benchmarks.bytes_anatomy [--cols 80 --rows 24 --seconds 60 --save out.bin]`
or `--load out.bin` to classify a saved recording again. Prints a report; not a bench row.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from benchmarks.bench_terminal import BUSY_CAP, WARMUP_S
from benchmarks.pty_harness import LoopbackSim, PtyChild, monitor_argv

BENCH_WINDOW_S = 12.0
"""`bench_terminal`'s window (not quick)."""

_TOKEN = re.compile(
    rb"""
    (?P<sgr>\x1b\[[0-9;:]*m)
    |(?P<move>\x1b\[(?P<p>[0-9;]*)(?P<f>[HABCDGdf]))
    |(?P<csi>\x1b\[[0-?]*[\x20-/]*[@-~])
    |(?P<esc>\x1b.?)
    |(?P<nl>[\r\n\b])
    |(?P<text>[^\x1b\r\n\b]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Anatomy:
    """Bytes by kind, text cells written by row and by cell, moves by form."""

    cols: int
    rows: int
    kinds: Counter[str] = field(default_factory=Counter)
    move_forms: Counter[str] = field(default_factory=Counter)
    sgr_seqs: Counter[bytes] = field(default_factory=Counter)
    row_bytes: Counter[int] = field(default_factory=Counter)
    """Every byte charged to the row the cursor was on (moves to the row they go to)."""
    cells: Counter[tuple[int, int]] = field(default_factory=Counter)
    places: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    """Bytes by where the next text went (row, col) and kind: moves and styles are charged
    to the text they lead to."""
    csi_other: Counter[bytes] = field(default_factory=Counter)
    grid: dict[tuple[int, int], str] = field(default_factory=dict)
    """The characters on screen as far as read (to tell a restyle from new text)."""
    restyled: Counter[tuple[int, int]] = field(default_factory=Counter)
    """Cells written again with the character they showed (a change of look only)."""
    restyle_bytes: int = 0
    """Bytes of runs that only changed the look of cells, with the moves and styles before."""

    def read(self, data: bytes) -> None:
        x = y = 0
        held: Counter[str] = Counter()
        for m in _TOKEN.finditer(data):
            kind = m.lastgroup or "?"
            n = len(m.group())
            if kind == "move":
                x, y = self._move(x, y, m.group("p").decode(), m.group("f").decode())
                self.move_forms[m.group("f").decode()] += 1
                self.kinds["move"] += n
                self.row_bytes[y] += n
                held["move"] += n
            elif kind == "nl":
                ctl = m.group()
                if ctl == b"\n":
                    y = min(y + 1, self.rows - 1)
                elif ctl == b"\r":
                    x = 0
                else:
                    x = max(0, x - 1)
                self.move_forms[repr(ctl)] += 1
                self.kinds["move"] += n
                self.row_bytes[y] += n
                held["move"] += n
            elif kind == "sgr":
                self.kinds["sgr"] += n
                self.sgr_seqs[m.group()] += 1
                self.row_bytes[y] += n
                held["sgr"] += n
            elif kind == "text":
                text = m.group().decode("utf-8", "replace")
                self.kinds["text"] += n
                self.row_bytes[y] += n
                if all(self.grid.get((y, x + i)) == ch for i, ch in enumerate(text)):
                    self.restyle_bytes += n + sum(held.values())
                for k, v in held.items():
                    self.places[(y, x, k)] += v
                held.clear()
                self.places[(y, x, "text")] += n
                for ch in text:
                    cell = (y, min(x, self.cols - 1))
                    self.cells[cell] += 1
                    if self.grid.get(cell) == ch:
                        self.restyled[cell] += 1
                    self.grid[cell] = ch
                    x += 1
            else:
                self.kinds["other"] += n
                self.csi_other[m.group()] += 1

    def _move(self, x: int, y: int, p: str, f: str) -> tuple[int, int]:
        parts = [int(v) if v else 1 for v in p.split(";")] if p else [1]
        if f in "Hf":
            row = parts[0]
            col = parts[1] if len(parts) > 1 else 1
            return col - 1, row - 1
        k = parts[0]
        if f == "A":
            return x, max(0, y - k)
        if f == "B":
            return x, min(self.rows - 1, y + k)
        if f == "C":
            return min(self.cols - 1, x + k), y
        if f == "D":
            return max(0, x - k), y
        if f == "G":
            return k - 1, y
        return x, k - 1  # d: line position absolute


def capture(cols: int, rows: int, seconds: float) -> list[tuple[float, bytes]]:
    """Every read from the pty for `seconds` after the fork: (seconds since the fork, bytes)."""
    real_read = os.read
    reads: list[tuple[float, bytes]] = []
    with LoopbackSim("busy", 1.0) as sim:
        url = sim.start()
        if url is None:
            raise SystemExit("the simulator did not start")
        argv = monitor_argv("--base-url", url)
        with PtyChild(argv, cols=cols, rows=rows, env_extra=sim.monitor_env(BUSY_CAP)) as child:

            def tee(fd: int, n: int) -> bytes:
                data = real_read(fd, n)
                if fd == child.fd:
                    reads.append((time.monotonic() - child.started, data))
                return data

            os.read = tee
            try:
                child.pump_for(seconds)
            finally:
                os.read = real_read
    return reads


_CORNERS = "╭┏"
_ENDS = "╮┓"


def pane_of(lines: list[str], y: int, x: int) -> str:
    """The title of the box around (y, x) on the screen, or the row's first word outside one."""
    for yy in range(y, -1, -1):
        row = lines[yy]
        c = max(row.rfind(ch, 0, x + 1) for ch in _CORNERS)
        if c >= 0 and not any(row.find(e, c, x) >= 0 for e in _ENDS):
            title = row[c + 1 :].strip("─━ ").split("─")[0].split("━")[0].strip()
            return title or "?"
        if yy == y and not any(ch in row for ch in "│┃╰┗"):
            break  # a row of its own (header, status, keys)
    words = lines[y].split()
    return f"row {y} ({words[0] if words else ''})"


def report(warm: bytes, window: bytes, cols: int, rows: int, seconds: float) -> str:
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(warm)
    stream.feed(window)
    a = Anatomy(cols, rows)
    a.read(warm)
    a = Anatomy(cols, rows, grid=a.grid)
    a.read(window)
    total = len(window)
    lines = [f"{cols}x{rows}: {total} B in {seconds:g} s = {total / seconds:.0f} B/s"]
    for kind, n in a.kinds.most_common():
        lines.append(f"  {kind:6} {n:7} B  {100 * n / max(1, total):5.1f}%  {n / seconds:6.0f} B/s")
    same = sum(a.restyled.values())
    lines.append(
        f"  cells written: {sum(a.cells.values())}, of which {same} with the character "
        "they showed (a look changed: cursor, flash, stale)"
    )
    lines.append(
        f"  runs that changed only a look: {a.restyle_bytes / seconds:.0f} B/s "
        "with their moves and styles"
    )
    lines.append("  move forms: " + ", ".join(f"{k}×{v}" for k, v in a.move_forms.most_common()))
    lines.append("  other: " + ", ".join(f"{k!r}×{v}" for k, v in a.csi_other.most_common(6)))
    lines.append("  SGR most written:")
    for seq, n in a.sgr_seqs.most_common(8):
        lines.append(f"    {n:5} × {seq!r}")
    screen_lines = ["".join(screen.buffer[y][x].data for x in range(cols)) for y in range(rows)]
    panes: dict[str, Counter[str]] = {}
    for (y, x, kind), n in a.places.items():
        panes.setdefault(pane_of(screen_lines, y, x), Counter())[kind] += n
    lines.append("  by pane (B/s: all = text + sgr + move):")
    for name, c in sorted(panes.items(), key=lambda kv: -sum(kv[1].values())):
        t = sum(c.values())
        lines.append(
            f"    {t / seconds:6.1f} = {c['text'] / seconds:5.1f} + {c['sgr'] / seconds:5.1f}"
            f" + {c['move'] / seconds:5.1f}  {name}"
        )
    lines.append("  per row (B/s) | final screen:")
    for y in range(rows):
        text = "".join(screen.buffer[y][x].data for x in range(cols))
        lines.append(f"    {a.row_bytes[y] / seconds:6.1f} |{text}|")
    lines.append("  cells written most (writes in the window, row, col, what the row shows):")
    for (y, x), n in a.cells.most_common(40):
        text = "".join(screen.buffer[y][c].data for c in range(max(0, x - 12), min(cols, x + 12)))
        lines.append(f"    {n:4}  r{y:<3} c{x:<4} …{text}…")
    return "\n".join(lines)


def per_second(reads: list[tuple[float, bytes]], seconds: float) -> str:
    counts = [0] * (int(seconds) + 1)
    for t, data in reads:
        counts[min(int(t), len(counts) - 1)] += len(data)
    return " ".join(str(n) for n in counts)


def split(reads: list[tuple[float, bytes]], start: float, end: float) -> tuple[bytes, bytes]:
    before = b"".join(d for t, d in reads if t < start)
    inside = b"".join(d for t, d in reads if start <= t < end)
    return before, inside


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=75.0, help="after the fork")
    ap.add_argument("--steady-from", type=float, default=15.0, help="seconds after the fork")
    ap.add_argument("--until", type=float, help="end of the classified window (default: all)")
    ap.add_argument("--save", type=Path)
    ap.add_argument("--load", type=Path)
    args = ap.parse_args()
    if args.load:
        saved = json.loads(args.load.read_text())
        reads = [(t, bytes.fromhex(h)) for t, h in saved["reads"]]
        args.cols, args.rows, args.seconds = saved["cols"], saved["rows"], saved["seconds"]
    else:
        reads = capture(args.cols, args.rows, args.seconds)
        if args.save:
            saved = {"cols": args.cols, "rows": args.rows, "seconds": args.seconds}
            saved["reads"] = [(t, d.hex()) for t, d in reads]
            args.save.write_text(json.dumps(saved))
    print("bytes per second after the fork:", per_second(reads, args.seconds))
    _, bench = split(reads, WARMUP_S, WARMUP_S + BENCH_WINDOW_S)
    print(
        f"bench window ({WARMUP_S:g}-{WARMUP_S + BENCH_WINDOW_S:g} s): "
        f"{len(bench) / BENCH_WINDOW_S:.0f} B/s"
    )
    end = args.until or args.seconds
    before, steady = split(reads, args.steady_from, end)
    span = end - args.steady_from
    print(f"classified: {args.steady_from:g}-{end:g} s after the fork")
    print(report(before, steady, args.cols, args.rows, span))


if __name__ == "__main__":
    main()
