"""Screen drills: the real app under Textual's Pilot (headless, 80x24) on the real engine and
client, against the simulator served by uvicorn on 127.0.0.1, all on one fake clock.

Each simulated second the fake clock moves on (the engine polls; its requests cross a real
socket, and the drill waits, in real time, only until the requests in flight have their answers),
then, on drawn seconds, the app's one-second clock ticks (`MonitorApp._on_clock`, which a real
timer calls in production) and Pilot waits until the screen has processed everything.

What the checks read is what the terminal would show: the status line's words every drawn second
(its widgets' rendered text, cheap), and at checkpoints the whole frame as Textual composes it
for the terminal (`look()`: the path `App.export_screenshot` takes), cropped to a widget's
region where a check is about one part (a pane, its border, the banner).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import textual.app
from rich.cells import cell_len
from rich.console import Console
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from monitor.api.client import DialNexaClient
from monitor.clock import Clock, FakeClock
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.polling.engine import Engine
from monitor.sim import ScenarioSpec, Simulator
from monitor.sim.serve import serve_loopback
from monitor.ui.app import MonitorApp
from monitor.ui.screens.help import HelpScreen
from monitor.ui.state_file import UiState
from monitor.ui.widgets.status_line import AGE_PARTS, ApiBanner, StatusLine
from tests.drive import drive
from tests.faults.harness import BUDGET_PER_MIN, RequestChecks
from tests.leakscan import find_leaks, make_canary
from tests.timing import load_factor

SIZE = (80, 24)
REAL_IO_S = 0.05
"""Longest real wait per simulated second for answers over loopback, on an idle machine (times
the load: `tests.timing`); the drill stops waiting as soon as no request is in flight. At 3 ms
a loaded box let simulated seconds pass with answers still on the wire, and a healthy pane
went STALE in the drill (issue 23: no flaky timing in `make test`)."""
PANE_WORDS = {"active": "act", "campaigns": "camp", "retries": "retry", "concurrency": "conc"}
"""The panes' names in the status line's age part at 80 columns."""
PANE_IDS = {
    "active": "#pane-active",
    "campaigns": "#pane-campaigns",
    "retries": "#pane-retries",
    "concurrency": "#pane-concurrency",
}
AGE = r"(STALE )?(<\d+s|<1m|\d+m|\d+h\d+m|\d+d\d+h|error|no data yet)"

_OUR_ESCAPES = re.compile(r"\x1b\[[0-9;]*[mH]")
"""What Textual itself writes in a frame: SGR styles and cursor moves."""
_FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
"""In a frame once Textual's own escapes are gone: C0 (but newline), DEL, C1, bidi controls and
zero-width characters."""


def foreign_sequences(ansi: str) -> list[str]:
    """Escapes and controls in a frame that Textual did not produce itself (FAULTS T5-T13:
    data-borne ESC, CSI, OSC 8/52, C1, BEL, bidi and zero-width characters)."""
    rest = _OUR_ESCAPES.sub("", ansi)
    return sorted({repr(m.group()) for m in _FORBIDDEN.finditer(rest)})


def cell_slice(line: str, start: int, end: int) -> str:
    """The characters of `line` between terminal cells `start` and `end` (CJK count 2)."""
    out = []
    pos = 0
    for ch in line:
        width = cell_len(ch)
        if pos >= start and pos + width <= end:
            out.append(ch)
        pos += width
        if pos >= end:
            break
    return "".join(out)


def age_bound(word: str) -> float:
    """The most seconds a coarse age as shown ("<5s", "<1m", "3m", "1h05m") stands for."""
    if word.startswith("<"):
        return 60.0 if word == "<1m" else float(word[1:-1])
    if m := re.fullmatch(r"(\d+)m", word):
        return (int(m.group(1)) + 1) * 60.0
    if m := re.fullmatch(r"(\d+)h(\d+)m", word):
        return int(m.group(1)) * 3600.0 + (int(m.group(2)) + 1) * 60.0
    return float("inf")


class Loopback:
    """The simulator under uvicorn on 127.0.0.1: started, stopped (connections refused, N1) and
    started again on the same port."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.port = 0
        self.base_url = ""
        self._stack: AsyncExitStack | None = None

    async def start(self) -> str:
        stack = AsyncExitStack()
        self.base_url = await stack.enter_async_context(serve_loopback(self.sim, self.port))
        self.port = int(self.base_url.rsplit(":", 1)[1].split("/")[0])
        self._stack = stack
        return self.base_url

    async def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()


