"""The fault drills at the screen: the real app (Pilot, headless, 80x24), the real engine and
client, the simulator over real loopback HTTP (uvicorn on 127.0.0.1), one fake clock.

For each case (test ids contain the FAULTS.md case id) the checks are on what is on screen:
the app keeps running and answers keys (`?` opens the help, Esc closes it) during the fault;
the status line names the fault in words within the detection allowance; the Active calls rows
shown before the fault are still shown, the pane marked "STALE since <time of the last good
data>" and its age on the status line; no more requests in any minute than the steady rate and
never the same request twice within 1 s (Retry-After honoured); after the fault is switched off,
with no key pressed, the status line says "API ok" and the ages are fresh within the poll
interval in force (harness.recovery_allowances, the same allowances as the engine drills);
nothing known is lost; no fragment of the canary key on any screen, in the terminal frame, an
SVG screenshot, notifications or the logs. See README.md for the case list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from monitor.sim import ScenarioSpec
from monitor.sim.model import CampaignSpec, RetryConfig
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from tests.envfix import utc_and_private_dirs
from tests.faults.harness import (
    BUDGET_PER_MIN,
    CASES_BY_ID,
    RECOVERY_SLACK_S,
    Case,
    FakeClockTimeouts,
    recovery_allowances,
    retry_after_violations,
)
from tests.faults.screen_harness import (
    ScreenDrill,
    age_bound,
    foreign_sequences,
    keys_without_idle_waits,
    screen_drill,
    sim_for,
)
from tests.faults.test_fault_scenarios import SkewedClock

pytestmark = pytest.mark.timeout(60)

FRESH_PANES = ("active", "campaigns", "retries", "concurrency")
"""Panes whose ages must all be fresh again after a fault."""


_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)
_keys_without_idle_waits = pytest.fixture(autouse=True)(keys_without_idle_waits)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="monitor")
    return caplog


def hhmmss(d: ScreenDrill, at: float) -> str:
    """The wall-clock time of day the screen shows for the monotonic instant `at`."""
    return (d.clock.now() - timedelta(seconds=d.now - at)).strftime("%H:%M:%S")


def pane_ok(d: ScreenDrill, pane: str) -> bool:
    """The status line shows the pane neither STALE nor in error."""
    stale, age = d.age_of(pane)
    return not stale and age != "error"


def stale_since(border: str) -> str | None:
    m = re.search(r"STALE since (\d\d:\d\d:\d\d)", border)
    return m.group(1) if m else None


# ------------------------------------------------------------------------- catalogue faults


@dataclass(frozen=True)
class ScreenCase:
    case: Case
    """The engine drill's case: fault, duration, allowances."""
    says: str
    """Words the status line's API part must start with during the fault."""
    banner: tuple[str, ...] = ()
    """Words the banner must say during the fault (none: the banner stays hidden)."""
    transport: Callable[[httpx.AsyncBaseTransport, Any], httpx.AsyncBaseTransport] | None = None
    duration_s: float = 60.0
    """How long the fault lasts (the engine drills run the long versions)."""
    draw_every: int = 10
    """Drawn seconds once the fault is detected (long faults draw less often)."""
    server_down: bool = False
    """Not a simulator fault: uvicorn is stopped (connections refused) and started again."""
    marks: tuple[Any, ...] = field(default=())


N1 = Case(
    "N1",
    "",
    "connection refused: uvicorn stopped, then started again on the same port",
    states=("unreachable",),
    words=("connection refused",),
    duration_s=40,
)

