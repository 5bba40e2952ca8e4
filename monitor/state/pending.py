"""Retries still to come: each retry series' latest known attempt that its policy will retry,
and when (API sheet section 8). The retry wave is projected from them, and the store lets
their calls go last when it is full.

Kept incrementally: a poll changes a few calls of thousands, so only the series of the calls
that changed (`Store.changed_calls`) are looked at again; a change of a campaign record (a
retry configuration) or of the pruned counts' memory (`Store.calls_epoch`) starts over.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from monitor.api.vocab import FINAL_STATUSES
from monitor.state.calldetail import retry_config_for
from monitor.state.derive import WaveBucket, pending_retry_eta, retry_wave
from monitor.state.store import Store, TrackedCall

WAVE_RETENTION = timedelta(minutes=2)
"""An overdue retry still counts in the wave this long (it may be waiting for a slot); later
it has most likely been placed and ended between two polls, so it is dropped."""

_FLOOR = datetime.min.replace(tzinfo=UTC)
_MEMO = "pending_etas"


def pending_etas(store: Store, now: datetime) -> list[datetime]:
    """ETAs of every retry series whose latest known attempt will be retried (section 8)."""
    return [eta for _, eta in _pending(store) if eta > now - WAVE_RETENTION]


def pending_wave(
    store: Store, now: datetime, *, in_flight: int, cap: int | None
) -> tuple[WaveBucket, ...]:
    """`retry_wave(pending_etas(store, now), now, ...)`, the same tuple while its inputs are:
    the pending retries, the minute `now` is in, which of them are past the retention, the
    calls in flight and the cap (most seconds change none of them)."""
    listing = _pending(store)
    kept = store.memo.get(_WAVE)
    last = kept[1] if kept is not None else None
    if not isinstance(last, _Wave) or last.listing is not listing:
        last = _Wave(listing)
    cut = bisect_right(last.etas, now - WAVE_RETENTION)
    key = (cut, now.replace(second=0, microsecond=0), in_flight, cap)
    if last.key != key:
        last.key = key
        last.wave = retry_wave(last.etas[cut:], now, in_flight=in_flight, cap=cap)
    store.memo[_WAVE] = (store.calls_version, last)
    return last.wave


class _Wave:
    """The last wave made from one listing of pending retries (kept alive here, so that its
    identity stands for its contents), and what it was made for."""

    def __init__(self, listing: list[tuple[str, datetime]]) -> None:
        self.listing = listing
        self.etas = sorted(eta for _, eta in listing)
        self.key: tuple[object, ...] | None = None
        self.wave: tuple[WaveBucket, ...] = ()


_WAVE = "pending_wave"


def pending_retry_ids(store: Store) -> frozenset[str]:
    """The calls whose retry is still to come: the store lets them go last (`Store.prune`),
    as the wave is projected from them."""
    return frozenset(cid for cid, _ in _pending(store))


class PendingIndex:
    """Each series' members and its pending retry (call id, ETA), if any."""

    def __init__(self, store: Store) -> None:
        self.epoch = store.calls_epoch
        self.series_of: dict[str, str] = {}
        """The series of each call that is not its own series' first attempt (a call whose
        series is itself, most of them, is found in `members` under its own id)."""
        self.members: dict[str, tuple[str, ...]] = {}
        """Tuples, not sets: a series has a few attempts, and a set costs 216 bytes at least,
        4 MB over the 15,000 calls `huge` held then (issue 21: the store's bound held the RSS
        only so)."""
        self.due: dict[str, tuple[str, datetime]] = {}
        self.listing: list[tuple[str, datetime]] = []
        for cid, tracked in store.calls.items():
            self._join(cid, _series(tracked))
        for key in self.members:
            self._judge(store, key)
        self.listing = list(self.due.values())

    def follow(self, store: Store, changed: dict[str, None]) -> None:
        """Bring the series of the calls in `changed` up to date."""
        dirty: set[str] = set()
        members = self.members
        for cid in changed:
            old = self.series_of.pop(cid, None)
            if old is None and cid in members.get(cid, ()):
                old = cid
            if old is not None:
                members[old] = tuple(m for m in members[old] if m != cid)
                dirty.add(old)
            tracked = store.calls.get(cid)
            if tracked is not None:
                key = _series(tracked)
                self._join(cid, key)
                dirty.add(key)
        for key in dirty:
            self._judge(store, key)
        if dirty:
            self.listing = list(self.due.values())

    def _join(self, cid: str, key: str) -> None:
        if key != cid:
            self.series_of[cid] = key
        self.members[key] = (*self.members.get(key, ()), cid)

    def _judge(self, store: Store, key: str) -> None:
        """The series' pending retry, as a scan of every call in `store.calls` order finds
        it: its latest attempt (the later-placed one, then the higher number; the first in
        the store's order on a tie) when it ended and its policy retries it."""
        self.due.pop(key, None)
        members = self.members.get(key)
        if not members:
            self.members.pop(key, None)
            return
        latest: TrackedCall | None = None
        best: tuple[datetime, int, int] | None = None
        for cid in members:
            tracked = store.calls[cid]
            c = tracked.call
            rank = (c.created_at or _FLOOR, c.attempt or 0, -tracked.seq)
            if best is None or rank > best:
                best, latest = rank, tracked
        assert latest is not None
        call = latest.call
        if call.status not in FINAL_STATUSES:
            return
        if call.attempt is None:
            # Not every payload numbers its attempts: the attempts we know are a lower bound.
            known = len(members) + store.series_let_go.get(key, 0)
            call = call.model_copy(update={"attempt": known})
        eta = pending_retry_eta(call, retry_config_for(store, call))
        if eta is not None:
            self.due[key] = (call.id, eta)


def _series(tracked: TrackedCall) -> str:
    return tracked.call.retry_group_id or tracked.call.id


def _pending(store: Store) -> list[tuple[str, datetime]]:
    """(call id, ETA) of each series' latest attempt that will be retried, kept per
    calls_version (it depends on the calls and campaigns alone)."""
    cached = store.memo.get(_MEMO)
    if cached is not None and cached[0] == store.calls_version:
        return cached[1].listing  # type: ignore[attr-defined, no-any-return]
    changed = store.changed_calls(_MEMO)
    index = cached[1] if cached is not None else None
    if not isinstance(index, PendingIndex) or changed is None or index.epoch != store.calls_epoch:
        index = PendingIndex(store)
    else:
        index.follow(store, changed)
    store.memo[_MEMO] = (store.calls_version, index)
    return index.listing
