"""One call's detail (record, retry timeline) and one campaign's calls, from the store.

What the viewer drills into: the call screen and the dashboard's retry timeline show a
`CallDetail`, the campaign screen lists `campaign_calls`. Built on demand for the selected
call and the focused campaign only (`MonitorSnapshot.selection`, `.focus`), never for every
call at every poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.api.models import Call, RetryConfig
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.state.derive import Timeline, build_timeline, history_from_call, reconcile
from monitor.state.records import CallRecord, RecordCache, record_of
from monitor.state.store import Store, TrackedCall


@dataclass(frozen=True, slots=True)
class CallDetail:
    """One call as its screen and the retry timeline show it."""

    call: CallRecord | None
    timeline: Timeline | None
    gone: bool
    """The API says the call no longer exists (404)."""
    listed: bool
    """Still in the store's recent calls (R4: "no longer listed" when False)."""
    retries_error: str | None
    retry_source: str | None = None
    """Where the timeline came from: `call-logs` (the retry history) or `call-record` (no
    history of its own: one attempt from the record); None with no timeline."""
    campaign_from: str | None = None
    """The read that gave the campaign, when the last read of the call did not say it (the
    call screen: "campaign from the in-flight list"); None when the last read said it."""


def retry_config_for(store: Store, call: Call) -> RetryConfig | None:
    if call.retry is not None:
        return call.retry
    state = store.campaigns.get(call.campaign_id or "")
    return state.campaign.retry_config if state else None


def call_detail(store: Store, call_id: str, now: datetime) -> CallDetail:
    tracked: TrackedCall | None = store.calls.get(call_id)
    call = tracked.call if tracked else None
    timeline = None
    source = None
    if call is not None:
        stored = store.histories.get(call.retry_group_id or call.id)
        source = stored.source if stored is not None else None  # None: not read yet
        history = reconcile(stored or history_from_call(call), call)
        timeline = build_timeline(history, retry_config_for(store, call), now)
    elif (alone := store.histories.get(call_id)) is not None and alone.attempts:
        # The record could not be read (404) but the history could: it is shown.
        source = alone.source
        timeline = build_timeline(alone, None, now)
    fresh = store.freshness.get(f"retries/{call_id}")
    return CallDetail(
        call=record_of(call) if call is not None else None,
        timeline=timeline,
        gone=call_id in store.gone_calls,
        listed=tracked is not None,
        retries_error=fresh.error.message if fresh and fresh.error else None,
        retry_source=source,
        campaign_from=(
            tracked.campaign_source
            if tracked is not None and tracked.campaign_source != tracked.last_source
            else None
        ),
    )


def campaign_calls(
    store: Store, campaign_id: str, cache: RecordCache | None = None
) -> tuple[CallRecord, ...]:
    """Every known call of one campaign, newest first (the campaign screen's table).

    `cache` keeps the records of unchanged calls from one build to the next.
    """
    calls = [t.call for t in store.calls.values() if t.call.campaign_id == campaign_id]
    epoch = datetime.min.replace(tzinfo=None)
    calls.sort(
        key=lambda c: c.created_at.replace(tzinfo=None) if c.created_at else epoch, reverse=True
    )
    return tuple((cache or RecordCache()).records(calls))


__all__ = ["CallDetail", "call_detail", "campaign_calls", "retry_config_for"]


def selected_outcome(detail: CallDetail) -> CallStatus | None:
    """How the call turned out as its detail knows it: its record's final status, else its
    own attempt's outcome in the retry timeline (the last one, or the one its attempt number
    names); None while neither says it ended."""
    call = detail.call
    if call is not None and call.status in FINAL_STATUSES:
        return call.status
    timeline = detail.timeline
    if timeline is None or not timeline.rows:
        return None
    number = call.attempt if call is not None else None
    row = next((r for r in timeline.rows if r.attempt == number), None) if number else None
    if row is None and number is None:
        row = timeline.rows[-1]
    if row is None or row.live or row.outcome not in FINAL_STATUSES:
        return None
    return row.outcome
