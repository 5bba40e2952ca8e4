"""The insights' pollers (issue 19): the tick that feeds the insight tracker (no request) and the
retry audit, the one reader the insights add.

The audit reads, at the lowest priority, `AUDIT_PER_MIN` retry histories a minute at most:
first the series of retries that ended lately (a retry shows early, late, extra and
not-retryable attempts), round-robin over campaigns, newest first; then series whose last
attempt was retryable, once their retry is overdue by the tolerance (a missing retry). It never
reads a series twice for the same attempt. What it reads goes into the store's retry
histories, where the tracker holds them against the campaign's policy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError, NotFound
from monitor.api.models import Call, RetryConfig
from monitor.api.vocab import FINAL_STATUSES, IN_FLIGHT_STATUSES, CallStatus
from monitor.config import Settings
from monitor.polling.fetch import Routes, fetch_retry_history
from monitor.polling.scheduler import Job
from monitor.state.calldetail import retry_config_for
from monitor.state.calltime import seconds_between, shifted
from monitor.state.conformance import retries_allowed
from monitor.state.insights import CAP_RUN, InsightTracker
from monitor.state.store import Store
from monitor.state.stuck import CEILING_S

RING_CEILING_S = CEILING_S["dialing"]
"""A call created less than this ago cannot have rung this long (created before dialled)."""
RINGING_READS = 2
"""One look reads the histories of the two longest-created calls still dialling."""
ONE_SHOT_SURE = 16
"""Reads `snapshot` makes past the round's burst while each waits at most `ONE_SHOT_WAIT_S`
for its turn: fewer cannot cover a campaign each and the suspects."""
ONE_SHOT_WAIT_S = 1.5

AUDIT_PER_MIN = 3
"""Retry histories read a minute for the insights: the whole of their request cost."""
AUDIT_S = 60.0 / AUDIT_PER_MIN
TICK_S = 5.0
"""How often the tracker looks at the store (no request: it reads what the sweeps wrote)."""
REMEMBERED = 4096
"""Calls the audit remembers having read (an LRU: flat in calls)."""
RECHECK_MARGIN_S = 60.0
"""Read a series whose retry is due this long after it would count as missing."""
ONE_SHOT_READS = 20
"""`snapshot`'s one round reads this many series at once (no minute to spread them over): a
retry of each campaign, the calls ringing suspiciously long, those of campaigns at their cap,
overdue series (`round_picks`)."""


class EngineParts(Protocol):
    """What the audit needs of the engine that wires it."""

    client: DialNexaClient
    routes: Routes
    store: Store
    settings: Settings

    def api_now(self) -> datetime: ...

    def looked_at(self) -> tuple[str, ...]: ...


class RetryAudit:
    """The `audit` poller and the insight tick."""

    def __init__(
        self,
        client: DialNexaClient,
        routes: Routes,
        store: Store,
        api_now: Callable[[], datetime],
        settings: Settings,
        *,
        one_shot: bool = False,
        looked_at: Callable[[], tuple[str, ...]] = tuple,
    ) -> None:
        self.client = client
        self.looked_at = looked_at
        """The calls viewers look at: their series are their own pollers' (errors included),
        never read here too (one request for one URL, FAULTS N14)."""
        self.routes = routes
        self.store = store
        self.api_now = api_now
        self.settings = settings
        self.one_shot = one_shot
        self.tracker = InsightTracker(one_shot=one_shot)
        self._read: OrderedDict[str, None] = OrderedDict()
        """Calls whose series was read with them in it (early, late, extra, not retryable)."""
        self._overdue_read: OrderedDict[str, None] = OrderedDict()
        """Calls whose series was read once their retry was overdue (missing)."""
        self._turn = 0
        self.reads = 0

    @classmethod
    def of(cls, engine: EngineParts, one_shot: bool) -> RetryAudit:
        return cls(
            engine.client,
            engine.routes,
            engine.store,
            engine.api_now,
            engine.settings,
            one_shot=one_shot,
            looked_at=engine.looked_at,
        )

    def tick(self, mono: float) -> None:
        self.tracker.observe(self.store, self.api_now(), mono, self.settings.concurrency_cap)

    def _remember(self, seen: OrderedDict[str, None], call_id: str) -> None:
        seen[call_id] = None
        seen.move_to_end(call_id)
        while len(seen) > REMEMBERED:
            seen.popitem(last=False)

    def pick(self, now: datetime) -> tuple[str, OrderedDict[str, None]] | None:
        """The call whose series to read next, and the memory it goes in; None when nothing
        is worth a request."""
        retries: dict[str, list[tuple[int, int, float, str]]] = {}
        outcomes = self._outcomes()
        overdue: list[tuple[float, str]] = []
        late_s = self.tracker.tolerance.late_s
        watched = set()
        for looked in self.looked_at():
            seen = self.store.calls.get(looked)
            watched.add(seen.call.retry_group_id or looked if seen is not None else looked)
        for cid, tracked in self.store.calls.items():
            call = tracked.call
            audited = self._audited(call, now)
            if audited is None or not call.campaign_id:
                continue
            config, age, over = audited
            series = call.retry_group_id or cid
            if series in watched or f"retries/{series}" in self.store.freshness:
                continue  # the selected call's poller reads this series (and its errors)
            attempt = call.attempt or 1
            retry = attempt > 1 or call.retry_group_id not in (None, cid)
            if retry and cid not in self._read:
                rank = self._rank(outcomes, config, call, attempt)
                retries.setdefault(call.campaign_id, []).append((*rank, age, cid))
            if cid not in self._overdue_read and over is not None and over > late_s:
                overdue.append((over, cid))
        self._turn += 1
        # Turn about: an overdue series, then a retry (round-robin over campaigns), so a
        # campaign that never retries cannot starve the others' checks, nor they its.
        if overdue and (self._turn % 2 == 0 or not retries):
            return min(overdue)[1], self._overdue_read
        if retries:
            camps = sorted(retries)
            camp = camps[(self._turn // 2) % len(camps)]
            return min(retries[camp])[-1], self._read
        return None

    async def poll(self, job: Job) -> bool:
        return await self._read_one()

    def _outcomes(self) -> dict[tuple[str | None, int], CallStatus]:
        """Each attempt's outcome the store holds, by (series, attempt number)."""
        return {
            (t.call.retry_group_id, t.call.attempt): t.call.status
            for t in self.store.calls.values()
            if t.call.retry_group_id and t.call.attempt
        }

    def _audited(self, call: Call, now: datetime) -> tuple[RetryConfig, float, float | None] | None:
        """For an ended call under a retry policy that ended within the hour: its campaign's
        policy, how long ago it ended, and how far past its retry's due time it is beyond the
        recheck margin (None when no retry is due: the policy allows none for this outcome or
        attempt, or it states no wait). None for every other call: nothing to audit."""
        if call.status not in FINAL_STATUSES:
            return None
        config = retry_config_for(self.store, call)
        if config is None or config.max_retries is None:
            return None
        ended = call.ended_at or call.created_at
        age = seconds_between(ended, now)
        if age is None or age > 3600:
            return None
        over = None
        if (
            config.wait_minutes is not None
            and retries_allowed(config, call.status)
            and (call.attempt or 1) <= config.max_retries
        ):
            past_due = seconds_between(shifted(ended, minutes=config.wait_minutes), now)
            over = None if past_due is None else past_due - RECHECK_MARGIN_S
        return config, age, over

    @staticmethod
    def _rank(
        outcomes: dict[tuple[str | None, int], CallStatus],
        config: RetryConfig,
        call: Call,
        attempt: int,
    ) -> tuple[int, int]:
        """Which retry of a campaign tells most, least first: one whose attempt before it (in
        the store) was not retryable, then the highest attempt (its history shows every gap
        before it, and an attempt past the limit)."""
        before = outcomes.get((call.retry_group_id, attempt - 1))
        odd = before in FINAL_STATUSES and not retries_allowed(config, before)
        return (0 if odd else 1, -attempt)

    def round_picks(self, now: datetime) -> list[str]:
        """`snapshot`'s reads, in order, as one look needs them (`monitor.state.glance`): per
        campaign its most telling recent retry (one whose attempt before it, in the store, was
        not retryable; else the highest attempt: it shows every gap before it), the series of
        the most overdue series of each campaign that has no retry at all, the series of calls
        dialling since before the ring ceiling (created then, oldest first: their history says
        when they were dialled), those of campaigns at their own cap with calls waiting (when
        they last dialled), per campaign its most overdue series, then the rest."""
        retries: dict[str, list[tuple[int, int, float, str]]] = {}
        overdue: dict[str, list[tuple[float, str]]] = {}
        ringing: list[tuple[float, str, str]] = []
        capped: list[str] = []
        in_flight: dict[str, list[str]] = {}
        queued: set[str] = set()
        outcomes = self._outcomes()
        late_s = self.tracker.tolerance.late_s
        for cid, tracked in self.store.calls.items():
            call = tracked.call
            camp = call.campaign_id
            if call.status is CallStatus.QUEUED and camp:
                queued.add(camp)
            if call.status in IN_FLIGHT_STATUSES and tracked.ended_seen is None:
                if camp:
                    in_flight.setdefault(camp, []).append(cid)
                age = seconds_between(call.created_at, now)
                if call.status is CallStatus.DIALING and age is not None and age > RING_CEILING_S:
                    ringing.append((-age, camp or "", cid))
                continue
            audited = self._audited(call, now)
            if audited is None or not camp:
                continue
            config, age, over = audited
            attempt = call.attempt or 1
            if attempt > 1 or call.retry_group_id not in (None, cid):
                retries.setdefault(camp, []).append(
                    (*self._rank(outcomes, config, call, attempt), age, cid)
                )
            if over is not None and over > late_s:
                overdue.setdefault(camp, []).append((-over, cid))
        for camp, ids in sorted(in_flight.items(), key=lambda kv: (len(kv[1]), kv[0])):
            # The fewest calls first: a campaign's reads only count once all are read.
            state = self.store.campaigns.get(camp)
            own = state.campaign.max_concurrent_calls if state is not None else None
            if own is None or len(ids) < own or camp not in queued:
                continue
            ages = [seconds_between(self.store.calls[c].call.created_at, now) for c in ids]
            if all(a is not None and a >= CAP_RUN * 60 for a in ages):
                capped.extend(ids)  # none created lately: maybe none dialled lately
        picks = [min(rows)[-1] for _, rows in sorted(retries.items())]
        # A campaign dialling (calls in flight) with overdue series and no retry at all in the
        # hour: none to read above. One with none in flight cannot place its retries: a held
        # cap or slot says why, not its retry policy.
        picks += [
            min(rows)[1]
            for camp, rows in sorted(overdue.items())
            if camp not in retries and camp in in_flight
        ]
        picks += capped + [cid for *_, cid in sorted(ringing)[:RINGING_READS]]
        picks += [min(rows)[1] for _, rows in sorted(overdue.items())]
        picks += [cid for rows in overdue.values() for _, cid in sorted(rows)]
        picks += [cid for rows in retries.values() for *_, cid in sorted(rows)]
        return list(dict.fromkeys(picks))

    async def read_now(self, room: Callable[[], bool], wait: Callable[[], float] = lambda: 0.0
                       ) -> int:  # fmt: skip
        """`snapshot`'s round: up to `ONE_SHOT_READS` series at once (`round_picks`), after
        the lists were read (a job's run comes before the endings are in), while the budget has
        `room` without waiting (a snapshot is not slowed for its insights); an error ends it
        (best effort: the insights are what could be read). Returns the reads made."""
        before = self.reads
        done: set[str] = set()
        for cid in self.round_picks(self.api_now()):
            made = self.reads - before
            short = not room() and (made >= ONE_SHOT_SURE or wait() > ONE_SHOT_WAIT_S)
            if made >= ONE_SHOT_READS or short:
                break
            tracked = self.store.calls.get(cid)
            if tracked is None or (tracked.call.retry_group_id or cid) in done:
                continue
            done.add(tracked.call.retry_group_id or cid)
            try:
                await self._read_series(cid, self._read)
            except ApiError:
                break
        return self.reads - before

    async def _read_one(self) -> bool:
        picked = self.pick(self.api_now())
        if picked is None:
            return False
        return await self._read_series(*picked)

    async def _read_series(self, cid: str, seen: OrderedDict[str, None]) -> bool:
        self._remember(seen, cid)
        tracked = self.store.calls.get(cid)
        if tracked is None:
            return False
        try:
            history = await fetch_retry_history(self.client, self.routes, tracked.call)
        except NotFound:
            return False
        self.reads += 1
        self.tracker.note_read(history.call_id, self.api_now())
        before = self.store.histories.get(history.call_id)
        self.store.put_history(history)
        # Its attempts are read with it: none is read again for what it already shows.
        for attempt in history.attempts:
            if attempt.call_id:
                self._remember(self._read, attempt.call_id)
        return before != history
