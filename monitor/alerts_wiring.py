"""Alerts wired to the world (issue 17): each event marked in the recording, one JSON line on
stdout for `record --alerts jsonl`, and, in the UI, a toast and the terminal's bell (BEL
passes through SSH and tmux; `bell = false` in the config file turns it off)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

from monitor.alerts import AlertEvent, Alerts
from monitor.state.snapshot import MonitorSnapshot


class AlertWiring:
    """Watches each recorded snapshot; says each event to every outlet."""

    def __init__(
        self,
        alerts: Alerts,
        *,
        recorder: Any = None,
        jsonl: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.alerts = alerts
        self.recorder = recorder
        self.jsonl = jsonl
        self.clock = clock
        self.listeners: list[Callable[[AlertEvent], None]] = []
        self.events: list[AlertEvent] = []

    def __call__(self, snap: MonitorSnapshot) -> None:
        for event in self.alerts.observe(snap, self.clock()):
            self.events.append(event)
            if self.recorder is not None:
                self.recorder.mark(snap, f"alert-{event.state}", event.json_line())
            if self.jsonl is not None:
                print(event.json_line(), file=self.jsonl, flush=True)
            for listener in list(self.listeners):
                listener(event)


def alerts_for(settings: Any, recorder: Any, jsonl: IO[str] | None) -> AlertWiring | None:
    """The wiring of `[[alerts]]`, or None when there are no rules."""
    rules = tuple(settings.alerts)
    if not rules:
        return None
    wiring = AlertWiring(Alerts(rules), recorder=recorder, jsonl=jsonl)
    if jsonl is not None and settings.bell and sys.stderr.isatty():
        # Headless in a terminal (a tmux pane): the bell on stderr, stdout stays JSON.
        wiring.listeners.append(lambda e: _bell_stderr() if e.state == "fired" else None)
    return wiring


def _bell_stderr() -> None:
    sys.stderr.write("\a")
    sys.stderr.flush()


def attach_to_app(feed: Any, app: Any, *, bell: bool) -> None:
    """In the UI: a toast per event and, on firing, the bell (the app's `bell()` writes BEL
    to the terminal)."""
    wiring = getattr(feed, "on_snapshot", None)
    if not isinstance(wiring, AlertWiring):
        return

    def tell(event: AlertEvent) -> None:
        fired = event.state == "fired"
        if fired and bell:
            app.bell()
        app.notify(
            event.words(), severity="error" if fired else "information", markup=False, timeout=10
        )

    wiring.listeners.append(tell)


__all__ = ["AlertWiring", "alerts_for", "attach_to_app"]
