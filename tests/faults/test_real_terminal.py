"""Real-terminal drills (FAULTS R6, T5, T7, T8, T9, T11, T12, T14, N18): `dialnexa-monitor --demo`
on a pty, started as a user starts it, judged on the bytes it writes to the terminal and on an
emulated screen (`tests/faults/pty_screen.py`, built on `benchmarks/pty_harness.py`).

- R6: SIGTERM, SIGHUP, SIGINT, Ctrl+C typed and a dropped SSH session (the master side of the pty
  closed), each while every request is still waiting for its answer: the documented exit status
  after a clean shutdown (within a second on a quiet box; here 3 s times the machine's load, a
  hang being the bug); the terminal left as found (alternate screen left, cursor shown, mouse,
  focus and paste reports off, keyboard mode popped, termios restored); nothing written on the
  user's screen after it; no traceback anywhere.
- T5/T7/T8/T9/T11/T12: names carrying OSC 8 and OSC 52 sequences, C1, NUL/DEL/BEL/VT/FF and bidi
  controls, served by the simulator: visible on screen as inert text, and nothing in the bytes
  that Textual does not also write for clean data (no OSC 8/52, no BEL outside its own OSC, no
  C0, C1, bidi or invisible character outside an escape sequence).
- T14: at 80 and 200 columns every row whose text Rich and the terminal measure alike keeps its
  pane edges in line; rows with a Devanagari or ZWJ-emoji name do not (strict xfail: a bug).
- N18: with every answer 4 s late, keys are answered on screen at once, never behind a request
  (FAULTS' 100 ms median is measured by `make bench`, `keys.*.local`).

Each test starts its monitors together, so their start-up overlaps (about 1 s of CPU each).
"""

from __future__ import annotations

import contextlib
import os
import signal
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import pytest

from benchmarks.pty_harness import monitor_argv
from tests.faults.pty_screen import DEFAULT_MODES, Terminal, Wire, pump_all, wait_all
from tests.timing import generous

pytestmark = pytest.mark.timeout(60)

START_S = 20.0
"""Most seconds for a monitor's first screen (or its first data) on a busy machine."""
EXIT_BUDGET_S = 1.0
"""FAULTS R6: a clean exit within a second. Here a hang is the bug: the test allows that figure
times `tests.timing.generous` (margin and machine load)."""
ESC = b"\x1b[27u"
"""Esc as a terminal speaking the kitty keyboard protocol (which Textual asks for) sends it. A
bare ESC byte waits out Textual's escape-sequence timeout (about 100 ms: its input thread polls
at 0.1 s) before it counts as Esc, on any terminal without the protocol."""


@contextlib.contextmanager
def terminals(*terms: Terminal) -> Iterator[tuple[Terminal, ...]]:
    """Start them all at once; whatever happens, end every one and its private directory."""
    with contextlib.ExitStack() as stack:
        for term in terms:
            stack.enter_context(term)
        yield terms


def demo(*args: str, cols: int = 80, rows: int = 24) -> Terminal:
    return Terminal(monitor_argv("--demo", *args), cols=cols, rows=rows)


# -- R6 ------------------------------------------------------------------------------------------

R6_CASES: dict[str, tuple[int, signal.Signals | None]] = {
    "SIGTERM": (143, signal.SIGTERM),
    "SIGHUP": (129, signal.SIGHUP),
    "SIGINT": (130, signal.SIGINT),
    "ctrl+c": (130, None),
    "ssh-drop": (129, signal.SIGHUP),
}
"""Per case, the exit status (128 + the signal's number, monitor/main.py; Ctrl+C typed as
SIGINT) and the signal the monitor's log must say it exited on."""
ANSWER_IN_A_MINUTE = ("--scenario", "small", "--faults", "N18:delay=60")
"""Every request waits a minute for its answer: each exit happens during requests (the small
world: nothing will be drawn anyway, and it starts the quickest)."""


def _pristine_termios() -> list[int]:
    """iflag, oflag, lflag of a fresh pty: what the monitor's terminal had before it started."""
    master, slave = os.openpty()
    try:
        attrs = termios.tcgetattr(slave)
    finally:
        os.close(master)
        os.close(slave)
    return [attrs[0], attrs[1], attrs[3]]


def _interrupt(case: str, term: Terminal) -> None:
    if case == "ctrl+c":
        term.write(b"\x03")
    elif case == "ssh-drop":
        term.hang_up()
    else:
        os.kill(term.pid, getattr(signal, case))


