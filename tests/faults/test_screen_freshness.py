"""Every pane within its promised age while the user looks at one campaign (issue 14).

The app on the real engine and client over loopback HTTP against `busy`, all on one fake
clock: a campaign screen open for 10 simulated minutes must not starve the dashboard's panes
behind it, the campaign's own header counts or concurrency (it used to: `camp STALE 2m`).
"""

from __future__ import annotations

import pytest

from monitor.polling.engine import TARGET_AGE_S
from monitor.ui.screens.campaign import CampaignScreen
from tests.faults.screen_harness import screen_drill
from tests.faults.test_fault_screen import focus, to_top

# About 10 s of real time. It failed about one run in two while STALE meant "two missed polls"
# (active calls flagged at 12 s under a 15 s promise); STALE now means past the later of the two.
pytestmark = pytest.mark.timeout(120)

WATCHED = {
    # resource: (pane it feeds, target age)
    "active": ("active calls, concurrency", TARGET_AGE_S["active"]),
    "endings": ("campaign counts, concurrency", TARGET_AGE_S["endings"]),
    "campaigns": ("campaigns", TARGET_AGE_S["campaigns"]),
}


async def test_a_campaign_screen_open_for_10_minutes_starves_no_pane() -> None:
    async with screen_drill("busy", warmup_s=45) as d:
        await focus(d, "campaigns")
        await to_top(d, 10)
        await d.pilot.press("down", "down")
        await d.pilot.press("enter")
        await d.settle(lambda: isinstance(d.app.screen, CampaignScreen))
        screen = d.app.screen
        assert isinstance(screen, CampaignScreen)
        cid = screen.campaign_id
        worst: dict[str, float] = {}
        # Its own listing's first read (5 pages) within its target age.
        opened = d.now
        await d.until(
            lambda: (
                d.store.freshness.get(f"focus/{cid}") is not None
                and d.store.freshness[f"focus/{cid}"].fetched_at is not None
            ),
            TARGET_AGE_S["focus"],
            draw_every=1,
        )
        assert d.now - opened <= TARGET_AGE_S["focus"]
        for _ in range(10 * 60 // 5):
            await d.run_for(5, draw_every=5)
            now = d.now
            store = d.store
            for key in (*WATCHED, f"focus/{cid}"):
                fresh = store.freshness.get(key)
                assert fresh is not None and fresh.fetched_at is not None, key
                worst[key] = max(worst.get(key, 0.0), now - fresh.fetched_at)
            # What the user sees: no pane marked STALE on the status line, and the campaign's
            # header counts neither stale nor unknown once its history is read.
            assert "STALE" not in d.status.ages, d.status.ages
            summary = d.look()
            assert "STALE" not in summary
        targets = {**{k: t for k, (_, t) in WATCHED.items()}, f"focus/{cid}": TARGET_AGE_S["focus"]}
        for key, age in worst.items():
            assert age <= targets[key], (key, age, targets[key])
        row = next(r for r in d.engine.view().campaigns if r.id == cid)
        assert not row.history_filling
        assert all(row.counts[s] is not None for s in ("completed", "no_answer", "busy"))
        # The budget had room all along: the ceiling was never reached.
        assert d.engine.budget.used_last_minute(d.now) <= 60
