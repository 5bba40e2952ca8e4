"""More screen drills (FAULTS R2, R3, S12, S14): the real app under Pilot on the real engine and
client against the simulator over loopback, on a fake clock (`screen_harness.screen_drill`).

- R2: a resize storm during a fault: the app keeps running; at 40x10 the "Terminal too small"
  notice is on screen; after the fault the status line says ok and the Active calls rows are back.
- R3: key-mashing while answers are slow (N18): the app still answers `?`/Esc, no crash, no
  screens piled up, no more requests a minute than the budget, never the same request within 1 s.
- S12: artefacts with the canary key loaded (SVG screenshot, CSV export, logs): no fragment.
- S14: the command palette opened and searched with the key loaded: no fragment on screen.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.screens.help import HelpScreen
from tests.envfix import utc_and_private_dirs
from tests.faults.harness import BUDGET_PER_MIN
from tests.faults.screen_harness import ScreenDrill, keys_without_idle_waits, screen_drill
from tests.leakscan import find_leaks

pytestmark = pytest.mark.timeout(60)

_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)
_keys_without_idle_waits = pytest.fixture(autouse=True)(keys_without_idle_waits)

STORM_SIZES = ((80, 24), (60, 20), (200, 50), (40, 10))
MASH = (
    "down",
    "up",
    "enter",
    "escape",
    "tab",
    "slash",
    "escape",
    "s",
    "p",
    "p",
    "r",
    "question_mark",
    "escape",  # the harness reads the status line between bursts: not under the help
)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def svg_text(text: str) -> str:
    """An SVG's (or any text's) characters with entities and no-break spaces undone."""
    return html.unescape(text).replace("\xa0", " ")


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def live_rows(d: ScreenDrill) -> set[str]:
    return {k for k, state in d.active_rows().items() if not state.startswith("ended")}


async def back_to_dashboard(d: ScreenDrill) -> None:
    """Esc until the dashboard is on top (at most a few presses)."""
    for _ in range(6):
        if (
            isinstance(d.app.screen, DashboardScreen)
            and not d.app.screen.query_one("#filter-bar").has_focus
        ):
            return
        await d.pilot.press("escape")
        await d.settle(lambda: False, turns=3)


# ------------------------------------------------------------------------- R2: resize storm


async def test_screen_R2_resize_storm_during_an_outage(logs: pytest.LogCaptureFixture) -> None:
    async with screen_drill() as d:
        d.look()
        assert d.status.api.startswith("API ok"), d.status
        rows_before = live_rows(d)
        assert rows_before
        t0 = d.now

        d.sim.faults.enable("5xx-json", codes=[503])
        seen_small = 0
        for n in range(24):
            width, height = STORM_SIZES[n % len(STORM_SIZES)]
            await d.pilot.resize_terminal(width, height)
            await d.step()
            assert d.app.size == (width, height)
            notice = d.app.screen.query_one("#too-small", Static)
            if (width, height) == (40, 10):
                screen = d.look()
                assert notice.region.height > 0, "no too-small notice at 40x10"
                assert "Terminal too small" in screen, screen
                seen_small += 1
            else:
                assert notice.region.height == 0, f"too-small notice at {width}x{height}"
        assert seen_small == 6
        await d.pilot.resize_terminal(80, 24)
        await d.step()
        assert d.status.api.startswith("API SERVER ERROR since"), d.status
        t_clear = d.now
        assert d.max_per_minute(t0, t_clear) <= BUDGET_PER_MIN
        assert d.min_gap_same_target(t0, t_clear) >= 1.0

        d.sim.faults.disable("5xx-json")
        took = await d.until(
            lambda: d.status.api.startswith("API ok") and not d.age_of("active")[0],
            40,
            draw_every=2,
        )
        assert took is not None, f"not ok again: {d.status}"
        d.look()
        shown = d.active_rows()
        assert shown, "no Active calls rows after the storm"
        assert rows_before & set(shown) or live_rows(d), shown
        assert "STALE" not in d.pane_border("active"), d.pane_border("active")
        await d.responsive()
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- R3: key-mashing


async def test_screen_R3_key_mashing_while_answers_are_slow(
    logs: pytest.LogCaptureFixture,
) -> None:
    async with screen_drill() as d:
        assert d.status.api.startswith("API ok"), d.status
        base_screen = d.app.screen
        assert isinstance(base_screen, DashboardScreen)
        t0 = d.now
        d.sim.faults.enable("N18", delay=4.0)
        for _ in range(25):
            await d.pilot.press(*MASH)
            await d.step()
            assert len(d.app.screen_stack) <= 4, d.app.screen_stack
        t_end = d.now
        rpm = d.max_per_minute(t0, t_end)
        assert 0 < rpm <= BUDGET_PER_MIN, rpm
        gap, target, times = d.closest_same_target(t0, t_end)
        assert gap >= 1.0, (target, [round(t - t0, 2) for t in times])
        await back_to_dashboard(d)
        bar = d.app.screen.query_one("#filter-bar")
        assert not bar.has_class("-open"), "Esc did not close the filter bar"
        assert d.app.screen is base_screen, d.app.screen_stack
        assert len(d.app.screen_stack) == 1, d.app.screen_stack
        assert d.app.paused_at is None, "p pressed an even number of times, yet paused"
        await d.responsive()
        assert isinstance(d.app.screen, DashboardScreen)
        assert not isinstance(d.app.screen, HelpScreen)

        d.sim.faults.disable("N18")
        took = await d.until(
            lambda: d.status.api.startswith("API ok") and not d.age_of("active")[0],
            30,
            draw_every=2,
        )
        assert took is not None, d.status
        d.look()
        assert d.active_rows(), "no Active calls rows after the mashing"
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- S12: artefacts


async def test_screen_S12_artefacts_carry_no_canary(
    logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    async with screen_drill() as d:
        # The key refused for a while (the 401 path logs and shows the most about the key).
        d.sim.faults.enable("N13")
        said = await d.until(lambda: d.status.api.startswith("KEY REFUSED"), 20)
        assert said is not None, d.status
        svg_during = d.app.export_screenshot()
        d.sim.faults.disable("N13")
        took = await d.until(lambda: d.status.api.startswith("API ok"), 75, draw_every=5)
        assert took is not None, d.status

        await d.pilot.press("ctrl+s")
        exports = tmp_path / "state" / "exports"
        # Under load the key can still be queued after a few turns: wait for the file itself.
        await d.settle(lambda: bool(d.notifications()) and any(exports.glob("*.csv")), turns=500)
        files = list(exports.glob("*.csv"))
        assert len(files) == 1, files
        exported = read_text(files[0])
        assert exported.count("\n") >= 2, exported  # a header and at least one row
        svg = d.app.export_screenshot()
        assert svg.lstrip().startswith("<svg") and "Active calls" in svg_text(svg)
        saved = Path(d.app.save_screenshot(path=str(tmp_path)))
        log_text = logs.text
        assert "401" in log_text, "the 401s were not logged (nothing to scan)"

        for name, text in {
            "SVG during the 401s": svg_during,
            "SVG": svg,
            "saved SVG": read_text(saved),
            "CSV": exported,
            "logs": log_text,
        }.items():
            assert find_leaks(svg_text(text), d.key) == [], f"canary fragment in the {name}"
        assert d.leaks(log_text) == []


# ------------------------------------------------------------------------- S14: palette


async def test_screen_S14_command_palette_shows_no_canary(logs: pytest.LogCaptureFixture) -> None:
    async with screen_drill(warmup_s=30) as d:
        campaign = next(iter(d.store.campaigns.values())).campaign
        await d.pilot.press("ctrl+p")
        assert await d.settle(lambda: isinstance(d.app.screen, CommandPalette))
        palette = d.app.screen
        results = palette.query_one(CommandList)
        queries = ("camp", campaign.id[:6], "call_", "key", "api")
        seen = 0
        for query in queries:
            await d.pilot.press(*query)
            await d.pilot.pause(0.3)
            prompts = [
                str(results.get_option_at_index(i).prompt) for i in range(results.option_count)
            ]
            seen += len(prompts)
            screen = d.look()
            assert find_leaks("\n".join(prompts), d.key) == [], query
            assert find_leaks(screen, d.key) == [], query
            await d.pilot.press(*["backspace"] * len(query))
        assert seen > 0, "the palette offered nothing for any query"
        await d.pilot.press("escape")
        assert await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))
        assert d.leaks(logs.text) == []
