"""`MonitorSnapshot`: the monitor's state as one frozen, versioned value.

Everything a consumer shows is in it: the rows of every pane, the selected call's detail and
timeline, the focused campaign's calls, the API's health and budget, each pane's age, the next
poll and the API's "now". The UI renders snapshots and nothing else; `snapshot`, a recording or
a relay would write them. It is written to disk and sent to other processes, so it is
versioned (`schema_version`) and its JSON round trip is exact.

It has three parts, built at different rates so a quiet second costs no store scan:
`data` (the store's contents: rebuilt when the store changed), `selection` and `focus` (what
the viewer looks at: rebuilt when the store or the intent changed) and the clock fields at
the top (rebuilt at every tick). A part that did not change is the same object in the next
snapshot: a consumer compares by identity to skip redrawing it.

The builders here are pure: the store and the few scalars only the engine knows in, a value
out. The names the UI needs from the layers below (statuses, the view rows) are re-exported
here, so the UI imports this module and never `monitor.api`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from monitor.api.vocab import FINAL_STATUSES, IN_FLIGHT_STATUSES, OUTCOME_COLUMNS, CallStatus
from monitor.state.calldetail import selected_outcome
from monitor.state.calltime import CallClock, call_clock, live_duration
from monitor.state.dataparts import OUTCOME_WINDOW_S, DataParts, outcomes_of, recent_outcomes
from monitor.state.derive import Timeline, TimelineRow, WaveBucket
from monitor.state.insight_view import INSIGHT_KINDS, CampaignInsight, Insight, Insights
from monitor.state.notes import read_words
from monitor.state.records import CallRecord, RecordCache
from monitor.state.store import ApiHealth, Store
from monitor.state.tally import Correction
from monitor.state.views import (
    ActiveCallRow,
    ActiveRowCache,
    CallDetail,
    CampaignRow,
    ConcurrencyView,
    PaneStatus,
    active_rows,
    call_detail,
    campaign_calls,
    campaign_rows,
    concurrency_view,
    pane_status,
)
from monitor.state.webhooks import WebhookStatus, webhook_words

SCHEMA_VERSION = 2
"""Bumped whenever a field changes meaning or goes; a reader refuses a newer version. 2: an
Active calls row's `changed_at` (any field's last change) went, `state_since` came (a
version-1 row still reads: the unknown field is ignored, `state_since` is None)."""

_FROZEN = ConfigDict(frozen=True)


class SnapshotData(BaseModel):
    """The store's contents as the panes show them (rebuilt when the store changed)."""

    model_config = _FROZEN

    version: int
    """The store's version when built (it grows by one per batch of changes)."""
    active: tuple[ActiveCallRow, ...]
    campaigns: tuple[CampaignRow, ...]
    concurrency: ConcurrencyView
    outcomes: dict[str, CallStatus] = {}
    """Calls that ended lately, by id: how each turned out (the ended rows of Active calls)."""
    call_ids: tuple[str, ...] = ()
    """Every call the store knows (the command palette jumps to one by id)."""
    active_read: bool = False
    """A list of the calls in flight has been read: the first screen with data can paint."""
    insights: Insights = Insights()
    """What the insight rules found (issue 19): built with the rest of this part, only when
    the store changed (the tracker writes its result there)."""


class Selection(BaseModel):
    """The call the viewer looks at: its record, its retry timeline."""

    model_config = _FROZEN

    call_id: str
    detail: CallDetail

    def outcome(self) -> CallStatus | None:
        """How the call ended as its record or retry timeline says; None while live."""
        return selected_outcome(self.detail)


class Focus(BaseModel):
    """The campaign the viewer looks at: every known call of it, newest first."""

    model_config = _FROZEN

    campaign_id: str
    calls: tuple[CallRecord, ...]
    partial: str | None = None
    """Why `calls` is not the campaign's whole listing (a replay of a recording made without
    the campaign open lists the calls the recording saw); None when it is the listing."""


class MonitorSnapshot(BaseModel):
    """Everything the monitor shows at one instant."""

    model_config = _FROZEN

    schema_version: int = SCHEMA_VERSION
    now: datetime
    """Now on the API's clock (its `Date`): running calls' durations count from it."""
    mono: float
    """The monitor's monotonic clock: ages and health times (`since`, `until`) are on it."""
    health: ApiHealth
    """The API's state, the request budget's figures and the rate limit's."""
    panes: tuple[PaneStatus, ...]
    """Each pane's age and staleness."""
    next_poll_s: float | None = None
    """Seconds until the next request; None when nothing is scheduled."""
    last_data: datetime | None = None
    """When (API clock) the last answer with data came: "showing data from ..."."""
    fallbacks: str = ""
    """Documented fallbacks in use and what recent reads left out, in words."""
    internal_error: str | None = None
    """The monitor's own last bug (a poller raised), in words; None when none."""
    active_poll_s: float = 5.0
    """How often the active calls are polled (the history sparkline's time scale)."""
    webhooks: WebhookStatus | None = None
    """The relay's webhook receiver (issue 22): mode, deliveries, refusals, the gap; None
    when the monitor receives none."""
    data: SnapshotData
    selection: Selection | None = None
    focus: Focus | None = None

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        # A snapshot written by a newer monitor may mean something else by a field: refused,
        # never half-read. Older versions are read as long as their fields still parse.
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"snapshot schema {version} is newer than this monitor's ({SCHEMA_VERSION})"
            )
        return version

    # -- convenience for consumers -------------------------------------------------------------

    def detail_of(self, call_id: str | None) -> CallDetail | None:
        """The detail of `call_id` when it is the selected call; else None (not known here)."""
        if call_id is None or self.selection is None or self.selection.call_id != call_id:
            return None
        return self.selection.detail

    def campaign(self, campaign_id: str | None) -> CampaignRow | None:
        return next((c for c in self.data.campaigns if c.id == campaign_id), None)

    def outcome_of(self, call_id: str) -> CallStatus | None:
        return self.data.outcomes.get(call_id)


