"""The events pane (issue 17): alerts firing and clearing, the API going into trouble and
coming back, count corrections, one line each with its time, newest on top.

A screen of its own (`e` opens it from any screen, `e` or Esc goes back) rather than a fifth
pane: at 80x24 the dashboard's four panes already share 19 rows. It is a live screen like the
others: the status line and the banner stay, and its list follows the feed every second (a
replay lists what was marked up to the instant it shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from monitor.state.events import EventLine
from monitor.ui.screens.base import Frame, LiveScreen
from monitor.ui.widgets.pane import Pane

STYLES = {"error": "bold red", "warning": "yellow", "information": ""}
NOT_HERE = frozenset({"filter", "cycle_sort", "reverse_sort", "next_pane"})
"""Table keys with no table here: not offered in the footer."""
EMPTY = (
    "No events yet. Alerts firing and clearing ([[alerts]] in the config file), the API "
    "becoming unreachable, refused or in error and coming back, and counts corrected by a "
    "reconciliation are listed here, newest first."
)


def events_text(lines: Sequence[EventLine]) -> Text | Table:
    """Newest first: `HH:MM:SS  words` (UTC, the API's clock), coloured by severity; a long
    line wraps under its words, not under the time."""
    if not lines:
        return Text(EMPTY, style="dim")
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1)
    for line in reversed(lines):
        grid.add_row(line.at.strftime("%H:%M:%S"), Text(line.words, STYLES.get(line.severity, "")))
    return grid


class EventsScreen(LiveScreen):
    """The events so far, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll('down')", show=False),
        Binding("k", "scroll('up')", show=False),
    ]
    AUTO_FOCUS: ClassVar[str | None] = "#events-scroll"

    def __init__(self) -> None:
        super().__init__(id="events")
        self._shown: tuple[int, EventLine | None] | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Pane(
            VerticalScroll(Static("", id="events-text", markup=False), id="events-scroll"),
            title="Events (UTC)",
            id="pane-events",
        )

    def crumbs(self) -> list[str]:
        return ["Dashboard", "Events"]

    def tick(self, frame: Frame) -> None:
        super().tick(frame)
        lines = self.monitor.events()
        key = (len(lines), lines[-1] if lines else None)
        if key != self._shown:  # redrawn only when a line came or went (a replay's seek)
            self._shown = key
            self.query_one("#events-text", Static).update(events_text(lines))
            count = len(lines)
            self.query_one("#pane-events", Pane).set_position(
                f"{count} event{'s' if count != 1 else ''}"
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NOT_HERE:
            return False
        return super().check_action(action, parameters)

    def action_scroll(self, way: str) -> None:
        body = self.query_one("#events-scroll", VerticalScroll)
        if way == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)


__all__ = ["EventsScreen", "events_text"]
