"""FAULTS R4 at the screen: the call open on its call screen leaves the list while it is shown.

The real app under Pilot on the real engine and client, the simulator over loopback, one fake
clock (`screen_harness.screen_drill`). The call is opened while in flight and watched until it
ends. Then the API forgets it: the simulator retires its finished campaign with every call five
minutes after the campaign completes (its churn retirement, with no rerun), so no listing has it
any more. The monitor's store keeps an ended call for `ENDED_CALL_RETENTION_S` (an hour) and
then prunes it; the simulated hour passes with `ScreenDrill.coast` (no frames drawn, the engine
polling at its own cadence over the socket: about 650 requests).

What the screen must do (FAULTS R4): keep the last data, labelled "no longer listed".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from textual.widgets import Static

from monitor.polling.engine import PRUNE_EVERY_S
from monitor.state.store import ENDED_CALL_RETENTION_S
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.dashboard import DashboardScreen
from tests.envfix import utc_and_private_dirs
from tests.faults.screen_harness import (
    ScreenDrill,
    keys_without_idle_waits,
    screen_drill,
    sim_for,
)
from tests.faults.test_fault_screen import open_live_call

pytestmark = pytest.mark.timeout(60)

_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)
_keys_without_idle_waits = pytest.fixture(autouse=True)(keys_without_idle_waits)

NO_LONGER_LISTED = "No longer listed: showing the last data received."
API_FORGETS_AFTER_S = 300.0
"""World seconds after its campaign completed that the simulator retires a call."""


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="monitor")
    return caplog


def duration_line(d: ScreenDrill) -> str:
    return "".join(d.region_lines("#call-duration"))


def call_fields(d: ScreenDrill) -> dict[str, str]:
    """The Call pane's fields as drawn (label -> value), all of them: the widget's whole text,
    not only the lines the 80x24 pane has room for."""
    text = str(d.app.screen.query_one("#call-fields", Static).render())
    fields = {}
    for line in text.splitlines():
        if m := re.fullmatch(r"(\w[\w ]*?)\s{2,}(\S.*?)\s*", line):
            fields[m.group(1)] = m.group(2)
    return fields


def timeline_rows(d: ScreenDrill) -> list[str]:
    """The attempt rows of the Retry timeline pane, as on screen."""
    lines = [line[1:-1].rstrip() for line in d.region_lines("#pane-call-retries")[1:-1]]
    return [line for line in lines if re.match(r"\s*\d+ \S", line)]


def timeline_summary(d: ScreenDrill) -> str:
    # The pane's first line (its "call ..." line repeats the breadcrumb and is hidden).
    lines = [line[1:-1].strip() for line in d.region_lines("#pane-call-retries")[1:-1]]
    return lines[0] if lines else ""


async def coast_until(
    d: ScreenDrill, predicate: Callable[[], bool], limit_s: float
) -> float | None:
    """Coast a minute at a time until `predicate()` holds; the simulated seconds it took."""
    start = d.now
    while not predicate():
        if d.now - start >= limit_s:
            return None
        await d.coast(60)
    return d.now - start


async def test_screen_R4_the_open_call_leaves_the_store_while_shown(
    logs: pytest.LogCaptureFixture,
) -> None:
    """The call screen keeps the call's last data (every field, the retry timeline), labelled
    "No longer listed" in the Call pane and "no longer listed" in the timeline's summary, once
    the call has left the API's listings and the store's hour of ended calls; the API's health
    is not blamed, the gone call is not asked for, the app answers keys and Esc goes back."""
    clock, sim, key = sim_for("small")
    world = sim.world
    world.churn, world.churn_gap_s, world.retention_s = True, 1e9, API_FORGETS_AFTER_S
    async with screen_drill(sim=(clock, sim, key), warmup_s=45) as d:
        call_id = await open_live_call(d)
        ended = await d.until(lambda: "(live)" not in duration_line(d), 300, draw_every=5)
        assert ended is not None, "the call never ended"
        ended_at = d.now
        await d.run_for(2)
        assert call_fields(d).get("ended", "–") != "–", call_fields(d)
        assert NO_LONGER_LISTED not in d.look()

        # The API forgets it; the store still keeps it (an ended call stays an hour). What is
        # on screen now is the last data the monitor will ever receive about it.
        retired = await coast_until(d, lambda: world.call(call_id) is None, 1800)
        assert retired is not None, "the simulator never retired the call"
        await d.run_for(2)
        assert call_id in d.store.calls
        assert NO_LONGER_LISTED not in d.look(), "labelled while the store still has it"
        before = call_fields(d)
        rows_before = timeline_rows(d)
        assert before.get("id") == call_id, before
        assert rows_before, "no attempts in the Retry timeline"

        # The store's hour passes: the call is pruned while its screen is open.
        pruned = await coast_until(
            d, lambda: call_id not in d.store.calls, ENDED_CALL_RETENTION_S + 2 * PRUNE_EVERY_S
        )
        assert pruned is not None, "the store never pruned the call"
        assert d.now - ended_at >= ENDED_CALL_RETENTION_S
        pruned_at = d.now
        await d.run_for(3)
        assert isinstance(d.app.screen, CallScreen) and d.app.screen.call_id == call_id
        screen = d.look()
        assert NO_LONGER_LISTED in screen, screen
        assert "No data for this call yet" not in screen, "the last data left the screen"
        assert re.search(rf"id\s+{call_id}", screen), screen
        after = call_fields(d)
        # Every field as before (the campaign line may lose the name of a forgotten campaign).
        assert {k: v for k, v in after.items() if k != "campaign"} == {
            k: v for k, v in before.items() if k != "campaign"
        }
        assert timeline_rows(d) == rows_before, "the retry timeline lost its attempts"
        assert "no longer listed" in timeline_summary(d), timeline_summary(d)
        assert call_id not in d.store.gone_calls, "an API 404, not the R4 path"

        # Nothing is blamed on the API, and the call is not asked for again.
        await d.run_for(30, draw_every=5)
        assert NO_LONGER_LISTED in d.look()
        assert d.status.api.startswith("API ok"), d.status
        asked = [
            r for r in d.sim.requests if r.at >= pruned_at and call_id in f"{r.path}?{r.query}"
        ]
        assert asked == [], f"the pruned call was asked for {len(asked)} times"
        await d.responsive()
        await d.pilot.press("escape")
        await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))
        assert isinstance(d.app.screen, DashboardScreen)
        d.look()
        assert call_id not in d.active_rows()
        assert d.leaks(logs.text) == []
