"""The Active calls pane's rows: one per call in flight, its long-call mark, and the rows
reused while nothing they show changed (`ActiveRowCache`, which the flight recorder and the
table tell unchanged by identity). Split from `state.views`, which re-exports them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from monitor.api.models import Call
from monitor.api.vocab import CallStatus
from monitor.state.store import Store

RING_TOO_LONG_S = 60.0
"""A call still dialling after a minute is stuck, or ringing out: worth a mark."""
LONG_CALL_MIN_SAMPLES = 5
"""A campaign's p95 duration means little before this many connected calls."""


@dataclass(frozen=True, slots=True)
class ActiveCallRow:
    id: str
    campaign_id: str | None
    campaign_name: str | None
    to_number: str | None
    status: CallStatus
    status_raw: str | None
    started_at: datetime | None
    """When the attempt was placed; the UI ticks the duration from it."""
    attempt: int | None
    long_call: bool
    state_since: float | None = None
    """Monotonic time its status (or ended) last changed, not any field's: a re-read moving
    only `duration_s` leaves the row as it was. None in rows recorded before (their
    `changed_at` is an unknown field, ignored on reading)."""


def _p95(values: list[int]) -> float | None:
    if len(values) < LONG_CALL_MIN_SAMPLES:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)])


def campaign_p95(store: Store) -> dict[str, float]:
    """Each campaign's p95 connected duration, memoised per `calls_version`: a scan of every
    call the store keeps, which most new snapshots (a poll's freshness, no call changed)
    would otherwise repeat for the same answer (issue 21)."""
    cached = store.memo.get("campaign_p95")
    if cached is not None and cached[0] == store.calls_version:
        return cached[1]  # type: ignore[return-value]
    durations: dict[str, list[int]] = {}
    for tracked in store.calls.values():
        c = tracked.call
        if c.status is CallStatus.COMPLETED and c.duration_s and c.campaign_id:
            durations.setdefault(c.campaign_id, []).append(c.duration_s)
    out: dict[str, float] = {}
    for campaign_id, values in durations.items():
        p95 = _p95(values)
        if p95 is not None:
            out[campaign_id] = p95
    store.memo["campaign_p95"] = (store.calls_version, out)
    return out


def is_long_call(
    call: Call,
    now: datetime,
    p95_by_campaign: dict[str, float],
    *,
    ringing_s: float | None = None,
) -> bool:
    """Ringing too long (measured from when we first saw it dialling, not from when it was
    queued), or running past its campaign's p95 connected duration."""
    if call.status is CallStatus.DIALING:
        return ringing_s is not None and ringing_s > RING_TOO_LONG_S
    if call.created_at is None:
        return False
    elapsed = (now - call.created_at).total_seconds()
    limit = p95_by_campaign.get(call.campaign_id or "")
    return limit is not None and elapsed > limit


