"""The pacing window on a 4 KB/s link (issue 21): a key's answer waits behind at most about
`QUEUE_TARGET_S` of output. A model link: bytes drain one after another at 4,000 B/s, each
query answered once the bytes before it are through (fake clock)."""

from __future__ import annotations

from monitor.ui.link import WINDOW_MIN, AckWindow

RATE = 4_000.0


def windows_on_a_slow_link(answers: int) -> list[int]:
    acks = AckWindow()
    acks.answers = True
    now = 0.0
    drained_at = 0.0  # when the link has sent everything written so far
    seen = []
    for _ in range(answers):
        budget = acks.budget(now)
        assert budget is not None
        nbytes = max(budget, 1)
        acks.wrote(nbytes, query_at=now)
        drained_at = max(drained_at, now) + nbytes / RATE
        now = drained_at  # the answer comes when the link has carried the query
        acks.answered(now)
        seen.append(acks.window)
    return seen


def test_at_4kbps_the_window_does_not_settle_at_a_quarter_second() -> None:
    seen = windows_on_a_slow_link(60)[10:]
    assert max(seen) <= 2 * WINDOW_MIN
    # At 1 KB (256 ms of this link) the queue is over the target: back to 512 each time.
    assert seen.count(WINDOW_MIN) >= len(seen) // 2