# -- builders ---------------------------------------------------------------------------------


def build_data(
    store: Store,
    *,
    now: datetime,
    mono: float,
    cap: int | None,
    rows: ActiveRowCache | None = None,
    parts: DataParts | None = None,
) -> SnapshotData:
    """The store's contents at `now` (only when the store changed). `rows`: the rows in
    flight of unchanged calls are the very objects of the last build. `parts` (a feed keeps
    one): the parts equal to the last build's are its very objects, and the recent outcomes
    follow the calls that changed; without it, every part is made from a scan."""
    if parts is None:
        return SnapshotData.model_construct(
            version=store.version,
            active=active_rows(store, now, mono, rows),
            campaigns=campaign_rows(store, mono),
            concurrency=concurrency_view(store, now, cap, mono),
            outcomes=recent_outcomes(store, mono),
            call_ids=tuple(store.calls),
            active_read=_active_read(store),
            insights=store.insights,
        )
    return SnapshotData.model_construct(
        version=store.version,
        active=active_rows(store, now, mono, parts.rows),
        campaigns=parts.same("campaigns", campaign_rows(store, mono)),
        concurrency=parts.concurrency(store, now, cap, mono),
        outcomes=outcomes_of(store, mono),
        call_ids=parts.call_ids(store),
        active_read=_active_read(store),
        insights=store.insights,
    )


def _active_read(store: Store) -> bool:
    active = store.freshness.get("active")
    return active is not None and active.fetched_at is not None


def build_selection(store: Store, call_id: str | None, now: datetime) -> Selection | None:
    if call_id is None:
        return None
    return Selection.model_construct(call_id=call_id, detail=call_detail(store, call_id, now))


def build_focus(
    store: Store, campaign_id: str | None, cache: RecordCache | None = None
) -> Focus | None:
    """The focused campaign's calls (`cache`: records of unchanged calls are reused)."""
    if campaign_id is None:
        return None
    calls = campaign_calls(store, campaign_id, cache)
    return Focus.model_construct(campaign_id=campaign_id, calls=calls)


def build_snapshot(
    store: Store,
    *,
    now: datetime,
    mono: float,
    cap: int | None,
    data: SnapshotData | None = None,
    selection: Selection | None = None,
    focus: Focus | None = None,
    next_poll_s: float | None = None,
    routes: str = "",
    active_poll_s: float = 5.0,
) -> MonitorSnapshot:
    """One snapshot: the parts given are reused as they are, the clock fields are read now.

    Args:
        store: the store the parts were (or are) built from.
        now: the API's now.
        mono: the monitor's monotonic now.
        cap: the concurrency cap (settings, or the simulator's).
        data: the data part, when the store did not change since it was built.
        selection, focus: the viewer's parts (None: nothing selected, no campaign focused).
        next_poll_s: the scheduler's next request.
        routes: the documented fallbacks in use, in words (the engine's routes).
        active_poll_s: the active calls' poll interval.
    """
    good = store.last_good_read
    hooks = WebhookStatus.of(store.webhooks) if store.webhooks is not None else None
    words = " · ".join(
        w
        for w in (
            f"endpoint unavailable; fallback: {routes}" if routes else "",
            webhook_words(hooks, mono) if hooks is not None else "",
            read_words(store, mono),
        )
        if w
    )
    return MonitorSnapshot.model_construct(
        schema_version=SCHEMA_VERSION,
        now=now,
        mono=mono,
        health=store.health,
        panes=pane_status(store, mono),
        next_poll_s=next_poll_s,
        last_data=now - timedelta(seconds=mono - good) if good is not None else None,
        fallbacks=words,
        internal_error=store.internal_error,
        active_poll_s=active_poll_s,
        webhooks=hooks,
        data=data if data is not None else build_data(store, now=now, mono=mono, cap=cap),
        selection=selection,
        focus=focus,
    )


__all__ = [
    "FINAL_STATUSES",
    "INSIGHT_KINDS",
    "IN_FLIGHT_STATUSES",
    "OUTCOME_COLUMNS",
    "OUTCOME_WINDOW_S",
    "SCHEMA_VERSION",
    "ActiveCallRow",
    "ActiveRowCache",
    "ApiHealth",
    "CallClock",
    "CallDetail",
    "CallRecord",
    "CallStatus",
    "CampaignInsight",
    "CampaignRow",
    "ConcurrencyView",
    "Correction",
    "DataParts",
    "Focus",
    "Insight",
    "Insights",
    "MonitorSnapshot",
    "PaneStatus",
    "RecordCache",
    "Selection",
    "SnapshotData",
    "Timeline",
    "TimelineRow",
    "WaveBucket",
    "build_data",
    "build_focus",
    "build_selection",
    "build_snapshot",
    "call_clock",
    "live_duration",
]
