"""`MonitorHost`: what screens and the command palette may ask of the app.

Screens reach the app through this protocol, never by importing `monitor.ui.app` (which
imports every screen): the six-file import circle between the app, the commands and the
screens is gone. Only the app talks to the feed; a screen says what the user looks at
(`select_call`, `focus_campaign`) or where to go (`open_call`, `open_campaign`).
"""

from __future__ import annotations

from typing import Protocol

from monitor.state.events import EventLine
from monitor.state.snapshot import MonitorSnapshot
from monitor.ui.state_file import UiState


class MonitorHost(Protocol):
    ui_state: UiState
    tick_enabled: bool
    """Per-second duration and countdown updates (off with --no-tick)."""

    def current(self) -> MonitorSnapshot:
        """The snapshot on screen (the feed's latest before the first one is drawn)."""
        ...

    def select_call(self, call_id: str | None) -> MonitorSnapshot:
        """The user looks at this call (an intent); the snapshot that carries its detail."""
        ...

    def focus_campaign(self, campaign_id: str | None) -> None: ...

    def open_call(self, call_id: str) -> None: ...

    def open_campaign(self, campaign_id: str) -> None: ...

    def show_latest(self) -> None: ...

    def hold_frames(self, kind: str, max_s: float) -> None: ...

    def release_frames(self, kind: str) -> None: ...

    def reset_view(self) -> None: ...

    def events(self) -> tuple[EventLine, ...]:
        """The events pane's lines, oldest first."""
        ...


__all__ = ["MonitorHost"]
