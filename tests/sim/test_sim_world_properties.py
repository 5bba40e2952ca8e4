"""Invariants of the world over random seeds and settings (hypothesis).

Each example builds a small workspace, runs it until nothing is left to happen, and checks the
auto-retry guide's rules and the cap against the recorded history, computed independently of
the world's own bookkeeping.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.clock import FakeClock
from monitor.sim.model import (
    BUSY,
    COMPLETED,
    FAILED,
    NO_ANSWER,
    OUTCOMES,
    VOICEMAIL,
    CampaignSpec,
    RetryConfig,
    ScenarioSpec,
    Series,
)
from monitor.sim.world import World

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def retry_configs(draw: st.DrawFn) -> RetryConfig:
    return RetryConfig(
        max_retries=draw(st.integers(0, 4)),
        wait_minutes=draw(st.integers(1, 30)),
        retry_on_voicemail=draw(st.booleans()),
        retry_on_no_answer=draw(st.booleans()),
        retry_on_busy=draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> ScenarioSpec:
    campaigns = []
    for i in range(draw(st.integers(1, 3))):
        weights = draw(st.lists(st.integers(0, 10), min_size=5, max_size=5).filter(any))
        pause = draw(st.sampled_from([None, None, 45.0]))
        campaigns.append(
            CampaignSpec(
                name=f"c{i}",
                leads=draw(st.integers(1, 25)),
                max_concurrent_calls=draw(st.integers(1, 6)),
                retry=draw(retry_configs()),
                mix=tuple(zip(OUTCOMES, map(float, weights), strict=True)),
                start_at=draw(st.sampled_from([0.0, 0.0, 90.0])),
                pause_at=pause,
                resume_at=None if pause is None else pause + draw(st.integers(1, 900)),
                talk_median_s=draw(st.sampled_from([20.0, 75.0, 300.0])),
            )
        )
    return ScenarioSpec(
        name="prop",
        workspace_cap=draw(st.integers(1, 8)),
        campaigns=tuple(campaigns),
        warmup_s=draw(st.sampled_from([0.0, 30.0])),
        queue_depth=draw(st.integers(1, 5)),
    )


def expected_summary(series: Series) -> str:
    """The guide's summary status, from the attempt rows alone."""
    statuses = [a.status for a in series.attempts]
    if COMPLETED in statuses:
        return "completed"
    if statuses[-1] == FAILED:
        return "failed"
    if statuses[-1] == VOICEMAIL and not series.campaign.retry.retry_on_voicemail:
        return "voicemail_final"
    return "all_retries_exhausted"


def retryable(outcome: str, retry: RetryConfig) -> bool:
    return {
        NO_ANSWER: retry.retry_on_no_answer,
        BUSY: retry.retry_on_busy,
        VOICEMAIL: retry.retry_on_voicemail,
    }.get(outcome, False)


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
    # A slot freed at t may be taken again at t: ends sort before starts at the same time.
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    peak = level = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_world_invariants(spec: ScenarioSpec, seed: int) -> None:
    world = World(spec, seed=seed, clock=FakeClock())
    assert world.run_until_idle(max_seconds=60 * 86_400), "the world settles"

    for campaign in world.campaigns:
        assert campaign.status == "completed"
        assert world.pending_calls(campaign) == 0
        leads = {s.lead for s in world.all_series() if s.campaign is campaign}
        assert leads == set(range(campaign.spec.leads)), "every lead dialled once as attempt 1"

    for series in world.all_series():
        retry = series.campaign.retry
        attempts = series.attempts
        assert [a.attempt for a in attempts] == list(range(1, len(attempts) + 1))
        assert len(attempts) <= retry.max_retries + 1
        assert all(a.parent_id == series.parent_id for a in attempts)
        assert attempts[0].id == series.parent_id
        for prev, nxt in itertools.pairwise(attempts):
            assert prev.status not in (FAILED, COMPLETED), "no retry after failed or completed"
            assert retryable(prev.status, retry), "only enabled outcomes are retried"
            assert prev.end_t is not None and prev.dial_t is not None
            assert nxt.dial_t is not None
            assert nxt.due_t == prev.end_t + retry.wait_minutes * 60
            queueing = nxt.dial_t - nxt.due_t
            assert queueing >= 0
            assert prev.end_t >= prev.dial_t, "an attempt ends after it was dialled"
            # So the gap between two dials is at least the wait (vendor: fixed, from the end).
            assert nxt.dial_t - prev.dial_t >= retry.wait_minutes * 60
        last = attempts[-1]
        if len(attempts) < retry.max_retries + 1:
            assert not retryable(last.status, retry), "a retryable end with attempts left retries"
        assert series.summary() == expected_summary(series)

    cap_intervals = []
    for campaign in world.campaigns:
        own = []
        for call in world.calls:
            assert call.end_t is not None and call.dial_t is not None
            times = [t for _, t in call.history()]
            assert times == sorted(times)
            if call.status in (COMPLETED, VOICEMAIL):
                assert call.analysis_t is not None and call.analysis_t > call.end_t
                assert call.analysis is not None
            else:
                assert call.analysis == {} and call.talk_s == 0
            if call.campaign is campaign:
                own.append((call.dial_t, call.end_t))
        assert peak_overlap(own) <= campaign.spec.max_concurrent_calls
        cap_intervals.extend(own)
    assert peak_overlap(cap_intervals) <= world.cap
    assert world.peak_in_flight <= world.cap


@settings(max_examples=30, deadline=None)
@given(
    spec=scenarios(),
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(st.floats(0.1, 400.0), min_size=1, max_size=30),
)
def test_history_does_not_depend_on_how_the_world_is_advanced(
    spec: ScenarioSpec, seed: int, steps: list[float]
) -> None:
    stepped = World(spec, seed=seed, clock=FakeClock())
    for step in steps:
        stepped.advance(step)
    direct = World(spec, seed=seed, clock=FakeClock())
    direct.advance_to(stepped.t)
    assert [(c.id, c.status, c.dial_t, c.end_t) for c in stepped.calls] == [
        (c.id, c.status, c.dial_t, c.end_t) for c in direct.calls
    ]


@settings(max_examples=30, deadline=None)
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1), hours=st.integers(1, 4))
def test_churn_keeps_indexes_consistent(spec: ScenarioSpec, seed: int, hours: int) -> None:
    world = World(spec, seed=seed, clock=FakeClock(), churn=True, churn_gap_s=60, retention_s=600)
    world.advance(hours * 3600)
    calls = world.calls
    held = {c.id for c in calls}
    assert world.outcome_counts() == {
        s: sum(1 for c in calls if c.status == s) for s in world.counts
    }
    page, total = world.select(limit=len(calls) + 1)
    assert total == len(calls) and page == calls[::-1]
    for campaign in world.campaigns:
        own = [c for c in calls if c.campaign is campaign]
        assert world.outcome_counts(campaign.id) == {
            s: sum(1 for c in own if c.status == s) for s in campaign.counts
        }
    for series in world.all_series():
        assert {a.id for a in series.attempts} <= held
        assert [a.attempt for a in series.attempts] == list(range(1, len(series.attempts) + 1))
    assert world.peak_in_flight <= world.cap