def _exit_problems(case: str, term: Terminal, sent_at: float, pristine: list[int]) -> list[str]:
    expected, logged = R6_CASES[case]
    bound = generous(EXIT_BUDGET_S)
    if not term.wait_exit(max(5.0, bound)):
        return [f"{case}: still running {max(5.0, bound):.1f} s later"]
    problems: list[str] = []
    status = term.status
    assert status is not None and term.exited_at is not None
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == expected):
        how = (
            f"exit status {os.WEXITSTATUS(status)}"
            if os.WIFEXITED(status)
            else f"killed by signal {os.WTERMSIG(status)}"
        )
        problems.append(f"{case}: {how}, not exit status {expected} after a clean shutdown")
    took = term.exited_at - sent_at
    if took > bound:
        problems.append(f"{case}: exited {took:.2f} s after it, not within {bound:.2f} s")
    logs = term.logs()
    if "Traceback" in logs:
        problems.append(f"{case}: a traceback in the log")
    if logged is not None and f"exiting on signal {logged.value}" not in logs:
        problems.append(f"{case}: the log does not say it exited on {logged.name}")
    if case == "ssh-drop":  # no terminal any more: the status, the time and the log are all
        return problems
    wire = Wire.read(bytes(term.raw))
    if "Traceback" in wire.text:
        problems.append(f"{case}: a traceback on the terminal")
    if "\x1b[?1049h" not in wire.text:
        problems.append(f"{case}: never entered the alternate screen (did it start?)")
    for mode, on in sorted(wire.modes_left().items()):
        if mode not in DEFAULT_MODES:
            problems.append(f"{case}: DEC mode {mode} left {'set' if on else 'reset'} (unknown)")
        elif on != DEFAULT_MODES[mode]:
            problems.append(f"{case}: DEC mode {mode} left {'set' if on else 'reset'}")
    if wire.keyboard_pushes_left():
        problems.append(f"{case}: kitty keyboard mode pushed and never popped")
    if left := wire.after_leaving_alt_screen():
        problems.append(f"{case}: written on the user's screen after the exit: {left[:200]!r}")
    attrs = termios.tcgetattr(term.fd)
    if [attrs[0], attrs[1], attrs[3]] != pristine:
        problems.append(
            f"{case}: termios not restored: {attrs[:4]} vs iflag/oflag/lflag {pristine}"
        )
    return problems


def test_R6_signals_ctrl_c_and_a_dropped_ssh_session_exit_cleanly() -> None:
    """SIGTERM, SIGHUP (`kill -HUP`), SIGINT, Ctrl+C typed, and the SSH connection dropping (the
    pty's master closed: the kernel's SIGHUP, then every write fails), each sent while the
    monitor's first requests are still waiting for their answers: a clean exit (within 1 s on a
    quiet box, `generous` here) with 128 + the signal's number, the terminal as it was, no
    traceback."""
    pristine = _pristine_termios()
    cases = {case: demo(*ANSWER_IN_A_MINUTE) for case in R6_CASES}
    with terminals(*cases.values()):
        # Every answer takes a minute, so "no data yet" in the status line means the first
        # requests (sent at start) are on the wire.
        late = wait_all(cases.values(), lambda t: t.shows("act no data yet"), START_S)
        assert not late, [t.lines() for t in late]
        problems: list[str] = []
        for case, term in cases.items():
            assert term.shows("act no data yet"), term.lines()
            pump_all(cases.values(), 0)
            sent_at = time.monotonic()
            _interrupt(case, term)
            problems += _exit_problems(case, term, sent_at, pristine)
    assert not problems, "\n".join(problems)


# -- T5, T7, T8, T9, T11, T12, T14 ---------------------------------------------------------------

HOSTILE = ("--scenario", "huge", "--faults", "hostile:cases=T5+T7+T8+T9+T11+T12+T14")
"""The hostile strings as campaign names: the huge world's 50 campaigns show every one at once
(the busy world's 8 show 8 of them, a different 8 after each poll of the list)."""
SHOWN_AS = {
    "T5": "[link=",
    "T7": "\\x1b]52;",
    "T8": "\\x1b]8;;",
    "T9": "\\x9b31m",
    "T11": "nul\\x00",
    "T12": "⟨U+202E⟩",
    "T14": "ＡＣＭＥ",
}
"""How each case's string starts on screen (the sanitiser's visible escapes)."""
T14_AGREED = ("张伟", "ＡＣＭＥ", "🇮🇳", "✅")
"""T14 names every terminal and Rich give the same width: CJK, full-width, a flag, VS15."""
SIZES = ((80, 50), (200, 50))