SCREEN_CASES = (
    ScreenCase(CASES_BY_ID["N8"], "RATE LIMITED until"),
    ScreenCase(CASES_BY_ID["N11-retry-after"], "RATE LIMITED until", duration_s=90),
    ScreenCase(CASES_BY_ID["N21"], "API SERVER ERROR since"),
    ScreenCase(
        CASES_BY_ID["OUTAGE-10min"], "API SERVER ERROR since", duration_s=600, draw_every=30
    ),
    ScreenCase(
        N1,
        "API UNREACHABLE since",
        ("API UNREACHABLE since", "connection refused", "retrying by itself", "Showing data"),
        server_down=True,
    ),
    ScreenCase(
        # Headers never arrive within the read timeout (10 s, on the fake clock); the server
        # gives up after 30 s, so no request is still held open when the test ends.
        replace(CASES_BY_ID["N4"], options={"delay": 30.0}),
        "API UNREACHABLE since",
        ("API UNREACHABLE since", "did not answer", "retrying by itself", "Showing data"),
        transport=FakeClockTimeouts,
    ),
    ScreenCase(
        CASES_BY_ID["N13"],
        "KEY REFUSED",
        ("API KEY REFUSED", "rejects this key", "Showing data from", "DIALNEXA_API_KEY"),
    ),
    ScreenCase(CASES_BY_ID["P1"], "BAD DATA FROM API since"),
    ScreenCase(CASES_BY_ID["P3"], "BAD DATA FROM API since"),
)


async def _switch(d: ScreenDrill, sc: ScreenCase, on: bool) -> None:
    if not sc.server_down:
        if on:
            d.sim.faults.enable(sc.case.fault, **sc.case.options)
        else:
            d.sim.faults.disable(sc.case.fault)
    elif on:
        await d.server.stop()  # nothing listens on the port: connections are refused
    else:
        await d.server.start()  # the same port again


def _said(d: ScreenDrill, sc: ScreenCase) -> bool:
    return d.status.api.startswith(sc.says)


@pytest.mark.parametrize(
    "sc", [pytest.param(sc, id=sc.case.id, marks=sc.marks) for sc in SCREEN_CASES]
)
async def test_screen_fault(sc: ScreenCase, logs: pytest.LogCaptureFixture) -> None:
    case = replace(sc.case, duration_s=sc.duration_s)
    async with screen_drill(transport=sc.transport) as d:
        d.look()
        assert d.status.api.startswith("API ok"), d.status
        assert not d.banner()
        t0 = d.now
        steady = d.max_per_minute(t0 - 60, t0)
        # Calls still in flight: an ended one shows "ended" in its duration (issue 20) and
        # leaves the pane on its own time, fault or not.
        ended = [dur == "ended" for dur in d.table_column("active", "dur", right=True)]
        rows_before = {k for k, gone in zip(d.active_rows(), ended, strict=True) if not gone}
        campaigns_before = set(d.table_column("campaigns", "campaign"))
        known_before = set(d.store.calls), set(d.store.campaigns)
        assert rows_before and campaigns_before

        # -- the fault: said in words, soon; the app answers keys --------------------------
        await _switch(d, sc, on=True)
        detected = await d.until(lambda: _said(d, sc), case.duration_s)
        assert detected is not None, f"the status line never said {sc.says!r}: {d.status}"
        assert detected <= case.detect_allow_s, f"said only after {detected:.0f} s"
        await d.responsive()
        if sc.banner:
            banner = d.banner()
            for words in sc.banner:
                assert words.lower() in banner.lower(), banner
        else:
            assert not d.banner()
        left = case.duration_s - (d.now - t0)
        await d.run_for(left, draw_every=sc.draw_every)
        t_clear = d.now

        # -- the last good data stays on screen, marked stale with its age -----------------
        d.look()
        assert _said(d, sc), d.status
        stale, age = d.age_of("active")
        assert stale, f"Active calls not marked STALE: {d.status.ages}"
        last_good = stale_since(d.pane_border("active"))
        assert last_good is not None, d.pane_border("active")
        assert last_good <= hhmmss(d, t0), f"STALE since {last_good}: after the fault began"
        assert age_bound(age) >= d.now - t0 - 60, f"age {age} after {d.now - t0:.0f} s"
        shown = d.active_rows()
        assert rows_before <= set(shown), f"rows gone: {rows_before - set(shown)}"

        # -- no retry storm -----------------------------------------------------------------
        rpm = d.max_per_minute(t0, t_clear)
        assert rpm <= case.rate_factor * steady, f"{rpm}/min during the fault > steady {steady}"
        assert rpm <= BUDGET_PER_MIN
        assert d.min_gap_same_target(t0, t_clear) >= 1.0
        if case.id.startswith(("N8", "N11")):
            assert retry_after_violations(d, t0, t_clear, case.retry_after_s) == 0

        # -- recovery without a key press, within the poll interval in force ----------------
        allowances = recovery_allowances(d.engine, case)
        await _switch(d, sc, on=False)
        took = await d.until(
            lambda: (
                d.status.api.startswith("API ok")
                and not d.age_of("active")[0]
                and age_bound(d.age_of("active")[1]) <= d.now - t_clear
            ),
            allowances["active"] + RECOVERY_SLACK_S,
            draw_every=2,
        )
        assert took is not None, f"not fresh again: {d.status}"
        d.look()
        assert not d.banner()
        assert d.pane_fresh("active", d.now - t_clear), (d.status, d.pane_border("active"))
        # Every pane: fresh within the interval in force for what it shows.
        limit = max(allowances.values()) + RECOVERY_SLACK_S - took
        took_all = await d.until(lambda: all(pane_ok(d, p) for p in FRESH_PANES), limit)
        assert took_all is not None, f"still stale: {d.status.ages}"
        d.look()
        for pane in FRESH_PANES:
            assert "STALE" not in d.pane_border(pane), d.pane_border(pane)

        # -- nothing known is lost; the key nowhere -----------------------------------------
        calls, campaigns = known_before
        assert calls <= set(d.store.calls) and campaigns <= set(d.store.campaigns)
        assert campaigns_before <= set(d.table_column("campaigns", "campaign"))
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- navigation


