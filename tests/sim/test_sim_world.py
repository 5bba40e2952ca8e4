"""The world on its own: scenarios, determinism, retries as the guide describes, the cap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.clock import FakeClock
from monitor.sim.model import (
    BUSY,
    CANCELLED,
    COMPLETED,
    DIALING,
    FAILED,
    IN_PROGRESS,
    NO_ANSWER,
    QUEUED,
    VOICEMAIL,
    RetryConfig,
)
from monitor.sim.scenarios import get_scenario
from monitor.sim.world import World
from tests.sim.simkit import one_campaign, only


def fingerprint(world: World) -> list[tuple[object, ...]]:
    return [
        (c.id, c.status, c.attempt, c.parent_id, c.dial_t, c.answer_t, c.end_t, c.end_reason)
        for c in world.calls
    ]


def test_scenarios_have_the_documented_sizes() -> None:
    small, busy, huge = (get_scenario(n) for n in ("small", "busy", "huge"))
    assert (len(small.campaigns), small.total_leads, small.workspace_cap) == (1, 20, 5)
    assert (len(busy.campaigns), busy.total_leads, busy.workspace_cap) == (8, 5000, 100)
    assert (len(huge.campaigns), huge.total_leads, huge.workspace_cap) == (50, 100_000, 1000)


def test_unknown_scenario_names_the_choices() -> None:
    with pytest.raises(ValueError, match="small, busy, huge"):
        get_scenario("tiny")


def test_same_seed_same_history_however_it_is_advanced() -> None:
    one = World(get_scenario("busy"), seed=3, clock=FakeClock())
    one.advance(900)
    many = World(get_scenario("busy"), seed=3, clock=FakeClock())
    for _ in range(90):
        many.advance(7.3)
    many.advance_to(one.t)
    assert fingerprint(one) == fingerprint(many)
    other = World(get_scenario("busy"), seed=4, clock=FakeClock())
    other.advance(900)
    assert fingerprint(other) != fingerprint(one)


def test_world_time_follows_the_clock_times_speed() -> None:
    clock = FakeClock()
    world = World(get_scenario("small"), seed=1, clock=clock, speed=60.0)
    start = world.now()
    clock.advance(10)
    world.sync()
    assert world.now() - start == timedelta(minutes=10)


def test_busy_shows_the_cap_and_retry_waves_within_a_minute() -> None:
    clock = FakeClock()
    world = World(get_scenario("busy"), seed=7, clock=clock)
    clock.advance(60)
    world.sync()
    assert world.peak_in_flight == world.cap == 100
    assert world.outcome_counts()[QUEUED] > 0, "dials beyond the cap wait in a queue"
    assert any(c.attempt > 1 for c in world.calls), "retries already dialled"
    assert world.retry_schedule(), "more retries are due"


def test_in_flight_is_dialing_plus_in_progress() -> None:
    world = World(get_scenario("busy"), seed=7, clock=FakeClock())
    live = world.calls_in_flight()
    assert len(live) == world.in_flight
    assert {c.status for c in live} <= {DIALING, IN_PROGRESS}


def test_no_answer_series_runs_max_retries_plus_one_attempts_at_the_fixed_wait() -> None:
    # The worked example of the API sheet §8: max_retries 3, 30 minutes, never answered.
    spec = one_campaign(RetryConfig(max_retries=3, wait_minutes=30), only(NO_ANSWER), leads=1)
    world = World(spec, seed=1, clock=FakeClock())
    assert world.run_until_idle()
    (series,) = world.all_series()
    assert [a.attempt for a in series.attempts] == [1, 2, 3, 4]
    assert series.summary() == "all_retries_exhausted"
    for prev, nxt in zip(series.attempts, series.attempts[1:], strict=False):
        assert prev.end_t is not None and prev.dial_t is not None and nxt.dial_t is not None
        assert nxt.due_t == prev.end_t + 30 * 60
        gap = nxt.dial_t - prev.dial_t
        assert 30 * 60 < gap < 30 * 60 + 60, "the wait plus the previous attempt's ring time"
    assert world.campaigns[0].status == "completed"


@pytest.mark.parametrize(
    ("outcome", "retry", "attempts", "summary"),
    [
        (VOICEMAIL, RetryConfig(2, 5, retry_on_voicemail=False), 1, "voicemail_final"),
        (VOICEMAIL, RetryConfig(2, 5, retry_on_voicemail=True), 3, "all_retries_exhausted"),
        (FAILED, RetryConfig(3, 5), 1, "failed"),
        (COMPLETED, RetryConfig(3, 5), 1, "completed"),
        (BUSY, RetryConfig(2, 5, retry_on_busy=False), 1, "all_retries_exhausted"),
        (BUSY, RetryConfig(2, 5), 3, "all_retries_exhausted"),
        (NO_ANSWER, RetryConfig(0, 5), 1, "all_retries_exhausted"),
    ],
)
def test_which_outcomes_retry_follows_the_guide(
    outcome: str, retry: RetryConfig, attempts: int, summary: str
) -> None:
    world = World(one_campaign(retry, only(outcome), leads=2), seed=5, clock=FakeClock())
    assert world.run_until_idle()
    for series in world.all_series():
        assert len(series.attempts) == attempts
        assert all(a.status == outcome for a in series.attempts)
        assert series.summary() == summary


def test_retry_schedule_lists_due_times_and_summary_is_pending_meanwhile() -> None:
    spec = one_campaign(RetryConfig(max_retries=1, wait_minutes=10), only(BUSY), leads=3)
    world = World(spec, seed=2, clock=FakeClock())
    world.advance(60)
    schedule = world.retry_schedule()
    assert len(schedule) == 3
    for row in schedule:
        first = world.call(row.parent_id)
        assert first is not None and first.end_t is not None
        assert row.attempt == 2 and row.due_t == first.end_t + 600
        assert world.summary_status(row.parent_id) == "pending"
    world.advance(600)
    assert world.retry_schedule() == []


def test_analysis_arrives_some_seconds_after_a_completed_call_ends() -> None:
    spec = one_campaign(RetryConfig(0, 5), only(COMPLETED), leads=1)
    world = World(spec, seed=9, clock=FakeClock())
    (call,) = world.calls
    while call.end_t is None:
        world.advance(1)
    assert call.analysis is None and call.sentiment is None, "analysis pending"
    assert call.analysis_t is not None and call.analysis_t > call.end_t
    world.advance_to(call.analysis_t)
    assert isinstance(call.analysis, dict) and "qualified" in call.analysis
    assert call.sentiment in ("positive", "neutral", "negative")


def test_history_records_when_each_status_began() -> None:
    world = World(get_scenario("small"), seed=4, clock=FakeClock())
    world.run_until_idle()
    call = next(c for c in world.calls if c.status == COMPLETED)
    history = world.history(call.id)
    assert [s for s, _ in history] == [QUEUED, DIALING, IN_PROGRESS, COMPLETED]
    times = [t for _, t in history]
    assert times == sorted(times)
    assert (times[-1] - times[-2]).total_seconds() == call.talk_s


def test_cap_holds_and_queued_dials_wait_for_slots() -> None:
    spec = one_campaign(RetryConfig(0, 1), only(COMPLETED), leads=30, cap=4, campaign_cap=10)
    world = World(spec, seed=6, clock=FakeClock())
    world.advance(30)
    assert world.in_flight == 4
    assert world.outcome_counts()[QUEUED] == 3, "queue_depth first dials wait"
    world.run_until_idle()
    assert world.peak_in_flight == 4
    assert world.outcome_counts()[COMPLETED] == 30


def test_pause_lets_calls_finish_and_resume_continues() -> None:
    world = World(get_scenario("small"), seed=8, clock=FakeClock())
    world.advance(5)
    campaign = world.campaigns[0]
    world.pause_campaign(campaign.id)
    world.advance(2_000)
    assert world.in_flight == 0 and campaign.status == "paused"
    dialled = sum(1 for c in world.calls if c.dial_t is not None)
    world.advance(600)
    assert sum(1 for c in world.calls if c.dial_t is not None) == dialled
    world.resume_campaign(campaign.id)
    world.run_until_idle()
    assert campaign.status == "completed"


def test_cancel_cancels_queued_dials_and_pending_retries() -> None:
    spec = one_campaign(RetryConfig(2, 5), only(BUSY), leads=10, cap=2, campaign_cap=2)
    world = World(spec, seed=3, clock=FakeClock())
    world.advance(20)
    campaign = world.campaigns[0]
    world.cancel_campaign(campaign.id)
    assert world.outcome_counts()[CANCELLED] > 0
    world.run_until_idle()
    assert campaign.status == "cancelled"
    assert world.retry_schedule() == []
    assert world.outcome_counts()[QUEUED] == 0
    assert world.pending_calls(campaign) == 0
    assert all(s.summary() in ("cancelled", "all_retries_exhausted") for s in world.all_series())


def test_busy_runs_its_scripted_campaign_events() -> None:
    world = World(get_scenario("busy"), seed=7, clock=FakeClock())
    by_name = {c.name: c for c in world.campaigns}
    assert by_name["Webinar No-shows"].status == "scheduled"
    world.advance(300)
    assert by_name["Insurance Upsell"].status == "paused"
    assert by_name["Webinar No-shows"].status in ("running", "completed")
    world.advance(900)
    assert by_name["Card Activation"].status == "cancelled"
    assert by_name["Insurance Upsell"].status in ("running", "completed")


def test_select_matches_a_brute_force_scan() -> None:
    world = World(get_scenario("busy"), seed=7, clock=FakeClock())
    world.advance(900)
    campaign = world.campaigns[1]
    for statuses in (None, {NO_ANSWER}, {COMPLETED, BUSY, DIALING}, {QUEUED, IN_PROGRESS}):
        for scope in (None, [campaign]):
            expected = [
                c
                for c in reversed(world.calls)
                if (statuses is None or c.status in statuses)
                and (scope is None or c.campaign is campaign)
            ]
            for offset in (0, 7, 150):
                page, total = world.select(
                    campaigns=scope, statuses=statuses, offset=offset, limit=25
                )
                assert total == len(expected)
                assert page == expected[offset : offset + 25]
            oldest, _ = world.select(
                campaigns=scope, statuses=statuses, limit=5, newest_first=False
            )
            assert oldest == expected[::-1][:5]


def test_hostile_names_reach_the_world() -> None:
    world = World(get_scenario("small"), seed=1, clock=FakeClock(), hostile_names=True)
    from monitor.sim import names
    from monitor.sim.hostile import HOSTILE_NAME_POOL

    customer = {names.customer_name(1, 0, lead, True) for lead in range(20)}
    assert customer & set(HOSTILE_NAME_POOL)
    assert world.campaigns[0].name == "Appointment Reminders"


def test_churn_keeps_the_world_busy_with_bounded_memory() -> None:
    world = World(get_scenario("busy"), seed=7, clock=FakeClock(), churn=True, retention_s=900)
    held = []
    for _ in range(8):
        world.advance(1800)
        held.append(world.call_count)
        assert world.in_flight > 0, "never goes quiet"
    assert world.retired > 0 and any(c.run > 1 for c in world.campaigns)
    assert max(held[4:]) < 2 * min(held[4:]), "old campaigns and their calls are retired"
    assert world.outcome_counts() == {
        s: sum(1 for c in world.calls if c.status == s) for s in world.counts
    }
    everything, total = world.select(limit=10**6)
    assert total == world.call_count and everything == world.calls[::-1]
    for status in world.counts:
        _, n = world.select(statuses={status}, limit=1)
        assert n == world.counts[status]
    held_seqs = {c.seq for c in world.calls}
    assert min(held_seqs) > 0, "the first campaigns' calls are gone"
    retired_id = next(c for c in world.campaigns if c.run > 1).name
    assert "(run " in retired_id


def test_without_churn_busy_ends() -> None:
    world = World(get_scenario("busy"), seed=7, clock=FakeClock())
    assert world.run_until_idle(max_seconds=6 * 3600)
    assert {c.status for c in world.campaigns} == {"completed", "cancelled"}
    assert world.retired == 0 and world.call_count == len(world.calls)