def _seen_all(term: Terminal) -> bool:
    return all(term.shows(text) for text in SHOWN_AS.values())


@dataclass
class Edges:
    """What watching one screen's pane edges found."""

    misaligned: list[tuple[int, tuple[int, ...], str]] = field(default_factory=list)
    """Rows whose edges were out of line: row, edge columns, text."""
    checked: set[str] = field(default_factory=set)
    """`T14_AGREED` names seen on rows whose edges were in line."""


def _watch_edges(terms: dict[str, Terminal], seconds: float) -> dict[str, Edges]:
    """Read for `seconds`, checking every pane edge on each screen after each read."""
    found = {size: Edges() for size in terms}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pump_all(terms.values(), 0.1)
        for size, term in terms.items():
            lines = term.lines()
            bad = term.misaligned_rows()
            found[size].misaligned += [(y, cols, lines[y]) for y, cols in bad.items()]
            for y in set(term.border_columns()) - set(bad):
                found[size].checked.update(n for n in T14_AGREED if n in lines[y])
    return found


def _assert_inert(size: str, clean: Wire, wire: Wire) -> None:
    hyperlinks = [osc for osc in wire.oscs if osc.startswith("\x1b]8;")]
    assert hyperlinks == [], f"{size}: OSC 8 hyperlinks on the wire (T5, T8)"
    clipboard = [osc for osc in wire.oscs if osc.startswith("\x1b]52;")]
    assert clipboard == [], f"{size}: OSC 52 clipboard writes on the wire (T7)"
    foreign = sorted(set(wire.kinds) - set(clean.kinds))
    assert foreign == [], f"{size}: escape sequences Textual does not write for clean data"
    assert set(wire.oscs) <= set(clean.oscs), (size, wire.oscs, clean.oscs)
    own_bells = sum(n for osc, n in wire.oscs.items() if osc.endswith("\x07"))
    assert wire.bells == own_bells, f"{size}: {wire.bells} BEL, {own_bells} ending Textual's OSCs"
    assert wire.strays == [], f"{size}: outside escape sequences: {wire.strays[:5]}"


def test_T5_T7_T8_T9_T11_T12_T14_hostile_names_on_a_real_terminal() -> None:
    """Campaign names with OSC 8 hyperlinks (BEL and ST ended), OSC 52, a C1 CSI, a trailing
    ESC, NUL/DEL/BEL/VT/FF, bidi controls and T14's CJK, full-width, flag and VS15 names, at 80
    and 200 columns, on the dashboard (watched 1.2 s, a second's partial redraws included) and a
    call screen, then `q`; beside them a monitor with clean names, which shows what Textual
    writes itself (SGR, cursor moves, its modes, OSC 22 for the pointer, ended by BEL).

    On the wire: only kinds of escape sequence the clean run also wrote, no OSC 8 or 52, every
    BEL the end of one of Textual's OSCs, and outside escape sequences no C0 (but CR, LF), DEL,
    C1, bidi or invisible character. On screen: every case's name, as inert text; on every row
    the pane edges in line (the rows with a Devanagari or ZWJ-emoji name too: see the next
    test)."""
    clean = demo()  # the busy world, 80x24: the same kinds of sequence, for less CPU
    hostile = {f"{c}x{r}": demo(*HOSTILE, cols=c, rows=r) for c, r in SIZES}
    with terminals(clean, *hostile.values()):
        late = wait_all([clean], lambda t: t.shows("…"), START_S)
        assert not late, clean.lines()
        t0 = time.monotonic()
        wait_all(hostile.values(), _seen_all, START_S)
        waited = time.monotonic() - t0
        missing = {
            size: [case for case, text in SHOWN_AS.items() if not t.shows(text)]
            for size, t in hostile.items()
        }
        screens = {size: t.lines() for size, t in hostile.items()}
        for size, lines in screens.items():  # laid out for the pty's size, key bar at the foot
            assert "^p Jump" in lines[-1], "\n".join([size, *lines])
        edges = _watch_edges(hostile, 1.2)
        everyone = [clean, *hostile.values()]
        for key, shown in ((b"\r", "› Call "), (ESC, "DialNexa Monitor › Dashboard")):
            for term in everyone:
                term.write(key)
            late = wait_all(everyone, partial(Terminal.shows, text=shown), 10.0)
            assert not late, [t.lines()[:2] for t in late]
        for term in everyone:
            term.write(b"q")
        assert all(term.wait_exit(5.0) for term in everyone)
    clean_wire = Wire.read(bytes(clean.raw))
    assert clean_wire.strays == [], clean_wire.strays[:5]
    for size, term in hostile.items():
        _assert_inert(size, clean_wire, Wire.read(bytes(term.raw)))
        assert missing[size] == [], "\n".join([f"{size} {missing[size]} {waited}", *screens[size]])
        bad = edges[size].misaligned
        assert bad == [], "\n".join(map(repr, bad[:6]))
        for name in T14_AGREED:
            assert name in edges[size].checked, (size, name, edges[size].checked)


