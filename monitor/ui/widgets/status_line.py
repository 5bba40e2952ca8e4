"""The truth about freshness: API state in words, next poll, request budget, each pane's age.

Split into one-line widgets that are updated only when their text changes, so the per-second
countdowns repaint a few cells each, not the whole line. Colour (CSS classes) always repeats
what the words already say (FAULTS R7), so NO_COLOR and 8-colour terminals lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from monitor.display import to_display
from monitor.state.snapshot import ApiHealth, PaneStatus
from monitor.ui.format import clock_time, span
from monitor.ui.widgets.repeat_static import RepeatStatic

PANE_WORDS = {
    "active": ("active", "act"),
    "campaigns": ("campaigns", "camp"),
    "retries": ("retries", "retry"),
    "concurrency": ("concurrency", "conc"),
}
"""Long and short names of the panes in the age line."""

STATE_CLASSES = ("state-ok", "state-warn", "state-error")

FIXED_WIDTH_PARTS = frozenset(
    {"status-next", "status-budget", *(f"status-age-{n}" for n in range(4))}
)
"""Parts updated about every second: fixed widths, so an update needs no layout pass."""

NEXT_WIDTH = 17
"""Cells kept for "  next poll 12s" (fixed, so its countdown needs no layout pass)."""

BUDGET_EVERY_S = 5.0
"""How often the request-budget figures are redrawn."""

WIDE = 110

AGE_PARTS = 4
"""Active calls, campaigns, retries, concurrency."""

"""From this width (of the status line) on, the long words; below, the short ones."""


def wall_time(mono_at: float | None, now: datetime, mono_now: float) -> datetime | None:
    """A monotonic instant as wall-clock time, relative to the app clock's current reading."""
    if mono_at is None:
        return None
    return now - timedelta(seconds=mono_now - mono_at)


def api_words(
    health: ApiHealth, now: datetime, mono_now: float, fallbacks: str = ""
) -> tuple[str, str]:
    """The API's state in words, and its severity class."""
    state = health.state
    since = clock_time(wall_time(health.since, now, mono_now)) if health.since else None
    if state == "ok":
        words, level = "API ok", "state-ok"
    elif state == "unknown":
        # A monitor via a silent relay: the API's state is not known (the reason follows).
        words, level = "API ?", "state-warn"
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
        # Set by one thing only: a response that could not be read (BadPayload, FAULTS P1-P3).
        words = f"BAD DATA FROM API since {since}" if since else "BAD DATA FROM API"
        level = "state-warn"
    else:
        words, level = f"API {to_display(state, 20)}", "state-warn"
    if fallbacks:
        words += f" · {to_display(fallbacks, 80)}"
    return words, level


def budget_words(health: ApiHealth, *, short: bool = False, room: int | None = None) -> str:
    """Our request budget and what the API says is left (X-RateLimit-Remaining), in words.

    With `room`, the longest wording that fits in that many cells: "requests 34/60 per min ·
    API allows 112 more" at 80 columns, down to "34/60 req/min" at 60 (htop and btop also
    shorten labels before they cut them). `short` picks the shortest-but-one (tests).
    """
    used = f"{health.used_last_minute}/{health.budget_per_min}"
    if health.state == "unknown":
        # Not known now (a silent relay): the last figures, said as such, never as current.
        unknown = [f"requests ? per min (last known {used})", f"? req/min (last {used})"]
        unknown.append("? req/min")
        if room is None:
            return unknown[1] if short else unknown[0]
        return next((t for t in unknown if len(t) <= room), unknown[-1])
    left = health.remaining
    limit = f" of {health.limit}" if health.limit is not None else ""
    # The window's reset only matters when the remaining requests run low; shown always, its
    # countdown would redraw the line every second.
    low = left is not None and health.limit and left < health.limit / 4
    reset = ""
    if health.reset_after_s is not None and (low or left == 0):
        reset = f" · reset {span(health.reset_after_s)}"
    known = left is not None
    choices = [
        f"requests {used} per min" + (f" · API allows {left}{limit} more" if known else ""),
        f"requests {used}/min" + (f" · API: {left} left" if known else ""),
        f"{used} req/min" + (f" · API {left} left" if known else ""),
        f"{used} req/min",
    ]
    if room is None:
        return (choices[2] if short else choices[0]) + reset
    for text in choices:
        if len(text) + len(reset) <= room:
            return text + reset
    return choices[-1] + reset


