"""`Pane`: a bordered, titled box that says how fresh its data is and how it is sorted.

The title is the pane's name exactly as INTERFACE.md spells it, followed by the filter in force
(k9s's `</text>`, here ` /text ` in reverse video). The subtitle carries the position ("3/100
↓92") and sort of the table inside, and "STALE since 10:31:40" when the data is old: stale data is
dimmed (`.stale`) and labelled, never blanked (FAULTS commitment 2). The subtitle changes
rarely on purpose: changing it repaints the whole pane.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from textual import on
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget

from monitor.display import to_display
from monitor.state.snapshot import PaneStatus
from monitor.ui.direct import DirectRefresh
from monitor.ui.format import clock_time
from monitor.ui.widgets.live_table import LiveTable


class Pane(DirectRefresh, Vertical):
    """A titled container for one part of a screen."""

    _bottom_only = False
    """True while the subtitle is being set: its refresh covers the bottom border only."""

    def __init__(self, *children: Widget, title: str, id: str | None = None) -> None:
        """Args:
        *children: what the pane holds.
        title: the border title (INTERFACE.md names).
        id: the widget id.
        """
        super().__init__(*children, id=id)
        self.border_title = Content(title)
        self.title = title
        self._prefs = ""
        self._filter = ""
        self._fresh = ""
        self._subtitle = ""

    def set_freshness(self, status: PaneStatus | None, *, since: datetime | None = None) -> None:
        """Mark the pane stale (dimmed, and in words) or fresh.

        Args:
            status: the pane's freshness from the view.
            since: wall time of the pane's last good data. The subtitle says "STALE since
                10:31:40" rather than a ticking age: a new subtitle repaints the whole pane,
                and the status line already ticks the ages.
        """
        fresh = ""
        stale = False
        if status is not None:
            if status.error and status.age_s is None:
                fresh = f"error: {to_display(status.error, 30)}"
                stale = True
            elif status.stale or status.error:
                fresh = f"STALE since {clock_time(since)}" if since else "STALE"
                stale = True
        if stale != self.has_class("stale"):
            self.set_class(stale, "stale")
        self._fresh = fresh
        self._update()

    def on_mount(self) -> None:
        # The tables tell the pane at once (their message comes after the frame they drew).
        for table in self.query(LiveTable).results():
            table.on_prefs = self.show_prefs

    @on(LiveTable.PrefsChanged)
    def _prefs_changed(self, event: LiveTable.PrefsChanged) -> None:
        event.stop()
        self.show_prefs(event.description, event.filter_text)

    def show_prefs(self, description: str, filter_text: str) -> None:
        """The position and sort of the table inside, and its filter."""
        self._prefs = description
        self._show_filter(filter_text)
        self._update()

    def set_position(self, words: str) -> None:
        """Position words for a pane that holds no table (the call's fields: "↓12 more")."""
        self._prefs = words
        self._update()

    def _show_filter(self, text: str) -> None:
        """A filter in force is in the title, in reverse video: rows hidden by a filter typed
        yesterday must not look like rows that do not exist (NO_COLOR keeps reverse)."""
        if text == self._filter:
            return
        self._filter = text
        if text:
            self.border_title = Content.assemble(
                self.title, " ", (f" /{to_display(text, 24)} ", "reverse")
            )
        else:
            self.border_title = Content(self.title)

    def _update(self) -> None:
        text = " · ".join(p for p in (self._fresh, self._prefs) if p)
        if text != self._subtitle:
            self._subtitle = text
            # Setting a border subtitle repaints the whole pane (Textual refreshes the widget);
            # only the bottom border line shows it ("row 12" moves with every key press).
            self._bottom_only = True
            try:
                self.border_subtitle = Content(text)
            finally:
                self._bottom_only = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if self._bottom_only and not (regions or layout or recompose) and self.is_mounted:
            width, height = self.outer_size
            if width and height:
                # Regions are relative to the content area; the border is outside it.
                offset = self.content_offset
                bottom = Region(-offset.x, height - 1 - offset.y, width, 1)
                return super().refresh(bottom, repaint=repaint)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
