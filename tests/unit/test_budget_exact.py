"""The request budget, exact: the API sheet's section 9 rules as figures at chosen instants.

60 a minute by default, burst 10, half of a server's `X-RateLimit-Limit`, non-essential polls
held under 10% remaining until the reset, a 429 pausing everything (Retry-After, else the reset,
else 2, 4, 8 ... 60 s with ±20% jitter); background under a 60% share with a 10% floor of its
own; the last 3 requests of a minute kept for the selected call. `wait_s` is exact to the ms.
"""

from __future__ import annotations

import random

from monitor.api.ratelimit import RateLimitInfo
from monitor.polling.budget import (
    BACKGROUND,
    ESSENTIAL,
    RESERVED_FOR_SELECTED,
    SELECTED,
    Budget,
)

ACTIVE = ESSENTIAL  # the active list: essential, not the selected call
OTHER = 2  # the focused campaign: neither essential nor background


class Edge(random.Random):
    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        assert (a, b) == (0.8, 1.2)
        return b if self.high else a


def info(
    limit: int | None = None, remaining: int | None = None, reset: float | None = None
) -> RateLimitInfo:
    return RateLimitInfo(limit=limit, remaining=remaining, reset_after_s=reset, retry_after=None)


def one_a_second(b: Budget, count: int, priority: int, start: float = 0.0) -> float:
    """Take `count` requests one a second from `start`; returns the last instant."""
    for i in range(count):
        assert b.take(start + i, priority), (start + i, priority)
    return start + count - 1


def test_the_priorities_and_the_reserve() -> None:
    assert (SELECTED, ESSENTIAL, BACKGROUND, RESERVED_FOR_SELECTED) == (0, 1, 3, 3)


def test_a_fresh_budget_owes_no_wait() -> None:
    b = Budget()
    assert b.wait_s(0.0, BACKGROUND) == 0.0
    assert b.used_last_minute(0.0) == 0


def test_tokens_refill_at_the_rate_and_the_wait_says_when() -> None:
    b = Budget(per_min=30, burst=10)  # one token every 2 s
    assert sum(b.take(0.0, ACTIVE) for _ in range(12)) == 10
    assert b.wait_s(0.0, ACTIVE) == 2.001
    assert b.wait_s(1.0, ACTIVE) == 1.001
    assert not b.take(1.9, ACTIVE)
    assert b.take(2.0, ACTIVE)
    assert b.wait_s(2.0, ACTIVE) == 2.001


def test_the_burst_never_exceeds_the_minute() -> None:
    b = Budget(per_min=4, burst=10)
    assert sum(b.take(0.0, SELECTED) for _ in range(10)) == 4


def test_a_request_leaves_the_minute_exactly_60s_later() -> None:
    b = Budget()
    b.take(5.0, ACTIVE)
    assert b.used_last_minute(64.999) == 1
    assert b.used_last_minute(65.0) == 0


def test_the_selected_call_keeps_the_minutes_last_three_requests() -> None:
    b = Budget()
    last = one_a_second(b, 56, ACTIVE)  # 0 .. 55
    assert b.allowed(last + 1, ACTIVE)
    b.take(last + 1, ACTIVE)  # the 57th: 60 - 3
    now = last + 1.5
    assert not b.allowed(now, ACTIVE)
    assert not b.allowed(now, OTHER)
    assert b.allowed(now, SELECTED)
    # The active list waits for the minute's first request to leave it: 0 + 60 - 56.5.
    assert b.wait_s(now, ACTIVE) == 3.501
    assert b.wait_s(now, SELECTED) == 0.0
    for t in (57.0, 58.0, 59.0):
        assert b.take(t, SELECTED)
    assert b.used_last_minute(59.0) == 60
    assert not b.allowed(59.5, SELECTED)  # 60 in the minute: even the selected call waits
    assert b.wait_s(59.5, SELECTED) == 0.501


def test_past_the_reserve_the_wait_points_at_the_right_request() -> None:
    b = Budget()
    one_a_second(b, 57, ACTIVE)  # 0 .. 56
    b.take(57.0, SELECTED)  # 58 in the minute: 1 over the active ceiling of 57
    assert b.wait_s(57.5, ACTIVE) == 3.501  # the 2nd request (t=1) must leave: 1 + 60 - 57.5