class InFlight(httpx.AsyncBaseTransport):
    """Counts requests on the wire, so a drill waits for real I/O only while there is some."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.count -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Reading:
    """What the status line said at one simulated instant."""

    at: float
    api: str
    """The API's state and what follows it on the top line (next poll, budget)."""
    ages: str
    """The age line: "age act STALE <1m · camp 1m · retry <5s · conc <5s"."""


@dataclass
class ScreenDrill(RequestChecks):
    app: MonitorApp
    pilot: Pilot[int]
    clock: FakeClock
    sim: Simulator
    engine: Engine
    key: str
    server: Loopback
    wire: InFlight
    readings: list[Reading] = field(default_factory=list)
    screens: list[str] = field(default_factory=list)
    """Every whole screen looked at (scanned for the key at the end)."""

    # -- time ---------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.monotonic()

    @property
    def store(self) -> Any:
        return self.engine.store

    async def step(self, *, draw: bool = True) -> None:
        """One simulated second: the engine's work over real sockets, then the app's clock."""
        await drive(self.clock, 1.0)
        await self._answers()
        if draw:
            await self.draw()

    async def _answers(self) -> None:
        """Wait (real time, at most `REAL_IO_S`) for the requests on the wire to be answered."""
        for _ in range(round(REAL_IO_S * load_factor() / 0.001)):
            if not self.wire.count:
                break
            await asyncio.sleep(0.001)

    async def coast(self, seconds: float, *, max_step: float = 30.0) -> None:
        """Advance simulated time with no frame drawn, from one timer to the next (jumps of at
        most `max_step`): the engine polls at its own cadence over the socket, the app only
        queues what changed. For long quiet stretches (an hour of retention) at a fraction of
        `run_for`'s cost; `draw()` afterwards shows where it got to."""
        end = self.now + seconds
        while self.now < end:
            await drive(self.clock, min(max_step, end - self.now), max_step=max_step)
            await self._answers()

    async def draw(self) -> Reading:
        """The app clock's second: pending data and countdowns drawn; the status line read."""
        self.app._on_clock()
        await self.pilot.pause(0)
        self.alive()
        return self.read()

    async def run_for(self, seconds: float, *, draw_every: int = 1) -> None:
        """Advance simulated time; the app's clock ticks every `draw_every` seconds (and at the
        end); the engine runs every second."""
        total = round(seconds)
        for n in range(1, total + 1):
            await self.step(draw=n % draw_every == 0 or n == total)

    async def until(
        self, predicate: Callable[[], bool], limit_s: float, *, draw_every: int = 1
    ) -> float | None:
        """Run until `predicate()` holds; the simulated seconds it took, or None."""
        start = self.now
        while True:
            if predicate():
                return self.now - start
            if self.now - start >= limit_s:
                return None
            await self.run_for(draw_every, draw_every=draw_every)

    # -- the app ------------------------------------------------------------------------------

    def alive(self) -> None:
        assert self.app.is_running, f"the app stopped (return code {self.app.return_code})"
        assert self.app._exception is None, f"the app raised {self.app._exception!r}"

    async def responsive(self) -> None:
        """The app answers keys: `?` opens the help, Esc closes it, back where it was."""
        before = self.app.screen
        await self.pilot.press("question_mark")
        shown = await self.settle(lambda: "Every key and mark" in self.look())
        assert isinstance(self.app.screen, HelpScreen), "? did not open the help"
        assert shown, "the help is not on screen"
        await self.pilot.press("escape")
        await self.settle(lambda: self.app.screen is before)
        assert self.app.screen is before, "Esc did not close the help"
        self.alive()

    async def settle(self, predicate: Callable[[], bool], turns: int = 20) -> bool:
        """Let the app process messages (no clock time passes) until `predicate()` holds."""
        for _ in range(turns):
            if predicate():
                return True
            await self.pilot.pause(0)
        return predicate()

    # -- the status line, every drawn second --------------------------------------------------

    def _part(self, widget_id: str) -> str:
        static = self.app.screen.query_one(f"#{widget_id}", Static)
        return str(static.render()) if static.region.width else ""

    def read(self) -> Reading:
        api = "".join(
            self._part(p) for p in ("status-api", "status-paused", "status-next", "status-budget")
        )
        ages = "".join(
            self._part(p) for p in ("status-ages", *(f"status-age-{n}" for n in range(AGE_PARTS)))
        )
        reading = Reading(self.now, " ".join(api.split()), " ".join(ages.split()))
        self.readings.append(reading)
        return reading

    @property
    def status(self) -> Reading:
        return self.readings[-1] if self.readings else self.read()

    def age_of(self, pane: str) -> tuple[bool, str]:
        """A pane's age as the status line shows it: (marked STALE, the age words)."""
        m = re.search(rf"\b{PANE_WORDS[pane]} {AGE}", self.status.ages)
        assert m, f"no age for {pane} in {self.status.ages!r}"
        return bool(m.group(1)), m.group(2)

    # -- the whole screen, at checkpoints -----------------------------------------------------

    def frame(self) -> str:
        """The whole screen as the bytes Textual would write to the terminal for a full frame
        (SGR and cursor moves included)."""
        width, height = self.app.size
        out = io.StringIO()
        console = Console(
            width=width,
            height=height,
            file=out,
            force_terminal=True,
            color_system="truecolor",
            legacy_windows=False,
            safe_box=False,
        )
        update = self.app.screen._compositor.render_update(
            full=True, screen_stack=self.app._background_screens
        )
        console.print(update)
        return out.getvalue()

    def _strips(self) -> list[Strip]:
        return self.app.screen._compositor.render_strips()

    def look(self) -> str:
        """The screen on top as plain text, line by line (remembered for the key scan)."""
        text = "\n".join("".join(seg.text for seg in strip) for strip in self._strips())
        self.screens.append(text)
        return text

    def region_lines(self, widget: Widget | str) -> list[str]:
        """The screen's lines inside a widget's region (cell-exact: wide characters count 2)."""
        if isinstance(widget, str):
            widget = self.app.screen.query_one(widget)
        region = widget.region
        if not region.width or not region.height:
            return []
        strips = self._strips()
        return [
            "".join(seg.text for seg in strips[y].crop(region.x, region.right))
            for y in range(region.y, min(region.bottom, len(strips)))
        ]

    def banner(self) -> str:
        """The API banner's words as shown (empty when it is hidden)."""
        lines = self.region_lines(self.app.screen.query_one(ApiBanner))
        return " ".join(" ".join(lines).split())

    def status_lines(self) -> list[str]:
        return self.region_lines(self.app.screen.query_one(StatusLine))

    def pane_border(self, pane: str) -> str:
        """The pane's bottom border (its subtitle: "STALE since 10:31:40 · sort arrival")."""
        lines = self.region_lines(PANE_IDS[pane])
        return lines[-1] if lines else ""

    def pane_rows(self, pane: str) -> list[str]:
        """The lines inside a pane's border."""
        return [line[1:-1] for line in self.region_lines(PANE_IDS[pane])[1:-1]]

    def table_column(self, pane: str, label: str, *, right: bool = False) -> list[str]:
        """One column of the table in a pane, cell by cell as shown, placed by its header (a
        `right`-aligned column ends where its label ends)."""
        rows = self.pane_rows(pane)
        header = rows[0]
        labels = list(re.finditer(r"\S+", header))
        n = next((i for i, m in enumerate(labels) if m.group() == label), None)
        assert n is not None, f"no column {label!r} in {header!r}"
        if right:
            start = labels[n - 1].end() if n else 0
            end = labels[n].end()
        else:
            start = labels[n].start()
            end = labels[n + 1].start() if n + 1 < len(labels) else len(header)
        return [cell_slice(row, start, end).strip() for row in rows[1:] if row.strip()]

    def active_rows(self) -> dict[str, str]:
        """The Active calls rows on screen: shown call id -> state words."""
        ids = self.table_column("active", "call")
        states = self.table_column("active", "state")
        return dict(zip(ids, states, strict=True))

    def pane_fresh(self, pane: str, since_s: float) -> bool:
        """Shown fresh (not STALE, in words, on the status line and on the pane's border) with
        an age no older than `since_s` seconds."""
        stale, age = self.age_of(pane)
        return not stale and age_bound(age) <= since_s and "STALE" not in self.pane_border(pane)

    def notifications(self) -> str:
        return "\n".join(f"{n.title} {n.message}" for n in self.app._notifications)

    # -- the key ------------------------------------------------------------------------------

    def leaks(self, *texts: str) -> list[str]:
        """Fragments of the key anywhere the user or an operator could see: every screen looked
        at, the terminal frame, an SVG screenshot, notifications, the title, the status line's
        words all along, and `texts` (logs)."""
        blob = "\n".join(
            [
                *self.screens,
                self.look(),
                self.frame(),
                self.app.export_screenshot(),
                self.notifications(),
                self.app.title,
                self.app.sub_title,
                *texts,
                *(f"{r.api} {r.ages}" for r in self.readings),
            ]
        )
        return find_leaks(blob, self.key)


