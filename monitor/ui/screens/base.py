"""`LiveScreen`: what every drill-down level shares.

A breadcrumb on top, the API banner, the level's own body, a filter bar for `/`, the status
line and the footer; below a minimum size, a "terminal too small" notice instead. The app
feeds the screen on top with `show_snapshot` (every snapshot it takes: new data at most about
once a second, the clock every second); a screen redraws only the parts of the snapshot that
are new (compared by identity), and never polls or reads anything itself. What the user looks
at goes back to the app as intents (`MonitorHost.select_call`, `focus_campaign`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, cast

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from monitor.state.snapshot import ApiHealth, MonitorSnapshot, PaneStatus
from monitor.ui.compositor import SpanCompositor
from monitor.ui.host import MonitorHost
from monitor.ui.keymap import SCREEN_KEYS
from monitor.ui.widgets.key_bar import KeyBar
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.status_line import ApiBanner, StatusLine

TRANSITION_WAIT_S = 0.25
"""A screen switch paints once the new screen has drawn (at most this long): one frame."""

MIN_WIDTH = 60
MIN_HEIGHT = 16
"""Below this the four panes cannot each show a header and a few rows."""

CRUMB_SEPARATOR = " › "


StyleState = tuple[object, ...]


def style_state(app: App[object]) -> StyleState | None:
    """What a screen's computed styles depend on beyond its own widgets' classes: the
    stylesheet's version (Textual bumps it on a theme change), the app's classes and pseudo
    classes (focus, dark), and the size (breakpoint classes). None when Textual does not
    say its stylesheet's version: then a screen is always restyled, as Textual does."""
    version = getattr(app, "_css_update_count", None)
    if not isinstance(version, int):
        return None
    return (version, app.theme, app.classes, app.pseudo_classes, app.size)


@dataclass(frozen=True, slots=True)
class Frame:
    """The clock part of a snapshot and the app's pause, shared by every widget."""

    now: datetime
    mono: float
    health: ApiHealth
    panes: tuple[PaneStatus, ...]
    next_poll_s: float | None
    paused_at: datetime | None
    last_data: datetime | None
    """Wall time of the newest successful fetch, for "showing data from ..."."""
    fallbacks: str = ""
    """Documented fallback endpoints in use, in words (empty when none)."""
    slow_link_s: int | None = None
    """The tick's period while the terminal's link is slow (None: it is not)."""


