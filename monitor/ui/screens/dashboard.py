"""The dashboard: Active calls, Retry timeline, Campaigns and Concurrency in a 2x2 grid.

The highlighted active call is "the selected call": its retry timeline shows beside it, and
the app is told (`select_call`, an intent) so its history is fetched first. Enter drills into a call
or a campaign.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar

from textual import getters, on
from textual.containers import Grid
from textual.widget import Widget

from monitor.state.snapshot import FINAL_STATUSES, MonitorSnapshot, PaneStatus
from monitor.ui.format import STATUS_LABELS
from monitor.ui.screens.base import Frame, LiveScreen
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_table import CampaignTable
from monitor.ui.widgets.concurrency_gauge import ConcurrencyGauge, HistorySpark, RetryWave
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.pane import Pane
from monitor.ui.widgets.retry_timeline import RetryTimeline, TimelineTable

PANE_IDS: dict[str, str] = {
    "active": "pane-active",
    "campaigns": "pane-campaigns",
    "retries": "pane-retries",
    "concurrency": "pane-concurrency",
}
PANE_TITLES: dict[str, str] = {
    "active": "Active calls",
    "campaigns": "Campaigns",
    "retries": "Retry timeline",
    "concurrency": "Concurrency",
}
"""The pane titles, exactly as INTERFACE.md spells them."""


class DashboardScreen(LiveScreen):
    """The top level: what is happening now."""

    active = getters.query_one(ActiveCallsTable)
    campaigns = getters.query_one(CampaignTable)
    timeline = getters.query_one(RetryTimeline)
    gauge = getters.query_one(ConcurrencyGauge)
    spark = getters.query_one(HistorySpark)
    wave = getters.query_one(RetryWave)

    AUTO_FOCUS: ClassVar[str | None] = "#active-calls"

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.selected_call_id: str | None = None
        """The call whose retry timeline is shown (the highlighted active call)."""
        self._frame: Frame | None = None
        self._snap: MonitorSnapshot | None = None
        self._parts: tuple[object, ...] = ()
        """The parts drawn last (active, campaigns, concurrency, poll interval): a part the
        feed handed back unchanged (the same object) is not drawn again."""
        self._timeline_drawn: object | None = None

    def compose_body(self) -> Iterable[Widget]:
        app = self.monitor
        state = app.ui_state
        now = app.current().now
        with Grid(id="panes"):
            yield Pane(
                ActiveCallsTable(now=now, ui_state=state, id="active-calls"),
                title=PANE_TITLES["active"],
                id=PANE_IDS["active"],
            )
            yield Pane(
                RetryTimeline(table=TimelineTable(ui_state=state, id="retry-table")),
                title=PANE_TITLES["retries"],
                id=PANE_IDS["retries"],
            )
            yield Pane(
                CampaignTable(ui_state=state, id="campaigns"),
                title=PANE_TITLES["campaigns"],
                id=PANE_IDS["campaigns"],
            )
            yield Pane(
                ConcurrencyGauge(),
                HistorySpark(),
                RetryWave(),
                title=PANE_TITLES["concurrency"],
                id=PANE_IDS["concurrency"],
            )

    def crumbs(self) -> list[str]:
        return ["DialNexa Monitor", "Dashboard"]

    def on_mount(self) -> None:
        self.active.outcome_of = self._outcome_of
        # The retry timeline follows the cursor in the same frame as the cursor itself.
        self.active.on_highlight = self._select
        super().on_mount()

    def _outcome_of(self, call_id: str) -> str | None:
        snap = self._snap
        status = snap.outcome_of(call_id) if snap is not None else None
        selected = snap.selection if snap is not None else None
        if status is None and selected is not None and selected.call_id == call_id:
            # The selected call's end may be read (its record, its retry history) before the
            # store's recent outcomes have it: the row says what the timeline beside it says.
            status = selected.outcome()
        if status is None or status not in FINAL_STATUSES:
            return None
        return STATUS_LABELS[status]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to go back to from the top level: keep "esc Back" out of the footer; but
        # Esc still closes an open filter bar (FAULTS R3 drill: it kept the focus, and every
        # later key was typed into the filter), and clears a filter in force.
        if action == "go_back":
            return self.filter_open() or self.escape_clears()
        return super().check_action(action, parameters)

    def forget_drawn(self) -> None:
        super().forget_drawn()
        self._parts = ()
        self._timeline_drawn = None

    def draw(self, snap: MonitorSnapshot, frame: Frame) -> None:
        self._frame = frame
        self._snap = snap
        view = snap.data
        self.active.now = frame.now
        parts = (view.active, view.campaigns, view.concurrency, snap.active_poll_s)
        last, self._parts = self._parts, parts
        new = [
            not last or part is not before
            for part, before in zip(parts, last or parts, strict=True)
        ]
        new[3] = not last or last[3] != parts[3]
        if new[0]:
            self.active.sync(view.active, frame.mono)
        self.active.outcomes_learnt()
        if not self.monitor.tick_enabled:
            # --no-tick: durations move on with the data, every few seconds.
            self.active.tick_column("dur", self.active.duration_cell)
        if new[1]:
            self.campaigns.sync(view.campaigns, frame.mono)
        if new[2]:
            self.gauge.show(view.concurrency)
            self.wave.show(view.concurrency)
        if new[2] or new[3]:
            self.spark.show(view.concurrency, snap.active_poll_s)
        # The freshness of the panes: `tick`, which follows every draw.
        cursor = self.active.cursor_key
        if cursor is not None and cursor != self.selected_call_id:
            self._select(cursor)
        else:
            self._show_timeline(snap, frame)

    def draw_selection(self, snap: MonitorSnapshot, frame: Frame) -> None:
        self._frame = frame
        self._snap = snap
        self.active.outcomes_learnt()  # the selected call's end, read with its history
        self._show_timeline(snap, frame)

    def tick(self, frame: Frame) -> None:
        self._frame = frame
        if self.monitor.tick_enabled:
            self.active.tick(frame.now, frame.mono)
            self.campaigns.expire_flash(frame.mono)
            self.timeline.tick(frame.now, frame.mono)
        self._show_freshness(frame.panes, frame)
        super().tick(frame)

    def _show_freshness(self, panes: Iterable[PaneStatus], frame: Frame) -> None:
        for status in panes:
            pane_id = PANE_IDS.get(status.pane)
            if pane_id:
                since = (
                    frame.now - timedelta(seconds=status.age_s)
                    if status.age_s is not None
                    else None
                )
                self.query_one(f"#{pane_id}", Pane).set_freshness(status, since=since)

    def _select(self, call_id: str | None) -> None:
        if call_id == self.selected_call_id:
            return
        self.selected_call_id = call_id
        # The intent returns a snapshot with the call's detail: the timeline is drawn in the
        # same frame as the cursor (the feed wakes its poller after this frame's work).
        snap = self.monitor.select_call(call_id)
        if self._frame is not None:
            self._show_timeline(snap, self._frame)

    def _show_timeline(self, snap: MonitorSnapshot, frame: Frame) -> None:
        call_id = self.selected_call_id
        if call_id is not None and snap.selection is not None and snap.selection.call_id != call_id:
            return  # another call's detail (a moment after the cursor moved): keep this one
        detail = snap.detail_of(call_id)
        if detail is not None and detail is self._timeline_drawn:
            return  # the same detail (the feed hands it back unchanged): drawn, ticked
        self._timeline_drawn = detail
        self.timeline.show(detail, frame.now, frame.mono)

    def on_screen_resume(self) -> None:
        self.intents()
        self.monitor.show_latest()

    def intents(self) -> None:
        # Back from a drill-down: the feed watches this screen's selection again.
        self.monitor.select_call(self.selected_call_id)
        self.monitor.focus_campaign(None)

    @on(LiveTable.RowSelected, "#active-calls")
    def _call_chosen(self, event: LiveTable.RowSelected) -> None:
        if event.key:
            self.monitor.open_call(event.key)

    @on(LiveTable.RowSelected, "#retry-table")
    def _attempt_chosen(self, event: LiveTable.RowSelected) -> None:
        if self.selected_call_id:
            self.monitor.open_call(self.selected_call_id)

    @on(LiveTable.RowSelected, "#campaigns")
    def _campaign_chosen(self, event: LiveTable.RowSelected) -> None:
        if event.key:
            self.monitor.open_campaign(event.key)