async def to_top(d: ScreenDrill, rows: int) -> None:
    """The focused table's cursor to its first row (up, as often as there are rows)."""
    await d.pilot.press(*["up"] * rows)


async def focus(d: ScreenDrill, widget_id: str) -> None:
    """Tab until the widget has the focus (as a user would)."""
    for _ in range(10):
        if d.app.focused is not None and d.app.focused.id == widget_id:
            return
        await d.pilot.press("tab")
        await d.settle(lambda: False, turns=2)
    raise AssertionError(f"tab never reached #{widget_id}")


def _seconds(duration: str) -> float:
    parts = [int(p) for p in re.findall(r"\d+", duration)]
    return float(sum(v * 60**i for i, v in enumerate(reversed(parts)))) if parts else 0.0


async def open_live_call(d: ScreenDrill) -> str:
    """Enter on a call in flight in the Active calls pane (the most recent first, chosen from
    what the screen shows) until its call screen says it is live; the call's id."""
    await focus(d, "active-calls")
    rows = d.table_column("active", "state")
    durations = d.table_column("active", "dur", right=True)
    live = sorted(
        (n for n, state in enumerate(rows) if not state.startswith("ended")),
        key=lambda n: _seconds(durations[n]),
    )
    for index in live:
        await to_top(d, len(rows))
        await d.pilot.press(*["down"] * index, "enter")
        await d.settle(lambda: isinstance(d.app.screen, CallScreen))
        await d.run_for(1)
        screen = d.app.screen
        assert isinstance(screen, CallScreen), screen
        assert f"Call {screen.call_id}" in d.look()
        if "(live)" in "".join(d.region_lines("#call-duration")):
            return screen.call_id
        await d.pilot.press("escape")  # it ended meanwhile: another one
        await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))
    raise AssertionError("no call in flight to open")


# ------------------------------------------------------------------------- N15: deleted call


async def test_screen_N15_the_call_open_on_its_screen_is_deleted(
    logs: pytest.LogCaptureFixture,
) -> None:
    """The call on the call screen is deleted while in flight (404 for /calls/{id}): the screen
    says it no longer exists and keeps its last data; it is asked for once, not in a loop; the
    API's health is not blamed; Esc goes back."""
    async with screen_drill(warmup_s=45) as d:
        call_id = await open_live_call(d)
        d.sim.faults.enable("call-gone", scope=f"/calls/{call_id}")
        gone = "This call no longer exists (the API answered 404)."
        took = await d.until(lambda: gone in d.look(), 300, draw_every=2)
        assert took is not None, "the call screen never said the call is gone"
        text = d.look()
        assert re.search(rf"id\s+{call_id}", text), "the last data left the screen"
        assert d.status.api.startswith("API ok"), "a deleted call is not the API's health"
        await d.responsive()
        await d.run_for(60, draw_every=5)
        asked = [r for r in d.sim.requests if r.path == f"/v1/calls/{call_id}" and r.status == 404]
        assert len(asked) == 1, f"a call that no longer exists was asked {len(asked)} times"
        assert gone in d.look()
        await d.pilot.press("escape")
        await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))
        assert isinstance(d.app.screen, DashboardScreen)
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- freshness


