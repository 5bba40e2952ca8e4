"""`ScreenSwitchingApp`: drill-down screens opened and closed in one painted frame.

Textual paints a screen switch in several frames (the new screen, its restyle, its redrawn
parts), each sent whole to the terminal; the app holds painting in one batch update until the
new screen has drawn (`hold_frames` / `release_frames`). A campaign's and a call's screen are
kept after their first use and reused (see `open_campaign`). Every table's saved filter and
sort is told at start and reset with `c` (`tell_restored_view`, `reset_view`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from textual.app import App
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount

from monitor.ui.screens.base import TRANSITION_WAIT_S, LiveScreen
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.state_file import UiState
from monitor.ui.widgets.pane import Pane

log = logging.getLogger(__name__)


@contextlib.contextmanager
def screen_going_away() -> Iterator[None]:
    """A screen being torn down (quit, pop) has lost its widgets: skip that frame, quietly."""
    try:
        yield
    except NoMatches:
        log.debug("frame skipped: screen is being removed")


def repaint_whole(screen: Screen[object]) -> None:
    """Paint all of `screen` in the next frame, as one frame.

    `refresh()` alone marks the whole screen; but when its layout changed too (a drawn call
    has more lines than the last), Textual's update first paints the changed widgets (a
    partial frame, over what the terminal still shows of the screen before) and only then
    the whole screen, in a second render: Enter sent two frames and rendered twice (issue
    21). Listing the screen among its dirty widgets makes the layout's paint the whole one,
    and the second finds nothing left to paint.
    """
    screen.refresh()
    dirty = getattr(screen, "_dirty_widgets", None)  # Textual's; pinned with its major version
    if isinstance(dirty, set):
        dirty.add(screen)


class ScreenSwitchingApp(App[int]):
    """The app's screen stack: the live screen on top, kept drill-down screens, held frames,
    and their tables' saved views."""

    ui_state: UiState
    """Remembered sort and filter of every table (set by the app)."""

    prepare_after_s: float | None = None
    """Compose the call screen this long after the first data is drawn, ahead of the first
    Enter (`prepare_screens`); None: at the first Enter (tests). Set by the program."""

    def __init__(self) -> None:
        super().__init__()
        self._spare_campaign: CampaignScreen | None = None
        self._spare_call: CallScreen | None = None
        self._hold: contextlib.ExitStack | None = None
        self._hold_kind = ""
        self._hold_timer: Timer | None = None

    def live_screen(self) -> LiveScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, LiveScreen):
                return screen
        return None

    # -- frames -------------------------------------------------------------------------------

    def hold_frames(self, kind: str, max_s: float) -> None:
        """Paint nothing until `release_frames(kind)` (or `max_s`), then one frame.

        Textual paints a screen switch in several frames (the new screen, its restyle, its
        redrawn parts), each sent whole to the terminal. Holding them in one batch update (the
        mechanism Textual's own `delay_update` uses for transitions) sends one.
        """
        if self._hold is None:
            self._hold = contextlib.ExitStack()
            self._hold.enter_context(self.batch_update())
            self._hold_kind = kind
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._hold_timer = self.set_timer(max_s, self._release_any, name=f"hold-{kind}")

    def release_frames(self, kind: str) -> None:
        """End a hold of this kind (a screen switch does not end the wait for first data)."""
        if self._hold is not None and kind == self._hold_kind:
            self._release_any()
        if kind == "start" and self.prepare_after_s is not None:
            self.set_timer(self.prepare_after_s, self.prepare_screens, name="prepare-screens")
            self.prepare_after_s = None

    def prepare_screens(self) -> None:
        """Compose and mount the kept call screen now, watching nothing, so the first Enter
        shows a mounted screen as every later one does: composing and mounting it made the
        first Enter of a run 3-5 times slower than the next (~100-400 ms on `huge`, issue 21).

        It reads Textual's `_register` (how `push_screen` starts a screen; pinned with its major
        version in pyproject); without it, the screen is composed at the first Enter as before.
        """
        register = getattr(self, "_register", None)
        if self._spare_call is not None or not callable(register) or not self.is_running:
            return
        screen = CallScreen("", trail=[], id="call")  # no call: it watches and draws nothing
        self._spare_call = screen
        self.install_screen(screen, name="call")
        self.call_later(self._lay_out_prepared, screen, AwaitMount(screen, register(self, screen)))

    async def _lay_out_prepared(self, screen: LiveScreen, mounted: AwaitMount) -> None:
        await mounted
        if screen.is_mounted and screen not in self.screen_stack:
            screen.prepare()

    def _release_any(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        hold, self._hold = self._hold, None
        if hold is not None:
            hold.close()
            if self.screen_stack:  # the hold's timer can fire while the app shuts down
                repaint_whole(self.screen)

    # -- navigation ---------------------------------------------------------------------------

    # A campaign's and a call's screen are each kept (installed) after their first use and
    # reused: Enter then shows an already-mounted screen (no compose), which draws the new
    # campaign or call as it resumes, before Textual paints it (one frame), and Esc does not
    # remove it (Textual repaints the whole screen a second time after removing a popped
    # screen). A second instance is made only when the kept one is already in the stack (a
    # jump from a call to a call).

    def open_campaign(self, campaign_id: str) -> None:
        top = self.live_screen()
        if isinstance(top, CampaignScreen) and top.campaign_id == campaign_id:
            return
        spare = self._spare_campaign
        if spare is not None and spare not in self.screen_stack and spare.is_mounted:
            spare.switch_to(campaign_id)
            self.hold_frames("switch", TRANSITION_WAIT_S)
            self.push_screen(spare)
            return
        # Only the kept screen has the id: a second one in the stack must not clash with it
        # (Textual refuses duplicate ids: a jump from one campaign to another crashed).
        screen = CampaignScreen(campaign_id, id=None if spare is not None else "campaign")
        if spare is None:
            self._spare_campaign = screen
            self.install_screen(screen, name="campaign")
        self.hold_frames("switch", TRANSITION_WAIT_S)
        self.push_screen(screen)

    def open_call(self, call_id: str) -> None:
        top = self.live_screen()
        if isinstance(top, CallScreen) and top.call_id == call_id:
            return
        trail = top.crumbs() if top is not None else []
        if trail[:1] == ["DialNexa Monitor"]:
            trail = trail[1:]
        spare = self._spare_call
        if spare is not None and spare not in self.screen_stack and spare.is_mounted:
            spare.switch_to(call_id, trail=trail)
            self.hold_frames("switch", TRANSITION_WAIT_S)
            self.push_screen(spare)
            return
        screen = CallScreen(call_id, trail=trail, id=None if spare is not None else "call")
        if spare is None:
            self._spare_call = screen
            self.install_screen(screen, name="call")
        self.hold_frames("switch", TRANSITION_WAIT_S)
        self.push_screen(screen)

    # -- saved views ----------------------------------------------------------------------------

    def tell_restored_view(self) -> None:
        """Say plainly which saved filters and sorts this launch restored (htop and k9s show
        a filter where it acts; a filter typed yesterday must not pass for missing calls)."""
        screen = self.live_screen()
        parts: list[str] = []
        if screen is not None and screen.ready:
            for table in screen.tables():
                words = table.restored_words()
                if words:
                    pane = next((a for a in table.ancestors if isinstance(a, Pane)), None)
                    parts.append(f"{pane.title if pane else table.VIEW_NAME}: {words}")
        campaigns = sum(1 for name in self.ui_state.saved() if "@" in name)
        if campaigns:
            plural = "s" if campaigns > 1 else ""
            parts.append(f"filters on the calls of {campaigns} campaign{plural}")
        if parts:
            self.notify(
                "Restored from the last run: "
                + "; ".join(parts)
                + ". c clears every filter and sort (or start with --reset-view).",
                title="Saved view",
                severity="warning",
                markup=False,
                timeout=12,
            )

    def reset_view(self) -> None:
        """Every table back to its default sort and no filter; the saved state forgotten."""
        screens = {*self.screen_stack, self._spare_campaign, self._spare_call}
        for screen in screens:
            if isinstance(screen, LiveScreen) and screen.is_mounted:
                for table in screen.tables():
                    table.reset_prefs()
                screen.refresh_bindings()
        self.ui_state.reset()
        self.notify(
            "View reset: every table's filter and sort are back to their defaults.",
            markup=False,
            timeout=4,
        )
