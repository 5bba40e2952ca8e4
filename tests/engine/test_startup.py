"""The first minute at 1,000 calls in flight: the campaigns on screen get their history within
30 s (the startup allowance, background work held), the live panes never show STALE after their
first 30 s, and no sliding minute holds more than the budget's 60 requests."""

from __future__ import annotations

import pytest

from monitor.polling.counts import VISIBLE_DEFAULT
from tests.drive import drive
from tests.engine.test_engine_sim import per_minute, start


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", ["huge", "many8", "many200"])
async def test_on_screen_history_in_30_s_without_a_stale_pane_at_1000_in_flight(
    scenario: str,
) -> None:
    run = await start(scenario, seed=11)
    try:
        t0 = run.clock.monotonic()
        history_at = None
        stale: list[tuple[int, str]] = []
        while run.clock.monotonic() - t0 < 150:
            await drive(run.clock, 1.0)
            elapsed = run.clock.monotonic() - t0
            view = run.engine.view()
            on_screen = view.campaigns[:VISIBLE_DEFAULT]
            if history_at is None and on_screen and not any(r.history_filling for r in on_screen):
                history_at = elapsed
            if elapsed > 30:
                stale += [(int(elapsed), p.pane) for p in view.panes if p.stale]
        assert history_at is not None and history_at <= 30, history_at
        assert stale == []
        assert max(per_minute(run, t0, run.clock.monotonic())) <= 60
        assert run.sim.world.cap == 1000
    finally:
        await run.close()
