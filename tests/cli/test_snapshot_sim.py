"""`snapshot` against the in-process simulator, checked against the world's own truth."""

from __future__ import annotations

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.snapshot import collect
from tests.drive import drive


async def test_campaign_snapshot_gives_counts_and_the_qualified_rate_of_the_world() -> None:
    clock = FakeClock()
    sim = Simulator.create(scenario="small", seed=5, clock=clock)
    await drive(clock, 20 * 60, max_step=10.0)
    sim.world.sync()
    sim.world.speed = 0
    campaign = sim.world.campaigns[0]
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        report = await collect(client, call_id=None, campaign_ids=[campaign.id], clock=clock)
    assert report.errors == []
    (row,) = report.to_json()["campaigns"]
    truth = sim.world.outcome_counts(campaign.id)
    for status in ("completed", "no_answer", "busy", "failed", "voicemail"):
        assert row["counts"][status] == truth.get(status, 0), status
    completed = [c for c in sim.world.calls if c.campaign is campaign and c.status == "completed"]
    analysed = [c for c in completed if c.analysis]
    assert analysed, "the scenario should have analysed calls after 20 minutes"
    qualified = sum(1 for c in analysed if c.analysis and c.analysis.get("qualified"))
    assert row["analysed"] == len(analysed)
    assert row["analysis_pending"] == len(completed) - len(analysed)
    assert row["qualified_rate"] == qualified / len(analysed)


async def test_dashboard_snapshot_has_every_campaigns_qualified_rate() -> None:
    import asyncio

    from monitor.config import Settings
    from monitor.snapshot import read_dashboard

    clock = FakeClock()
    sim = Simulator.create(scenario="small", seed=5, clock=clock)
    await drive(clock, 20 * 60, max_step=10.0)
    sim.world.sync()
    sim.world.speed = 0
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        task = asyncio.create_task(read_dashboard(client, Settings(), clock))
        while not task.done():
            await drive(clock, 1)
        report = task.result().to_json()
    assert report["errors"] == []
    # A small workspace: every ending was read, so the wave is whole.
    assert report["concurrency"]["retry_wave_partial"] is False
    assert {r["id"] for r in report["campaigns"]} == {c.id for c in sim.world.campaigns}
    for row in report["campaigns"]:
        analysed = [
            c
            for c in sim.world.calls
            if c.campaign.id == row["id"] and c.status == "completed" and c.analysis
        ]
        if analysed:  # one page: the newest 100 completed calls
            assert row["qualified_rate"] is not None, row["id"]
            assert 0.0 <= row["qualified_rate"] <= 1.0
