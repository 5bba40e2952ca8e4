"""View-models: what each pane shows, derived purely from the store and the time.

`MonitorSnapshot` (`state.snapshot`) holds them, the UI renders them, `snapshot` prints them.
Frozen, so a widget can compare the new view with the one it drew and touch only what
changed. One call's detail and one campaign's calls are in `state.calldetail`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from monitor.api.vocab import OUTCOME_COLUMNS, CallStatus
from monitor.state.activerows import (
    ActiveCallRow,
    ActiveRowCache,
    active_rows,
)
from monitor.state.calldetail import CallDetail, call_detail, campaign_calls, retry_config_for
from monitor.state.derive import (
    WaveBucket,
    connect_rate,
)
from monitor.state.freshness import Freshness
from monitor.state.notes import count_flags, unread_reason
from monitor.state.pending import pending_wave
from monitor.state.store import ApiHealth, Store
from monitor.state.tally import COUNTED_VALUES, Correction

PANES = ("active", "campaigns", "retries", "concurrency")


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: str
    name: str | None
    status: str
    status_raw: str | None
    total: int | None
    """Calls placed in the campaign (its call logs' total); None when not read. Never the
    contact list's size, which is `contacts` (API sheet 3.8: two counters, two names)."""
    counts: dict[str, int | None]
    in_flight: int
    connect_rate: float | None
    qualified_rate: float | None
    analysis_pending: int
    max_concurrent: int | None
    age_s: float | None
    stale: bool
    contacts: int | None = None
    """Recipients loaded into the campaign (`total_leads`, `total_records`, ...)."""
    count_flags: tuple[str, ...] = ()
    """Why the counts cannot all be true (or are not known), in words."""
    history_filling: bool = False
    """Some outcome's total from before the monitor started is not read yet: that count is
    unknown (None), and `since_start` holds the exact count of endings since start."""
    since_start: dict[str, int] | None = None
    correction: Correction | None = None
    """The last reconciliation that found a count off (API minus ours), if any."""
    conformance: float | None = None
    """Retry-policy conformance in percent (issue 19); None: no series checked."""


@dataclass(frozen=True, slots=True)
class ConcurrencyView:
    in_flight: int
    cap: int | None
    peak: int
    queued: int
    """Calls placed but waiting for a slot (outside the gauge: the API does not say they hold
    one)."""
    history: tuple[int, ...]
    wave: tuple[WaveBucket, ...]
    wave_peak: WaveBucket | None
    """The minute of the coming wave with the most retries due."""
    hits_cap: bool
    wave_partial: bool = False
    """Outcomes were missed lately (more endings than the budget could read): the wave counts
    only the retries of calls read, so it is at least this high."""
    unknown: str | None = None
    """Why the calls in flight (and so the peak) are not known: no list of them was ever read.
    None once one was; until then the figures above are no reading, never zeros to show."""
    queued_unknown: str | None = None
    wave_unknown: str | None = None
    """Why the retry wave is not known (no list of ended calls read yet): not "none due"."""


@dataclass(frozen=True, slots=True)
class PaneStatus:
    pane: str
    age_s: float | None
    stale: bool
    error: str | None


@dataclass(frozen=True, slots=True)
class DashboardView:
    active: tuple[ActiveCallRow, ...]
    campaigns: tuple[CampaignRow, ...]
    concurrency: ConcurrencyView
    panes: tuple[PaneStatus, ...]
    health: ApiHealth
    selected: CallDetail | None
    now: datetime


_OUTCOME_VALUES = tuple(s.value for s in OUTCOME_COLUMNS)
_IN_PROGRESS = CallStatus.IN_PROGRESS.value


def campaign_rows(store: Store, mono_now: float) -> tuple[CampaignRow, ...]:
    # Made at every new snapshot (a row's age moves with the clock): the statuses' words are
    # looked up once here, not through the enum for every row (issue 21).
    in_flight = _in_flight_by_campaign(store)
    rows = []
    live = _worst_freshness(store, ("endings", "campaigns"))
    for cid, state in store.campaigns.items():
        tally = store.tally.campaigns.get(cid)
        fresh = store.freshness.get(f"counts/{cid}") or live
        counts = dict(state.counts)
        if tally is not None:
            # Live: the API's total at its baseline plus every ending seen since.
            counts.update({s: tally.count(s) for s in COUNTED_VALUES})
        counts[_IN_PROGRESS] = in_flight.get(cid, counts.get("in_progress"))
        campaign = state.campaign
        rows.append(
            CampaignRow(
                id=cid,
                name=campaign.name,
                status=campaign.status.value,
                status_raw=campaign.status_raw,
                total=state.total,
                contacts=campaign.total,
                # The counts and the calls placed of one read (`intake.put_total`): the
                # live ones include calls placed since.
                count_flags=count_flags(state.counts, state.counts_total),
                counts={s: counts.get(s) for s in _OUTCOME_VALUES},
                in_flight=in_flight.get(cid, 0),
                # The counts by word: a `StrEnum` status finds its word's count.
                connect_rate=connect_rate(counts),  # type: ignore[arg-type]
                qualified_rate=state.qualified_rate,
                analysis_pending=state.analysis_pending,
                max_concurrent=campaign.max_concurrent_calls,
                age_s=fresh.age(mono_now),
                stale=fresh.is_stale(mono_now) or fresh.error is not None,
                history_filling=tally.filling if tally is not None else not state.counts,
                since_start=(
                    {s: tally.since_start(s) for s in COUNTED_VALUES} if tally is not None else None
                ),
                correction=tally.corrections[-1] if tally and tally.corrections else None,
                conformance=_conformance(store, cid),
            )
        )
    return tuple(rows)


def _in_flight_by_campaign(store: Store) -> dict[str, int]:
    """Calls in flight per campaign, kept per `calls_version`."""
    cached = store.memo.get("in_flight_by_campaign")
    if cached is not None and cached[0] == store.calls_version:
        return cached[1]  # type: ignore[return-value]
    in_flight: dict[str, int] = {}
    for tracked in store.in_flight():
        key = tracked.call.campaign_id or ""
        in_flight[key] = in_flight.get(key, 0) + 1
    store.memo["in_flight_by_campaign"] = (store.calls_version, in_flight)
    return in_flight


def _worst_freshness(store: Store, keys: Iterable[str]) -> Freshness:
    """The oldest of several resources (never fetched counts as missing, not as fresh)."""
    found = [f for k in keys if (f := store.freshness.get(k)) is not None]
    if not found:
        return Freshness()
    if any(f.fetched_at is None for f in found):
        return next(f for f in found if f.fetched_at is None)
    worst = min(found, key=lambda f: f.fetched_at or 0.0)
    error = next((f for f in found if f.error is not None), None)
    return worst if error is None else error


WAVE_PARTIAL_S = 600.0
"""The wave is called partial for this long after outcomes were last missed: the retries of
calls missed then fall due up to a campaign's retry interval later."""


def in_flight_count(store: Store) -> int:
    """The calls in flight as the concurrency pane (its gauge, peak and the wave's
    projection) counts them: what the latest complete active sweep listed, less its calls
    seen ended since its last page was asked for, plus calls seen starting since only as far
    as those endings freed slots. Never more than the sweep listed, so never more than were
    in flight when its last page was read.

    Why not the store's own set of live calls: it is a union of reads made at different
    instants, and a start is seen sooner than the ending whose slot it took. A campaign's
    listing or a sweep's first page names a call dialled a second ago, while the call it
    replaced is proven ended only by the endings page, a lookup or the sweep's later pages:
    that union said 101 of a 100 cap at the start of `--demo` (the campaigns' first reads
    bring replacements before the first endings read) and 1,005 of 1,000 at `huge`. So a start
    seen between sweeps counts once a sweep lists it (every few seconds: the pane's freshness
    is that sweep's) or in a slot a known ending freed; a growing workspace shows it one sweep
    late, never a moment at 101/100.

    Nor the union less every ending known: a call listed on a sweep's first page that ended
    before its last page was read held a slot that someone held at the last page (the rows
    read are never more than the list then held), whose new holder the sweep may have missed
    (dialled out of the queue onto a page already read). Taking those endings off as well
    would leave every multi-page sweep short by the calls that ended while it was read; only
    endings learnt after its last page was asked for are taken off (some happened before it:
    a little short, never over). Before any sweep was read whole, the pages read so far of
    the first one stand for it.

    While webhooks flow (issue 22) sweeps only reconcile, a minute apart, and starts and
    endings are both delivered as they happen: the union is the count then (mid-sweep
    excepted, whose first pages bring replacements the later ones balance)."""
    live = store.in_flight()
    since = store.swept_at
    if since is None:
        return len(live)  # no page of the list read yet: the pane says unknown
    pushed = store.webhooks is not None and store.webhooks.mode == "flowing"
    if pushed and not store.sweeping:
        return len(live)
    key = (store.calls_version, id(store.swept_ids), since)
    cached = store.memo.get("in_flight_count")
    if cached is not None and isinstance(memo := cached[1], tuple) and memo[0] == key:
        return int(memo[1])
    listed = store.swept_ids
    live_ids = {t.call.id for t in live}
    gone = 0
    for cid in listed - live_ids:
        tracked = store.calls.get(cid)
        ended = tracked.ended_seen if tracked is not None else None
        if ended is None or ended >= since:
            gone += 1
    newcomers = len(live_ids - listed)
    count = len(listed) - gone + min(newcomers, gone)
    store.memo["in_flight_count"] = (store.calls_version, (key, count))
    return count


def concurrency_view(
    store: Store, now: datetime, cap: int | None, mono_now: float | None = None
) -> ConcurrencyView:
    in_flight = in_flight_count(store)
    wave = pending_wave(store, now, in_flight=in_flight, cap=cap)
    wave_peak = max(wave, key=lambda b: b.calls, default=None)
    return ConcurrencyView(
        unknown=unread_reason(store, "active", "calls in flight"),
        queued_unknown=unread_reason(store, "queued", "queued calls"),
        wave_unknown=unread_reason(store, "endings", "ended calls"),
        in_flight=in_flight,
        cap=cap,
        peak=max(store.peak, in_flight),
        queued=len(store.queued()),
        history=tuple(n for _, n in store.concurrency),
        wave=wave,
        wave_peak=wave_peak,
        hits_cap=any(b.over_cap for b in wave),
        wave_partial=(
            store.endings_missed_at is not None
            and mono_now is not None
            and mono_now - store.endings_missed_at < WAVE_PARTIAL_S
        ),
    )


def pane_status(store: Store, mono_now: float) -> tuple[PaneStatus, ...]:
    def worst(resources: Iterable[str]) -> PaneStatus:
        ages: list[float] = []
        stale = False
        error = None
        for name in resources:
            fresh = store.freshness.get(name)
            if fresh is None:
                continue
            age = fresh.age(mono_now)
            if age is not None:
                ages.append(age)
            stale = stale or fresh.is_stale(mono_now)
            if fresh.error is not None and error is None:
                error = fresh.error.message
        return PaneStatus("", max(ages) if ages else None, stale, error)

    # Counts are live from the endings stream; the list brings names, states and totals.
    counts = [k for k in store.freshness if k.startswith(("counts/", "campaigns", "endings"))]
    retries = [k for k in store.freshness if k.startswith(("retries/", "call/"))]
    groups = {
        "active": ["active"],
        "campaigns": counts,
        "retries": retries,
        "concurrency": ["active", "endings"],
    }
    out = []
    for pane in PANES:
        status = worst(groups[pane])
        out.append(PaneStatus(pane, status.age_s, status.stale, status.error))
    return tuple(out)


def dashboard_view(
    store: Store,
    *,
    now: datetime,
    mono_now: float,
    cap: int | None,
    selected_call_id: str | None = None,
) -> DashboardView:
    return DashboardView(
        active=active_rows(store, now, mono_now),
        campaigns=campaign_rows(store, mono_now),
        concurrency=concurrency_view(store, now, cap, mono_now),
        panes=pane_status(store, mono_now),
        health=store.health,
        selected=call_detail(store, selected_call_id, now) if selected_call_id else None,
        now=now,
    )


__all__ = [
    "ActiveCallRow",
    "ActiveRowCache",
    "CallDetail",
    "CampaignRow",
    "ConcurrencyView",
    "DashboardView",
    "PaneStatus",
    "active_rows",
    "call_detail",
    "campaign_calls",
    "campaign_rows",
    "concurrency_view",
    "dashboard_view",
    "pane_status",
    "retry_config_for",
]


def _conformance(store: Store, campaign_id: str) -> float | None:
    found = store.insights.campaigns.get(campaign_id)
    return None if found is None else found.conformance
