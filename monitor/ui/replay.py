"""`ReplayApp`: the live monitor's screens over a recording (issue 17).

The same app, screens and drill-down; only the clock is the recording's. The status line
says REPLAY, the recorded time and the speed; `p` pauses the replay (not only the view),
`+`/`-` change the speed (1x-60x), `[`/`]` seek one minute back/forward and `{`/`}` ten,
`g` goes to a time typed in.
The app knows the replay only through `ReplayControls` (any feed that has them).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

from monitor.feeds.replay import parse_when
from monitor.state.snapshot import MonitorSnapshot
from monitor.ui.app import MonitorApp
from monitor.ui.screens.base import Frame, LiveScreen
from monitor.ui.widgets.live_table import LiveTable


class ReplayControls(Protocol):
    paused: bool
    speed: float

    @property
    def recorded_at(self) -> float: ...

    @property
    def at_end(self) -> bool: ...

    def seek(self, delta_s: float) -> None: ...

    def go_to(self, at: float) -> None: ...

    def toggle_pause(self) -> bool: ...

    def faster(self, step: int = 1) -> float: ...


def replay_words(controls: ReplayControls) -> str:
    """REPLAY, the recorded time (UTC) and the speed, or why it stands still."""
    at = datetime.fromtimestamp(controls.recorded_at, UTC).strftime("%H:%M:%S")
    state = "paused" if controls.paused else ("end" if controls.at_end else f"{controls.speed:g}x")
    return f"REPLAY {at} {state}"


class GoToTime(ModalScreen[str | None]):
    """One line: the time to go to; Enter goes, Esc does not."""

    DEFAULT_CSS = """
    GoToTime { align: center middle; }
    GoToTime > Input { width: 60; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def compose(self) -> ComposeResult:
        yield Input(placeholder="go to: 10:02 (UTC), 2026-12-03T10:02:00Z or -10m", id="go-to")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReplayApp(MonitorApp):
    """The monitor playing a recording."""

    TITLE = "DialNexa Monitor (replay)"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(b for b in MonitorApp.BINDINGS if not (isinstance(b, Binding) and b.key == "p")),
        Binding(
            "p", "toggle_pause", "Pause", id="toggle_pause", tooltip="Pause or play the replay"
        ),
        Binding("left_square_bracket", "seek(-60)", "-1m", key_display="[", tooltip="1 min back"),
        Binding("right_square_bracket", "seek(60)", "+1m", key_display="]", tooltip="1 min on"),
        Binding("left_curly_bracket", "seek(-600)", "-10m", key_display="{", tooltip="10 min back"),
        Binding("right_curly_bracket", "seek(600)", "+10m", key_display="}", tooltip="10 min on"),
        Binding("g", "go_to", "Go to", tooltip="Go to a time (10:02 UTC, ISO 8601, -10m)"),
        Binding("plus", "speed(1)", "Faster", key_display="+", tooltip="Replay faster (to 60x)"),
        Binding("minus", "speed(-1)", "Slower", key_display="-", tooltip="Replay slower (to 1x)"),
    ]

    def __init__(self, feed: Any, **kwargs: Any) -> None:
        super().__init__(feed, **kwargs)
        self.controls: ReplayControls = feed

    def frame(self, snap: MonitorSnapshot) -> Frame:
        base = super().frame(snap)
        words = replay_words(self.controls)
        return replace(base, fallbacks=f"{words} · {base.fallbacks}" if base.fallbacks else words)

    def action_toggle_pause(self) -> None:
        paused = self.controls.toggle_pause()
        self.tick_now()
        self.notify(
            "Replay paused. p plays on." if paused else "Replay playing.", markup=False, timeout=2
        )

    def action_seek(self, delta_s: float) -> None:
        self.controls.seek(float(delta_s))
        self.jumped()

    def jumped(self) -> None:
        """After a seek the tables show other data, not what happened next: a call of the
        instant left behind is no "ended" row (a backward seek would show calls that only
        start later as ended), and nothing flashes as new."""
        for screen in self.screen_stack:
            for table in screen.query(LiveTable).results():
                table.clear_rows()
            if isinstance(screen, LiveScreen):
                screen.forget_drawn()
        self.render_now()

    def action_speed(self, step: int) -> None:
        speed = self.controls.faster(int(step))
        self.tick_now()
        self.notify(f"Replay at {speed:g}x.", markup=False, timeout=2)

    def action_go_to(self) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                self.controls.go_to(parse_when(text, day=self.controls.recorded_at))
            except ValueError as exc:
                self.notify(str(exc), severity="warning", markup=False, timeout=6)
                return
            self.jumped()

        self.push_screen(GoToTime(), chosen)

    def action_refresh_now(self) -> None:
        self.notify("A replay has nothing to refresh.", markup=False, timeout=2)


__all__ = ["ReplayApp", "ReplayControls", "replay_words"]
