"""Cadence and budget: pure, driven by explicit times and a seeded generator."""

from __future__ import annotations

import random

import pytest

from monitor.api.ratelimit import RateLimitInfo
from monitor.polling.budget import Budget
from monitor.polling.cadence import Cadence


def rng() -> random.Random:
    return random.Random(1)


def test_interval_doubles_while_unchanged_up_to_the_cap_and_resets_on_change() -> None:
    c = Cadence(base_s=5, cap_s=30, jitter=0)
    seen = []
    for _ in range(5):
        c.succeeded(changed=False)
        seen.append(c.next_delay(rng()))
    assert seen == [10, 20, 30, 30, 30]
    c.succeeded(changed=True)
    assert c.next_delay(rng()) == 5


def test_never_below_one_second_even_when_asked() -> None:
    c = Cadence(base_s=0.1, cap_s=0.2)
    assert all(c.next_delay(random.Random(i)) >= 1.0 for i in range(50))


def test_jitter_spreads_pollers_within_ten_percent() -> None:
    c = Cadence(base_s=10, cap_s=30)
    delays = {round(c.next_delay(random.Random(i)), 3) for i in range(20)}
    assert len(delays) > 10
    assert all(9.0 <= d <= 11.0 for d in delays)


def test_error_backoff_is_capped_at_30s_with_full_jitter_and_reset_by_success() -> None:
    c = Cadence(base_s=5, cap_s=30)
    for _ in range(10):
        c.failed()
    delays = [c.next_delay(random.Random(i)) for i in range(200)]
    assert max(delays) <= 30.0
    assert min(delays) >= 1.0
    c.succeeded(changed=False)
    assert c.errors == 0


def test_retry_after_is_never_undercut() -> None:
    c = Cadence(base_s=5, cap_s=30)
    c.failed()
    assert c.next_delay(rng(), retry_after=42) >= 42


def test_bucket_allows_a_burst_then_the_rate() -> None:
    b = Budget(per_min=60, burst=10)
    taken = sum(b.take(0.0, 1) for _ in range(20))
    assert taken == 10
    assert not b.take(0.5, 1)
    assert b.take(1.0, 1)
    assert b.wait_s(1.0, 1) > 0.9


def test_requests_never_exceed_the_ceiling_in_any_minute() -> None:
    b = Budget(per_min=60, burst=10)
    sent = [t / 10 for t in range(0, 6000) if b.take(t / 10, 1)]
    for start in range(0, 540):
        assert sum(1 for s in sent if start <= s < start + 60) <= 60


def test_background_priorities_stay_under_the_soft_share() -> None:
    b = Budget(per_min=60, burst=10)
    sent = [t / 10 for t in range(0, 1200) if b.take(t / 10, 4)]
    # Exactly the share (60% of 60) in each minute: never more, and not starved either.
    assert len([s for s in sent if s < 60]) == 36
    assert len([s for s in sent if 60 <= s < 120]) == 36


def test_server_limit_caps_the_plan_at_half_and_low_remaining_holds_non_essential() -> None:
    b = Budget(per_min=60, burst=10)
    b.observe(RateLimitInfo(limit=80, remaining=5, reset_after_s=20, retry_after=None), 0.0)
    assert b.per_min == 40
    assert not b.take(0.0, 3)  # 5 < 10% of 80: only essential polls
    assert b.take(0.0, 0)
    assert b.wait_s(0.0, 3) >= 19.9
    assert b.take(20.5, 3)


def test_429_pauses_everything_for_retry_after_or_an_exponential_backoff() -> None:
    b = Budget(per_min=60, burst=10)
    assert b.rate_limited(0.0, 7.0, rng()) == 7.0
    assert not b.take(6.9, 0)
    assert b.take(7.1, 0)
    b.succeeded()
    pauses = [b.rate_limited(100.0 * i, None, random.Random(i)) for i in range(1, 8)]
    assert 1.6 <= pauses[0] <= 2.4
    assert pauses[-1] <= 72.0
    b.succeeded()
    assert b.consecutive_429 == 0


def test_reset_header_used_when_429_has_no_retry_after() -> None:
    b = Budget()
    b.observe(RateLimitInfo(limit=150, remaining=0, reset_after_s=25, retry_after=None), 0.0)
    assert b.rate_limited(0.0, None, rng()) == 25


