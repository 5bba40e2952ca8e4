"""Concurrency: in flight against the cap, the peak, recent history and the coming retry wave.

Each line is its own one-line widget, redrawn only when its text changes: Textual repaints a
widget's whole area when it refreshes, so a gauge drawn by one `render()` would resend all its
lines whenever the in-flight figure moved (about every poll), where this resends one or two
(PERFORMANCE 8.1: bytes scale with the repainted area). Every colour repeats what the words
say (AT CAP, OVER CAP), so NO_COLOR loses nothing (FAULTS R7).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from monitor.state.snapshot import ConcurrencyView, WaveBucket
from monitor.ui.format import short_time, span
from monitor.ui.widgets.repeat_static import RepeatStatic

BLOCKS = "▁▂▃▄▅▆▇█"
"""Eight levels per cell: the finest a character-cell sparkline can show."""


def spark(values: Sequence[int], width: int, top: int) -> str:
    """The last `width` values as block characters, scaled to `top`."""
    if width <= 0:
        return ""
    shown = values[-width:]
    top = max(1, top)
    return "".join(
        BLOCKS[min(len(BLOCKS) - 1, max(0, round(v / top * (len(BLOCKS) - 1))))] for v in shown
    )


def bar(filled: float, width: int) -> str:
    width = max(1, width)
    cells = max(0, min(width, round(filled * width)))
    return "█" * cells + "░" * (width - cells)


def fit(width: int, *choices: Text) -> Text:
    """The first of `choices` (longest wording first) that fits `width` cells: the words that
    matter ("AT CAP", a time) are never the part cut off on a narrow pane."""
    for text in choices:
        if text.cell_len <= width:
            return text
    return choices[-1]


def line(*parts: str | tuple[str, Style | str]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    for part in parts:
        if isinstance(part, tuple):
            text.append(part[0], style=part[1])
        else:
            text.append(part)
    return text


class LineStack(Vertical):
    """A fixed number of one-line widgets, each redrawn only when its text changes."""

    LINES: ClassVar[int] = 1

    DEFAULT_CSS = """
    LineStack { height: auto; }
    LineStack > Static { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: list[Text | None] = [None] * self.LINES
        self._redraw: Callable[[], None] | None = None
        """Draws the last data again (the lines are sized to the width: a resize redraws)."""
        self._drawn_from: tuple[object, ...] | None = None
        """What the lines were last built from (`same_as_drawn`)."""
        self.builds = 0
        """How many times the lines were built (tests count the ones skipped)."""

    def on_resize(self) -> None:
        self._drawn_from = None
        if self._redraw is not None:
            self._redraw()

    def same_as_drawn(self, *data: object) -> bool:
        """True when the lines were last built from equal `data` at this width and theme: a
        new snapshot whose concurrency part did not change (most of them: a poll's freshness
        moves the store every second) builds no line again (issue 21: the pane's lines were
        about a third of a snapshot's drawing)."""
        key = (data, self.cells, self.app.theme)
        if key == self._drawn_from:
            return True
        self._drawn_from = key
        self.builds += 1
        return False

    def compose(self) -> ComposeResult:
        for _ in range(self.LINES):
            yield RepeatStatic("")

    def set_lines(self, lines: Sequence[Text]) -> None:
        statics = list(self.query_children(Static).results(Static))
        for n, static in enumerate(statics):
            text = lines[n] if n < len(lines) else Text("", end="")
            old = self._shown[n]
            if old is not None and old.plain == text.plain and old.spans == text.spans:
                continue
            self._shown[n] = text
            static.update(text, layout=False)

    def style_of(self, name: str) -> Style:
        try:
            return self.get_component_rich_style(name, partial=True)
        except Exception:  # not mounted yet
            return Style()

    @property
    def cells(self) -> int:
        """The usable width in cells."""
        return self.size.width or 30


def cap_percent(in_flight: int, cap: int) -> int:
    """In flight as a percentage of the cap, rounded down below the cap: 998/1000 is 99, not
    100, which would read as at the cap beside a gauge that does not say AT CAP."""
    if cap <= 0:
        return 0
    if in_flight >= cap:
        return round(in_flight * 100 / cap)
    return math.floor(in_flight * 100 / cap)


class ConcurrencyGauge(LineStack):
    """In flight against the cap as a bar with numbers, and the peak."""

    LINES = 3

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "concurrency-gauge--bar",
        "concurrency-gauge--at-cap",
        "concurrency-gauge--peak",
    }
    """
    | Class | Description |
    | :- | :- |
    | `concurrency-gauge--bar` | The filled part of the bar. |
    | `concurrency-gauge--at-cap` | The bar and words when in flight reaches the cap. |
    | `concurrency-gauge--peak` | The peak figure. |
    """

    def show(self, view: ConcurrencyView) -> None:
        self._redraw = lambda: self.show(view)
        if self.same_as_drawn(view):
            return
        cap = view.cap
        if view.unknown is not None:
            # No list of calls in flight was ever read: no figure to show, and no zero.
            of = f" / {cap}" if cap is not None else ""
            peak_text = f"peak {view.peak}{of}" if view.history else f"peak –{of}"
            what = f"–/{cap} in flight" if cap is not None else "– in flight"
            self.set_lines([line(what), line(view.unknown), line(peak_text)])
            return
        at_cap = cap is not None and view.in_flight >= cap
        warn = self.style_of("concurrency-gauge--at-cap") if at_cap else Style()
        if cap is not None:
            flag = (" AT CAP" if at_cap else "", warn)
            head = fit(
                self.cells,
                line(f"{view.in_flight}/{cap} in flight", flag),
                line(f"{view.in_flight}/{cap}", flag),
            )
            ratio = view.in_flight / cap if cap else 0.0
            pct = f" {cap_percent(view.in_flight, cap)}%"
            style = warn if at_cap else self.style_of("concurrency-gauge--bar")
            body = line((bar(min(1.0, ratio), self.cells - len(pct)), style), pct)
            peak = (str(view.peak), self.style_of("concurrency-gauge--peak"))
            tail = fit(self.cells, line("peak in flight ", peak, f"/{cap}"), line("peak ", peak))
        else:
            head = line(f"{view.in_flight} in flight (cap unknown)")
            body = line("set concurrency_cap or plan for a gauge")
            tail = line("peak ", (str(view.peak), self.style_of("concurrency-gauge--peak")))
        self.set_lines([head, body, tail])


