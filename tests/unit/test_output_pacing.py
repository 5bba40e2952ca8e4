"""Output paced by the terminal's answers (issue 21): while the link is full, frames coalesce
in the writer; when the terminal answers, the newest changes (a key's answer) go first, and
what the terminal ends up showing is what the frames drew. No timings: the test is the
terminal, and answers when it says."""

from __future__ import annotations

import io
import threading

import pyte

from monitor.ui.compact import Compactor
from monitor.ui.link import (
    ACK_TIMEOUT_S,
    MIN_SAMPLES,
    QUERY,
    REPLY,
    WINDOW_MIN,
    AckWindow,
    take_replies,
)
from monitor.ui.output import FrameWriter

WAIT_S = 5.0
"""A bound on each wait for the writer's thread (never reached when the code is right)."""
COLS, ROWS = 60, 12


class Terminal(io.StringIO):
    """Records each write; `wrote` is set on every one."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.wrote = threading.Condition()

    def write(self, s: str) -> int:
        with self.wrote:
            self.writes.append(s)
            self.wrote.notify_all()
        return len(s)

    def wait_writes(self, n: int) -> None:
        with self.wrote:
            assert self.wrote.wait_for(lambda: len(self.writes) >= n, WAIT_S)

    def fileno(self) -> int:
        return 1


def row(y: int, text: str) -> str:
    return f"\x1b[{y + 1};1H\x1b[38;2;224;224;224;48;2;18;18;18m{text}\x1b[0m"


def screen(y_text: dict[int, str]) -> str:
    return "".join(row(y, t) for y, t in sorted(y_text.items()))


def idle(writer: FrameWriter) -> None:
    done = threading.Event()
    writer.when_drained(done.set)
    assert done.wait(WAIT_S)


def shown(stream: str) -> list[str]:
    term = pyte.Screen(COLS, ROWS)
    pyte.Stream(term).feed(stream.replace(QUERY, ""))
    return list(term.display)


def test_frames_held_while_the_link_is_full_coalesce_and_a_keys_answer_goes_first() -> None:
    term = Terminal()
    writer = FrameWriter(term)
    writer.start()
    frames = [screen({y: f"{y:02d} " + "a" * 50 for y in range(ROWS)})]
    try:
        writer.write(frames[0])  # the terminal has not answered yet: written whole
        term.wait_writes(1)
        assert term.writes[0].endswith(QUERY)  # ...and asked whether it was read
        assert writer.take_replies(REPLY) == ""  # the answer is no key
        # A screen switch bigger than the window: a window's worth goes, the rest is held.
        frames.append(screen({y: f"{y:02d} " + "b" * 50 for y in range(ROWS)}))
        writer.write(frames[-1])
        term.wait_writes(2)
        idle(writer)
        held = len(term.writes)
        assert writer.acks.in_flight >= WINDOW_MIN  # the window is full...
        assert writer.compactor.pending  # ...and the rest waits in the writer
        assert "".join(term.writes[1:]).count(QUERY) == 1
        assert "11 bbb" not in "".join(term.writes)  # the last rows are held
        # While the link is full: a data frame changes row 11 twice, then a key moves the
        # highlight on rows 5 and 6. Nothing is written until the terminal answers.
        for text in ("c" * 50, "d" * 50):
            frames.append(row(11, "11 " + text))
            writer.write(frames[-1])
        frames.append(row(5, "05 > selected") + row(6, "06   was selected"))
        writer.write(frames[-1])
        idle(writer)
        assert len(term.writes) == held
        writer.take_replies("x" + REPLY)
        term.wait_writes(held + 1)
        first = term.writes[held]
        assert first.index("> selected") < first.index("bbb")  # the key's rows first
        while writer.compactor.pending:  # answer until all of it is out
            n = len(term.writes)
            writer.take_replies(REPLY)
            term.wait_writes(n + 1)
            idle(writer)
    finally:
        writer.stop()
    out = "".join(term.writes)
    assert "c" * 50 not in out  # the stale state of row 11 never went out
    assert out.count("d" * 50) == 1
    assert shown(out) == shown("".join(frames))  # the terminal shows what the frames drew


def test_a_terminal_that_never_answers_gets_every_frame_at_once() -> None:
    term = Terminal()
    writer = FrameWriter(term)
    writer.start()
    try:
        for c in "abc":
            writer.write(screen({y: c * 40 for y in range(ROWS)}))
            idle(writer)
    finally:
        writer.stop()
    assert len(term.writes) == 3
    assert sum(w.count(QUERY) for w in term.writes) == 1  # asked once, never again
    assert shown("".join(term.writes))[0].startswith("c" * 40)


def test_the_window_shrinks_when_answers_queue_and_grows_when_they_do_not() -> None:
    acks, now = AckWindow(), 0.0
    assert acks.budget(now) is None  # no answer yet: no limit
    for _ in range(MIN_SAMPLES):  # quick answers: the link's round trip is 10 ms
        acks.wrote(100, query_at=now)
        now += 0.01
        acks.answered(now)
    assert acks.budget(now) == WINDOW_MIN
    acks.wrote(WINDOW_MIN, query_at=now)  # a full window answered in a round trip: grow
    now += 0.01
    acks.answered(now)
    assert acks.window == 2 * WINDOW_MIN
    acks.wrote(2 * WINDOW_MIN, query_at=now)  # answered a second later: it queued; shrink
    now += 1.0
    rate = acks.answered(now)
    assert acks.window == WINDOW_MIN
    assert rate is not None and rate < 4 * WINDOW_MIN  # ~2 KB drained in ~1 s
    acks.wrote(300)
    assert acks.query_due(300, more=False)  # 600 bytes unread: ask
    acks.wrote(300, query_at=now)
    assert acks.budget(now) == 0  # the window is full until the terminal answers...
    assert acks.budget(now + ACK_TIMEOUT_S + 0.1) == WINDOW_MIN  # ...or the query is lost


def test_replies_are_taken_out_of_the_input() -> None:
    assert take_replies(f"j{REPLY}k{REPLY}") == ("jk", 2)
    assert take_replies("\x1b[B") == ("\x1b[B", 0)


def test_take_with_a_limit_writes_the_newest_rows_first_and_holds_the_rest() -> None:
    c = Compactor()
    c.feed(screen({y: f"row {y}" for y in range(6)}))
    c.feed(row(4, "row 4 changed"))
    first = c.take(limit=20)
    assert "changed" in first  # the newest row...
    assert "row 0" not in first and c.pending  # ...and the rest after it
    assert c.take(limit=0) == ""  # a full link: nothing
    rest = c.take()
    assert not c.pending
    drawn = screen({y: f"row {y}" for y in range(6)}) + row(4, "row 4 changed")
    assert shown(first + rest) == shown(drawn)


class QuickTerminal(Terminal):
    """Answers each query before the write that carries it returns (a local terminal on a
    busy box: the writer's thread is preempted between its write and what follows)."""

    writer: FrameWriter | None = None

    def write(self, s: str) -> int:
        n = super().write(s)
        if self.writer is not None:
            for _ in range(s.count(QUERY)):
                self.writer.take_replies(REPLY)
        return n


def test_an_answer_that_comes_before_the_write_returns_is_not_lost() -> None:
    term = QuickTerminal()
    writer = term.writer = FrameWriter(term)
    writer.start()
    try:
        for c in "abcdef":
            writer.write(screen({y: c * 50 for y in range(ROWS)}))
            idle(writer)
    finally:
        writer.stop()
    assert "".join(term.writes).count(QUERY) >= 2
    assert writer.acks.answers
    assert writer.acks.next_timeout(0.0) is None  # no query left waiting for its answer
    assert shown("".join(term.writes))[0].startswith("f" * 50)


def test_no_status_query_once_the_app_left_the_alternate_screen() -> None:
    """A query written on the way out is answered into the user's shell (`^[[0n` at the
    prompt) once the app stops reading: none after Textual leaves the alternate screen."""
    term = Terminal()
    writer = FrameWriter(term)
    writer.start()
    try:
        writer.write(screen({y: "a" * 40 for y in range(ROWS)}))  # > QUERY_EVERY: asked
        idle(writer)
        assert writer.take_replies(REPLY) == ""  # answered: the next chunk is asked about
        writer.write("\x1b[?1049l\x1b[?25h")
        idle(writer)
        writer.write(screen({y: "b" * 40 for y in range(ROWS)}))  # a late frame: not asked
        idle(writer)
    finally:
        writer.stop()
    out = "".join(term.writes)
    assert QUERY in out[: out.index("\x1b[?1049l")]
    assert QUERY not in out[out.index("\x1b[?1049l") :]


def test_status_queries_go_on_after_a_suspend_and_resume() -> None:
    """Ctrl+Z leaves the alternate screen and `fg` enters it again: pacing goes on."""
    term = Terminal()
    writer = FrameWriter(term)
    writer.start()
    try:
        writer.write(screen({y: "a" * 40 for y in range(ROWS)}))
        idle(writer)
        assert writer.take_replies(REPLY) == ""
        writer.write("\x1b[?1049l")  # suspended
        idle(writer)
        writer.write("\x1b[?1049h" + screen({y: "b" * 40 for y in range(ROWS)}))  # resumed
        idle(writer)
    finally:
        writer.stop()
    out = "".join(term.writes)
    assert QUERY in out[out.index("\x1b[?1049h") :]