def next_poll_words(seconds: float | None) -> str:
    if seconds is None:
        return "next poll –"
    if seconds <= 0.5:
        return "polling…"
    return f"next poll {span(seconds)}"


def coarse_age(seconds: float) -> str:
    """An age that changes every few seconds, not every second: "<5s", "<10s", "<30s", "<1m",
    then minutes ("3m"). Fresh data is fresh whether it is 2 or 4 seconds old; a figure that
    ticked every second would redraw the line every second for nothing."""
    for limit in (5, 10, 20, 30, 60):
        if seconds < limit:
            return f"<{limit}s" if limit < 60 else "<1m"
    return f"{int(seconds // 60)}m" if seconds < 3600 else span(seconds)


def aged(panes: Sequence[PaneStatus], by_s: float) -> tuple[PaneStatus, ...]:
    """`panes` as they stand `by_s` seconds later with no new data shown (a paused view): the
    same data, that much older. Whether it counts as STALE is the engine's call (each pane's
    promise), not made again here: the age itself says it."""
    if by_s <= 0:
        return tuple(panes)
    return tuple(p if p.age_s is None else replace(p, age_s=p.age_s + by_s) for p in panes)


def pane_age_parts(panes: Sequence[PaneStatus], width: int) -> list[str]:
    """Each pane's age in words ("act <5s", "camp STALE 3m"), short on narrow terminals."""
    short = width < WIDE
    parts = []
    for p in panes:
        long_name, short_name = PANE_WORDS.get(p.pane, (p.pane, p.pane))
        name = short_name if short else long_name
        if p.age_s is None:
            value = "error" if p.error else "no data yet"
        elif p.stale or p.error:
            value = f"STALE {coarse_age(p.age_s)}"
        else:
            value = coarse_age(p.age_s)
        parts.append(f"{name} {value}")
    return parts


def pane_age_words(panes: Sequence[PaneStatus], width: int) -> str:
    """The whole age line, as the status line shows it."""
    prefix = "age " if width < WIDE else "data age: "
    return prefix + " · ".join(pane_age_parts(panes, width))