class ActiveRowCache:
    """The row made for each call in flight, reused while nothing it shows changed.

    A row shows some fields of the call's record, its campaign's name, the long call mark
    and when its state began: with the same ones, the very same row object comes back. At
    `huge` a re-read of the ~1,000 calls in flight gives most of them a new record (their
    `duration_s` moved), but only ~250 rows show something new; the others stay the same
    objects, so whoever keeps something per row (the flight recorder's row texts, a table)
    knows them unchanged by identity instead of comparing every field of every row.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[tuple[object, ...], ActiveCallRow]] = {}
        self._next: dict[str, tuple[tuple[object, ...], ActiveCallRow]] = {}
        self.listing: Listing | None = None
        """The last listing, and until when it holds."""

    def row(
        self, call: Call, campaign_name: str | None, long_call: bool, state_since: float
    ) -> ActiveCallRow:
        shown = (
            call.campaign_id,
            campaign_name,
            call.to_number,
            call.status,
            call.status_raw,
            call.created_at,
            call.attempt,
            long_call,
            state_since,
        )
        hit = self._rows.get(call.id)
        if hit is not None and hit[0] == shown:
            row = hit[1]
        else:
            row = ActiveCallRow(
                id=call.id,
                campaign_id=call.campaign_id,
                campaign_name=campaign_name,
                to_number=call.to_number,
                status=call.status,
                status_raw=call.status_raw,
                started_at=call.created_at,
                attempt=call.attempt,
                long_call=long_call,
                state_since=state_since,
            )
        self._next[call.id] = (shown, row)
        return row

    def done(self) -> None:
        """One listing made: the calls not in it are forgotten."""
        self._rows, self._next = self._next, {}


_MARGIN = 0.001
"""A listing is taken to hold until a millisecond before a mark would appear: the arithmetic
of the check and of its bound may round differently in the last digit."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A listing of the calls in flight and how long it holds while no call changes: each
    row's long-call mark only appears with time (a call dialling for a minute, running past
    its campaign's p95), so until the first of those instants the rows are the same."""

    store: int
    calls_version: int
    now: datetime
    mono: float
    slack_now: float
    """Seconds (API clock) until a running call passes its campaign's p95, less the margin."""
    slack_mono: float
    """Seconds (monotonic) until a call has been dialling a minute, less the margin."""
    rows: tuple[ActiveCallRow, ...]

    def holds(self, store: Store, now: datetime, mono: float) -> bool:
        return (
            self.store == id(store)
            and self.calls_version == store.calls_version
            and 0.0 <= mono - self.mono < self.slack_mono
            and 0.0 <= (now - self.now).total_seconds() < self.slack_now
        )


def active_rows(
    store: Store,
    now: datetime,
    mono_now: float | None = None,
    cache: ActiveRowCache | None = None,
) -> tuple[ActiveCallRow, ...]:
    """The calls in flight, oldest first (`cache`: rows of unchanged calls are reused, and
    while no call changed and no long-call mark came, the very tuple of the last listing)."""
    last = cache.listing if cache is not None else None
    if last is not None and mono_now is not None and last.holds(store, now, mono_now):
        return last.rows
    p95 = campaign_p95(store)
    made = cache if cache is not None else ActiveRowCache()
    rows = []
    slack_mono = slack_now = math.inf
    dialing = CallStatus.DIALING
    for tracked in store.in_flight():
        c = tracked.call
        campaign = store.campaigns.get(c.campaign_id or "")
        # `is_long_call`, inline, with how long until its mark would come (a mark, once
        # there, stays while time goes on).
        long_call = False
        if c.created_at is None:
            slack_now = -math.inf  # sorted at `now`, which moves: the listing never holds
        if c.status is dialing:
            if mono_now is not None:
                ringing_s = mono_now - tracked.state_since
                long_call = ringing_s > RING_TOO_LONG_S
                if not long_call and RING_TOO_LONG_S - ringing_s < slack_mono:
                    slack_mono = RING_TOO_LONG_S - ringing_s
        elif c.created_at is not None and (limit := p95.get(c.campaign_id or "")) is not None:
            elapsed = (now - c.created_at).total_seconds()
            long_call = elapsed > limit
            if not long_call and limit - elapsed < slack_now:
                slack_now = limit - elapsed
        rows.append(
            made.row(
                c, campaign.campaign.name if campaign else None, long_call, tracked.state_since
            )
        )
    made.done()
    rows.sort(key=lambda r: (r.started_at or now, r.id))
    listing = tuple(rows)
    if cache is not None and last is not None and _same_rows(last.rows, listing):
        listing = last.rows
    if cache is not None and mono_now is not None:
        cache.listing = Listing(
            id(store),
            store.calls_version,
            now,
            mono_now,
            slack_now - _MARGIN,
            slack_mono - _MARGIN,
            listing,
        )
    return listing


def _same_rows(a: tuple[ActiveCallRow, ...], b: tuple[ActiveCallRow, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


__all__ = [
    "LONG_CALL_MIN_SAMPLES",
    "RING_TOO_LONG_S",
    "ActiveCallRow",
    "ActiveRowCache",
    "active_rows",
    "campaign_p95",
    "is_long_call",
]