async def test_screen_a_finished_call_is_not_shown_stale(logs: pytest.LogCaptureFixture) -> None:
    """Healthy API, the call screen of a call that ends while it is watched: nothing fails, so
    nothing may be marked STALE (FAULTS commitment 2: stale means missed polls; the record of a
    call that ended is final and is not polled again)."""
    async with screen_drill(warmup_s=45) as d:
        await open_live_call(d)
        ended = await d.until(
            lambda: "(live)" not in "".join(d.region_lines("#call-duration")), 300, draw_every=5
        )
        assert ended is not None, "the call never ended"
        stale_at: list[str] = []
        for _ in range(8):
            await d.run_for(5, draw_every=5)
            assert d.status.api.startswith("API ok"), d.status
            if "STALE" in d.status.ages:
                stale_at.append(d.status.ages)
        assert stale_at == [], f"shown STALE with nothing failing: {stale_at[0]}"
        panes = d.region_lines("#pane-call") + d.region_lines("#pane-call-retries")
        assert not [line for line in panes if "STALE" in line], panes
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- P5 / T17: drift


async def test_screen_P5_T17_drifted_statuses(logs: pytest.LogCaptureFixture) -> None:
    """Status values drift (NO-ANSWER, " completed ", hangup, mystery_state...): the app keeps
    going, the API is not blamed, a value the vendor documents nowhere is shown literally with
    a "?"; once the drift stops the calls in flight are listed again, fresh."""
    async with screen_drill() as d:
        steady = d.max_per_minute(d.now - 60, d.now)
        t0 = d.now
        d.sim.faults.enable("P5")
        shown: list[str] = []

        def undocumented() -> bool:
            # A campaign status the vendor documents nowhere: "?" and the raw value, or
            # "unknown" when the raw value is empty.
            return any(c == "unknown" or (c.startswith("?") and len(c) > 1) for c in shown)

        # The drifted value depends on how many answers came before (6 in 8 are undocumented
        # words): the campaigns list is read every 30 s, so up to four reads.
        for _ in range(24):
            await d.run_for(5, draw_every=5)
            assert d.status.api.startswith("API ok"), d.status
            shown.extend(d.table_column("campaigns", "status"))
            if undocumented():
                break
        await d.responsive()
        assert undocumented(), shown
        assert d.max_per_minute(t0, d.now) <= steady + 5
        d.sim.faults.disable("P5")
        t_clear = d.now
        took = await d.until(
            lambda: (
                d.pane_fresh("active", d.now - t_clear)
                and any(not s.startswith("ended") for s in d.active_rows().values())
            ),
            CASES_BY_ID["P5-T17"].recover_s + RECOVERY_SLACK_S,
            draw_every=2,
        )
        assert took is not None, (d.status, d.active_rows())
        assert d.leaks(logs.text) == []


# ------------------------------------------------------------------------- T: hostile names

HOSTILE = {
    # FAULTS case: (the campaign's name as the API sends it, its start as the screen shows it)
    "T1": ("[/]", "[/]"),
    "T2": ("[bold red]VIP[/]", "[bold red]"),
    "T4": ("[@click=app.quit]Priya Sharma[/]", "[@click=ap"),
    "T6": ("Ann\x1b[2J\x1b[1;1HFAKE: API key expired, paste new key", "Ann\\x1b[2J"),
    "T7": ("\x1b]52;c;cm0gLXJmIH4=\x07", "\\x1b]52;c"),
    "T8": ("\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\", "\\x1b]8;;h"),
    "T9": ("\x9b31mred", "\\x9b31mr"),
    "T10": ("PAID\rFAIL", "PAID\\rFAI"),
    "T11": ("nul\x00 del\x7f bel\x07", "nul\\x00"),
    "T12": ("\u202eevil.exe", "⟨U+202E⟩"),
    "T13": ("Priya\u200bSharma", "Priya⟨U+2"),
    "T14": ("张伟 王芳", "张伟 王芳"),
    "T15": ("N" * 10_000, "NNNNNNNN"),
    "T16": ("line1\nline2", "line1⏎li"),
}


