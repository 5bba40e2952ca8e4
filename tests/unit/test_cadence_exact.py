"""Cadence, exact: the vendor's "5-10 s, exponential to a cap, never faster than 1 s" as numbers.

The generator is pinned to an edge of its range (`Edge`), so each delay is one exact figure:
the jittered interval, the capped error backoff 5, 10, 20, 30 s, the floor at the healthy
interval, Retry-After and the 1 s floor.
"""

from __future__ import annotations

import math
import random

from monitor.polling.cadence import ERROR_CAP_S, FLOOR_S, Cadence


class Edge(random.Random):
    """A generator whose `uniform` answers the low or the high end, and records what it was
    asked."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high
        self.asked: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.asked.append((a, b))
        return b if self.high else a


LOW, HIGH = False, True


def test_the_documented_constants() -> None:
    assert FLOOR_S == 1.0
    assert ERROR_CAP_S == 30.0


def test_a_healthy_delay_is_the_interval_within_ten_percent() -> None:
    c = Cadence(base_s=5, cap_s=30)
    low, high = Edge(LOW), Edge(HIGH)
    assert c.next_delay(low) == 4.5
    assert c.next_delay(high) == 5.5
    assert low.asked == [(0.9, 1.1)]


def test_the_interval_doubles_to_the_cap_and_a_change_resets_it() -> None:
    c = Cadence(base_s=5, cap_s=30, jitter=0)
    seen = [c.expected_s]
    for _ in range(4):
        c.succeeded(changed=False)
        seen.append(c.expected_s)
    assert seen == [5, 10, 20, 30, 30]
    c.succeeded(changed=True)
    assert c.expected_s == 5
    triple = Cadence(base_s=2, cap_s=100, factor=3, jitter=0)
    triple.succeeded(changed=False)
    assert triple.expected_s == 6


def test_error_backoff_doubles_from_the_base_to_30s() -> None:
    """Errors 1, 2, 3, 4, 5 at base 5 s: ceilings 5, 10, 20, 30, 30 (full jitter below them)."""
    c = Cadence(base_s=5, cap_s=60)
    ceilings = []
    for _ in range(5):
        c.failed()
        rng = Edge(HIGH)
        ceilings.append(c.next_delay(rng))
        assert rng.asked[-1][0] == 0  # full jitter: anywhere from 0 up
    assert ceilings == [5, 10, 20, 30, 30]
    assert c.errors == 5
    c.succeeded(changed=False)
    assert c.errors == 0
    assert c.next_delay(Edge(HIGH)) == 11.0  # healthy again: 10 s (5 doubled once) +10%


def test_a_failing_poller_never_asks_sooner_than_its_healthy_interval() -> None:
    """The floor of the error backoff is the current interval less its jitter, not the base:
    a resource backed off to 20 s does not start polling every 4.5 s when it fails."""
    c = Cadence(base_s=5, cap_s=60)
    c.succeeded(changed=False)
    c.succeeded(changed=False)  # interval 20 s
    c.failed()
    assert c.next_delay(Edge(LOW)) == 18.0
    assert c.next_delay(Edge(HIGH)) == 18.0  # ceiling 5 s is under the floor
    for _ in range(3):
        c.failed()
    assert c.next_delay(Edge(HIGH)) == 30.0


def test_retry_after_is_never_undercut_and_1s_is_the_floor() -> None:
    c = Cadence(base_s=5, cap_s=30)
    assert c.next_delay(Edge(HIGH), retry_after=42) == 42
    assert c.next_delay(Edge(HIGH), retry_after=2) == 5.5
    c.failed()
    assert c.next_delay(Edge(LOW), retry_after=7.5) == 7.5
    fast = Cadence(base_s=0.2, cap_s=0.1)
    assert fast.expected_s == 1.0
    assert fast.next_delay(Edge(LOW)) == 1.0
    assert fast.next_delay(Edge(LOW), retry_after=0.3) == 1.0
    fast.jitter = 0.5
    assert fast.next_delay(Edge(LOW)) == 1.0  # 0.5 s asked: the floor wins


def test_the_cap_is_never_below_the_base() -> None:
    c = Cadence(base_s=10, cap_s=3, jitter=0)
    c.succeeded(changed=False)
    assert c.expected_s == 10


def test_rebase_moves_the_base_and_keeps_the_backoff_sane() -> None:
    c = Cadence(base_s=5, cap_s=30, jitter=0)
    c.succeeded(changed=False)  # 10
    c.rebase(8)
    assert c.expected_s == 10  # not shortened by a smaller base
    c.succeeded(changed=True)
    assert c.expected_s == 8
    c.rebase(40)  # above the cap: the cap follows
    assert c.expected_s == 40
    c.succeeded(changed=False)
    assert c.expected_s == 40
    c.rebase(0.1)
    c.succeeded(changed=True)
    assert c.expected_s == 1.0
    c.succeeded(changed=False)
    assert c.expected_s == 2.0


def test_a_final_resource_is_never_stale() -> None:
    c = Cadence(base_s=5, cap_s=30)
    assert c.expected_s == 5
    c.final = True
    assert c.expected_s == math.inf
