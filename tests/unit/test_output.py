"""The frame writer under a blocked terminal (issue 21): frames written while a write waits for
the link go out as one write; the writer says it is backed up, and who waits for the drain
hears once it is empty. The link gauge on a fake clock."""

from __future__ import annotations

import io
import threading

from monitor.ui.link import BLOCKED_WRITE_S, SLOW_TICK_S, LinkGauge
from monitor.ui.output import FrameWriter

WAIT_S = 5.0
"""A bound on each wait for the writer's thread (never reached when the code is right)."""


class BlockingFile(io.StringIO):
    """A terminal whose first write waits until `release` is set (a full link)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.writes: list[str] = []

    def write(self, s: str) -> int:
        self.writes.append(s)
        self.entered.set()
        if len(self.writes) == 1:
            assert self.release.wait(WAIT_S)
        return len(s)

    def fileno(self) -> int:
        return 1


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_frames_queued_behind_a_blocked_write_go_out_as_one_and_the_drain_is_told() -> None:
    file, clock = BlockingFile(), Clock()
    writer = FrameWriter(file, clock=clock)
    writer.start()
    drained = threading.Event()
    try:
        writer.write("\x1b[1;1Hframe 1")
        assert file.entered.wait(WAIT_S)
        assert not writer.backed_up()  # a write just started is not yet a backlog
        clock.t += BLOCKED_WRITE_S
        assert writer.backed_up()  # it has waited for the link
        for n in (2, 3, 4):
            writer.write(f"\x1b[2;1Hframe {n}")
        writer.when_drained(drained.set)
        assert not drained.is_set()
        file.release.set()
        assert drained.wait(WAIT_S)
    finally:
        file.release.set()
        writer.stop()
    # The first text resets the style (the terminal's is not known yet); the three frames
    # that waited behind it are one write, of the last one's cells.
    assert file.writes == ["\x1b[1H\x1b[0mframe 1", "\x1b[2Hframe 4"]
    assert not writer.backed_up()
    assert writer.gauge.slow(clock.t)  # the first write took as long as a blocked one


def test_a_drain_asked_for_when_nothing_waits_is_told_at_once() -> None:
    writer = FrameWriter(BlockingFile())
    told: list[bool] = []
    writer.when_drained(lambda: told.append(True))
    assert told == [True]


def test_the_gauge_slows_the_tick_for_a_while_after_a_write_that_waited() -> None:
    gauge = LinkGauge()
    gauge.record(9000, 0.001, at=10.0)  # a fast write: the link keeps up
    assert not gauge.slow(10.0)
    assert gauge.tick_s(10.0) == 1.0
    gauge.record(4000, 1.0, at=20.0)  # waited a second for 4 KB: a 4 KB/s link
    assert gauge.slow(20.0)
    assert gauge.tick_s(25.0) == SLOW_TICK_S
    assert gauge.last_rate == 4000.0
    assert not gauge.slow(20.0 + 30.0)  # none waited for 30 s: the normal tick again


def test_a_compactor_failure_sends_the_frame_as_it_came() -> None:
    file = BlockingFile()
    file.release.set()
    writer = FrameWriter(file)

    def broken(text: str) -> None:
        raise ValueError("a bug")

    writer.compactor.feed = broken  # type: ignore[method-assign]
    writer.start()
    writer.write("\x1b[1;1Hsame frame")
    writer.stop()
    assert file.writes == ["\x1b[1;1Hsame frame"]