def _hostile_world() -> ScenarioSpec:
    campaigns = tuple(
        CampaignSpec(name, leads=3, max_concurrent_calls=1, retry=RetryConfig(1, 1))
        for name, _ in HOSTILE.values()
    )
    return ScenarioSpec("hostile", workspace_cap=len(campaigns), campaigns=campaigns)


def _framed(lines: list[str]) -> bool:
    """Every line of a pane starts and ends with its border: no column pushed out of line."""
    # Light borders, or the heavy ones of the focused pane.
    return all(
        line[:1] in ("╭", "│", "╰", "┏", "┃", "┗") and line[-1:] in ("╮", "│", "╯", "┓", "┃", "┛")
        for line in lines
    )


async def test_screen_T1_T16_hostile_names_are_shown_literally(
    logs: pytest.LogCaptureFixture,
) -> None:
    """Campaigns named with FAULTS' hostile strings (markup, action links, ESC/CSI/OSC 8/OSC 52,
    C1, CR/BS, NUL/DEL/BEL, bidi overrides, zero-width, CJK, a 10,000-character name, newlines):
    each shown literally, cut with an ellipsis to its column, borders intact, no escape sequence
    from the data in the frame Textual writes; clicking a markup action does nothing; the call
    screen shows the whole value (capped) and the rest of the screen stays in place."""
    async with screen_drill(sim=sim_for(_hostile_world()), warmup_s=45) as d:
        await focus(d, "campaigns")
        await to_top(d, len(HOSTILE))
        shown: list[str] = []
        for n in range(len(HOSTILE)):
            await d.run_for(1)
            shown.extend(d.table_column("campaigns", "campaign"))
            assert _framed(d.region_lines("#pane-campaigns")), d.region_lines("#pane-campaigns")
            if n % 6 == 0:
                assert _framed(d.region_lines("#pane-active")), d.region_lines("#pane-active")
                assert foreign_sequences(d.frame()) == []
            await d.pilot.press("down")
        for case, (_, literal) in HOSTILE.items():
            assert any(cell.startswith(literal) for cell in shown), (case, sorted(set(shown)))
        long_names = {c for c in shown if c.startswith("NNNN")}
        assert long_names and all(c.endswith("…") and len(c) < 40 for c in long_names)
        assert d.status.api.startswith("API ok"), d.status
        await d.responsive()

        # T4: a click on the "[@click=app.quit]" name (its row highlighted) opens the campaign,
        # whose breadcrumb shows the name literally; nothing quits.
        await cursor_to(d, HOSTILE["T4"][0])
        await d.run_for(1)
        names = d.table_column("campaigns", "campaign")
        row = next(n for n, name in enumerate(names) if name.startswith("[@click"))
        await d.pilot.click("#campaigns", offset=(8, row + 1))
        await d.settle(lambda: isinstance(d.app.screen, CampaignScreen))
        await d.run_for(1)
        d.alive()
        assert isinstance(d.app.screen, CampaignScreen), d.app.screen
        assert "Campaign [@click=app.quit]Priya Sharma[/]" in d.look().splitlines()[0]
        await d.pilot.click("#campaign-summary", offset=(4, 0))
        await d.run_for(1)
        d.alive()
        await d.pilot.press("escape")
        await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))

        # The campaign and call screens: the whole value (capped), nothing cleared, no foreign
        # escapes, a click on the value does nothing.
        for case in ("T6", "T15"):
            campaign_text = await _open_campaign_call(d, HOSTILE[case][0])
            lines = d.look().splitlines()
            assert lines[0].strip().startswith("Dashboard"), lines[0]
            assert any(line.lstrip().startswith("API ok") for line in lines[-3:]), lines[-3:]
            assert foreign_sequences(d.frame()) == []
            call_pane = "".join(d.region_lines("#pane-call"))
            if case == "T6":
                whole = "Ann\\x1b[2J\\x1b[1;1HFAKE: API key expired, paste new key"
                assert whole in campaign_text, campaign_text
                assert "Ann\\x1b[2J\\x1b[1;1HFAKE" in call_pane, call_pane
            else:
                assert "NNNN…" in campaign_text, campaign_text
                assert call_pane.count("N") < 2100, "the long name is not capped"
            await d.pilot.click("#call-fields", offset=(16, 3))
            await d.run_for(1)
            d.alive()
            await d.pilot.press("escape", "escape")
            await d.settle(lambda: isinstance(d.app.screen, DashboardScreen))
            assert isinstance(d.app.screen, DashboardScreen)
        assert d.leaks(logs.text) == []


