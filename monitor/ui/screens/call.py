"""A call's screen: every field, metadata, end reason, recording URL, analysis, retry timeline.

Long values wrap but are capped (2 KiB, `to_display`); the recording URL is shown only when it
is https, as plain text and never as a link (FAULTS T5). A call in flight has its duration
on its own line, so the second-by-second tick repaints one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import getters
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from monitor.display import to_display
from monitor.state.snapshot import (
    IN_FLIGHT_STATUSES,
    CallDetail,
    CallRecord,
    CallStatus,
    MonitorSnapshot,
    call_clock,
)
from monitor.ui.format import (
    DASH,
    clock_duration,
    date_time,
    safe_https_url,
    status_label,
)
from monitor.ui.screens.base import Frame, LiveScreen
from monitor.ui.widgets.pane import Pane
from monitor.ui.widgets.retry_timeline import RetryTimeline, TimelineTable

LABEL_WIDTH = 14
MAX_FREEFORM_ITEMS = 100
"""Metadata and analysis are free-form: show this many keys, then say how many more."""


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return to_display(value)
    try:
        return to_display(json.dumps(value, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return to_display(repr(value))


def _field(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"{label:<{LABEL_WIDTH}}", style="bold")
    text.append(value + "\n", style=style)


def _freeform(text: Text, title: str, data: dict[str, Any] | None, empty: str) -> None:
    text.append(f"\n{title}\n", style="bold underline")
    if not data:
        text.append(f"  {empty}\n")
        return
    for n, (key, value) in enumerate(data.items()):
        if n >= MAX_FREEFORM_ITEMS:
            text.append(f"  … {len(data) - MAX_FREEFORM_ITEMS} more\n")
            break
        text.append(f"  {to_display(key, 30)}: ", style="bold")
        text.append(_value_text(value) + "\n")


def call_fields(detail: CallDetail, campaign_name: str | None) -> Text:
    """Every field of the call, as inert text (our labels bold, API values plain)."""
    call: CallRecord | None = detail.call
    text = Text(end="")
    if detail.gone:
        text.append("This call no longer exists (the API answered 404).\n", style="bold")
    elif not detail.listed:
        text.append("No longer listed: showing the last data received.\n", style="bold")
    if call is None:
        text.append("No data for this call yet.\n")
        return text
    # What an operator asks first comes first (which call, how it went, who, when): at 80x24
    # the pane shows about eight lines, and `j` scrolls to the rest.
    _field(text, "id", to_display(call.id))
    status = status_label(call.status, call.status_raw)
    if call.status_raw and call.status_raw != call.status.value:
        status += f"  (API: {to_display(call.status_raw, 40)})"
    _field(text, "status", status)
    _field(text, "end reason", to_display(call.end_reason) if call.end_reason else DASH)
    campaign = to_display(call.campaign_id) if call.campaign_id else DASH
    if campaign_name:
        campaign = f"{to_display(campaign_name)}  ({campaign})"
    if detail.campaign_from and call.campaign_id:
        # Merged, not replaced: the last read left the campaign out; say which read gave it.
        campaign += f"  (from the {detail.campaign_from})"
    _field(text, "campaign", campaign)
    _field(text, "to", to_display(call.to_number) if call.to_number else DASH)
    _field(text, "placed", date_time(call.created_at))
    _field(text, "ended", date_time(call.ended_at))
    _field(text, "attempt", str(call.attempt) if call.attempt is not None else DASH)
    _field(text, "sentiment", to_display(call.sentiment) if call.sentiment else DASH)
    _field(text, "from", to_display(call.from_number) if call.from_number else DASH)
    _field(text, "retry group", to_display(call.retry_group_id) if call.retry_group_id else DASH)
    _field(text, "agent", to_display(call.agent_id) if call.agent_id else DASH)
    _field(text, "direction", to_display(call.direction) if call.direction else DASH)
    url = safe_https_url(call.recording_url)
    if url:
        _field(text, "recording", url)
    elif call.recording_url:
        _field(text, "recording", "(not shown: not an https URL)")
    else:
        _field(text, "recording", DASH)
    if call.status is CallStatus.QUEUED and call.ended_at is None:
        analysis_empty = "– (not dialled yet)"
    elif call.status in IN_FLIGHT_STATUSES:
        analysis_empty = "– (call in progress)"
    else:
        analysis_empty = "analysis pending (not arrived yet)"
    if call.analysis is None:
        _freeform(text, "Analysis", None, analysis_empty)
    else:
        _freeform(text, "Analysis", call.analysis, "(empty)")
    _freeform(text, "Metadata", call.metadata, "(none)")
    return text


def duration_line(call: CallRecord | None, now: datetime) -> str:
    """The call's one clock (`calltime.call_clock`), labelled: since placed while live,
    connected (the API's figure) once ended; a time that cannot be true is flagged."""
    if call is None:
        return ""
    clock = call_clock(call, now)
    flags = f"  ! {', '.join(clock.flags)}" if clock.flags else ""
    if clock.queued:
        # Not dialled yet: no call has run, so no duration; the time shown is the wait.
        words = f"{DASH} queued {clock_duration(clock.duration_s)}, waiting to be dialled"
        return f"{'duration':<{LABEL_WIDTH}}{words}{flags}"
    live = " (live)" if clock.live else ""
    words = f"{clock_duration(clock.duration_s)} {clock.label}{live}"
    return f"{'duration':<{LABEL_WIDTH}}{words}{flags}"


class FieldsScroll(VerticalScroll):
    """The call's fields: j/k and the arrows scroll them (as in a pager), and the pane's
    border says how much is below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "line(1)", "Move", key_display="j/k", id="fields_down"),
        Binding("k,up", "line(-1)", "Up", show=False, id="fields_up"),
        Binding("enter", "noop", "", show=False),
    ]

    def action_line(self, lines: int) -> None:
        # Unanimated: three quick presses move three lines (an animation would swallow two).
        self.scroll_relative(y=lines, animate=False)

    def action_noop(self) -> None:
        """Enter in the fields does nothing (it must not reach the screen's Open)."""

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.show_position()

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_position)

    def show_position(self) -> None:
        below = max(0, round(self.max_scroll_y - self.scroll_y))
        words = f"↓{below} more lines (j)" if below else ""
        pane = self.parent
        if isinstance(pane, Pane):
            pane.set_position(words)


class CallScreen(LiveScreen):
    """One call, everything about it."""

    timeline = getters.query_one(RetryTimeline)
    AUTO_FOCUS: ClassVar[str | None] = "#call-scroll"
    """The fields first: `j` scrolls them; tab goes to the attempts."""

    def __init__(self, call_id: str, *, trail: list[str], id: str | None = "call") -> None:
        """Args:
        call_id: the call to show.
        trail: the breadcrumb of the screen it was opened from (display-safe).
        id: the screen's id (a second call screen in the stack needs another, or none).
        """
        super().__init__(id=id)
        self.call_id = call_id
        self.trail = trail
        self._fields_plain: str | None = None
        self._duration = ""
        self._detail: CallDetail | None = None
        self._switched = False

    def compose_body(self) -> Iterable[Widget]:
        # Stacked at 80 columns, side by side when wide (drilldown.tcss).
        with Container(id="call-body"):
            yield Pane(
                FieldsScroll(
                    Static("", id="call-duration", markup=False),
                    Static("", id="call-fields", markup=False),
                    id="call-scroll",
                ),
                title="Call",
                id="pane-call",
            )
            yield Pane(
                RetryTimeline(
                    table=TimelineTable(ui_state=self.monitor.ui_state, id="call-retry-table")
                ),
                title="Retry timeline",
                id="pane-call-retries",
            )

    def crumbs(self) -> list[str]:
        return [*self.trail, f"Call {to_display(self.call_id, 40)}"]

    def on_mount(self) -> None:
        if self.watching():
            self.intents()
        super().on_mount()

    def watching(self) -> bool:
        return bool(self.call_id)  # "": composed ahead of the first Enter (`prepare_screens`)

    def switch_to(self, call_id: str, *, trail: list[str]) -> None:
        """Show another call when this screen next resumes (it is kept and reused).

        Nothing is drawn here: the screen is not on top yet, and whatever it drew now would be
        painted once before the full repaint that resuming brings.
        """
        self.call_id = call_id
        self.trail = trail
        self._switched = True

    def on_screen_resume(self) -> None:
        if self._switched:
            self._switched = False
            self._fields_plain = None
            self._duration = ""
            self._detail = None
            self._drawn = None
            self.query_one("#call-scroll", VerticalScroll).scroll_home(animate=False)
            self.update_crumb()
        self.intents()
        self.monitor.show_latest()

    def intents(self) -> None:
        self.monitor.select_call(self.call_id)

    def draw_selection(self, snap: MonitorSnapshot, frame: Frame) -> None:
        self.draw(snap, frame)

    def draw(self, snap: MonitorSnapshot, frame: Frame) -> None:
        if snap.selection is None or snap.selection.call_id != self.call_id:
            return  # the snapshot carries another call (a moment before the intent lands)
        detail = snap.selection.detail
        last = self._detail
        if detail.call is None and last is not None and last.call and last.call.id == self.call_id:
            # The monitor dropped it (an ended call is kept an hour, FAULTS R4): keep showing
            # what was last received, under the "no longer listed" label.
            detail = replace(detail, call=last.call, timeline=last.timeline)
        self._detail = detail
        name = None
        if detail.call is not None and detail.call.campaign_id:
            row = snap.campaign(detail.call.campaign_id)
            name = row.name if row else None
        fields = call_fields(detail, name)
        if fields.plain != self._fields_plain:
            self._fields_plain = fields.plain
            self.query_one("#call-fields", Static).update(fields)
            self.call_after_refresh(self.query_one(FieldsScroll).show_position)
        self.timeline.show(detail, frame.now, frame.mono)
        self._tick_duration(frame)

    def tick(self, frame: Frame) -> None:
        if self.monitor.tick_enabled:
            self._tick_duration(frame)
            self.timeline.tick(frame.now, frame.mono)
        super().tick(frame)

    def _tick_duration(self, frame: Frame) -> None:
        line = duration_line(self._detail.call if self._detail else None, frame.now)
        if line != self._duration:
            self._duration = line
            self.query_one("#call-duration", Static).update(Text(line, end=""))
