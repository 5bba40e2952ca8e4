"""`snapshot`'s insights (issue 19): the keys are always there, and a clean workspace has none."""

from __future__ import annotations

import asyncio

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.sim import Simulator
from monitor.snapshot import read_dashboard
from monitor.state.idle import IDLE_REASONS
from tests.drive import drive


async def test_a_clean_workspaces_snapshot_has_no_insight_and_every_campaigns_figures() -> None:
    clock = FakeClock()
    sim = Simulator.create(scenario="busy", seed=5, clock=clock)
    sim.world.speed = 0
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        task = asyncio.create_task(read_dashboard(client, Settings(), clock))
        while not task.done():
            await drive(clock, 1)
        report = task.result().to_json()
    assert report["insights"] == []
    assert report["campaigns"]
    for row in report["campaigns"]:
        assert set(row["conformance"]) == {"percent", "checked", "policy_unknown", "kinds"}
        if row["conformance"]["checked"] == 0:
            assert row["conformance"]["percent"] is None  # no reading, never 100
        assert set(row["idle_minutes"]) == set(IDLE_REASONS)


async def test_one_look_at_the_anomalies_scenario_lists_every_kind() -> None:
    """`snapshot --demo --scenario anomalies`: each kind from what one look reads (the
    records' own clocks, `monitor.state.glance`), within the round's burst."""
    from monitor.state.insight_view import INSIGHT_KINDS

    clock = FakeClock()
    sim = Simulator.create(scenario="anomalies", seed=5, clock=clock)
    sim.world.speed = 0
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        task = asyncio.create_task(read_dashboard(client, Settings(concurrency_cap=20), clock))
        while not task.done():
            await drive(clock, 1)
        report = task.result().to_json()
    kinds = {i["kind"] for i in report["insights"]}
    assert kinds == set(INSIGHT_KINDS)
    skipped = next(i for i in report["insights"] if i["kind"] == "vendor_rejected")
    name = {c["id"]: c["name"] for c in report["campaigns"]}
    assert name[skipped["campaign_id"]] == "Queue Overflow"
    assert "skipped at the vendor's concurrency cap" in skipped["detail"]