def test_a_smaller_budget_reserves_a_tenth() -> None:
    b = Budget(per_min=20, burst=10)  # reserve int(2) = 2: the active list stops at 18
    for _ in range(10):
        b.take(0.0, ACTIVE)
    for t in range(3, 24, 3):
        assert b.take(float(t), ACTIVE)
    assert b.used_last_minute(24.0) == 17
    assert b.allowed(24.0, ACTIVE)
    b.take(24.0, ACTIVE)
    assert not b.allowed(27.0, ACTIVE)
    assert b.allowed(27.0, SELECTED)


def test_a_tiny_budget_waits_for_its_only_request() -> None:
    b = Budget()
    b.observe(info(limit=1), 0.0)  # half of 1: at most one request in any minute
    assert b.per_min == 0.5
    assert b.take(0.0, SELECTED)
    assert not b.allowed(10.0, SELECTED)
    assert b.wait_s(10.0, SELECTED) == 50.001
    assert b.allowed(60.0, SELECTED)


def test_a_fractional_ceiling_waits_for_the_request_that_frees_it() -> None:
    """A server limit of 3 plans 1.5 a minute: a 2nd request fits under 1.5, a 3rd does not,
    and it may go as soon as the oldest (not the newest) leaves the minute."""
    b = Budget()
    b.observe(info(limit=3), 0.0)
    assert b.take(0.0, OTHER)
    assert b.take(1.0, SELECTED)
    assert not b.allowed(2.0, SELECTED)
    assert b.wait_s(2.0, SELECTED) == 58.001
    assert b.allowed(60.0, SELECTED)


def test_the_server_limit_halves_the_plan() -> None:
    b = Budget()
    b.observe(info(limit=150, remaining=149, reset=60), 0.0)
    # Half of 150 is 75: never above the configured 60.
    assert (b.per_min, b.server_limit, b.server_remaining, b.server_reset_at) == (60, 150, 149, 60)
    b.observe(info(limit=80), 5.0)
    assert b.per_min == 40
    b.observe(info(limit=0), 6.0)  # a zero limit is nonsense: ignored
    assert b.per_min == 40
    b.observe(None, 7.0)
    assert b.per_min == 40
    b.observe(info(reset=20), 10.0)
    assert b.server_reset_at == 30.0


def test_low_remaining_holds_all_but_essential_until_the_reset() -> None:
    b = Budget()
    b.observe(info(limit=80, remaining=7, reset=20), 0.0)  # 7 < 8 = 10% of 80
    assert not b.allowed(0.0, OTHER)
    assert b.allowed(0.0, ACTIVE)
    assert b.allowed(0.0, SELECTED)
    assert b.wait_s(0.0, OTHER) == 20.001
    assert b.wait_s(5.0, OTHER) == 15.001
    assert b.wait_s(5.0, ACTIVE) == 0.0
    assert not b.allowed(19.999, OTHER)
    assert b.allowed(20.0, OTHER)  # the reset has come


def test_remaining_at_exactly_ten_percent_is_not_low() -> None:
    b = Budget()
    b.observe(info(limit=80, remaining=8), 0.0)
    assert b.allowed(0.0, OTHER)
    b.observe(info(remaining=0), 0.0)  # no reset known: held while it says 0
    assert not b.allowed(100.0, OTHER)
    only_remaining = Budget()
    only_remaining.observe(info(remaining=0), 0.0)  # no limit: cannot judge a share
    assert only_remaining.allowed(0.0, OTHER)


def test_each_request_counts_down_the_servers_remaining() -> None:
    b = Budget()
    b.observe(info(limit=150, remaining=100), 0.0)
    b.take(0.0, ACTIVE)
    b.take(0.0, ACTIVE)
    assert b.server_remaining == 98
    b.observe(info(remaining=1), 1.0)
    b.take(1.0, SELECTED)
    assert b.server_remaining == 0
    b.take(1.0, SELECTED)
    assert b.server_remaining == 0


def test_background_holds_at_the_share_and_the_wait_points_at_its_release() -> None:
    b = Budget()
    last = one_a_second(b, 36, BACKGROUND)  # 0 .. 35: 60% of 60, all background
    assert not b.allowed(last + 1, BACKGROUND)
    assert not b.allowed(last + 1, 4)
    assert b.allowed(last + 1, OTHER)
    # Held until the total falls under the share: the first request leaves at 60.
    assert b.wait_s(36.0, BACKGROUND) == 24.001
    assert b.wait_s(36.0, OTHER) == 0.0
    assert b.allowed(60.0, BACKGROUND)