class LiveScreen(Screen[None]):
    """A screen fed with snapshots by the app."""

    BINDINGS: ClassVar[list[BindingType]] = list(SCREEN_KEYS)

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        # A second's frame renders the widgets its changed cells are in, not the whole screen.
        self._compositor = SpanCompositor()
        self._filter_target: LiveTable[Any] | None = None
        self._filter_before = ""
        """The filter when `/` opened the bar: Esc puts it back."""
        self._crumb = ""
        self._drawn: MonitorSnapshot | None = None
        """The snapshot last drawn here (None: draw the next one whole)."""
        self.ready = False
        """True once composed and mounted: only then does the app feed it."""
        self._styled_for: StyleState | None = None
        """What the styles depended on when this screen was last left (None: not yet)."""

    @property
    def monitor(self) -> MonitorHost:
        return cast(MonitorHost, self.app)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="breadcrumb", markup=False)
        yield ApiBanner(id="banner")
        yield from self.compose_body()
        bar = Input(
            id="filter-bar",
            placeholder="filter: words to match; Enter keeps it, empty + Enter clears",
        )
        bar.cursor_blink = False  # a blinking cursor repaints twice a second, for nothing
        yield bar
        yield StatusLine(id="status")
        yield KeyBar()
        yield Static(
            Content(
                f"Terminal too small: the monitor needs at least {MIN_WIDTH}x{MIN_HEIGHT}. "
                "Enlarge the window (q quits)."
            ),
            id="too-small",
            markup=False,
        )

    def compose_body(self) -> Iterable[Widget]:
        raise NotImplementedError

    def crumbs(self) -> list[str]:
        """Where the user is, outermost first (already display-safe)."""
        raise NotImplementedError

    def tables(self) -> list[LiveTable[Any]]:
        return list(self.query(LiveTable).results())

    def export_target(self) -> LiveTable[Any] | None:
        """The table ctrl+s and / act on: the focused one, else the screen's main one."""
        focused = self.focused
        if isinstance(focused, LiveTable):
            return focused
        tables = self.tables()
        return tables[0] if tables else None

    def on_mount(self) -> None:
        self.ready = True
        self.update_crumb()
        if self.watching():
            # Data before the first paint: a new screen arrives in one frame, not an empty
            # frame followed by a second one with the data.
            self.monitor.show_latest()

    def watching(self) -> bool:
        """False for a screen composed ahead of its first use: it has nothing to show."""
        return True

    def prepare(self) -> None:
        """Lay out a screen composed ahead of its first use (`ScreenSwitchingApp.
        prepare_screens`) as if it had been shown and left: Textual lays out and restyles a
        screen at its first showing (about half of that first Enter's cost), and a kept screen
        only when its size or styles changed since."""
        self._refresh_layout(self.app.size)
        self._styled_for = style_state(self.app)

    def on_unmount(self) -> None:
        self.ready = False

    def _compositor_refresh(self) -> None:
        # Textual renders a frame asked for inside a batch update and then drops it
        # (`App._display` sends nothing while a batch is open): a new screen's layout, made
        # while the app holds its frames (`hold_frames`), cost a whole render of the screen
        # for nothing (~35 ms at 200x50; issue 21). Its changes stay marked instead, and are
        # painted with the frame that ends the hold.
        if self.app._batch_count:
            return
        super()._compositor_refresh()

    def on_screen_resume(self) -> None:
        # Runs after the subclass's handler (which said what it watches, then drew): the
        # switch's frame can go now.
        self.app.call_later(self.monitor.release_frames, "switch")

    @on(events.ScreenResume)
    def _keep_styles(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler (`Screen._on_screen_resume`, further up the MRO),
        # which restyles every widget of a pushed screen: about half of Enter's time on a
        # kept screen (issue 21). Styles set while this screen was away are applied already
        # (a class change restyles at once); only a new stylesheet (a theme), other app
        # classes or another size since it left make that pass needed.
        state = style_state(self.app)
        if event.refresh_styles and state is not None and self._styled_for == state:
            event.refresh_styles = False

    def on_screen_suspend(self) -> None:
        self._styled_for = style_state(self.app)

    def intents(self) -> None:
        """Tell the app what this screen watches (the selected call, the campaign); the
        snapshots then carry it. Called before the screen draws on resuming."""

    def update_crumb(self) -> None:
        text = CRUMB_SEPARATOR.join(self.crumbs())
        if text != self._crumb:
            self._crumb = text
            self.query_one("#breadcrumb", Static).update(Content(text))

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        self.set_class(small, "-too-small")

    # -- feeding ------------------------------------------------------------------------------

    def show_snapshot(self, snap: MonitorSnapshot, frame: Frame) -> None:
        """Draw what is new in `snap` (data, the selected call, the focused campaign; a part
        is new when it is not the object drawn last), then tick the clock parts."""
        drawn, self._drawn = self._drawn, snap
        if drawn is None or snap.data is not drawn.data:
            self.draw(snap, frame)
        else:
            if snap.selection is not drawn.selection:
                self.draw_selection(snap, frame)
            if snap.focus is not drawn.focus:
                self.draw_focus(snap, frame)
        self.tick(frame)

    def forget_drawn(self) -> None:
        """Draw the next snapshot whole (a replay's seek: its tables were cleared)."""
        self._drawn = None

    def draw(self, snap: MonitorSnapshot, frame: Frame) -> None:
        """New data: subclasses draw their body."""

    def draw_selection(self, snap: MonitorSnapshot, frame: Frame) -> None:
        """Same data, another selected call (its detail arrived): what shows it redraws."""

    def draw_focus(self, snap: MonitorSnapshot, frame: Frame) -> None:
        """Same data, the focused campaign's calls taken again."""

    def tick(self, frame: Frame) -> None:
        """The app clock's second: countdowns, ages, the banner."""
        self.tick_status(frame)

    def tick_status(self, frame: Frame) -> None:
        """The status line and the banner only (paused: the rest of the view stays)."""
        self.query_one(StatusLine).show(
            health=frame.health,
            panes=frame.panes,
            next_poll_s=frame.next_poll_s,
            paused_at=frame.paused_at,
            now=frame.now,
            mono_now=frame.mono,
            fallbacks=frame.fallbacks,
            slow_link_s=frame.slow_link_s,
        )
        self.query_one(ApiBanner).show(
            frame.health, last_data=frame.last_data, now=frame.now, mono_now=frame.mono
        )

    # -- actions ------------------------------------------------------------------------------

    def key_target(self) -> LiveTable[Any] | None:
        """The table `/`, `s` and `S` act on: the focused one (the screen's main table when
        nothing has focus); None when the focused pane is not a table."""
        focused = self.focused
        if isinstance(focused, LiveTable):
            return focused
        if focused is None:
            tables = self.tables()
            return tables[0] if tables else None
        return None

    def _no_table_here(self, what: str) -> None:
        self.notify(
            f"Nothing to {what} in this pane: tab moves to a table.", markup=False, timeout=3
        )

    def filter_open(self) -> bool:
        return self.query_one("#filter-bar", Input).has_class("-open")

    def escape_clears(self) -> bool:
        """Esc would clear a filter (the bar is closed and the focused table has one)."""
        target = self.key_target()
        return not self.filter_open() and target is not None and bool(target.filter_text)

    def key_description(self, action: str, description: str) -> str:
        """The footer's word for a key here (Esc: Cancel, Clear filter or Back)."""
        if action == "go_back":
            if self.filter_open():
                return "Cancel"
            if self.escape_clears():
                return "Clear filter"
        return description

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_pane":
            # One focusable pane: Tab has nowhere to go, so the footer does not offer it.
            return len(self.focus_chain) > 1
        return True

    def action_go_back(self) -> None:
        if self.filter_open():
            # Esc cancels the edit (readline, k9s): the filter before `/` comes back, unsaved.
            target = self._filter_target
            if target is not None:
                target.set_filter(self._filter_before, save=False)
            self._close_filter()
            return
        target = self.key_target()
        if target is not None and target.filter_text:
            # A second Esc clears the filter (k9s), before it goes back a level.
            target.set_filter("")
            self.notify("Filter cleared.", markup=False, timeout=2)
            self.refresh_bindings()
            return
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.leave()
            self.monitor.hold_frames("switch", TRANSITION_WAIT_S)
            self.app.pop_screen()

    def leave(self) -> None:
        """Called before the screen is popped: tell the app what is no longer watched."""

    def action_filter(self) -> None:
        target = self.key_target()
        if target is None:
            self._no_table_here("filter")
            return
        self._filter_target = target
        self._filter_before = target.filter_text
        bar = self.query_one("#filter-bar", Input)
        bar.value = target.filter_text
        bar.add_class("-open")
        bar.focus()  # the focus change republishes the keys (the footer's "esc Cancel")

    def action_cycle_sort(self) -> None:
        target = self.key_target()
        if target is None:
            self._no_table_here("sort")
            return
        if len(target.sort_modes()) < 2:
            self.notify("This table has one order only; S reverses it.", markup=False, timeout=2)
            return
        target.cycle_sort()

    def action_reverse_sort(self) -> None:
        target = self.key_target()
        if target is None:
            self._no_table_here("sort")
            return
        target.reverse_sort()

    def action_next_pane(self) -> None:
        self.focus_next()

    def action_reset_view(self) -> None:
        self.monitor.reset_view()

    @on(Input.Changed, "#filter-bar")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_target is not None:
            self._filter_target.set_filter(event.value, save=False)

    @on(Input.Submitted, "#filter-bar")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._filter_target is not None:
            self._filter_target.set_filter(event.value.strip())  # Enter keeps it (saved)
        self._close_filter()

    def _close_filter(self) -> None:
        bar = self.query_one("#filter-bar", Input)
        bar.remove_class("-open")
        target = self._filter_target
        self._filter_target = None
        if target is not None:
            target.focus()  # republishes the keys too