async def cursor_to(d: ScreenDrill, name: str) -> str:
    """The Campaigns table's cursor onto the campaign named `name`, by keys; its id."""
    cid: str = next(c for c, s in d.store.campaigns.items() if s.campaign.name == name)
    await focus(d, "campaigns")
    await to_top(d, len(HOSTILE))
    for _ in range(len(HOSTILE)):
        if getattr(d.app.focused, "cursor_key", None) == cid:
            break
        await d.pilot.press("down")
    return cid


async def _open_campaign_call(d: ScreenDrill, name: str) -> str:
    """From the dashboard, by keys: the campaign named `name` (its screen shows the name),
    then its newest call; the text of the campaign screen."""
    cid = await cursor_to(d, name)
    await d.pilot.press("enter")
    await d.settle(lambda: isinstance(d.app.screen, CampaignScreen))
    await d.run_for(1)
    screen = d.app.screen
    assert isinstance(screen, CampaignScreen) and screen.campaign_id == cid, screen
    campaign_text = d.look()
    await focus(d, "campaign-calls")
    await to_top(d, 5)
    await d.pilot.press("enter")
    await d.settle(lambda: isinstance(d.app.screen, CallScreen))
    await d.run_for(2)
    assert isinstance(d.app.screen, CallScreen), d.app.screen
    return campaign_text


# ------------------------------------------------------------------------- N19: clocks


@pytest.mark.parametrize("skew_s", [300.0, -300.0], ids=["ahead-5min", "behind-5min"])
async def test_screen_N19_local_clock_off_and_jumping(
    skew_s: float, logs: pytest.LogCaptureFixture
) -> None:
    """The laptop's wall clock is minutes off the API's, then jumps (+1 h, -2 h: suspend, NTP):
    the status line stays "API ok" with fresh ages, no duration on screen is negative, and no
    burst of requests follows a jump."""
    clock, sim, key = sim_for()
    local = SkewedClock(clock, skew_s)
    async with screen_drill(sim=(clock, sim, key), local_clock=local) as d:
        steady = d.max_per_minute(d.now - 60, d.now)
        for jump in (3600.0, -7200.0):
            clock.jump_wall(jump)
            t0 = d.now
            await d.run_for(45, draw_every=15)
            assert d.status.api.startswith("API ok"), d.status
            for pane in ("active", "campaigns", "concurrency"):
                assert not d.age_of(pane)[0], d.status.ages
            durations = d.table_column("active", "dur", right=True)
            assert durations and not any(v.startswith("-") for v in durations), durations
            assert d.max_per_minute(t0, d.now) <= steady + 5
        await d.responsive()
        assert d.leaks(logs.text) == []


async def test_screen_N19_P11_durations_follow_the_api_clock() -> None:
    """Running calls' durations as the API's clock counts them, whatever the laptop's wall
    clock says: shown (not "–") with the laptop behind, and not moved by a wall-clock jump."""
    clock, sim, key = sim_for()
    local = SkewedClock(clock, -300.0)
    # (The engine carries the API's `Date` forward on the monotonic clock: bug 7, fixed.)
    async with screen_drill(sim=(clock, sim, key), local_clock=local, warmup_s=45) as d:
        durations = d.table_column("active", "dur", right=True)
        assert any(_seconds(v) > 0 for v in durations), f"no duration shown: {durations}"
        clock.jump_wall(3600.0)
        await d.run_for(5, draw_every=5)
        durations = d.table_column("active", "dur", right=True)
        assert all(_seconds(v) < 600 for v in durations), f"durations jumped: {durations}"
