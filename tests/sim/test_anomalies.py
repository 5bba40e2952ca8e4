"""The simulator's anomalies on demand (issue 19), checked on the world's own truth: the
`anomalies` scenario's first hour has every kind, the clean scenarios none, and each kind can
be switched on and off while the world runs."""

from __future__ import annotations

import itertools

from monitor.clock import FakeClock
from monitor.sim.anomalies import KINDS, LEAK_SLOTS, STUCK_S
from monitor.sim.model import CAMPAIGN_CANCELLED, DIALING, FAILED, SKIPPED, VOICEMAIL
from monitor.sim.scenarios import get_scenario
from monitor.sim.world import World


def kinds_in(world: World) -> set[str]:
    """Every anomaly the world's history shows, judged as the vendor's rules say."""
    found: set[str] = set()
    for series in world._series.values():
        retry = series.campaign.retry
        attempts = series.attempts
        if len(attempts) > retry.max_retries + 1:
            found.add("retry_extra")
        for a, b in itertools.pairwise(attempts):
            if a.outcome in (FAILED, VOICEMAIL) and not retry.retries(a.outcome):
                found.add("retry_not_retryable")
            elif a.end_t is not None:
                gap = b.created_t - a.end_t
                if gap < retry.wait_minutes * 60 - 60:
                    found.add("retry_early")
                if gap > retry.wait_minutes * 60 + 600:
                    found.add("retry_late")
        last = attempts[-1]
        if (
            not series.cancelled
            and series.campaign.status != CAMPAIGN_CANCELLED  # its last calls end unretried
            and last.end_t is not None
            and len(attempts) <= retry.max_retries
            and retry.retries(last.outcome or "")
            and series.retry_due is None
            and world.t - last.end_t > retry.wait_minutes * 60 + 600
        ):
            found.add("retry_missing")
    for call in world._calls.values():
        if call.status == DIALING and call.dial_t is not None and world.t - call.dial_t > 180:
            found.add("stuck_call")
    if world.leaked:
        found.add("leaked_slot")
    if any(c.counts[SKIPPED] for c in world.campaigns):
        found.add("vendor_rejected")
    return found


def test_the_anomalies_scenario_opens_on_an_hour_with_every_kind() -> None:
    world = World(get_scenario("anomalies"), clock=FakeClock())
    assert world.t == 3600.0
    assert kinds_in(world) == set(KINDS)
    assert world.leaked == LEAK_SLOTS


def test_the_clean_scenarios_have_none() -> None:
    for name in ("small", "busy"):
        world = World(get_scenario(name), clock=FakeClock())
        world.advance(3600)
        assert kinds_in(world) == set(), name


def test_an_anomaly_switched_on_and_off_while_the_world_runs() -> None:
    world = World(get_scenario("busy"), clock=FakeClock())
    world.set_anomaly("stuck_call", True)
    world.advance(600)
    assert "stuck_call" in kinds_in(world)
    world.set_anomaly("stuck_call", False)
    world.advance(STUCK_S)
    assert "stuck_call" not in kinds_in(world)
    world.set_anomaly("leaked_slot", True)
    world.advance(300)
    assert world.leaked > 0
    world.set_anomaly("leaked_slot", False)
    assert world.leaked == 0
    assert world.in_flight == sum(c.in_flight for c in world.campaigns)
    world.set_anomaly("vendor_rejected", True)
    world.advance(600)
    assert "vendor_rejected" in kinds_in(world)  # busy sits at its plan cap: the queue overflows
