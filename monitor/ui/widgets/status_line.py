"""The truth about freshness: API state in words, next poll, request budget, each pane's age.

Split into one-line widgets that are updated only when their text changes, so the per-second
countdowns repaint a few cells each, not the whole line. Colour (CSS classes) always repeats
what the words already say (FAULTS R7), so NO_COLOR and 8-colour terminals lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from monitor.display import to_display
from monitor.state.store import ApiHealth
from monitor.state.views import PaneStatus
from monitor.ui.format import clock_time, span

PANE_WORDS = {
    "active": ("active", "act"),
    "campaigns": ("campaigns", "camp"),
    "retries": ("retries", "retry"),
    "concurrency": ("concurrency", "conc"),
}
"""Long and short names of the panes in the age line."""

STATE_CLASSES = ("state-ok", "state-warn", "state-error")


def wall_time(mono_at: float | None, now: datetime, mono_now: float) -> datetime | None:
    """A monotonic instant as wall-clock time, relative to the app clock's current reading."""
    if mono_at is None:
        return None
    return now - timedelta(seconds=mono_now - mono_at)


def api_words(health: ApiHealth, now: datetime, mono_now: float) -> tuple[str, str]:
    """The API's state in words, and its severity class."""
    state = health.state
    since = clock_time(wall_time(health.since, now, mono_now)) if health.since else None
    if state == "ok":
        words, level = "API ok", "state-ok"
    elif state == "rate_limited":
        until = wall_time(health.until, now, mono_now)
        words = f"RATE LIMITED until {clock_time(until)}" if until else "RATE LIMITED"
        level = "state-warn"
    elif state == "unreachable":
        words = f"API UNREACHABLE since {since}" if since else "API UNREACHABLE"
        level = "state-error"
    elif state == "key_refused":
        words, level = "KEY REFUSED", "state-error"
    elif state == "server_error":
        words = f"API SERVER ERROR since {since}" if since else "API SERVER ERROR"
        level = "state-error"
    elif state == "degraded":
        words, level = "API DEGRADED", "state-warn"
    else:
        words, level = f"API {to_display(state, 20)}", "state-warn"
    if health.routes:
        words += f" · {to_display(health.routes, 60)}"
    return words, level


def budget_words(health: ApiHealth, *, short: bool) -> str:
    parts = [f"req {health.used_last_minute}/{health.budget_per_min}" + ("" if short else "/min")]
    if health.remaining is not None:
        limit = f"/{health.limit}" if health.limit is not None and not short else ""
        parts.append(f"{'rem' if short else 'remaining'} {health.remaining}{limit}")
    if health.reset_after_s is not None:
        parts.append(f"reset {span(health.reset_after_s)}")
    return " ".join(parts) if short else " · ".join(parts)


def next_poll_words(seconds: float | None) -> str:
    if seconds is None:
        return "next poll –"
    if seconds <= 0.5:
        return "polling…"
    return f"next poll {span(seconds)}"


def pane_age_words(panes: Sequence[PaneStatus], width: int) -> str:
    def render(short: bool) -> str:
        parts = []
        for p in panes:
            long_name, short_name = PANE_WORDS.get(p.pane, (p.pane, p.pane))
            name = short_name if short else long_name
            if p.age_s is None:
                value = "error" if p.error else "no data yet"
            else:
                value = span(p.age_s)
                if p.stale or p.error:
                    value = f"STALE {value}"
            parts.append(f"{name} {value}")
        return ("age " if short else "data age: ") + " · ".join(parts)

    text = render(short=False)
    return text if len(text) <= width else render(short=True)


class StatusLine(Widget):
    """Two lines at the bottom of every live screen."""

    DEFAULT_CSS = """
    StatusLine { height: 2; }
    StatusLine > Horizontal { height: 1; }
    StatusLine Static { width: auto; height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._texts: dict[str, str] = {}
        self._level = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-top"):
            yield Static("", id="status-api", markup=False)
            yield Static("", id="status-paused", markup=False)
            yield Static("", id="status-next", markup=False)
            yield Static("", id="status-budget", markup=False)
        yield Static("", id="status-ages", markup=False)

    def show(
        self,
        *,
        health: ApiHealth,
        panes: Sequence[PaneStatus],
        next_poll_s: float | None,
        paused_at: datetime | None,
        now: datetime,
        mono_now: float,
    ) -> None:
        width = self.size.width or 80
        words, level = api_words(health, now, mono_now)
        self._set("status-api", words)
        if level != self._level:
            api = self.query_one("#status-api", Static)
            api.remove_class(*STATE_CLASSES)
            api.add_class(level)
            self._level = level
        self._set(
            "status-paused",
            f"  PAUSED at {clock_time(paused_at)} (p resumes)" if paused_at else "",
        )
        if paused_at is None:
            self._set("status-next", f"  {next_poll_words(next_poll_s)}")
        else:
            self._set("status-next", "")
        room = width - len(words) - len(self._texts.get("status-next", "")) - 4
        full = budget_words(health, short=False)
        self._set(
            "status-budget",
            "  " + (full if len(full) <= room else budget_words(health, short=True)),
        )
        self._set("status-ages", pane_age_words(panes, width))

    def text(self, widget_id: str) -> str:
        """What a part currently says (for tests and the help screen)."""
        return self._texts.get(widget_id, "")

    def _set(self, widget_id: str, text: str) -> None:
        if self._texts.get(widget_id) == text:
            return
        self._texts[widget_id] = text
        self.query_one(f"#{widget_id}", Static).update(Content(text))


class ApiBanner(Static):
    """A banner that cannot be missed: the key is refused, or the API is out of reach."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.text = ""
        """What the banner says; empty hides it."""

    def show(
        self, health: ApiHealth, *, last_data: datetime | None, now: datetime, mono_now: float
    ) -> None:
        text = ""
        since = clock_time(wall_time(health.since, now, mono_now)) if health.since else None
        last = f" Showing data from {clock_time(last_data)}." if last_data else ""
        if health.state == "key_refused":
            text = (
                "API KEY REFUSED: the API rejects this key (401/403); nothing new will arrive "
                f"until it is fixed.{last} Check DIALNEXA_API_KEY or the key file, then restart."
            )
        elif health.state == "unreachable":
            when = f" since {since}" if since else ""
            detail = f" ({to_display(health.message, 60)})" if health.message else ""
            text = (
                f"API UNREACHABLE{when}{detail}: retrying by itself; the panes keep their "
                f"last data, marked STALE.{last}"
            )
        if text == self.text:
            return
        self.text = text
        self.set_class(bool(text), "-shown")
        self.set_class(health.state == "key_refused", "-refused")
        self.update(Content(text))