def test_T14_devanagari_and_zwj_names_keep_pane_edges_in_line() -> None:
    """T14's names alone (the busy world's 8 campaigns show all 6), 80x24: on the rows holding
    "प्रिया शर्मा" or "👩‍🔬", watched for 1.2 s, the pane edges in line. Rich counts Devanagari
    vowel signs (Mc) as 0 cells and a ZWJ emoji as 2, a code-point terminal 1 and 4 (tmux
    3.3a: the Devanagari name too): the output writes each such cluster on its own and moves
    to the column Textual meant after it (`monitor.ui.compact`), so the rest of the row stays
    in its place. Before that, those rows overflowed their column and overwrote the pane edge
    on each partial redraw."""
    with terminals(demo("--faults", "hostile:cases=T14")) as (term,):
        if term.wait_until(lambda: term.shows("प्र") and term.shows("\u200d"), START_S) is None:
            pytest.fail(f"the names never showed: {term.lines()}")
        edges = _watch_edges({"80x24": term}, 1.2)["80x24"]
    bad = edges.misaligned
    assert bad == [], "\n".join(map(repr, bad[:6]))


# -- N18 -----------------------------------------------------------------------------------------

N18_LATE_S = 4.0
"""Every answer this late (the simulator's N18)."""
N18_KEY_S = 1.0
"""FAULTS N18 says under 100 ms: the benchmark measures that (`keys.*.local`). Here the bug is a
key waiting behind a request, so each key gets this times the machine's load (`generous`, margin
1), never as long as a late answer."""
N18_KEYS: tuple[tuple[str, bytes, Callable[[Terminal], bool]], ...] = (
    ("/", b"/", lambda t: t.shows("filter: words to match")),
    ("esc", ESC, lambda t: not t.shows("filter: words to match")),
    ("p", b"p", lambda t: t.shows("PAUSED at")),
    ("p", b"p", lambda t: not t.shows("PAUSED at")),
    ("?", b"?", lambda t: t.shows("─ Help ─")),
    ("esc", ESC, lambda t: not t.shows("─ Help ─")),
)


def test_N18_keys_are_answered_at_once_while_every_answer_is_4s_late() -> None:
    """Every request answered 4 s late (the simulator's N18): from the first screen on, while
    the first requests wait for their answers, `/` opens the filter bar, Esc closes it, `p`
    pauses and resumes, `?` opens the help, Esc closes it, three times: each on screen within
    1 s on an idle machine, never as late as a 4 s answer (not behind a request)."""
    with terminals(demo("--faults", "N18")) as (term,):
        # The first screen, its status line saying the first answers (4 s away) have not come.
        first = term.wait_until(lambda: term.shows("act no data yet"), START_S)
        assert first is not None, term.lines()
        took: list[tuple[str, float]] = []
        for _ in range(3):
            for name, key, done in N18_KEYS:
                term.wait_quiet(0.05, 0.5)
                sent = term.write(key)
                seen = term.wait_until(partial(done, term), 2.0)
                assert seen is not None, (name, term.lines())
                took.append((name, seen - sent))
        times = [t for _, t in took]
        report = ", ".join(f"{n} {1000 * t:.0f}" for n, t in took) + " (ms)"
        bound = min(generous(N18_KEY_S, margin=1.0), N18_LATE_S - 0.5)
        assert max(times) < bound, f"not within {bound:.2f} s: {report}"