def test_a_failing_slow_poller_never_retries_sooner_than_its_healthy_interval() -> None:
    c = Cadence(base_s=180, cap_s=600, jitter=0.1)
    for _ in range(5):
        c.failed()
    assert min(c.next_delay(random.Random(i)) for i in range(200)) >= 162.0


def test_background_keeps_a_floor_under_a_heavy_essential_load() -> None:
    """Essential polls alone use more than the soft share: background slows, never stops."""
    b = Budget(per_min=60, burst=10)
    background: list[float] = []
    for tenth in range(0, 6000):
        now = tenth / 10
        if tenth % 12 == 0:  # essential: 50 a minute, over the 36 share on its own
            b.take(now, 1)
        elif b.take(now, 4):
            background.append(now)
    for start in range(60, 540, 30):
        window = [s for s in background if start <= s < start + 60]
        assert 1 <= len(window) <= 10, (start, len(window))
    # And when it is held, the wait points at the moment the floor frees.
    if not b.allowed(600.0, 4):
        assert b.wait_s(600.0, 4) > 0


def test_the_startup_allowance_goes_at_once_to_focused_work_within_the_ceiling() -> None:
    """At start nothing of the minute is spent: focused work (the on-screen history, rank 2)
    may go beyond the burst at once, essential and background polls keep to the bucket, the
    sliding minute's ceiling holds, and the steady pollers plan on what is left."""
    b = Budget(per_min=60, burst=10, startup=30)
    assert sum(b.take(0.0, 1) for _ in range(20)) == 10  # essential: the usual burst
    assert sum(b.take(0.0, 4) for _ in range(5)) == 0  # background: nothing beyond it
    assert sum(b.take(0.0, 2) for _ in range(40)) == 30  # focused: the allowance, at once
    assert b.steady_per_min(1.0) == 30
    sent = [0.0] * 40 + [t / 10 for t in range(10, 1200) if b.take(t / 10, 2)]
    for start in range(0, 60):
        assert sum(1 for s in sent if start <= s < start + 60) <= 60
    assert b.steady_per_min(61.0) == 60  # the allowance has left the sliding minute


def test_the_startup_allowance_lapses_after_the_first_minute() -> None:
    b = Budget(per_min=60, burst=10, startup=30, updated=100.0)
    assert sum(b.take(161.0, 2) for _ in range(40)) == 10


def test_the_watch_share_spends_its_slice_and_leaves_the_sweeps_next_run() -> None:
    # A relay's viewers' calls (issue 18): 12 requests a minute of 60, whatever they want.
    b = Budget(per_min=60, burst=10)
    sent = [
        t / 10 for t in range(0, 1200) if not b.watch_held(t / 10) and b.take(t / 10, 2, watch=True)
    ]
    assert len([s for s in sent if s < 60]) == 12
    assert len([s for s in sent if 60 <= s < 120]) == 12
    # Held until the minute's oldest of the twelve leaves it: exactly then, not before.
    assert sent[-12] == 60.0 and b.watch_held(119.95)
    free_at = 119.95 + b.watch_wait_s(119.95)
    assert free_at == pytest.approx(120.001)
    assert b.watch_held(119.99) and not b.watch_held(free_at)

    # Tokens: the share leaves the active sweep's next run its pages, to go at once.
    b = Budget(per_min=60, burst=10)
    b.sweep_room = 3
    share = 0
    while not b.watch_held(0.0) and b.take(0.0, 2, watch=True):
        share += 1
    assert share == 7
    assert sum(b.take(0.0, 1) for _ in range(5)) == 3
    assert b.watch_wait_s(0.0) == 4 + 0.001  # four tokens back (one to spend, three kept)

    # The minute: room for the sweep's pages under the ceiling (57 for all but the selected).
    b = Budget(per_min=60, burst=60)
    b.sweep_room = 4
    assert sum(b.take(0.0, 1) for _ in range(50)) == 50
    share = 0
    while not b.watch_held(0.0) and b.take(0.0, 2, watch=True):
        share += 1
    assert share == 3  # 53: 57 less the sweep's 4
    assert sum(b.take(0.0, 1) for _ in range(10)) == 4