class HistorySpark(LineStack):
    """In flight over the last minutes, one cell per sample."""

    LINES = 2

    def show(self, view: ConcurrencyView, sample_s: float) -> None:
        self._redraw = lambda: self.show(view, sample_s)
        if self.same_as_drawn(view.history, view.cap, sample_s):
            return
        shown = view.history[-max(1, self.cells) :]
        top = max(view.cap or 0, max(shown, default=0), 1)
        last = f"last {span(len(shown) * sample_s)}"
        label = fit(self.cells, line(f"{last} (full = {top})"), line(last)) if shown else None
        chart = spark(shown, self.cells, top) if shown else "no samples yet"
        self.set_lines([label or line("history"), line(chart)])


class RetryWave(LineStack):
    """Retries falling due per minute, and whether they will push in-flight over the cap."""

    LINES = 3

    COMPONENT_CLASSES: ClassVar[set[str]] = {"retry-wave--over-cap"}
    """
    | Class | Description |
    | :- | :- |
    | `retry-wave--over-cap` | Minutes (and words) where retries would exceed the cap. |
    """

    def show(self, view: ConcurrencyView) -> None:
        self._redraw = lambda: self.show(view)
        if self.same_as_drawn(view):
            return
        wave: tuple[WaveBucket, ...] = view.wave
        over = self.style_of("retry-wave--over-cap")
        # "≥": outcomes were missed lately (too many endings to read), so retries are too.
        at_least = "≥" if view.wave_partial else ""
        if view.wave_unknown is not None:
            self.set_lines([line("retry wave: –"), line(view.wave_unknown)])
            return
        if not wave:
            none = "none seen" if view.wave_partial else "none due"
            self.set_lines([line(f"retry wave: {none}"), line("in the next hour")])
            return
        total = sum(b.calls for b in wave)
        flag = (" OVER CAP" if view.hits_cap else "", over)
        # The window is said: retries due within the next hour (`derive.retry_wave`).
        first = fit(
            self.cells,
            line(f"retry wave: {at_least}{total} due in 1h", flag),
            line(f"retries 1h: {at_least}{total}", flag),
            line(f"{at_least}{total} due", flag),
        )
        second = line()
        peak = view.wave_peak
        if peak is not None:
            cap = f"/{view.cap}" if view.cap is not None else ""
            projected = (f" → {peak.projected}{cap}", over if peak.over_cap else "")
            second = fit(
                self.cells,
                line(f"peak {short_time(peak.at)} +{peak.calls}", projected),
                line(f"{short_time(peak.at)} +{peak.calls}", projected),
                line(f"{short_time(peak.at)}", projected),
            )
        start = wave[0].at
        by_minute = {int((b.at - start).total_seconds() // 60): b for b in wave}
        top = max(b.calls for b in wave)
        chart = Text(no_wrap=True, end="")
        for minute in range(min(self.cells, 60)):
            bucket = by_minute.get(minute)
            if bucket is None:
                chart.append(" ")
                continue
            level = BLOCKS[min(7, max(0, round(bucket.calls / top * 7)))]
            chart.append(level, style=over if bucket.over_cap else "")
        self.set_lines([first, second, chart])
