"""Which key does what: the app's keys (everywhere) and every live screen's.

The lists are the bindings `MonitorApp` and `LiveScreen` declare (their `BINDINGS`); the help
screen (`?`) shows them with each one's tooltip, the footer those with `show`. Kept apart from
the app and the screens so each key and its words are found in one place. A table's own keys
are `LiveTable.BINDINGS` (`monitor.ui.widgets.table_window`), a level's own on its screen.
"""

from __future__ import annotations

import sys

from textual.binding import Binding, BindingType

SUSPEND_KEYS: tuple[BindingType, ...] = (
    ()
    if sys.platform == "win32"
    else (
        # Ctrl+Z stops the monitor back to the shell as htop and less do (the terminal is raw,
        # so the byte is a key, not the kernel's SIGTSTP). Textual's action leaves the
        # alternate screen and stops; `fg` (SIGCONT) resumes and redraws. It does nothing
        # where the driver cannot suspend (a headless or web driver); Windows has no job
        # control, so no key is offered there. Not in the footer: a rare key, in the help.
        Binding(
            "ctrl+z",
            "suspend_process",
            "Suspend",
            id="suspend_process",
            show=False,
            tooltip="Suspend to the shell (fg resumes)",
        ),
    )
)
"""Ctrl+Z, where a process can be stopped to its shell."""

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
    *SUSPEND_KEYS,
)
"""Everywhere (`MonitorApp.BINDINGS`)."""

SCREEN_KEYS: tuple[BindingType, ...] = (
    Binding(
        "tab",
        "next_pane",
        "Pane",
        id="next_pane",
        tooltip="Next pane (shift+tab: previous); the focused pane has a heavy border",
    ),
    Binding(
        "escape",
        "go_back",
        "Back",
        id="go_back",
        tooltip="Cancel the filter being typed; else clear the table's filter; else go back",
    ),
    Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the focused table"),
    Binding(
        "s",
        "cycle_sort",
        "Sort",
        id="cycle_sort",
        tooltip="Sort the focused table by the next column (the cursor goes to the top)",
    ),
    Binding(
        "S",
        "reverse_sort",
        "Reverse",
        id="reverse_sort",
        show=False,
        tooltip="Reverse the focused table's sort (shift+s)",
    ),
    Binding(
        "c",
        "reset_view",
        "Reset view",
        id="reset_view",
        show=False,
        tooltip="Clear every table's filter and sort, and the saved ones (--reset-view)",
    ),
)
"""On every live screen (`LiveScreen.BINDINGS`)."""

__all__ = ["APP_KEYS", "SCREEN_KEYS", "SUSPEND_KEYS"]
