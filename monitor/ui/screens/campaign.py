"""A campaign's screen: its counts and every known call, filterable by outcome.

`/` filters by text; a word that names an outcome (`busy`, `no_answer`, `voicemail`...) keeps
only calls with that outcome, and `o` cycles through the outcomes. Enter opens a call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from monitor.display import to_display
from monitor.state.snapshot import OUTCOME_COLUMNS, CallStatus, CampaignRow, MonitorSnapshot
from monitor.ui.format import count, rate, span
from monitor.ui.insight_words import insight_lines, offenders
from monitor.ui.screens.base import Frame, LiveScreen
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.pane import Pane

OUTCOME_CYCLE: tuple[str, ...] = (
    "",
    *(s.value for s in OUTCOME_COLUMNS if s is not CallStatus.IN_PROGRESS),
    CallStatus.QUEUED.value,
    CallStatus.DIALING.value,
    CallStatus.IN_PROGRESS.value,
    CallStatus.UNKNOWN.value,
)
"""What `o` steps through: all calls, then one outcome (or state) at a time."""

OUTCOME_LABELS = {
    "completed": "done",
    "no_answer": "no answer",
    "busy": "busy",
    "failed": "failed",
    "voicemail": "voicemail",
}


def campaign_summary(row: CampaignRow | None, campaign_id: str) -> Text:
    """Counts and rates of one campaign, in words."""
    if row is None:
        return Text(f"campaign {to_display(campaign_id)}: not in view (yet)", end="")
    text = Text(end="")
    text.append(to_display(row.name or row.id, 60), style="bold")
    text.append(f"  {to_display(row.id)}  status {row.status}")
    if row.status == "unknown" and row.status_raw:
        text.append(f" ({to_display(row.status_raw, 30)})")
    if row.stale:
        text.append(f"  STALE {span(row.age_s)}")
    counts = "  ".join(f"{OUTCOME_LABELS[k]} {count(row.counts.get(k))}" for k in OUTCOME_LABELS)
    text.append(f"\n{counts}  in flight {row.in_flight}")
    if row.max_concurrent is not None:
        text.append(f"/{row.max_concurrent}")
    text.append(
        f"\ncalls placed {count(row.total)}  contact list {count(row.contacts)}"
        f"  connect rate {rate(row.connect_rate)}  qualified rate {rate(row.qualified_rate)}"
    )
    if row.count_flags:
        text.append(f"\n! counts cannot all be true: {'; '.join(row.count_flags)}")
    if row.analysis_pending:
        text.append(f"  analysis pending {row.analysis_pending}")
    if row.history_filling and row.since_start is not None:
        since = "  ".join(
            f"{OUTCOME_LABELS[k]} +{row.since_start.get(k, 0)}"
            for k in OUTCOME_LABELS
            if row.counts.get(k) is None
        )
        text.append(
            f"\nhistory filling (totals from before start not read yet); since start: {since}"
        )
    if row.correction is not None:
        c = row.correction
        text.append(
            f"\nreconciled {c.at.strftime('%H:%M:%S')}: {OUTCOME_LABELS.get(c.status, c.status)}"
            f" corrected by {c.by:+d} to the API's total"
        )
    return text


class CampaignScreen(LiveScreen):
    """One campaign's calls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "i",
            "next_offender",
            "Offenders",
            id="next_offender",
            tooltip="Open the next call an insight is about (retry conformance, stuck)",
        ),
        Binding(
            "o",
            "cycle_outcome",
            "Outcome",
            id="cycle_outcome",
            tooltip="Show only calls with one outcome or state (cycles; queued included)",
        ),
    ]

    calls = getters.query_one(CampaignCallsTable)
    AUTO_FOCUS: ClassVar[str | None] = "#campaign-calls"

    def __init__(self, campaign_id: str, *, id: str | None = "campaign") -> None:
        """Args:
        campaign_id: the campaign to show.
        id: the screen's id (a second campaign screen in the stack needs another, or none).
        """
        super().__init__(id=id)
        self.campaign_id = campaign_id
        self.campaign_name: str | None = None
        self._summary_plain = ""
        self._switched = False
        self._offenders: list[str | None] = []
        self._offender_turn = 0

    def compose_body(self) -> Iterable[Widget]:
        yield Pane(
            Static("", id="campaign-summary", markup=False), title="Campaign", id="pane-campaign"
        )
        yield Pane(
            CampaignCallsTable(ui_state=self.monitor.ui_state, id="campaign-calls"),
            title="Calls",
            id="pane-calls",
        )

    def crumbs(self) -> list[str]:
        name = to_display(self.campaign_name or self.campaign_id, 40)
        return ["Dashboard", f"Campaign {name}"]

    def on_mount(self) -> None:
        self.monitor.focus_campaign(self.campaign_id)
        # Each campaign keeps its own filter: a call id typed for one means nothing in another.
        self.calls.set_scope(self.campaign_id)
        super().on_mount()

    def switch_to(self, campaign_id: str) -> None:
        """Show another campaign when this screen next resumes (it is kept and reused).

        Nothing is drawn here: the screen is not on top yet, and whatever it drew now would be
        painted once before the full repaint that resuming brings.
        """
        self.campaign_id = campaign_id
        self.campaign_name = None
        self._switched = True

    def on_screen_resume(self) -> None:
        if self._switched:
            self._switched = False
            self._summary_plain = ""
            self._drawn = None
            self.calls.clear_rows()
            self.calls.set_scope(self.campaign_id)
            self.update_crumb()
        self.intents()
        self.monitor.show_latest()

    def intents(self) -> None:
        self.monitor.focus_campaign(self.campaign_id)
        key = self.calls.cursor_key
        if key is not None:
            self.monitor.select_call(key)

    def leave(self) -> None:
        self.monitor.focus_campaign(None)

    def draw(self, snap: MonitorSnapshot, frame: Frame) -> None:
        row = snap.campaign(self.campaign_id)
        if row is not None and row.name:
            self.campaign_name = row.name
            self.update_crumb()
        summary = campaign_summary(row, self.campaign_id)
        focus = snap.focus
        if focus is not None and focus.campaign_id == self.campaign_id and focus.partial:
            # Not the campaign's listing (a replay of a recording that never had it open):
            # the calls below are all it saw, never to be read as all the campaign's calls.
            summary.append(f"\n{focus.partial}", style="bold")
        summary.append_text(insight_lines(snap.data.insights, self.campaign_id, self.size.width))
        self._offenders = [i.call_id for i in offenders(snap.data.insights, self.campaign_id)]
        if summary.plain != self._summary_plain:
            self._summary_plain = summary.plain
            self.query_one("#campaign-summary", Static).update(summary)
        self.draw_focus(snap, frame)

    def draw_focus(self, snap: MonitorSnapshot, frame: Frame) -> None:
        focus = snap.focus
        if focus is not None and focus.campaign_id == self.campaign_id:
            self.calls.now = frame.now
            self.calls.sync(focus.calls, frame.mono)

    def tick(self, frame: Frame) -> None:
        if self.monitor.tick_enabled:
            self.calls.expire_flash(frame.mono)
            self.calls.tick(frame.now)
        super().tick(frame)

    def action_next_offender(self) -> None:
        """Open the next call an insight is about (its timeline shows the retries)."""
        calls = [c for c in self._offenders if c]
        if not calls:
            self.notify("No offending calls in this campaign (yet).", timeout=3)
            return
        call_id = calls[self._offender_turn % len(calls)]
        self._offender_turn += 1
        self.monitor.open_call(call_id)

    def action_cycle_outcome(self) -> None:
        # The highlighted call stays highlighted (and scrolled into view) if it has the
        # outcome; otherwise the cursor is on the first row.
        current = self.calls.filter_text.strip().lower()
        index = OUTCOME_CYCLE.index(current) if current in OUTCOME_CYCLE else 0
        self.calls.set_filter(OUTCOME_CYCLE[(index + 1) % len(OUTCOME_CYCLE)])
        self.refresh_bindings()  # Esc now clears the outcome filter: the footer says so

    @on(LiveTable.RowHighlighted, "#campaign-calls")
    def _call_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        if event.key:
            self.monitor.select_call(event.key)

    @on(LiveTable.RowSelected, "#campaign-calls")
    def _call_chosen(self, event: LiveTable.RowSelected) -> None:
        if event.key:
            self.monitor.open_call(event.key)
