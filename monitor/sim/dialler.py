"""The dialler: queued dials, the workspace and campaign caps, round-robin over campaigns, what
each dial turns into (its answer and end events), and the call indexes every status change keeps.

A due retry is queued like a first dial and takes a slot like one, so a wave of retries shows
up as queueing at the cap.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from monitor.sim import names
from monitor.sim.anomalies import STUCK_S, skips, stuck_dial
from monitor.sim.model import (
    BUSY,
    CAMPAIGN_COMPLETED,
    DIALING,
    FAILED,
    FINAL_STATUSES,
    LIVE_STATUSES,
    NO_ANSWER,
    QUEUED,
    RUNNING,
    SKIPPED,
    VOICEMAIL,
    Call,
    Campaign,
    ScenarioSpec,
    Series,
)

# Event kinds; small ints keep heap tuples cheap to compare and dispatch.
_START, _PAUSE, _RESUME, _CANCEL, _ANSWER, _END, _ANALYSIS, _RETRY, _RESPAWN, _RETIRE = range(10)


def between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]; `randint` costs three times as much on the hot path."""
    return low + int(rng.random() * (high - low + 1))


class CallIndex:
    """The workspace-wide call indexes; a Campaign carries the same three for its own calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.live: dict[str, dict[int, Call]] = {s: {} for s in LIVE_STATUSES}
        self.final: dict[str, list[int]] = {s: [] for s in FINAL_STATUSES}


class Dialler:
    """Slots, queues and dials: the part of the world every status change goes through.

    `World` sets up the state declared here (see `World.__init__`).
    """

    scenario: ScenarioSpec
    cap: int
    churn: bool
    churn_gap_s: float
    retention_s: float
    t: float
    version: int
    in_flight: int
    peak_in_flight: int
    counts: dict[str, int]
    status_listener: Callable[[Call, str, str], None] | None
    """Told of every status change (call, old, new) as the world handles it."""
    _rng: random.Random
    _id_rng: random.Random
    _heap: list[tuple[float, int, int, Any]]
    _tick: Iterator[int]
    _calls: dict[int, Call]
    _next_seq: int
    _by_id: dict[str, Call]
    _series: dict[str, Series]
    _rr: deque[Campaign]
    _all: CallIndex
    epoch: float
    _closed: set[Campaign]
    """Campaigns with calls to place, outside their calling hours (marked again on opening)."""

    def closed(self, c: Campaign) -> bool:
        """Whether the campaign is outside its calling hours now."""
        window = c.spec.calling_window
        if window is None:
            return False
        opens, closes = window
        return (self.t - opens) % 86_400 >= (closes - opens) % 86_400

    def _push(self, t: float, kind: int, obj: Any) -> None:
        heapq.heappush(self._heap, (t, next(self._tick), kind, obj))

    def _bump(self, c: Campaign) -> None:
        self.version += 1
        c.version += 1

    def _ended(self, c: Campaign) -> None:
        """A campaign completed or was cancelled: with churn, rerun it, then retire it."""
        if self.churn:
            self._push(self.t + self.churn_gap_s, _RESPAWN, c)
            self._push(self.t + self.retention_s, _RETIRE, c)

    # ------------------------------------------------------------ dialling

    def _new_call(
        self, c: Campaign, series: Series | None, lead: int, attempt: int, due: float
    ) -> Call:
        seq = self._next_seq
        self._next_seq += 1
        cid = "call_" + names.token(self._id_rng.getrandbits(62))
        while cid in self._by_id:
            cid = "call_" + names.token(self._id_rng.getrandbits(62))
        call = Call(seq, cid, c, series, lead, attempt, self.t, due)
        if series is None:
            series = Series(cid, c, lead)
            call.series = series
            self._series[cid] = series
        series.attempts.append(call)
        self._calls[seq] = call
        self._by_id[cid] = call
        self._all.calls.append(seq)
        c.calls.append(seq)
        self._all.live[QUEUED][seq] = call
        c.live[QUEUED][seq] = call
        self.counts[QUEUED] += 1
        c.counts[QUEUED] += 1
        self._bump(c)
        return call

    def _set_status(self, call: Call, new: str) -> None:
        old = call.status
        c = call.campaign
        seq = call.seq
        all_live = self._all.live
        c_live = c.live
        del all_live[old][seq]
        del c_live[old][seq]
        live = all_live.get(new)
        if live is not None:
            live[seq] = call
            c_live[new][seq] = call
        else:
            _insert(self._all.final[new], seq)
            _insert(c.final[new], seq)
        counts = self.counts
        counts[old] -= 1
        counts[new] += 1
        counts = c.counts
        counts[old] -= 1
        counts[new] += 1
        call.status = new
        self.version += 1
        c.version += 1
        if self.status_listener is not None:
            # The webhook sender (issue 22) spells the event at the instant it happens.
            self.status_listener(call, old, new)

    def _top_up(self, c: Campaign) -> None:
        depth = self.scenario.queue_depth
        leads = c.spec.leads
        while c.status == RUNNING and c.queued_first < depth and c.next_lead < leads:
            lead = c.next_lead
            c.next_lead += 1
            call = self._new_call(c, None, lead, 1, self.t)
            c.retries_by_depth[0] += 1
            c.ready.append(call)
            c.queued_first += 1

    def _mark(self, c: Campaign) -> None:
        if not c.in_rr and c.status == RUNNING:
            c.in_rr = True
            self._rr.append(c)

    def _dispatch(self) -> None:
        """Fill free slots round-robin over campaigns that have queued dials and room."""
        rr = self._rr
        for c in [c for c in self._closed if not self.closed(c)]:
            self._closed.discard(c)
            self._mark(c)
        while self.in_flight < self.cap and rr:
            c = rr.popleft()
            if c.status != RUNNING or c.in_flight >= c.spec.max_concurrent_calls:
                c.in_rr = False
                continue
            if self.closed(c):
                c.in_rr = False
                self._closed.add(c)
                continue
            if not c.ready:
                self._top_up(c)
                if not c.ready:
                    c.in_rr = False
                    self._check_complete(c)
                    continue
            call = c.ready.popleft()
            if call.attempt == 1:
                c.queued_first -= 1
            self._dial(call)
            self._top_up(c)
            rr.append(c)
        if self.in_flight >= self.cap:
            for c in [c for c in rr if c.anomalies and skips(c, self.t)]:
                self._skip(c)

    def _skip(self, c: Campaign) -> None:
        """The vendor's queue is full: its newest dial ends `skipped`, never dialled (the
        `vendor_rejected` anomaly)."""
        call = c.ready.pop()
        if call.attempt == 1:
            c.queued_first -= 1
        c.last_skip_t = self.t
        call.end_t = self.t
        call.analysis = {}
        call.analysis_t = self.t
        self._set_status(call, SKIPPED)
        c.finished_series += 1

    def _dial(self, call: Call) -> None:
        c = call.campaign
        rng = self._rng
        now = self.t
        call.dial_t = now
        self._set_status(call, DIALING)
        c.in_flight += 1
        self.in_flight += 1
        if c.in_flight > c.peak_in_flight:
            c.peak_in_flight = c.in_flight
        if self.in_flight > self.peak_in_flight:
            self.peak_in_flight = self.in_flight
        c.attempted_by_depth[call.attempt - 1] += 1
        c.last_dial_t = now
        outcome = c.mix_outcomes[
            min(bisect.bisect_right(c.mix_cum, rng.random()), len(c.mix_outcomes) - 1)
        ]
        call.outcome = outcome
        if c.anomalies and stuck_dial(c, sum(c.attempted_by_depth)):
            call.outcome = NO_ANSWER  # rings on (an anomaly on demand)
            self._push(now + STUCK_S, _END, call)
            return
        if outcome == FAILED:
            end = now + between(rng, 1, 6)
        elif outcome == BUSY:
            end = now + between(rng, 2, 8)
        elif outcome == NO_ANSWER:
            end = now + between(rng, 20, 45)
        elif outcome == VOICEMAIL:
            answer = now + between(rng, 6, 20)
            self._push(answer, _ANSWER, call)
            end = answer + between(rng, 8, 30)
        else:
            answer = now + between(rng, 3, 18)
            self._push(answer, _ANSWER, call)
            talk = rng.lognormvariate(math.log(c.spec.talk_median_s), 0.6)
            end = answer + min(1_200, max(8, round(talk)))
        self._push(end, _END, call)

    def _check_complete(self, c: Campaign) -> None:
        if (
            c.status == RUNNING
            and c.next_lead >= c.spec.leads
            and not c.ready
            and c.in_flight == 0
            and c.pending_retries == 0
        ):
            c.status = CAMPAIGN_COMPLETED
            self._bump(c)
            self._ended(c)


def _insert(seqs: list[int], seq: int) -> None:
    # Calls mostly end in creation order, so this is nearly always an append.
    if not seqs or seqs[-1] < seq:
        seqs.append(seq)
    else:
        bisect.insort(seqs, seq)
