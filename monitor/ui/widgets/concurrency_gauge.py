"""Concurrency: in flight against the cap, the peak, recent history and the coming retry wave.

Three small widgets rather than one, so a new history sample repaints the sparkline's line and
not the gauge (bytes to the terminal scale with the repainted area, PERFORMANCE 8.1). Each says
in words what its colour says (AT CAP, OVER CAP), so NO_COLOR loses nothing (FAULTS R7).
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from monitor.state.derive import WaveBucket
from monitor.state.views import ConcurrencyView
from monitor.ui.format import short_time, span

BLOCKS = "▁▂▃▄▅▆▇█"
"""Eight levels per cell: the finest a character-cell sparkline can show."""


def spark(values: tuple[int, ...], width: int, top: int) -> str:
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


class ConcurrencyGauge(Widget):
    """In flight against the cap as a bar with numbers, and the peak."""

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

    DEFAULT_CSS = "ConcurrencyGauge { height: 3; }"

    in_flight: reactive[int] = reactive(0)
    """Calls holding a slot now (dialing or in progress)."""
    cap: reactive[int | None] = reactive(None)
    """The workspace cap; None when not configured."""
    peak: reactive[int] = reactive(0)
    """The most in flight seen this session."""

    def show(self, view: ConcurrencyView) -> None:
        self.in_flight = view.in_flight
        self.cap = view.cap
        self.peak = view.peak

    def render(self) -> RenderableType:
        width = self.size.width or 30
        at_cap = self.cap is not None and self.in_flight >= self.cap
        warn = self.get_component_rich_style("concurrency-gauge--at-cap") if at_cap else ""
        head = Text(no_wrap=True, end="")
        if self.cap is not None:
            head.append(f"{self.in_flight}/{self.cap} in flight")
            if at_cap:
                head.append(" AT CAP", style=warn)
        else:
            head.append(f"{self.in_flight} in flight (cap unknown)")
        body = Text(no_wrap=True, end="")
        if self.cap is not None:
            ratio = self.in_flight / self.cap if self.cap else 0.0
            pct = f" {round(ratio * 100)}%"
            style = warn or self.get_component_rich_style("concurrency-gauge--bar")
            body.append(bar(min(1.0, ratio), width - len(pct)), style=style)
            body.append(pct)
        else:
            body.append("set concurrency_cap or plan to see the gauge")
        tail = Text(no_wrap=True, end="")
        tail.append("peak ")
        tail.append(str(self.peak), style=self.get_component_rich_style("concurrency-gauge--peak"))
        if self.cap is not None:
            tail.append(f" / {self.cap}")
        return Text("\n", no_wrap=True, overflow="ellipsis", end="").join([head, body, tail])


class HistorySpark(Widget):
    """In flight over the last minutes, one cell per sample."""

    DEFAULT_CSS = "HistorySpark { height: 2; }"

    history: reactive[tuple[int, ...]] = reactive(())
    """In-flight samples, oldest first."""
    top: reactive[int] = reactive(1)
    """The value drawn as a full block (the cap, or the highest sample)."""
    span_s: reactive[float | None] = reactive(None)
    """Seconds covered by the samples on screen, when known."""

    def show(self, view: ConcurrencyView, sample_s: float) -> None:
        width = max(1, self.size.width or 30)
        shown = view.history[-width:]
        self.top = max(view.cap or 0, max(shown, default=0), 1)
        self.history = shown
        self.span_s = len(shown) * sample_s if shown else None

    def render(self) -> RenderableType:
        width = self.size.width or 30
        label = "history"
        if self.span_s:
            label = f"last {span(self.span_s)} (full = {self.top})"
        line = spark(self.history, width, self.top) if self.history else "no samples yet"
        return Text(f"{label}\n{line}", no_wrap=True, end="")


class RetryWave(Widget):
    """Retries falling due per minute, and whether they will push in-flight over the cap."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"retry-wave--over-cap"}
    """
    | Class | Description |
    | :- | :- |
    | `retry-wave--over-cap` | Minutes (and words) where retries would exceed the cap. |
    """

    DEFAULT_CSS = "RetryWave { height: 3; }"

    wave: reactive[tuple[WaveBucket, ...]] = reactive(())
    """Minutes with retries due, soonest first."""
    peak_bucket: reactive[WaveBucket | None] = reactive(None)
    cap: reactive[int | None] = reactive(None)
    hits_cap: reactive[bool] = reactive(False)

    def show(self, view: ConcurrencyView) -> None:
        self.wave = view.wave
        self.peak_bucket = view.wave_peak
        self.cap = view.cap
        self.hits_cap = view.hits_cap

    def render(self) -> RenderableType:
        width = self.size.width or 30
        over = self.get_component_rich_style("retry-wave--over-cap")
        if not self.wave:
            return Text("retry wave: none due\nin the next hour", no_wrap=True, end="")
        total = sum(b.calls for b in self.wave)
        first = Text(no_wrap=True, end="")
        first.append(f"retry wave: {total} due")
        if self.hits_cap:
            first.append(" OVER CAP", style=over)
        second = Text(no_wrap=True, end="")
        peak = self.peak_bucket
        if peak is not None:
            second.append(f"peak {short_time(peak.at)} +{peak.calls}")
            cap = f"/{self.cap}" if self.cap is not None else ""
            second.append(f" → {peak.projected}{cap}", style=over if peak.over_cap else "")
        chart = Text(no_wrap=True, end="")
        start = self.wave[0].at
        by_minute = {int((b.at - start).total_seconds() // 60): b for b in self.wave}
        top = max(b.calls for b in self.wave)
        for minute in range(min(width, 60)):
            bucket = by_minute.get(minute)
            if bucket is None:
                chart.append(" ")
                continue
            level = BLOCKS[min(7, max(0, round(bucket.calls / top * 7)))]
            chart.append(level, style=over if bucket.over_cap else "")
        return Text("\n", no_wrap=True, overflow="ellipsis", end="").join([first, second, chart])
