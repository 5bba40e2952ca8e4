"""Retries still to come: each retry series' latest known attempt that its policy will retry,
and when (API sheet section 8). The retry wave is projected from them, and the store lets
their calls go last when it is full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.api.vocab import FINAL_STATUSES
from monitor.state.calldetail import retry_config_for
from monitor.state.derive import pending_retry_eta
from monitor.state.store import Store

WAVE_RETENTION = timedelta(minutes=2)
"""An overdue retry still counts in the wave this long (it may be waiting for a slot); later
it has most likely been placed and ended between two polls, so it is dropped."""


def pending_etas(store: Store, now: datetime) -> list[datetime]:
    """ETAs of every retry series whose latest known attempt will be retried (section 8)."""
    return [eta for _, eta in _pending(store) if eta > now - WAVE_RETENTION]


def pending_retry_ids(store: Store) -> frozenset[str]:
    """The calls whose retry is still to come: the store lets them go last (`Store.prune`),
    as the wave is projected from them."""
    return frozenset(cid for cid, _ in _pending(store))


def _pending(store: Store) -> list[tuple[str, datetime]]:
    """(call id, ETA) of each series' latest attempt that will be retried, memoised per
    calls_version (it depends on the calls and campaigns alone)."""
    cached = store.memo.get("pending_etas")
    if cached is not None and cached[0] == store.calls_version:
        return cached[1]  # type: ignore[return-value]
    latest: dict[str, Call] = {}
    sizes: dict[str, int] = {}
    floor = datetime.min.replace(tzinfo=UTC)
    for tracked in store.calls.values():
        c = tracked.call
        key = c.retry_group_id or c.id
        sizes[key] = sizes.get(key, 0) + 1
        current = latest.get(key)
        # The attempt number is sometimes omitted: the later-placed attempt is the latest.
        if current is None or (c.created_at or floor, c.attempt or 0) > (
            current.created_at or floor,
            current.attempt or 0,
        ):
            latest[key] = c
    pending = []
    for key, call in latest.items():
        if call.status not in FINAL_STATUSES:
            continue
        if call.attempt is None:
            # Not every payload numbers its attempts: the attempts we know are a lower bound.
            known = sizes[key] + store.series_let_go.get(key, 0)
            call = call.model_copy(update={"attempt": known})
        eta = pending_retry_eta(call, retry_config_for(store, call))
        if eta is not None:
            pending.append((call.id, eta))
    store.memo["pending_etas"] = (store.calls_version, pending)
    return pending
