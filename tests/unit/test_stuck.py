"""Stuck calls and suspected leaked slots: exact limits from a campaign's own p99, the fixed
ceilings before there are samples, and the leak watch's hold, each at its edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.state.stuck import (
    CEILING_S,
    FLOOR_S,
    LEAK_HOLD_S,
    MIN_SAMPLES,
    LeakWatch,
    LiveCall,
    limit_for,
    p99,
    stuck_calls,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_p99_by_nearest_rank() -> None:
    assert p99([]) is None
    assert p99([7.0]) == 7.0
    assert p99([float(n) for n in range(1, 101)]) == 99.0
    assert p99([float(n) for n in range(1, 201)]) == 198.0
    assert p99([5.0, 1.0, 3.0]) == 5.0


def test_limit_is_the_ceiling_until_the_campaign_has_enough_samples() -> None:
    few = [10.0] * (MIN_SAMPLES - 1)
    assert limit_for("dialing", few) == (CEILING_S["dialing"], "ceiling")
    enough = [10.0] * (MIN_SAMPLES - 1) + [40.0]
    assert limit_for("dialing", enough) == (60.0, "campaign p99")  # 40 s x 1.5
    assert limit_for("queued", enough) is None
    short = [10.0] * MIN_SAMPLES  # 15 s would cry wolf on a campaign of quick rings
    assert limit_for("dialing", short) == (FLOOR_S["dialing"], "floor")
    assert limit_for("in_progress", [60.0] * MIN_SAMPLES) == (FLOOR_S["in_progress"], "floor")


def test_a_call_past_its_campaigns_p99_is_stuck_and_one_at_it_is_not() -> None:
    talks = [float(s) for s in range(1260, 1360)]  # p99 = 1358 s -> limit 2037 s
    samples = {("cmp_a", "in_progress"): talks}
    calls = [
        LiveCall("call_at", "cmp_a", "in_progress", later(-2037)),
        LiveCall("call_past", "cmp_a", "in_progress", later(-2038)),
        LiveCall("call_other", "cmp_b", "in_progress", later(-2038)),  # no samples: ceiling
        LiveCall("call_unknown", "cmp_a", "in_progress", None),
    ]
    (stuck,) = stuck_calls(calls, samples, T0)
    assert (stuck.call_id, stuck.for_s, stuck.limit_s, stuck.basis) == (
        "call_past",
        2038.0,
        2037.0,
        "campaign p99",
    )


def test_stuck_calls_are_listed_longest_first_against_the_ceilings() -> None:
    calls = [
        LiveCall("call_ring", None, "dialing", later(-181)),
        LiveCall("call_talk", None, "in_progress", later(-3601)),
        LiveCall("call_ok", None, "dialing", later(-180)),
        LiveCall("call_q", None, "queued", later(-99_999)),
    ]
    found = stuck_calls(calls, {}, T0)
    assert [(s.call_id, s.basis) for s in found] == [
        ("call_talk", "ceiling"),
        ("call_ring", "ceiling"),
    ]


def test_a_leak_is_suspected_after_the_hold_of_queued_calls_beside_free_slots() -> None:
    watch = LeakWatch().observe(T0, in_flight=8, queued=5, cap=10)
    assert watch.since == T0
    watch = watch.observe(later(200), in_flight=9, queued=2, cap=10)
    assert watch.since == T0  # the run goes on
    assert not watch.suspected(later(LEAK_HOLD_S - 1))
    assert watch.suspected(later(LEAK_HOLD_S))


@pytest.mark.parametrize(
    ("in_flight", "queued", "cap"),
    [(10, 5, 10), (8, 0, 10), (None, 5, 10), (8, None, 10), (8, 5, None)],
)
def test_a_full_cap_an_empty_queue_or_an_unknown_ends_the_run(
    in_flight: int | None, queued: int | None, cap: int | None
) -> None:
    watch = LeakWatch(T0).observe(later(100), in_flight=in_flight, queued=queued, cap=cap)
    assert watch == LeakWatch()
    assert not watch.suspected(later(10_000))


def test_a_call_with_an_unknown_state_time_or_state_is_skipped_not_the_end_of_the_list() -> None:
    calls = [
        LiveCall("call_unknown", None, "dialing", None),
        LiveCall("call_queued", None, "queued", later(-99_999)),
        LiveCall("call_ring", "cmp_a", "dialing", later(-181)),
    ]
    (stuck,) = stuck_calls(calls, {}, T0)
    assert (stuck.call_id, stuck.campaign_id, stuck.state, stuck.for_s, stuck.limit_s) == (
        "call_ring",
        "cmp_a",
        "dialing",
        181.0,
        CEILING_S["dialing"],
    )


def test_a_leak_run_keeps_its_start_and_a_new_run_starts_anew() -> None:
    watch = LeakWatch().observe(T0, in_flight=9, queued=1, cap=10)
    watch = watch.observe(later(60), in_flight=9, queued=1, cap=10)
    assert watch.since == T0
    ended = watch.observe(later(120), in_flight=10, queued=1, cap=10)
    assert ended.since is None
    again = ended.observe(later(180), in_flight=0, queued=3, cap=10)
    assert again.since == later(180)