def test_background_keeps_its_floor_under_a_heavy_essential_load() -> None:
    b = Budget()
    one_a_second(b, 40, ACTIVE)  # over the share on its own
    for t in range(40, 45):
        assert b.take(float(t), 4), t  # 5 of its own: under the floor of 6
    assert b.allowed(45.0, 4)
    b.take(45.0, 4)
    assert not b.allowed(46.0, 4)  # 6 of its own and 46 in all: held
    # Released when the total falls under the share again (t=10 leaves): 10 + 60 - 46.
    assert b.wait_s(46.0, 4) == 24.001


def test_a_small_budgets_shares_round_up_to_at_least_one() -> None:
    b = Budget(per_min=5, burst=10)  # share ceil(3) = 3, floor ceil(0.5) = 1, no reserve
    assert b.take(0.0, BACKGROUND)
    assert b.allowed(0.0, BACKGROUND)  # 1 < 3
    b.take(0.0, ACTIVE)
    b.take(0.0, ACTIVE)
    assert not b.allowed(0.0, BACKGROUND)  # 3 in all and 1 of its own
    assert b.allowed(0.0, OTHER)
    tiny = Budget()
    tiny.observe(info(limit=3), 0.0)  # 1.5 a minute: share ceil(0.9) = 1
    assert tiny.take(0.0, BACKGROUND)
    tiny.tokens = 5.0
    assert not tiny.allowed(30.0, BACKGROUND)


def test_a_429_pauses_everything_for_retry_after_clamped_to_1s() -> None:
    b = Budget()
    assert b.rate_limited(10.0, 7.0, Edge(True)) == 7.0
    assert (b.paused_until, b.consecutive_429) == (17.0, 1)
    assert not b.allowed(16.9, SELECTED)
    assert b.wait_s(12.0, SELECTED) == 5.001
    assert b.allowed(17.0, SELECTED)
    assert b.rate_limited(20.0, 0.2, Edge(True)) == 1.0
    assert b.paused_until == 21.0


def test_a_shorter_pause_never_cuts_a_longer_one() -> None:
    b = Budget()
    b.rate_limited(0.0, 30.0, Edge(True))
    b.rate_limited(1.0, 2.0, Edge(True))
    assert b.paused_until == 30.0


def test_a_429_without_retry_after_waits_for_the_reset_up_to_5_minutes() -> None:
    b = Budget()
    b.observe(info(reset=25), 0.0)
    assert b.rate_limited(5.0, None, Edge(True)) == 20.0
    b.observe(info(reset=900), 10.0)
    assert b.rate_limited(10.0, None, Edge(True)) == 300.0
    b.observe(info(reset=0.5), 20.0)
    assert b.rate_limited(20.0, None, Edge(True)) == 1.0  # never under 1 s


def test_a_429_with_nothing_to_go_by_backs_off_2_4_8_to_60s_with_20pct_jitter() -> None:
    high, low = Budget(), Budget()
    highs = [high.rate_limited(1000.0 * i, None, Edge(True)) for i in range(7)]
    lows = [low.rate_limited(1000.0 * i, None, Edge(False)) for i in range(7)]
    assert highs == [2.4, 4.8, 9.6, 19.2, 38.4, 72.0, 72.0]
    assert lows == [1.6, 3.2, 6.4, 12.8, 25.6, 48.0, 48.0]
    high.succeeded()
    assert high.consecutive_429 == 0
    assert high.rate_limited(10_000.0, None, Edge(True)) == 2.4
    # A reset already past is no guide: the backoff again.
    stale = Budget()
    stale.observe(info(reset=5), 0.0)
    assert stale.rate_limited(10.0, None, Edge(False)) == 1.6


def test_a_plan_cut_below_what_was_sent_waits_for_the_newest_to_leave() -> None:
    """Three sent, then the server's limit of 1 plans 0.5 a minute: nothing more until all
    three have left the minute, i.e. the newest (t=2) at 62."""
    b = Budget()
    for t in (0.0, 1.0, 2.0):
        assert b.take(t, SELECTED)
    b.observe(info(limit=1), 3.0)
    assert b.wait_s(3.0, SELECTED) == 59.001
    assert not b.allowed(61.0, SELECTED)
    assert b.allowed(62.0, SELECTED)


def test_a_reset_due_this_instant_is_no_guide_for_a_429() -> None:
    b = Budget()
    b.observe(info(reset=10), 0.0)
    assert b.rate_limited(10.0, None, Edge(False)) == 1.6  # the backoff, not a 0 s pause
