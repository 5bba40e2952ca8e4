"""`MonitorApp`: a feed of snapshots in, one snapshot on screen, one clock for the screen.

Data path: the feed (its `run` in a worker, `exit_on_error=False`) says when new data is
there; that marks the app's data dirty (and posts `FeedChanged`, which replaces any pending
one, only when it is drawn at once: the first data, tests); the app takes the newest
snapshot (`feed.snapshot()`) at most about once a second (`MIN_RENDER_INTERVAL_S`) and sets
its one reactive, `snapshot`, inside one batch update; `watch_snapshot` feeds the screen on
top. Time path: one `set_interval` on the app ticks every second; it takes pending data, or
the same data with the clock read again (`feed.latest()`), and the screen on top moves its
countdowns (durations, ages, the retry ETA). No widget has a timer of its own, and nothing
animates, so a quiet screen sends almost nothing to the terminal. The app never reads where
the data comes from: snapshots in, intents (`select_call`, `focus_campaign`, `refresh_now`)
out, and only the app talks to the feed.

The app never exits because the API is down: errors become words on the status line.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import ClassVar

from textual import events, on
from textual.app import App
from textual.binding import BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from monitor.feeds.base import Feed
from monitor.state.events import EventLine, toast_words
from monitor.state.snapshot import MonitorSnapshot
from monitor.ui.commands import JumpProvider
from monitor.ui.direct import direct_refreshes
from monitor.ui.driver import QuickEscapeApp
from monitor.ui.exporting import ExportingApp
from monitor.ui.gchold import CollectionHold
from monitor.ui.heap import TRIM_EVERY_S, settle_heap, trim_heap
from monitor.ui.keygrace import KeyGrace
from monitor.ui.keymap import APP_KEYS
from monitor.ui.lifecycle import LifecycleApp
from monitor.ui.messages import FeedChanged
from monitor.ui.navigation import screen_going_away
from monitor.ui.output import SLOW_TICK_S
from monitor.ui.screens.base import TRANSITION_WAIT_S, Frame, LiveScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.screens.events import EventsScreen
from monitor.ui.screens.help import HelpScreen
from monitor.ui.state_file import UiState
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.status_line import aged

log = logging.getLogger(__name__)

STYLES_DIR = Path(__file__).resolve().parent / "styles"
"""The TCSS files, inside the package: found the same from a checkout, an editable install or a
wheel."""

SLOW_LINK_TICK_EVERY = int(SLOW_TICK_S)
"""On a slow link (writes waited for it lately) a frame every this many seconds, as --no-tick."""
MIN_RENDER_INTERVAL_S = 1.0
"""New data is drawn at most this often (on the app clock): a burst of poll results becomes
one frame, shared with the countdowns."""
NO_TICK_STATUS_EVERY = 5
"""With --no-tick (slow links), new data, ages and countdowns are drawn only every this many
seconds: nothing changes on screen in between."""
FIRST_FRAME_WAIT_S = 0.5
"""At start, painting waits for the first active calls (at most this long): one frame with
data instead of an empty layout, a restyled one and then the data (~30 KB at 80x24 before)."""


class MonitorApp(LifecycleApp, QuickEscapeApp, ExportingApp):
    """The live monitor."""

    TITLE = "DialNexa Monitor"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        STYLES_DIR / "global.tcss",
        STYLES_DIR / "dashboard.tcss",
        STYLES_DIR / "drilldown.tcss",
        STYLES_DIR / "help.tcss",
    ]
    BINDINGS: ClassVar[list[BindingType]] = list(APP_KEYS)
    COMMANDS = App.COMMANDS | {JumpProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (typed by App)

    snapshot: reactive[MonitorSnapshot | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    """The snapshot on screen: set once per new snapshot (or second), inside a batch update."""

    def __init__(
        self,
        feed: Feed,
        *,
        ui_state: UiState | None = None,
        tick: bool = True,
        theme: str | None = None,
        closers: Sequence[Callable[[], Awaitable[None]]] = (),
        run_feed: bool = True,
        min_render_interval_s: float = MIN_RENDER_INTERVAL_S,
        handle_signals: bool = False,
        startup_notes: Sequence[str] = (),
        settle_heap: bool = False,
    ) -> None:
        """Args:
        feed: the snapshots to show, and where the user's intents go.
        ui_state: remembered sort and filter (None: in memory only).
        tick: tick durations every second (settings' `tick`; off with --no-tick).
        theme: the Textual theme to start with (settings' `theme`); None keeps the default.
        closers: awaited once on the way out (the HTTP client's `aclose`).
        run_feed: start `feed.run()` in a worker (tests that play snapshots by hand may leave
            it off).
        min_render_interval_s: 0 draws new data at once (tests); otherwise new data waits
            for the clock's next second.
        handle_signals: exit cleanly on SIGTERM, SIGHUP (an SSH session dropped) and SIGINT,
            with status 128 + the signal's number; off under tests.
        startup_notes: said once in a notification after the first frame (a config file
            that `--demo` ignored).
        settle_heap: once the first data is drawn, exempt what exists from later full garbage
            collections (`monitor.ui.heap`); process-wide, so for the program, not tests.
        """
        super().__init__()
        self.feed = feed
        self.ui_state = ui_state if ui_state is not None else UiState(None)
        self.tick_enabled = tick
        """Per-second duration and countdown updates (off with --no-tick)."""
        self.paused_at: datetime | None = None
        """When the view was frozen with `p`; None while live."""
        self._theme = theme
        self.renders = 0
        """How many times new data was drawn (tests and benchmarks read it)."""
        self._run_feed = run_feed
        self._handle_signals = handle_signals
        self._min_render_interval = min_render_interval_s
        self._closers = list(closers)
        self._startup_notes = list(startup_notes)
        self._told_at_start: tuple[EventLine, ...] = ()  # kept in the events screen (e)
        self._settle_heap = settle_heap
        self._ended = False
        self._dirty = True
        self._drawn_data = False
        self._internal_told: str | None = None
        self._seconds = 0
        self._unsubscribe: Callable[[], None] | None = None
        self.key_grace = KeyGrace()
        """When the clock's work may run: not while a key is being answered."""
        self._clock_after_key: Timer | None = None
        self.collection_hold = CollectionHold()
        """No garbage collection while a key is answered (`monitor.ui.gchold`)."""
        self._collection_timer: Timer | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return DashboardScreen()

    def on_mount(self) -> None:
        self.hold_frames("start", FIRST_FRAME_WAIT_S)
        theme = self._theme
        if theme is None or theme in self.available_themes:
            if theme is not None:
                self.theme = theme
        else:
            self.notify(f"Unknown theme {theme!r}; using {self.theme}.", markup=False)
        self._unsubscribe = self.feed.subscribe(self._feed_changed)
        self.set_interval(1.0, self._on_clock, name="app-clock")
        if self._run_feed:
            self.run_feed()
        if self._handle_signals:
            self.install_signal_handlers()
        self.call_after_refresh(self.show_latest)
        self.call_after_refresh(self.tell_restored_view)
        at = self.feed.latest().now
        self._told_at_start = tuple(
            EventLine(at=at, kind="start", words=n, severity="warning") for n in self._startup_notes
        )
        for note in self._startup_notes:
            self.notify(toast_words(note), severity="warning", markup=False, timeout=15)

    # -- data and time ------------------------------------------------------------------------

    def _feed_changed(self, version: int) -> None:
        # Called by the feed (from its own task, on the app's loop). New data mostly waits for
        # the clock's next second, which needs only the flag: a message per store change (ten
        # a second on busy, each a hop through the app's message pump) only when it is drawn
        # at once (the very first data; tests with no interval).
        self._dirty = True
        if self.paused_at is None and (self._min_render_interval <= 0 or not self._drawn_data):
            self.post_message(FeedChanged(version))

    @on(FeedChanged)
    def _on_feed_changed(self, message: FeedChanged) -> None:
        # New data waits for the clock's next second, so data and countdowns share one frame
        # (each frame has a fixed cost on the wire); only the very first data is drawn at
        # once, for a fast first screen. Tests set the interval to 0 to draw at once.
        self._dirty = True
        if self.paused_at is not None:
            return
        if self._min_render_interval <= 0 or not self._drawn_data:
            self.render_now()

    def _tell_bug(self, snap: MonitorSnapshot) -> None:
        bug = snap.internal_error
        if bug is not None and bug != self._internal_told:
            # Once per distinct bug, not at every retry of the poller that hit it.
            self._internal_told = bug
            self.notify(bug, severity="error", markup=False, timeout=15)

    def _on_clock(self) -> None:
        self._collection_backstop()
        self._seconds += 1
        if self.paused_at is not None:
            if self._seconds % NO_TICK_STATUS_EVERY == 0:
                self._age_paused_view()
            return
        if not self.tick_enabled and self._seconds % NO_TICK_STATUS_EVERY:
            return  # --no-tick: one frame every few seconds, data and ages together
        if self.link_slow() and self._seconds % SLOW_LINK_TICK_EVERY:
            return  # the same by itself on a slow link (the status line says so)
        late = self._clock_after_key
        if late is not None:
            # The last second's work still waits behind a key (its timer has not fired: a
            # loop driven by a test's clock, a starved box): it runs now, keys or not, so the
            # data is never more than a second late.
            late.stop()
            self._clock_after_key = None
        self._clock_work(now=late is not None)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.key_grace.key()
            self._hold_collection(self.collection_hold.key())
        await super().on_event(event)

    def _age_paused_view(self) -> None:
        # Paused, the view stays as it was taken, but its data grows older: the age line
        # says how old what is on screen is ("<5s" twenty seconds into a pause was not true).
        shown, screen = self.snapshot, self.live_screen()
        if shown is None or screen is None or not screen.ready or screen is not self.screen:
            return
        latest = self.feed.latest()
        frame = replace(self.frame(shown), now=latest.now, mono=latest.mono)
        screen.tick_status(replace(frame, panes=aged(frame.panes, latest.mono - shown.mono)))

    def _clock_work(self, *, now: bool = False) -> None:
        """The second's new data or countdowns; put off while a key is answered
        (`monitor.ui.keygrace`: its frame goes first) unless `now`."""
        wait = 0.0 if now else self.key_grace.wait_s()
        if wait > 0:
            self._clock_after_key = self.set_timer(wait, self._clock_work_late, name="clock-late")
            return
        if self._dirty:
            self.render_now()
        else:
            self.tick_now()

    def _clock_work_late(self) -> None:
        self._clock_after_key = None
        if self.paused_at is None:
            self._clock_work()

    def current(self) -> MonitorSnapshot:
        """The snapshot on screen; before the first, the feed's latest."""
        return self.snapshot if self.snapshot is not None else self.feed.latest()

    def frame(self, snap: MonitorSnapshot) -> Frame:
        """The clock part of `snap`, with the app's own pause."""
        return Frame(
            now=snap.now,
            mono=snap.mono,
            health=snap.health,
            panes=snap.panes,
            next_poll_s=snap.next_poll_s,
            paused_at=self.paused_at,
            last_data=snap.last_data,
            slow_link_s=SLOW_LINK_TICK_EVERY if self.link_slow() else None,
            fallbacks=snap.fallbacks,
        )

    def _show(self, snap: MonitorSnapshot) -> None:
        """Set the one reactive (its watcher feeds the screen on top), in one batch update."""
        with self.batch_update(), screen_going_away(), direct_refreshes():
            self.snapshot = snap

    def watch_snapshot(self, snap: MonitorSnapshot | None) -> None:
        screen = self.live_screen()
        if snap is None or screen is None or not screen.ready or self._ended:
            return
        screen.show_snapshot(snap, self.frame(snap))

    def render_now(self) -> None:
        """Draw the newest data on the screen on top (ignores the rate limit, not the pause)."""
        if self.paused_at is not None or self._ended:
            return
        self._dirty = False
        snap = self.feed.snapshot()
        self._tell_bug(snap)
        if not self._drawn_data:
            # Draw at once until the active calls have been drawn: the first screen with data
            # should not wait for the clock's next second.
            self._drawn_data = snap.data.active_read
            if self._drawn_data:
                self.call_later(self.release_frames, "start")
                if self._settle_heap:
                    self.call_after_refresh(self._settle)
        self.renders += 1
        self._show(snap)

    def _settle(self) -> None:
        # After the first frame with data is out: its collection is not in the way of it.
        log.info("heap settled: %d objects exempt from full collections", settle_heap())
        self.set_interval(TRIM_EVERY_S, trim_heap, name="heap-trim")

    def show_latest(self) -> None:
        """Draw a screen that just appeared (or came back) with the last data taken.

        The data is not rebuilt here, even if newer data is waiting: a screen switch (Enter,
        Esc) then costs one frame and no rebuild, and the newer data follows on the clock's
        next second like any other. Only before any snapshot exists is one built.
        """
        if self.snapshot is None:
            self.render_now()
            return
        self._show(self.feed.latest())

    def tick_now(self) -> None:
        if self._ended:
            return
        snap = self.feed.latest()
        self._tell_bug(snap)
        self._show(snap)

    # -- intents ------------------------------------------------------------------------------

    def select_call(self, call_id: str | None) -> MonitorSnapshot:
        """The user looks at this call: the feed fetches it first, and the snapshot returned
        carries its detail already (the timeline follows the cursor in the same frame)."""
        self.feed.select_call(call_id)
        return self.feed.latest()

    def focus_campaign(self, campaign_id: str | None) -> None:
        self.feed.focus_campaign(campaign_id)

    # -- actions ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        await self._close()
        self.exit(return_code=0)

    async def action_interrupt(self) -> None:
        """Ctrl+C: a clean exit with SIGINT's status, 130 (the terminal sends it as a key)."""
        await self._quit_with(128 + signal.SIGINT)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        groups: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", list(self.BINDINGS)),
            ("On every screen", list(LiveScreen.BINDINGS)),
            ("In a table", list(LiveTable.BINDINGS)),
            ("On a campaign's screen", list(CampaignScreen.BINDINGS)),
        ]
        self.push_screen(HelpScreen(groups))

    def events(self) -> tuple[EventLine, ...]:
        """The events pane's lines, oldest first: the feed's, when it keeps them."""
        told = getattr(self.feed, "events", None)
        return self._told_at_start + (tuple(told()) if callable(told) else ())

    def action_events(self) -> None:
        """`e`: the events screen on top, or back from it."""
        if isinstance(self.screen, EventsScreen):
            self.screen.action_go_back()
            return
        if not isinstance(self.screen, LiveScreen):
            return  # over help or a prompt: `e` is a letter there
        self.hold_frames("switch", TRANSITION_WAIT_S)
        self.push_screen(EventsScreen())

    def action_toggle_pause(self) -> None:
        if self.paused_at is None:
            self.paused_at = self.feed.latest().now
            self.tick_now()
            self.notify(
                "Paused: the view is frozen; data is still fetched. p resumes.",
                markup=False,
                timeout=3,
            )
        else:
            self.paused_at = None
            self.render_now()

    def action_refresh_now(self) -> None:
        self.feed.refresh_now()
        self.notify("Refreshing now.", markup=False, timeout=2)