class StatusLine(Widget):
    """Two lines at the bottom of every live screen."""

    DEFAULT_CSS = """
    StatusLine { height: 2; }
    StatusLine > Horizontal { height: 1; }
    StatusLine Static { width: auto; height: 1; }
    StatusLine #status-next { width: 17; }  /* NEXT_WIDTH */
    StatusLine #status-budget { width: 1fr; }

    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._texts: dict[str, str] = {}
        self._level = ""
        self._budget_at = -1e9
        self._age_widths = [0] * AGE_PARTS
        self._budget_state = ""
        self._last: dict[str, Any] | None = None
        """The last `show` arguments (a resize draws them again in the new width)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-top"):
            yield Static("", id="status-api", markup=False)
            yield Static("", id="status-paused", markup=False)
            yield RepeatStatic("", id="status-next")
            yield RepeatStatic("", id="status-budget")
        # One widget per pane's age: a change redraws from that part on, not the whole line.
        with Horizontal(id="status-bottom"):
            yield Static("", id="status-ages", markup=False)
            for n in range(AGE_PARTS):
                yield RepeatStatic("", id=f"status-age-{n}")

    def show(
        self,
        *,
        health: ApiHealth,
        panes: Sequence[PaneStatus],
        next_poll_s: float | None,
        paused_at: datetime | None,
        now: datetime,
        mono_now: float,
        fallbacks: str = "",
        slow_link_s: int | None = None,
    ) -> None:
        self._last = {
            "slow_link_s": slow_link_s,
            "health": health,
            "panes": panes,
            "next_poll_s": next_poll_s,
            "paused_at": paused_at,
            "now": now,
            "mono_now": mono_now,
            "fallbacks": fallbacks,
        }
        width = self.size.width or 80
        words, level = api_words(health, now, mono_now, fallbacks)
        self._set("status-api", words)
        if level != self._level:
            api = self.query_one("#status-api", Static)
            api.remove_class(*STATE_CLASSES)
            api.add_class(level)
            self._level = level
        paused = ""
        if paused_at is not None:
            paused = f"  PAUSED at {clock_time(paused_at)}, p resumes"
            if len(words) + len(paused) + 2 > width:
                paused = "  PAUSED, p resumes"
        elif slow_link_s is not None:
            # Output waited for the terminal's link: frames every few seconds (issue 21).
            paused = f"  slow link: every {slow_link_s}s"
        self._set("status-paused", paused)
        # While paused nothing is drawn, so the next poll is no news: its room goes to the
        # words around it (the pause must not be cut off at 80 columns); so it does when the
        # API's state takes the line ("API ? · RELAY SILENT since ..." left "next p" at 80).
        # "next poll –" (none due: a monitor via relay never polls) says nothing either.
        show_next = (
            paused_at is None
            and next_poll_s is not None
            and len(words) + len(paused) + NEXT_WIDTH <= width - 2
        )
        next_part = self.query_one("#status-next", Static)
        if next_part.display != show_next:
            next_part.display = show_next
        if show_next:
            self._set("status-next", f"  {next_poll_words(next_poll_s)}")
        else:
            self._set("status-next", "")
        # The budget moves with every request: redrawn every few seconds, not every second.
        budget_state = f"{health.state}/{show_next}/{len(words)}"
        if mono_now - self._budget_at >= BUDGET_EVERY_S or budget_state != self._budget_state:
            self._budget_at = mono_now
            self._budget_state = budget_state
            used = len(words) + len(paused) + (NEXT_WIDTH if show_next else 0)
            room = width - 2 - used - 2
            self._set("status-budget", "  " + budget_words(health, room=room))
        wide = width >= WIDE
        self._set("status-ages", "data age:" if wide else "age")
        parts = pane_age_parts(panes, width)[:AGE_PARTS]
        for n in range(AGE_PARTS):
            words = parts[n] if n < len(parts) else ""
            text = (" " if n == 0 else " · ") + words if words else ""
            # Each part only ever widens ("<5s" -> "STALE 3m"): a layout pass then, and none
            # for the every-few-seconds changes within its width.
            if len(text) > self._age_widths[n]:
                self._age_widths[n] = len(text)
                self.query_one(f"#status-age-{n}", Static).styles.width = len(text)
            self._set(f"status-age-{n}", text)

    def text(self, widget_id: str) -> str:
        """What a part currently says (for tests); "status-ages" is the whole age line."""
        if widget_id == "status-ages":
            return "".join(
                self._texts.get(k, "")
                for k in ("status-ages", *(f"status-age-{n}" for n in range(AGE_PARTS)))
            )
        return self._texts.get(widget_id, "")

    def on_resize(self) -> None:
        # Short words replace long ones (or back): the parts are drawn again, sized anew.
        self._age_widths = [0] * AGE_PARTS
        self._budget_at = -1e9
        if self._last is not None:
            self.show(**self._last)

    def _set(self, widget_id: str, text: str) -> None:
        old = self._texts.get(widget_id)
        if old == text:
            return
        self._texts[widget_id] = text
        # The parts that change every second have fixed widths (see DEFAULT_CSS), so they
        # never need a layout pass; the others only when their width changes.
        fixed = widget_id in FIXED_WIDTH_PARTS
        same_width = old is not None and len(old) == len(text)
        self.query_one(f"#{widget_id}", Static).update(
            Content(text), layout=not (fixed or same_width)
        )


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
        last = f" Showing data from {clock_time(last_data)}." if last_data else " No data yet."
        # What matters first (the banner is at most 3 lines: at 60 columns the end is cut,
        # and "Showing data from" was): what is wrong, how old the data is, then the rest.
        if health.state == "key_refused":
            text = (
                f"API KEY REFUSED: the API rejects this key (401/403).{last} Nothing new will "
                "arrive until it is fixed: check DIALNEXA_API_KEY or the key file, then restart."
            )
        elif health.state == "unreachable":
            when = f" since {since}" if since else ""
            detail = f" ({to_display(health.message, 60)})" if health.message else ""
            text = (
                f"API UNREACHABLE{when}{detail}.{last} The panes keep it, marked STALE; "
                "retrying by itself."
            )
        if text == self.text:
            return
        self.text = text
        self.set_class(bool(text), "-shown")
        self.set_class(health.state == "key_refused", "-refused")
        self.update(Content(text))