def sim_for(
    scenario: str | ScenarioSpec = "small",
    *,
    seed: int = 7,
    **kw: Any,
) -> tuple[FakeClock, Simulator, str]:
    clock = FakeClock()
    key = make_canary()
    return clock, Simulator.create(scenario, seed=seed, clock=clock, api_key=key, **kw), key


@asynccontextmanager
async def screen_drill(
    scenario: str | ScenarioSpec = "small",
    *,
    seed: int = 7,
    warmup_s: float = 135.0,
    sim: tuple[FakeClock, Simulator, str] | None = None,
    local_clock: Clock | None = None,
    transport: Callable[[httpx.AsyncBaseTransport, FakeClock], httpx.AsyncBaseTransport]
    | None = None,
    size: tuple[int, int] = SIZE,
    expect_exit: bool = False,
) -> AsyncIterator[ScreenDrill]:
    """The app on the engine on the client on loopback HTTP, warmed up for `warmup_s`.

    The warm-up runs past the engine's first minute (its startup allowance and the background
    work held for the on-screen history, `polling.startup`), so that the minute before a
    drill's fault is a steady one: the "no retry storm" check compares against it.

    `local_clock` is the monitor's clock when it must differ from the server's (skew, N19);
    `transport` wraps the client's own socket transport (the fake-clock read timeout, N4);
    `expect_exit`: the drill ends the app (a forced crash, S9), so it is not required to be
    running at the end (Pilot then re-raises what ended it).
    """
    clock, simulator, key = sim or sim_for(scenario, seed=seed)
    server = Loopback(simulator)
    base_url = await server.start()
    try:
        mine = local_clock or clock
        client = DialNexaClient(base_url, key, clock=mine)
        # The client's own transport (its connection limits), counted and possibly wrapped.
        http = client._http
        wire = InFlight(http._transport)
        http._transport = transport(wire, clock) if transport is not None else wire
        engine = Engine(
            client,
            Settings(concurrency_cap=simulator.world.cap, request_budget_per_min=BUDGET_PER_MIN),
            clock=mine,
            rng=random.Random(seed),
        )
        app = MonitorApp(
            LiveFeed(engine),
            ui_state=UiState(None),
            closers=[client.aclose],
            tick=engine.settings.tick,
            theme=engine.settings.theme,
        )
        async with app.run_test(size=size) as pilot:
            drill = ScreenDrill(app, pilot, clock, simulator, engine, key, server, wire)
            await pilot.pause()
            await drill.run_for(warmup_s, draw_every=10)
            yield drill
            if not expect_exit:
                drill.alive()
        with contextlib.suppress(Exception):
            await client.aclose()
    finally:
        await server.stop()


def keys_without_idle_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Pilot.press` waits twice per key for the process to look idle (20 ms each at least, more
    while anything runs). Here nothing runs between keys but the app (the engine waits on the
    fake clock), and Pilot then waits for the screen to process every pending message: a few
    event-loop turns (for the driver to post the key to the app) are enough."""

    async def a_few_turns(min_sleep: float = 0.0, max_sleep: float = 1.0) -> None:
        for _ in range(4):
            await asyncio.sleep(0)

    monkeypatch.setattr(textual.app, "wait_for_idle", a_few_turns)
