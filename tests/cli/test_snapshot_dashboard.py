"""The whole-dashboard `snapshot` in one round (issue 14): seconds, a burst of at most half of
the key's stated remaining allowance, every count read on `busy`, every total on `huge` with
what one round cannot read listed in `errors`, and all of it with `--wait`."""

from __future__ import annotations

import asyncio

import pytest

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.sim import Simulator
from monitor.snapshot import Report, read_dashboard
from monitor.state.tally import COUNTED_VALUES
from tests.drive import drive

pytestmark = pytest.mark.timeout(300)


async def snapshot_of(
    scenario: str, *, wait: bool = False
) -> tuple[Report, Simulator, float, list[str]]:
    """A snapshot of a frozen world (so its truth holds still): the report, the simulator, the
    simulated seconds it took and the progress lines."""
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=3, clock=clock)
    await drive(clock, 120, max_step=10.0)
    sim.world.sync()
    sim.world.speed = 0
    progress: list[str] = []
    async with DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    ) as client:
        started = clock.monotonic()
        before = len(sim.requests)
        task = asyncio.create_task(
            read_dashboard(
                client,
                Settings(concurrency_cap=sim.world.cap),
                clock,
                wait=wait,
                progress=progress.append,
            )
        )
        while not task.done():
            await drive(clock, 0.25, max_step=0.25)
        took = clock.monotonic() - started
        sent = [r.at for r in list(sim.requests)[before:]]
    # Never more than half of what the server said remained (150 a minute: 75) in any minute.
    assert max(sum(1 for t in sent if s <= t < s + 60) for s in sent) <= 75
    return task.result(), sim, took, progress


def assert_counts_true(report: Report, sim: Simulator, *, only_read: bool) -> int:
    checked = 0
    for row in report.campaigns:
        truth = sim.world.outcome_counts(row["id"])
        assert row["total"] is not None, row["id"]
        if only_read and row["history_filling"]:
            assert all(row["counts"][s] is None for s in COUNTED_VALUES) or any(
                e["resource"] == f"counts/{row['id']}" for e in report.errors
            )
            continue
        assert row["history_filling"] is False
        for status in COUNTED_VALUES:
            assert row["counts"][status] == truth[status], (row["id"], status)
        checked += 1
    return checked


async def test_busy_in_one_round_every_count_read_and_true() -> None:
    report, sim, took, _ = await snapshot_of("busy")
    assert report.errors == []
    assert took <= 3.0
    assert assert_counts_true(report, sim, only_read=False) == 8
    for row in report.campaigns:
        analysed = [
            c
            for c in sim.world.calls
            if c.campaign.id == row["id"] and c.status == "completed" and c.analysis
        ]
        assert (row["qualified_rate"] is not None) == bool(analysed), row["id"]
    out = report.to_json()
    assert out["counts_attribution"]["attributed"] == out["counts_attribution"]["endings_seen"]


async def test_huge_in_one_round_every_total_and_what_is_missing_in_errors() -> None:
    report, sim, took, _ = await snapshot_of("huge")
    assert took <= 10.0
    assert len(report.campaigns) == 50
    # What one round could not read is listed, so the exit status is 1.
    assert report.errors
    assert {e["resource"].split("/")[0] for e in report.errors} <= {"counts", "analysis"}
    assert all("--wait" in e["message"] for e in report.errors)
    assert assert_counts_true(report, sim, only_read=True) > 0


@pytest.mark.long
async def test_huge_with_wait_reads_everything_within_the_budget() -> None:
    report, sim, _, progress = await snapshot_of("huge", wait=True)
    assert report.errors == []
    assert assert_counts_true(report, sim, only_read=False) == 50
    assert progress and progress[-1].startswith("read 150 of 150")


async def test_huge_in_one_round_a_qualified_rate_not_read_is_null_and_a_dash() -> None:
    """User trial finding 2: stderr said "analysis/<id>: qualified rate not read in one
    round" while the table showed 50%, 29%, 40% on runs a minute apart (the true 36%): a rate
    from whichever completed calls the lists happened to bring. Unread is null and `–`."""
    from monitor.snapshot_table import render_table

    report, _, _, _ = await snapshot_of("huge")
    unread = {e["resource"].split("/", 1)[1] for e in report.errors if "analysis/" in e["resource"]}
    assert unread  # the round could not read them all: the case under test
    # A rate that was read (a page of its completed calls) is not said to be unread.
    shown = {row["id"] for row in report.campaigns if row["qualified_rate"] is not None}
    assert shown and not shown & unread
    table = render_table(report).splitlines()
    for row in report.campaigns:
        if row["id"] not in unread:
            continue
        assert row["qualified_rate"] is None, row["id"]
        assert row["analysis_pending"] is None, row["id"]
        line = next(ln for ln in table if f" {row['id']} " in ln)
        assert line.rstrip().endswith("–"), line
