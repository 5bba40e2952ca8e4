"""What one look at the API shows of the insights that otherwise need watching (issue 19).

The live monitor learns how long a call has rung, or a campaign has sat at its cap, by watching
it sweep after sweep. `snapshot` looks once. These rules read the durations from the records'
own clocks instead, and only from clocks whose meaning is documented:

- a retry history's `called_at` (or `timestamp`) is when that attempt was placed, i.e. dialled
  (API sheet section 3.6): how long a call still dialling has rung, and when a campaign last
  dialled;
- a queued call's `created_at` is when it joined the queue: how long it has waited;
- a call whose raw status is `skipped` was refused at the concurrency cap (section 10: "a full
  queue marks the extra calls skipped"), the one trace of the vendor's rejection a reader sees.

A call's `created_at` is never taken as the time it started ringing: a batch call is created
long before it is dialled (section 6), so that would make a waiting call look stuck. It only
rules calls out (a call created a minute ago cannot have rung for three).

Pure: records and `now` in, findings out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.api.models import Call, RetryHistory
from monitor.api.vocab import is_skipped
from monitor.state.calltime import seconds_between

SKIPPED_WINDOW_S = 3600.0
"""Skipped dials count for an hour: the span of the idle bar."""


def placed_at(call_id: str, call: Call, histories: Mapping[str, RetryHistory]) -> datetime | None:
    """When this attempt was dialled, from its series' history when that was read; None when
    not known."""
    series = call.retry_group_id or call_id
    history = histories.get(series)
    if history is None or history.source != "call-logs":
        return None
    number = call.attempt if call.attempt is not None else (1 if series == call_id else None)
    for a in history.attempts:
        by_number = a.call_id is None and number is not None and a.attempt == number
        if a.call_id == call_id or by_number:
            return a.called_at
    return None


@dataclass(frozen=True, slots=True)
class Skipped:
    """One campaign's dials skipped by the vendor at its cap, in the last hour."""

    campaign_id: str
    count: int
    first: datetime | None
    last_call_id: str
    times: tuple[datetime, ...]
    """When each was skipped, where known."""


def skipped_dials(calls: Iterable[Call], now: datetime) -> dict[str, Skipped]:
    """Per campaign, the dials the vendor's full queue marked `skipped` within the hour."""
    found: dict[str, list[tuple[datetime | None, str]]] = {}
    for call in calls:
        if not call.campaign_id or not is_skipped(call.status_raw):
            continue
        at = call.ended_at or call.created_at
        age = seconds_between(at, now)
        if age is not None and age > SKIPPED_WINDOW_S:
            continue
        found.setdefault(call.campaign_id, []).append((at, call.id))
    out = {}
    for camp, rows in found.items():
        known = sorted(t for t, _ in rows if t is not None)
        last = max(rows, key=lambda r: (r[0] is not None, r[0] or now, r[1]))[1]
        out[camp] = Skipped(camp, len(rows), known[0] if known else None, last, tuple(known))
    return out


def blocked_since(
    placed: Iterable[datetime | None],
    ended: Iterable[datetime | None],
    now: datetime,
    run_s: float,
) -> datetime | None:
    """When a campaign at its cap, with calls waiting, last dialled, if that is `run_s` or more
    ago as far as its records show; None otherwise or when any dial time is unknown.

    `placed`: the dial times of its calls in flight; `ended`: the end times of its calls that
    ended lately. A dial in the run would show as a call in flight placed within it, or as a
    call that ended within it (a slot at the cap is freed by an ending)."""
    times = list(placed)
    if not times or any(t is None for t in times):
        return None
    latest = max(t for t in times if t is not None)
    for t in ended:
        age = seconds_between(t, now)
        if age is not None and age < run_s:
            return None
    held = seconds_between(latest, now)
    return latest if held is not None and held >= run_s else None


def oldest_wait(created: Iterable[datetime | None]) -> datetime | None:
    """When the longest-waiting of these queued calls joined the queue."""
    known = [t for t in created if t is not None]
    return min(known) if known else None
