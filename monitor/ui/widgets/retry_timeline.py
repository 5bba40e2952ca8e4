"""Retry timeline: one row per attempt of the selected call, its summary, the next retry's ETA.

The ETA line is the only part that changes every second ("≈ in 4m12s", then "overdue"), so it
is its own one-line widget: ticking it repaints one line, not the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from monitor.display import to_display
from monitor.state.snapshot import CallDetail, CallStatus, Timeline, TimelineRow, live_duration
from monitor.ui.format import (
    SUMMARY_LABELS,
    clock_duration,
    clock_time,
    eta_words,
    plain,
    short_time,
    span,
    status_label,
)
from monitor.ui.widgets.live_table import ColumnSpec, LiveTable, SortMode
from monitor.ui.widgets.repeat_static import RepeatStatic

NO_SELECTION = "No call selected"
NO_SELECTION_HINT = "(highlight one in Active calls)"
"""Two short lines: the hint must not be cut at 60 or 80 columns."""


class TimelineTable(LiveTable[tuple[int, TimelineRow]]):
    """The attempts of one retry series, in attempt order."""

    VIEW_NAME = "retry.timeline"

    SPECS: ClassVar[tuple[ColumnSpec, ...]] = (
        # At 60 columns the pane is ~22 cells: the attempt, its outcome and its time always
        # show whole ("22:1" was a time cut short); duration and gap join as room allows.
        ColumnSpec("attempt", "#", 2, 3, right=True),
        ColumnSpec("outcome", "outcome", 7, 16, grow=1),
        ColumnSpec("dur", "dur", 5, 7, right=True, optional=1),
        # "placed": when the attempt was dialled (API sheet 3.6 `called_at`, the call
        # record's `created_at`); "dur": connected seconds, or since placed while live.
        ColumnSpec("placed", "placed", 6, 8, grow=2),
        ColumnSpec("gap", "gap", 5, 7, right=True, optional=2),
        ColumnSpec("flags", "notes", 10, 30, optional=3),
    )

    def specs(self) -> Sequence[ColumnSpec]:
        return self.SPECS

    def sort_modes(self) -> Sequence[SortMode[tuple[int, TimelineRow]]]:
        return (SortMode("attempt", "attempt", column="attempt"),)

    def row_key(self, item: tuple[int, TimelineRow]) -> str:
        return f"a{item[0]}"

    def render_row(self, item: tuple[int, TimelineRow]) -> tuple[Text, ...]:
        row = item[1]
        out: list[Text] = []
        for col in self.columns_now:
            w = col.width
            key = col.key
            if key == "attempt":
                mark = "!" if row.flags else ""
                out.append(plain(f"{row.attempt}{mark}".rjust(w), w))
            elif key == "outcome":
                out.append(plain(status_label(row.outcome, row.outcome_raw), w))
            elif key == "dur":
                out.append(self.duration_cell(item))
            elif key == "placed":
                when = clock_time(row.called_at) if w >= 8 else short_time(row.called_at)
                out.append(plain(when, w))
            elif key == "gap":
                out.append(plain((span(row.gap_s) if row.gap_s is not None else "–").rjust(w), w))
            elif key == "flags":
                out.append(plain(", ".join(row.flags), w, self.style_of("warn")))
        return tuple(out)

    now: datetime | None = None
    """The app clock's last tick: a live attempt's duration is measured to it."""

    def seconds(self, row: TimelineRow) -> int | None:
        """Connected seconds; for the live attempt, since placed: the call's own clock, as in
        Active calls and on the call screen. A queued attempt has not been dialled: no
        duration yet (the history's 0 is not one)."""
        if row.outcome is CallStatus.QUEUED:
            return None
        if not row.live:
            return row.duration_s
        return live_duration(row.called_at, self.now)[0] if self.now else None

    def duration_cell(self, item: tuple[int, TimelineRow]) -> Text:
        w = next((c.width for c in self.columns_now if c.key == "dur"), 5)
        return plain(clock_duration(self.seconds(item[1])).rjust(w), w)

    def search_text(self, item: tuple[int, TimelineRow]) -> str:
        row = item[1]
        label = status_label(row.outcome, row.outcome_raw)
        return f"{row.attempt} {label} {' '.join(row.flags)}".lower()

    def export_header(self) -> tuple[str, ...]:
        return ("attempt", "outcome", "outcome_raw", "duration_s", "called_at", "gap_s", "flags")

    def export_row(self, item: tuple[int, TimelineRow]) -> tuple[str, ...]:
        row = item[1]
        return (
            str(row.attempt),
            row.outcome.value,
            row.outcome_raw or "",
            _num(
                live_duration(row.called_at, self.now)[0]
                if row.live and self.now
                else row.duration_s
            ),
            row.called_at.isoformat() if row.called_at else "",
            "" if row.gap_s is None else str(row.gap_s),
            "; ".join(row.flags),
        )


def summary_label(timeline: Timeline) -> str:
    """The series' summary in words. `in_progress` (ours, API sheet 7) covers a queued attempt
    too; one not dialled yet is not "in progress" to a reader, so it is said as queued."""
    summary = timeline.summary or ""
    last = timeline.rows[-1] if timeline.rows else None
    if summary == "in_progress" and last is not None and last.outcome is CallStatus.QUEUED:
        return "attempt queued (waiting to be dialled)"
    return SUMMARY_LABELS.get(summary, to_display(summary))


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


class RetryTimeline(Vertical):
    """The selected call's retry series: who it is, how it stands, when it dials next."""

    DEFAULT_CSS = """
    RetryTimeline { height: 1fr; }
    RetryTimeline > Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    RetryTimeline > TimelineTable { height: 1fr; }
    """

    def __init__(self, *, table: TimelineTable, id: str | None = None) -> None:
        """Args:
        table: the attempts table (made by the screen, so it shares the UI state).
        id: the widget id.
        """
        super().__init__(id=id)
        self.table = table
        self.detail: CallDetail | None = None
        """What is shown; None means no call is selected."""
        self._call_id: str | None = None
        self._texts: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content(NO_SELECTION), id="retry-call", markup=False)
        yield Static(Content(""), id="retry-summary", markup=False)
        yield RepeatStatic("", id="retry-eta")
        yield self.table

    def show(self, detail: CallDetail | None, now: datetime, mono: float) -> None:
        self.detail = detail
        self.table.now = now
        call = detail.call if detail else None
        if detail is None:
            self._line("retry-call", NO_SELECTION)
            self._line("retry-summary", NO_SELECTION_HINT)
        else:
            who = to_display(call.id) if call else "(call not in view)"
            self._line("retry-call", f"call {who}")
            self._line("retry-summary", self.summary_words(detail))
        rows = detail.timeline.rows if detail and detail.timeline else ()
        # Another call's attempts are not news: only the same call's new attempts flash.
        call_id = call.id if call else None
        other = call_id != self._call_id
        self._call_id = call_id
        self.table.sync(list(enumerate(rows)), mono, flash=False if other else None)
        self.tick(now, mono)

    def summary_words(self, detail: CallDetail) -> str:
        parts: list[str] = []
        timeline = detail.timeline
        if timeline is not None and timeline.summary is not None:
            parts.append(summary_label(timeline))
            if timeline.attempts_left is not None and timeline.summary == "pending":
                parts.append(f"{timeline.attempts_left} left")
        elif timeline is None or not timeline.rows:
            # (Rows without a summary: a replay's call row alone; the row says what is known.)
            parts.append("no attempts known")
        if detail.gone:
            parts.append("call no longer exists (404)")
        elif not detail.listed:
            parts.append("no longer listed")
        if detail.retries_error:
            parts.append(f"history: {to_display(detail.retries_error, 40)}")
        elif detail.retry_source == "call-record" and timeline is not None:
            parts.append("no retry history: the call record alone")
        return " · ".join(parts)

    def tick(self, now: datetime, mono: float) -> None:
        """The ETA counts down with the app clock; a live attempt's duration ticks."""
        self.table.now = now
        if self.detail and self.detail.timeline and any(r.live for r in self.detail.timeline.rows):
            self.table.tick_column("dur", self.table.duration_cell)
        timeline = self.detail.timeline if self.detail else None
        if timeline is None or timeline.next_retry_at is None:
            self._line("retry-eta", "" if timeline is None else "next retry: none scheduled")
        else:
            eta = eta_words(timeline.next_retry_at, now, overdue=timeline.overdue)
            self._line("retry-eta", f"next retry {eta}")
        self.table.expire_flash(mono)

    def _line(self, widget_id: str, text: str) -> None:
        if self._texts.get(widget_id) == text:
            return
        self._texts[widget_id] = text
        # One-line, full-width parts: their size never changes, so no layout pass.
        self.query_one(f"#{widget_id}", Static).update(Content(text), layout=False)
