"""The engine against the simulator over simulated hours: the same checks against the world's
truth as `test_engine_sim`, long enough for backoffs, pruning, retry waves and campaign
turnover to come round many times. Minutes of real time: `make test-long`, not `make test`."""

from __future__ import annotations

import pytest

from tests.engine.test_engine_sim import BUSY, HUGE, run_against_truth

pytestmark = [pytest.mark.long, pytest.mark.timeout(1800)]


async def test_busy_scenario_for_3_simulated_hours() -> None:
    await run_against_truth("busy", 180, BUSY)


async def test_huge_scenario_for_2_simulated_hours() -> None:
    await run_against_truth("huge", 120, HUGE)
