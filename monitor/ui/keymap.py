"""Which key does what: the app's keys (everywhere).

The list is the bindings `MonitorApp` declares (its `BINDINGS`); the help
screen (`?`) shows them with each one's tooltip, the footer those with `show`. Kept apart from
the app so each key and its words are found in one place. A table's own keys
are `LiveTable.BINDINGS` (`monitor.ui.widgets.table_window`), a level's own on its screen.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_KEYS: tuple[BindingType, ...] = (
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit (exit status 0)"),
    Binding("question_mark", "help", "Help", id="help", tooltip="Every key and mark"),
    Binding(
        "p",
        "toggle_pause",
        "Pause",
        id="toggle_pause",
        tooltip="Freeze the view (data keeps being fetched)",
    ),
    Binding("r", "refresh_now", "Refresh", id="refresh_now", tooltip="Poll now"),
    Binding(
        "e",
        "events",
        "Events",
        id="events",
        show=False,
        tooltip="Events: alerts fired and cleared, the API down and back, count "
        "corrections (e again or esc goes back)",
    ),
    # Textual's own ctrl+c only says how to quit; in a terminal Ctrl+C means stop (FAULTS R6).
    Binding("ctrl+c", "interrupt", show=False, id="interrupt"),
    Binding(
        "ctrl+s",
        "export_csv",
        "CSV",
        id="export_csv",
        tooltip="Export the table on screen to CSV",
    ),
    Binding(
        "ctrl+p",
        "command_palette",
        "Jump",
        id="command_palette",
        show=False,
        tooltip="Command palette: jump to a campaign or call by id",
        priority=True,
    ),
)
"""Everywhere (`MonitorApp.BINDINGS`)."""

__all__ = ["APP_KEYS"]
