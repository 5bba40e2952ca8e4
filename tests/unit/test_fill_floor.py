"""History off screen is read from what the live panes leave of the minute, and at least once
every FILL_FLOOR_S while the minute is under URGENT_ROOM (`monitor.polling.fillpace`): on `huge`
a selected call in flight kept the minute above FILL_SHARE for good, and six campaigns' counts
were never read in two hours (`make test-long`)."""

from __future__ import annotations

from monitor.clock import FakeClock
from monitor.polling.budget import Budget
from monitor.polling.fillpace import FILL_FLOOR_S, FILL_SHARE, URGENT_ROOM, FillPace


def _pace() -> tuple[float, Budget, FillPace]:
    budget = Budget(per_min=60)
    return FakeClock().monotonic() + 100, budget, FillPace(budget)


def _minute_at(budget: Budget, now: float, used: int) -> None:
    budget.sent.clear()
    budget.sent.extend([now - 1.0] * used)


def test_under_the_fill_share_history_reads_whenever_it_likes() -> None:
    now, budget, pace = _pace()
    _minute_at(budget, now, int(FILL_SHARE * 60) - 1)
    assert all(pace.room(now + i) for i in range(5))


def test_past_the_share_history_still_gets_one_read_every_floor_period() -> None:
    now, budget, pace = _pace()
    _minute_at(budget, now, int(FILL_SHARE * 60) + 3)  # 36 of 60: a selected call at huge
    assert pace.room(now)
    assert not pace.room(now + 1)
    assert not pace.room(now + FILL_FLOOR_S - 0.1)
    assert pace.room(now + FILL_FLOOR_S)
    reads = 0
    for s in range(1, 61):  # a minute more at 36 of 60
        t = now + FILL_FLOOR_S + s
        _minute_at(budget, t, int(FILL_SHARE * 60) + 3)
        reads += pace.room(t)
    assert reads == 60 // FILL_FLOOR_S  # three a minute, not more


def test_a_full_minute_leaves_history_waiting() -> None:
    now, budget, pace = _pace()
    _minute_at(budget, now, int(URGENT_ROOM * 60))
    assert not any(pace.room(now + i) for i in range(0, 60, 5))
