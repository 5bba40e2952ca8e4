"""`CampaignCallsTable`: the campaign screen's list of calls, newest first, filterable by
outcome (`/busy` keeps only busy calls; `o` on the screen cycles the outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from monitor.display import sanitize
from monitor.state.snapshot import (
    FINAL_STATUSES,
    CallClock,
    CallRecord,
    CallStatus,
    call_clock,
)
from monitor.ui.format import (
    DASH,
    cell,
    clock_duration,
    plain,
    short_id,
    short_time,
    status_label,
    tail_display,
)
from monitor.ui.widgets.live_table import ColumnSpec, LiveTable, SortMode

OUTCOME_WORDS: dict[str, CallStatus] = {
    **{s.value: s for s in CallStatus},
    "no-answer": CallStatus.NO_ANSWER,
    "noanswer": CallStatus.NO_ANSWER,
    "in-progress": CallStatus.IN_PROGRESS,
    "vm": CallStatus.VOICEMAIL,
    "done": CallStatus.COMPLETED,
}
"""Filter words that mean "this outcome exactly" rather than "contains this text"."""


def analysis_words(call: CallRecord) -> str:
    if call.status in (CallStatus.QUEUED, CallStatus.DIALING, CallStatus.IN_PROGRESS):
        return DASH
    if call.analysis is None:
        return "analysis pending"
    return "analysed"


class CampaignCallsTable(LiveTable[CallRecord]):
    """Every known call of one campaign, newest first; `/busy` shows only busy calls."""

    VIEW_NAME = "campaign.calls"

    SPECS: ClassVar[tuple[ColumnSpec, ...]] = (
        # A whole call id (12 characters after `call_`) before any optional column.
        ColumnSpec("id", "call", 12, 18, grow=3),
        ColumnSpec("to", "to", 7, 16, grow=2),
        ColumnSpec("outcome", "outcome", 9, 16, grow=1),
        ColumnSpec("dur", "dur", 5, 8, right=True),
        ColumnSpec("placed", "at", 5, 5),
        ColumnSpec("attempt", "#", 1, 3, right=True),
        ColumnSpec("analysis", "analysis", 8, 16),
        # Wide enough for "user_did_not_pick_up" whole, or not shown (the call screen has it).
        ColumnSpec("reason", "end reason", 20, 28, optional=1),
        ColumnSpec("sentiment", "sentiment", 9, 12, optional=2),
    )

    def specs(self) -> Sequence[ColumnSpec]:
        return self.SPECS

    def sort_modes(self) -> Sequence[SortMode[CallRecord]]:
        return (
            SortMode("newest", "newest first", column="placed", ascending=False),
            SortMode("outcome", "outcome", lambda c: (c.status.value, c.id), column="outcome"),
            SortMode(
                "duration",
                "longest",
                lambda c: (c.duration_s or 0, c.id),
                reverse=True,
                column="dur",
                ascending=False,
            ),
            SortMode(
                "attempt",
                "attempt",
                lambda c: (c.attempt or 1, c.id),
                reverse=True,
                column="attempt",
                ascending=False,
            ),
        )

    def row_key(self, item: CallRecord) -> str:
        return item.id

    def empty_message(self) -> str:
        words = self.filter_text.lower().split()
        if len(words) == 1 and words[0] in OUTCOME_WORDS:
            label = status_label(OUTCOME_WORDS[words[0]], None)
            return f"no matches: no {label} calls (o: next outcome, esc: all calls)"
        message = super().empty_message()
        return message or "no calls of this campaign seen yet"

    def matches(self, item: CallRecord, words: Sequence[str]) -> bool:
        # Outcome words first: they need no text, so `/busy` over 10,000 calls builds none.
        text: str | None = None
        for word in words:
            outcome = OUTCOME_WORDS.get(word)
            if outcome is not None:
                if item.status is not outcome:
                    return False
                continue
            if text is None:
                text = self.cached_search_text(item)
            if word not in text:
                return False
        return True

    now: datetime | None = None
    """The app clock's last tick: live calls' durations are measured to it (one clock)."""

    def duration_cell(self, item: CallRecord) -> Text:
        """The call's one duration (`calltime.call_clock`): ticking since placed while it is
        in flight, the API's connected seconds once ended, `–` while queued (not dialled)."""
        width = next((c.width for c in self.columns_now if c.key == "dur"), 5)
        clock = self._clock(item)
        if clock is not None and clock.flagged:
            return plain("?!".rjust(width), width, self.style_of("warn"))
        return plain(clock_duration(self._seconds(item, clock)).rjust(width), width)

    def _clock(self, item: CallRecord) -> CallClock | None:
        if self.now is None or item.status is CallStatus.QUEUED:
            return None
        return call_clock(item, self.now)

    @staticmethod
    def _seconds(item: CallRecord, clock: CallClock | None) -> int | None:
        if clock is not None:
            return clock.duration_s
        if item.status is CallStatus.QUEUED:
            return None
        # Before the first tick: only what does not tick.
        ended = item.status in FINAL_STATUSES or item.ended_at is not None
        return item.duration_s if ended else None

    def tick(self, now: datetime) -> None:
        """The app clock's second: only the duration cells that changed repaint."""
        self.now = now
        self.tick_column("dur", self.duration_cell)

    def render_row(self, item: CallRecord) -> tuple[Text, ...]:
        out: list[Text] = []
        for col in self.columns_now:
            w = col.width
            key = col.key
            if key == "id":
                out.append(plain(short_id(item.id, w), w))
            elif key == "to":
                out.append(plain(tail_display(item.to_number or DASH, w), w))
            elif key == "outcome":
                style: str | Style = ""
                if item.status is CallStatus.COMPLETED:
                    style = self.style_of("good")
                elif item.status in (CallStatus.FAILED, CallStatus.UNKNOWN):
                    style = self.style_of("bad")
                out.append(plain(status_label(item.status, item.status_raw), w, style))
            elif key == "dur":
                out.append(self.duration_cell(item))
            elif key == "placed":
                out.append(plain(short_time(item.created_at), w))
            elif key == "attempt":
                out.append(plain(str(item.attempt or 1).rjust(w), w))
            elif key == "analysis":
                words = analysis_words(item)
                style = self.style_of("muted") if words == "analysis pending" else ""
                out.append(plain(words if w >= 16 else words.replace("analysis ", ""), w, style))
            elif key == "reason":
                out.append(cell(item.end_reason or DASH, w))
            elif key == "sentiment":
                out.append(cell(item.sentiment or DASH, w))
        return tuple(out)

    def search_text(self, item: CallRecord) -> str:
        return " ".join(
            sanitize(v).lower()
            for v in (
                item.id,
                item.to_number or "",
                item.status.value,
                status_label(item.status, item.status_raw),
                analysis_words(item),
            )
        )

    def export_header(self) -> tuple[str, ...]:
        return (
            "call_id",
            "campaign_id",
            "to_number",
            "from_number",
            "status",
            "status_raw",
            "created_at",
            "ended_at",
            "duration_s",
            "attempt",
            "end_reason",
            "sentiment",
            "analysis",
            "recording_url",
        )

    def export_row(self, item: CallRecord) -> tuple[str, ...]:
        return (
            item.id,
            item.campaign_id or "",
            item.to_number or "",
            item.from_number or "",
            item.status.value,
            item.status_raw or "",
            item.created_at.isoformat() if item.created_at else "",
            item.ended_at.isoformat() if item.ended_at else "",
            "" if (seconds := self._seconds(item, self._clock(item))) is None else str(seconds),
            "" if item.attempt is None else str(item.attempt),
            item.end_reason or "",
            item.sentiment or "",
            analysis_words(item),
            item.recording_url or "",
        )
