"""The writer's bytes for a recorded minute, again, offline: a change to `monitor.ui.compact`
measured on the same frames, without a pty or a simulator (issue 21).

A recording of `benchmarks.bytes_anatomy --save` holds what the monitor wrote (compacted).
Each read is turned back into what Textual writes (an absolute move and the whole style
before each text run, a reset after it; no relative moves, no status queries) and fed to a
fresh `Compactor`, one read at a time; the bytes it writes are counted over the same window,
and two emulated terminals (pyte), one fed the recording and one the rewrite, must agree on
every cell after each read.

Run: `python -m benchmarks.bytes_replay /tmp/rec.json [--from 15]`.
"""

from __future__ import annotations

import argparse
import codecs
import json
import re
from pathlib import Path

import pyte

from monitor.ui.compact import Compactor
from monitor.ui.sgr import Attrs, codes_of, read_sgr

_TOKEN = re.compile(
    r"""
    (?P<sgr>\x1b\[[0-9;:]*m)
    |(?P<move>\x1b\[(?P<p>[0-9;]*)(?P<f>[HABCDGdf]))
    |(?P<csi>\x1b\[[0-?]*[\x20-/]*[@-~])
    |(?P<esc>\x1b.?)
    |(?P<ctl>[\r\n\x08])
    |(?P<text>[^\x1b\r\n\x08]+)
    """,
    re.VERBOSE | re.DOTALL,
)


class Absolute:
    """Rewrites a compacted stream into Textual's shape: an absolute move before each run."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.x = self.y = 0
        self.attrs: Attrs = {}

    def rewrite(self, text: str) -> str:
        out: list[str] = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "move":
                self._move(m.group("p"), m.group("f"))
            elif kind == "ctl":
                ch = m.group()
                if ch == "\r":
                    self.x = 0
                elif ch == "\n":
                    self.y = min(self.y + 1, self.rows - 1)
                else:
                    self.x = max(0, self.x - 1)
            elif kind == "text":
                style = ";".join(codes_of(self.attrs))
                move = f"\x1b[{self.y + 1};{self.x + 1}H"
                out.append(f"{move}\x1b[{style}m{m.group()}\x1b[0m" if style else move + m.group())
                self.x = min(self.x + len(m.group()), self.cols - 1)
            elif kind == "sgr":
                attrs = read_sgr(self.attrs, m.group()[2:-1])
                assert attrs is not None, m.group()
                self.attrs = attrs
            elif m.group() != "\x1b[5n":  # the writer's own status query
                out.append(m.group())
        return "".join(out)

    def _move(self, p: str, f: str) -> None:
        parts = [int(v) if v else 1 for v in p.split(";")] if p else [1]
        k = parts[0]
        if f in "Hf":
            self.y, self.x = k - 1, (parts[1] if len(parts) > 1 else 1) - 1
        elif f == "A":
            self.y = max(0, self.y - k)
        elif f == "B":
            self.y = min(self.rows - 1, self.y + k)
        elif f == "C":
            self.x = min(self.cols - 1, self.x + k)
        elif f == "D":
            self.x = max(0, self.x - k)
        elif f == "G":
            self.x = k - 1
        else:
            self.y = k - 1


_WHOLE = re.compile(r"\x1b(\[[0-?]*[\x20-/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[^\[\]])")


def whole(text: str) -> tuple[str, str]:
    """`text` cut before a trailing escape sequence that is not complete yet (a read may end
    in the middle of one): (what can be fed, what waits for the next read)."""
    cut = text.rfind("\x1b")
    if cut < 0 or _WHOLE.match(text, cut):
        return text, ""
    return text[:cut], text[cut:]


def screens_differ(a: pyte.Screen, b: pyte.Screen) -> str | None:
    for y in range(a.lines):
        for x in range(a.columns):
            if a.buffer[y][x] != b.buffer[y][x]:
                return f"row {y} col {x}: {a.buffer[y][x]} vs {b.buffer[y][x]}"
    return None


def replay(reads: list[tuple[float, bytes]], cols: int, rows: int, start: float) -> tuple[int, int]:
    """(bytes recorded, bytes rewritten) from `start` seconds after the fork on."""
    recorded, rewritten = pyte.Screen(cols, rows), pyte.Screen(cols, rows)
    rec_s, new_s = pyte.Stream(recorded), pyte.Stream(rewritten)
    absolute = Absolute(cols, rows)
    compactor = Compactor(cursor_shown=False)
    n_rec = n_new = 0
    decode = codecs.getincrementaldecoder("utf-8")().decode
    held = ""
    for t, data in reads:
        text = held + decode(data)
        text, held = whole(text)
        out = compactor.compact(absolute.rewrite(text))
        rec_s.feed(text)
        new_s.feed(out)
        if t >= start:
            n_rec += len(data)
            n_new += len(out.encode())
        bad = screens_differ(recorded, rewritten)
        if bad is not None:
            raise SystemExit(f"the screens differ at {t:.2f} s: {bad}")
    return n_rec, n_new


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("recording", type=Path)
    ap.add_argument("--from", dest="start", type=float, default=15.0)
    args = ap.parse_args()
    saved = json.loads(args.recording.read_text())
    reads = [(float(t), bytes.fromhex(h)) for t, h in saved["reads"]]
    n_rec, n_new = replay(reads, saved["cols"], saved["rows"], args.start)
    span = saved["seconds"] - args.start
    print(
        f"{saved['cols']}x{saved['rows']} from {args.start:g} s: recorded {n_rec / span:.0f} B/s, "
        f"rewritten {n_new / span:.0f} B/s ({n_new / max(1, n_rec):.3f}x)"
    )


if __name__ == "__main__":
    main()
