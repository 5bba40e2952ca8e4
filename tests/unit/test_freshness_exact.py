"""When a pane turns STALE: after two missed polls, or past its pane's promise when that is
longer (README, "How it polls"); never before, and exactly at the edge not yet."""

from __future__ import annotations

import pytest

from monitor.state.freshness import Freshness


def test_never_fetched_is_not_stale_but_unknown() -> None:
    assert Freshness().age(100.0) is None
    assert not Freshness().is_stale(100.0)


@pytest.mark.parametrize(
    ("interval", "promise", "age", "stale"),
    [
        (5.0, None, 11.0, False),  # two missed polls plus a second: not yet
        (5.0, None, 11.01, True),
        (5.0, 15.0, 11.01, False),  # active calls promise 15 s: no wolf cried at 12 s
        (5.0, 15.0, 15.0, False),
        (5.0, 15.0, 15.01, True),
        (30.0, 20.0, 60.0, False),  # a promise shorter than two polls does not shorten it
        (30.0, 20.0, 61.01, True),
    ],
)
def test_stale_past_the_later_of_two_missed_polls_and_the_promise(
    interval: float, promise: float | None, age: float, stale: bool
) -> None:
    fresh = Freshness(fetched_at=1000.0, expected_interval_s=interval, promise_s=promise)
    assert fresh.is_stale(1000.0 + age) is stale
    assert fresh.age(1000.0 + age) == pytest.approx(age)
