"""The engine with webhooks (issue 22, point 3), against the simulator's truth on a fake clock:
endings in the store as they happen, fewer requests, no ending lost whatever the delivery
faults, full polling again by itself when deliveries stop and reconciliation when they resume."""

from __future__ import annotations

import asyncio

from monitor.api.vocab import FINAL_STATUSES
from monitor.polling.webhooks import MISSED_GRACE_S, QUIET_S
from tests.webhooks.rig import Rig, build


def ending_ages(rig: Rig, since_world_t: float) -> list[float]:
    """For each call the world ended after `since_world_t`: seconds until the store had it
    ended (inf when it never did)."""
    assert rig.sender is not None
    ages = []
    for cid, end_t in rig.sender.ended_at.items():
        if end_t < since_world_t:
            continue
        tracked = rig.engine.store.calls.get(cid)
        if tracked is None or tracked.ended_seen is None:
            ages.append(float("inf"))
            continue
        ages.append(max(0.0, tracked.ended_seen - rig.mono_of(end_t)))
    return ages


def lost(rig: Rig, before_world_t: float) -> list[str]:
    """Calls the world ended before `before_world_t` whose outcome the store does not have."""
    assert rig.sender is not None
    return [
        cid
        for cid, end_t in rig.sender.ended_at.items()
        if end_t < before_world_t
        and ((t := rig.engine.store.calls.get(cid)) is None or t.call.status not in FINAL_STATUSES)
    ]


async def test_endings_arrive_at_once_and_polling_drops_to_reconciliation() -> None:
    plain = build("busy", webhooks=False)
    hooked = build("busy", webhooks=True)
    tasks = [asyncio.create_task(r.engine.run()) for r in (plain, hooked)]
    try:
        for rig in (plain, hooked):
            await rig.run_for(120)
        start = hooked.clock.monotonic()
        world_start = hooked.sim.world.t
        for rig in (plain, hooked):
            await rig.run_for(300)
        assert hooked.flow is not None and hooked.flow.tally.mode == "flowing"
        ages = sorted(ending_ages(hooked, world_start))
        assert len(ages) > 100
        assert ages[int(0.95 * len(ages))] <= 1.0
        with_hooks = hooked.requests_since(start)
        without = plain.requests_since(start)
        assert with_hooks * 2 <= without, (with_hooks, without)
        assert hooked.engine.store.freshness["endings"].source == "webhooks"
        assert lost(hooked, hooked.sim.world.t - 5) == []
    finally:
        for rig, task in zip((plain, hooked), tasks, strict=True):
            await rig.close()
            task.cancel()


async def test_every_delivery_fault_survived_and_missed_endings_reported() -> None:
    rig = build("busy", webhooks=True, faults="drop=0.05,dup=0.1,reorder=0.1,delay=0.1,badsig=0.03")
    task = asyncio.create_task(rig.engine.run())
    try:
        await rig.run_for(420)
        assert rig.flow is not None and rig.sender is not None
        tally = rig.flow.tally
        assert tally.mode == "flowing"
        assert tally.duplicates > 0 and tally.out_of_order >= 0
        assert tally.refused.get(403, 0) == rig.sender.outbox.counts["badsig"] > 0
        # Every ending the receiver could not have was found by the reconciliation...
        assert tally.missed > 0
        # ...and none is lost once the grace and a lookup have passed.
        assert lost(rig, rig.sim.world.t - MISSED_GRACE_S - 60) == []
    finally:
        await rig.close()
        task.cancel()


async def test_silence_brings_full_polling_back_and_deliveries_bring_reconciliation() -> None:
    rig = build("busy", webhooks=True)
    task = asyncio.create_task(rig.engine.run())
    try:
        await rig.run_for(120)
        assert rig.flow is not None and rig.flow.tally.mode == "flowing"
        rig.sending = False  # the vendor stops sending (a broken proxy, a deleted webhook)
        quiet_from = rig.clock.monotonic()
        await rig.run_for(QUIET_S + 6)  # noticed at the scheduler's next wake (<= 5 s)
        assert rig.flow.tally.mode == "stopped"
        endings_runs = rig.engine.jobs["endings"].runs
        await rig.run_for(60)
        # Full polling: the endings page read on its own cadence (every 10 s), not every 120 s.
        assert rig.engine.jobs["endings"].runs - endings_runs >= 4
        assert rig.requests_since(quiet_from + QUIET_S) > 0
        assert lost(rig, rig.sim.world.t - 70) == []
        rig.sending = True
        await rig.run_for(5)
        assert rig.flow.tally.mode == "flowing"
    finally:
        await rig.close()
        task.cancel()
