"""`DataParts`: what the last data part of a snapshot was made of, kept by a feed so that the
next one is made from what changed, and hands back the very objects of the parts that did not.

A poll moves the store about every second, most often without changing a call (a freshness,
a count): rescanning every call then, and giving every consumer new objects that say the
same, was most of the monitor's CPU while nothing was pressed (issue 21). A part equal to the
last one is the last one (the UI and the recorder skip it by `is`); the recent outcomes follow
the calls that changed (`Store.changed_calls`) instead of scanning them all.

Every result is the one a scan from scratch gives (tests compare them after each change).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.state.activerows import ActiveRowCache
from monitor.state.pending import pending_wave
from monitor.state.store import Store, TrackedCall
from monitor.state.views import (
    WAVE_PARTIAL_S,
    ConcurrencyView,
    concurrency_view,
    in_flight_count,
)

OUTCOME_WINDOW_S = 120.0
"""Calls that ended this recently have their outcome in the snapshot: Active calls keeps an
ended row on screen for a while (30 s) and names how it turned out."""

T = TypeVar("T")


def recent_outcomes(store: Store, mono: float) -> dict[str, CallStatus]:
    """How each call that ended lately turned out, from a scan of every call."""
    return {
        cid: t.call.status
        for cid, t in store.calls.items()
        # From the record's last change, never before its ending's `state_since`: the ended
        # row (shown 30 s) always has its outcome.
        if t.call.status in FINAL_STATUSES and mono - t.changed_at <= OUTCOME_WINDOW_S
    }


class OutcomeIndex:
    """`recent_outcomes`, following the calls that changed.

    The calls with a final status are kept in the order of their last change, so those that
    left the window are at the front. The monitor's clock only goes forward; should a change
    come with an earlier time than one before it, the order no longer says which calls left
    the window and the next result is a full filter.
    """

    def __init__(self) -> None:
        self._ended: dict[str, TrackedCall] = {}
        self._last_at = float("-inf")
        self._mono = float("-inf")
        self._ordered = True
        self._out: dict[str, CallStatus] = {}
        self._primed = False

    def outcomes(self, store: Store, mono: float) -> dict[str, CallStatus]:
        changed = store.changed_calls(_OUTCOMES)
        if changed is None or not self._primed or mono < self._mono:
            self._prime(store, mono)
            return self._out
        self._mono = mono
        ended, out = self._ended, self._out
        touched: dict[str, CallStatus | None] = {}
        arrivals: list[TrackedCall] = []
        for cid in changed:
            if ended.pop(cid, None) is not None:
                touched[cid] = None
            tracked = store.calls.get(cid)
            if tracked is not None and tracked.call.status in FINAL_STATUSES:
                arrivals.append(tracked)
        arrivals.sort(key=lambda t: t.changed_at)
        for tracked in arrivals:
            ended[tracked.call.id] = tracked
            if tracked.changed_at < self._last_at:
                self._ordered = False
            self._last_at = tracked.changed_at
            if mono - tracked.changed_at <= OUTCOME_WINDOW_S:
                touched[tracked.call.id] = tracked.call.status
        if not self._ordered:
            self._prime(store, mono)
            return self._out
        while ended:
            cid, tracked = next(iter(ended.items()))
            if mono - tracked.changed_at <= OUTCOME_WINDOW_S:
                break
            del ended[cid]
            touched[cid] = None
        if not any(out.get(cid) is not status for cid, status in touched.items()):
            return out
        fresh = dict(out)
        for cid, status in touched.items():
            if status is None:
                fresh.pop(cid, None)
            else:
                fresh[cid] = status
        self._out = fresh
        return fresh

    def _prime(self, store: Store, mono: float) -> None:
        ended = sorted(
            (t for t in store.calls.values() if t.call.status in FINAL_STATUSES),
            key=lambda t: t.changed_at,
        )
        self._ended = {t.call.id: t for t in ended if mono - t.changed_at <= OUTCOME_WINDOW_S}
        self._last_at = ended[-1].changed_at if ended else float("-inf")
        self._ordered = True
        self._primed = True
        self._mono = mono
        self._out = recent_outcomes(store, mono)


_OUTCOMES = "recent_outcomes"


def outcomes_of(store: Store, mono: float) -> dict[str, CallStatus]:
    """`recent_outcomes`, kept per store (`OutcomeIndex`): the same dict while none came or
    went."""
    kept = store.memo.get(_OUTCOMES)
    index = kept[1] if kept is not None else None
    if not isinstance(index, OutcomeIndex):
        index = OutcomeIndex()
        store.memo[_OUTCOMES] = (0, index)
    return index.outcomes(store, mono)


class DataParts:
    """The caches one feed keeps between its data parts."""

    def __init__(self) -> None:
        self.rows = ActiveRowCache()
        self._last: dict[str, object] = {}
        self._call_ids: tuple[int, int, tuple[str, ...]] | None = None
        self._concurrency: tuple[tuple[object, ...], object, ConcurrencyView] | None = None

    def concurrency(
        self, store: Store, now: datetime, cap: int | None, mono: float
    ) -> ConcurrencyView:
        """`concurrency_view`, not even made again while what it is made of is the same: the
        calls (in flight, queued, pending retries), the wave, the freshness of the lists it
        reads, the API's state, the history's last sample, the peak, the cap."""
        in_flight = in_flight_count(store)
        wave = pending_wave(store, now, in_flight=in_flight, cap=cap)
        history = store.concurrency
        sample = history[-1] if history else None
        missed = store.endings_missed_at
        key = (
            id(store),
            store.calls_version,
            in_flight,
            wave,
            *(store.freshness.get(name) for name in ("active", "queued", "endings")),
            store.health,
            len(history),
            store.peak,
            missed is not None and mono - missed < WAVE_PARTIAL_S,
            cap,
        )
        last = self._concurrency
        # The last sample by identity: a new one, even equal, shifts a full history.
        if last is not None and last[1] is sample and last[0] == key:
            return last[2]
        view = self.same("concurrency", concurrency_view(store, now, cap, mono))
        self._concurrency = (key, sample, view)
        return view

    def same(self, name: str, value: T) -> T:
        """`value`, or the last part called `name` when it is equal (that very object)."""
        last = self._last.get(name)
        if last is not None and last is not value and type(last) is type(value) and last == value:
            return last
        self._last[name] = value
        return value

    def call_ids(self, store: Store) -> tuple[str, ...]:
        """Every call's id, in the store's order (the same tuple while no call came or went:
        a change of a known call leaves the ids as they were)."""
        key = (id(store), store.calls_version)
        cached = self._call_ids
        if cached is not None and cached[:2] == key:
            return cached[2]
        ids = tuple(store.calls)
        if cached is not None and cached[2] == ids:
            ids = cached[2]
        self._call_ids = (*key, ids)
        return ids


__all__ = ["OUTCOME_WINDOW_S", "DataParts", "OutcomeIndex", "outcomes_of", "recent_outcomes"]
