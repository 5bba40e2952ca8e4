"""The simulated DialNexa workspace: campaigns dialling leads under a concurrency cap, with retries.

Everything happens in world time, a float of seconds since the scenario's start (`t`). The world is
an event queue (heapq), never a per-tick scan: a dial schedules its answer and its end, an end
schedules the analysis and any retry, and a freed slot starts the next queued dial at once. So
advancing costs time in proportion to what happened, and the huge scenario (100,000 leads, 1,000
slots) advances an hour in a couple of CPU seconds.

Determinism: every random draw happens while handling an event, events are handled strictly in
(time, sequence) order, and nothing depends on when `advance_to` is called. The same seed gives
the same history whether the world is advanced in one step or by a thousand requests.

Retries follow the vendor's auto-retry guide (seed 003, API sheet §8): no-answer and busy are
retried when their flags are on, voicemail only when `retry_on_voicemail`, failed and completed
never; attempts run 1..max_retries+1, linked by the first attempt's id; the wait is a fixed
`wait_minutes` after the attempt ends; a due retry is queued like a first dial and takes a slot
like one, so a wave of retries shows up as queueing at the cap.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.clock import Clock, SystemClock
from monitor.sim import names
from monitor.sim.model import (
    BUSY,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_COMPLETED,
    CANCELLED,
    COMPLETED,
    DIALING,
    DRAFT,
    FAILED,
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    IN_PROGRESS,
    LIVE_STATUSES,
    NO_ANSWER,
    PAUSED,
    QUEUED,
    RUNNING,
    SCHEDULED,
    VOICEMAIL,
    Call,
    Campaign,
    CampaignSpec,
    PendingRetry,
    ScenarioSpec,
    Series,
)

# Event kinds; small ints keep heap tuples cheap to compare and dispatch.
_START, _PAUSE, _RESUME, _CANCEL, _ANSWER, _END, _ANALYSIS, _RETRY, _RESPAWN, _RETIRE = range(10)

END_REASONS: dict[str, tuple[tuple[str, float], ...]] = {
    COMPLETED: (("user_disconnected", 0.6), ("agent_hangup", 0.3), ("call_transfer", 0.1)),
    NO_ANSWER: (("user_did_not_pick_up", 1.0),),
    BUSY: (("user_busy", 1.0),),
    VOICEMAIL: (("voicemail_detected", 1.0),),
    FAILED: (
        ("invalid_phone_number", 0.4),
        ("network_failure", 0.3),
        ("destination_forbidden", 0.1),
        ("user_unreachable", 0.2),
    ),
}
SENTIMENTS = (("positive", 0.45), ("neutral", 0.35), ("negative", 0.2))
INTEREST = ("high", "medium", "low")


def _between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]; `randint` costs three times as much on the hot path."""
    return low + int(rng.random() * (high - low + 1))


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    r = rng.random()
    acc = 0.0
    for value, weight in table:
        acc += weight
        if r < acc:
            return value
    return table[-1][0]


def iso_utc(ts: float) -> str:
    """Unix seconds as the API's timestamp form: ISO 8601 UTC with milliseconds and a Z."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class _Scope:
    """The workspace-wide call indexes; a Campaign carries the same three for its own calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.live: dict[str, dict[int, Call]] = {s: {} for s in LIVE_STATUSES}
        self.final: dict[str, list[int]] = {s: [] for s in FINAL_STATUSES}


class World:
    """A workspace that behaves like the API describes; advance it, then read it.

    Args:
        scenario: what to simulate (see `monitor.sim.scenarios`).
        seed: same seed, same history.
        clock: the injected clock; world time follows its monotonic time times `speed`.
        speed: simulated seconds per clock second (0 freezes the world for tests).
        hostile_names: mix FAULTS' T-case strings into customer and campaign names.
        workspace_cap: override the scenario's plan cap.
        churn: keep the workspace busy for ever: a campaign that ends is run again (as a new
            campaign) `churn_gap_s` later, and retired with all its calls `retention_s` after it
            ended, so a day-long soak sees turnover while memory stays bounded. Defaults to the
            scenario's setting.
        churn_gap_s: world seconds between a campaign ending and its rerun starting.
        retention_s: world seconds an ended campaign and its calls stay readable (churn only).
    """

    def __init__(
        self,
        scenario: ScenarioSpec,
        *,
        seed: int = 7,
        clock: Clock | None = None,
        speed: float = 1.0,
        hostile_names: bool = False,
        workspace_cap: int | None = None,
        churn: bool | None = None,
        churn_gap_s: float = 180.0,
        retention_s: float = 3600.0,
    ) -> None:
        self.scenario = scenario
        self.churn = scenario.churn if churn is None else churn
        self.churn_gap_s = churn_gap_s
        self.retention_s = retention_s
        self.retired = 0
        """Campaigns removed by churn, with their calls."""
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.speed = speed
        self.cap = workspace_cap if workspace_cap is not None else scenario.workspace_cap
        self.hostile_names = hostile_names
        self.t = 0.0
        self.version = 0
        """Bumped on every change; the server derives ETags from it."""
        self.in_flight = 0
        self.peak_in_flight = 0
        self._rng = random.Random(seed)
        self._id_rng = random.Random(names.mix(seed, "ids"))
        self._heap: list[tuple[float, int, int, Any]] = []
        self._tick = itertools.count()
        self._calls: dict[int, Call] = {}
        self._next_seq = 0
        self._by_id: dict[str, Call] = {}
        self._series: dict[str, Series] = {}
        self._pending: dict[str, Series] = {}
        self._rr: deque[Campaign] = deque()
        self._all = _Scope()
        self.counts: dict[str, int] = {s: 0 for s in (*LIVE_STATUSES, *FINAL_STATUSES)}
        self.org_id = "org_" + names.token(self._id_rng.getrandbits(62), 10)
        agents = max((c.agent for c in scenario.campaigns), default=0) + 1
        self.agent_ids = [
            "agt_" + names.token(self._id_rng.getrandbits(62), 10) for _ in range(agents)
        ]
        self.campaigns: list[Campaign] = []
        self._campaigns_by_id: dict[str, Campaign] = {}
        self._campaign_index = 0
        for spec in scenario.campaigns:
            self._add_campaign(spec, created_t=-float(_between(self._rng, 3_600, 3 * 86_400)))
        self._handlers: tuple[Callable[[Any], None], ...] = (
            self._on_start,
            self.pause_campaign,
            self.resume_campaign,
            self.cancel_campaign,
            self._on_answer,
            self._on_end,
            self._on_analysis,
            self._on_retry_due,
            self._on_respawn,
            self._on_retire,
        )
        self._mono0 = self.clock.monotonic()
        self._t0 = scenario.warmup_s
        self.epoch = self.clock.now().timestamp() - scenario.warmup_s
        """Unix seconds at world time 0."""
        self.advance_to(self._t0)

    # ----------------------------------------------------------------- time

    def sync(self) -> None:
        """Catch up with the clock: world time = warm-up + elapsed monotonic seconds x speed."""
        target = self._t0 + (self.clock.monotonic() - self._mono0) * self.speed
        if target > self.t:
            self.advance_to(target)

    def advance(self, seconds: float) -> None:
        """Run the world `seconds` forward from where it is, whatever the clock says."""
        self.advance_to(self.t + seconds)

    def advance_to(self, when: float | datetime) -> None:
        """Handle every event up to `when` (world seconds, or a datetime) and stop there."""
        target = when.timestamp() - self.epoch if isinstance(when, datetime) else float(when)
        heap = self._heap
        handlers = self._handlers
        while heap and heap[0][0] <= target:
            t, _, kind, obj = heapq.heappop(heap)
            self.t = t
            handlers[kind](obj)
        if target > self.t:
            self.t = target

    def run_until_idle(self, max_seconds: float = 7 * 86_400.0) -> bool:
        """Advance until nothing is scheduled (True) or `max_seconds` have passed (False)."""
        limit = self.t + max_seconds
        while self._heap and self._heap[0][0] <= limit:
            self.advance_to(self._heap[0][0])
        return not self._heap

    def next_event_t(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch + self.t, UTC)

    def at(self, t: float) -> datetime:
        """The wall time of world time `t`."""
        return datetime.fromtimestamp(self.epoch + t, UTC)

    def iso(self, t: float | None) -> str | None:
        return None if t is None else iso_utc(self.epoch + t)

    # --------------------------------------------------------- ground truth

    def call(self, call_id: str) -> Call | None:
        return self._by_id.get(call_id)

    def campaign(self, campaign_id: str) -> Campaign | None:
        return self._campaigns_by_id.get(campaign_id)

    def series(self, call_id: str) -> Series | None:
        """The retry series a call belongs to (by any attempt's id)."""
        call = self._by_id.get(call_id)
        return None if call is None else call.series

    def all_series(self) -> Iterable[Series]:
        return self._series.values()

    @property
    def calls(self) -> list[Call]:
        """Every call record still held, oldest first (a copy)."""
        return list(self._calls.values())

    @property
    def call_count(self) -> int:
        return len(self._calls)

    def calls_in_flight(self) -> list[Call]:
        """Calls holding a slot now (dialling or in progress), as the gauge counts them."""
        return [c for s in IN_FLIGHT_STATUSES for c in self._all.live[s].values()]

    def outcome_counts(self, campaign_id: str | None = None) -> dict[str, int]:
        """Call records per status, for the workspace or one campaign."""
        if campaign_id is None:
            return dict(self.counts)
        c = self._campaigns_by_id[campaign_id]
        return dict(c.counts)

    def history(self, call_id: str) -> list[tuple[str, datetime]]:
        """Each status the call has had and when it began."""
        return [(s, self.at(t)) for s, t in self._by_id[call_id].history()]

    def summary_status(self, call_id: str) -> str:
        series = self.series(call_id)
        if series is None:
            raise KeyError(call_id)
        return series.summary()

    def retry_schedule(self) -> list[PendingRetry]:
        """Retries scheduled but not yet created, soonest first."""
        rows = [
            PendingRetry(s.parent_id, s.campaign.id, len(s.attempts) + 1, s.retry_due)
            for s in self._pending.values()
            if s.retry_due is not None
        ]
        rows.sort(key=lambda r: (r.due_t, r.parent_id))
        return rows

    def pending_calls(self, c: Campaign) -> int:
        """Leads not yet final: open series, plus undialled leads while the campaign can dial."""
        started = c.retries_by_depth[0] if c.retries_by_depth else 0
        open_series = started - c.finished_series
        can_dial = c.status in (DRAFT, SCHEDULED, RUNNING, PAUSED)
        undialled = c.spec.leads - c.next_lead if can_dial else 0
        return open_series + undialled

    # ------------------------------------------------------------- queries

    def select(
        self,
        *,
        campaigns: Sequence[Campaign] | None = None,
        statuses: Collection[str] | None = None,
        offset: int = 0,
        limit: int = 20,
        newest_first: bool = True,
        where: Callable[[Call], bool] | None = None,
    ) -> tuple[list[Call], int]:
        """One page of calls, newest first by default, and the total that matched.

        Uses the per-status indexes, so a page costs O(pages x statuses), not O(calls); only a
        `where` predicate (rare filters) scans.
        """
        scopes: Sequence[_Scope | Campaign] = [self._all] if campaigns is None else campaigns
        sources: list[Sequence[int]] = []
        for scope in scopes:
            if statuses is None:
                sources.append(scope.calls)
                continue
            for s in statuses:
                if s in scope.live:
                    sources.append(sorted(scope.live[s]))
                elif s in scope.final:
                    sources.append(scope.final[s])
        calls = self._calls
        if where is not None:
            merged = self._merge(sources, None, newest_first)
            matched = [calls[i] for i in merged if where(calls[i])]
            return matched[offset : offset + limit], len(matched)
        total = sum(len(s) for s in sources)
        end = offset + limit
        if len(sources) == 1:
            src = sources[0]
            n = len(src)
            if newest_first:
                seqs: Iterable[int] = reversed(src[max(0, n - end) : max(0, n - offset)])
            else:
                seqs = src[offset:end]
            return [calls[i] for i in seqs], total
        page = itertools.islice(self._merge(sources, end, newest_first), offset, end)
        return [calls[i] for i in page], total

    @staticmethod
    def _merge(
        sources: Sequence[Sequence[int]], take: int | None, newest_first: bool
    ) -> Iterable[int]:
        if newest_first:
            parts = [reversed(s if take is None else s[-take:]) for s in sources]
            return heapq.merge(*parts, reverse=True)
        return heapq.merge(*(s if take is None else s[:take] for s in sources))

    # ---------------------------------------------------- campaign controls

    def pause_campaign(self, c: Campaign | str) -> None:
        """Stop dialling; calls in flight finish (API sheet §6)."""
        camp = self._resolve(c)
        if camp.status in (RUNNING, SCHEDULED):
            camp.status = PAUSED
            self._bump(camp)

    def resume_campaign(self, c: Campaign | str) -> None:
        camp = self._resolve(c)
        if camp.status == PAUSED:
            camp.status = RUNNING
            self._bump(camp)
            self._top_up(camp)
            self._mark(camp)
            self._dispatch()
            self._check_complete(camp)

    def cancel_campaign(self, c: Campaign | str) -> None:
        """Cancel queued dials and scheduled retries; calls in flight finish without retry."""
        camp = self._resolve(c)
        if camp.status in (CAMPAIGN_COMPLETED, CAMPAIGN_CANCELLED):
            return
        camp.status = CAMPAIGN_CANCELLED
        while camp.ready:
            call = camp.ready.popleft()
            call.end_t = self.t
            call.end_reason = "campaign_cancelled"
            call.analysis = {}
            call.analysis_t = self.t
            self._set_status(call, CANCELLED)
            call.series.cancelled = True
            camp.finished_series += 1
        camp.queued_first = 0
        for parent_id in [p for p, s in self._pending.items() if s.campaign is camp]:
            series = self._pending.pop(parent_id)
            series.retry_due = None
            series.cancelled = True
            camp.pending_retries -= 1
            camp.finished_series += 1
        self._bump(camp)
        self._ended(camp)

    def _add_campaign(self, spec: CampaignSpec, created_t: float, run: int = 1) -> Campaign:
        index = self._campaign_index
        self._campaign_index += 1
        cid = "cmp_" + names.token(self._id_rng.getrandbits(62))
        name = names.campaign_name(self.seed, index, spec.name, self.hostile_names)
        c = Campaign(index, cid, spec, name if run == 1 else f"{name} (run {run})")
        c.run = run
        c.agent_id = self.agent_ids[spec.agent]
        c.from_number = names.from_number(self.seed, index, spec.country_code)
        c.created_t = created_t
        if spec.start_at is not None:
            c.status = SCHEDULED
            if run > 1:
                c.start_t = self.t
            self._push(spec.start_at if run == 1 else self.t, _START, c)
        if run == 1:
            for at, kind in ((spec.pause_at, _PAUSE), (spec.resume_at, _RESUME)):
                if at is not None:
                    self._push(at, kind, c)
            if spec.cancel_at is not None:
                self._push(spec.cancel_at, _CANCEL, c)
        self.campaigns.append(c)
        self._campaigns_by_id[cid] = c
        return c

    def _ended(self, c: Campaign) -> None:
        """A campaign completed or was cancelled: with churn, rerun it, then retire it."""
        if self.churn:
            self._push(self.t + self.churn_gap_s, _RESPAWN, c)
            self._push(self.t + self.retention_s, _RETIRE, c)

    def _on_respawn(self, c: Campaign) -> None:
        self._add_campaign(c.spec, created_t=self.t, run=c.run + 1)

    def _on_retire(self, c: Campaign) -> None:
        if c.in_flight or c.ready:
            self._push(self.t + 60, _RETIRE, c)  # a cancelled campaign's last calls finish first
            return
        dead = set(c.calls)
        for seq in c.calls:
            call = self._calls.pop(seq)
            del self._by_id[call.id]
            if call.attempt == 1:
                del self._series[call.id]
        self._all.calls = [s for s in self._all.calls if s not in dead]
        for status, seqs in self._all.final.items():
            if c.final[status]:
                self._all.final[status] = [s for s in seqs if s not in dead]
        for status, n in c.counts.items():
            self.counts[status] -= n
        self.campaigns.remove(c)
        del self._campaigns_by_id[c.id]
        self.retired += 1
        self.version += 1

    def _resolve(self, c: Campaign | str) -> Campaign:
        return c if isinstance(c, Campaign) else self._campaigns_by_id[c]

    # -------------------------------------------------------------- events

    def _push(self, t: float, kind: int, obj: Any) -> None:
        heapq.heappush(self._heap, (t, next(self._tick), kind, obj))

    def _bump(self, c: Campaign) -> None:
        self.version += 1
        c.version += 1

    def _on_start(self, c: Campaign) -> None:
        if c.status == SCHEDULED:
            c.status = RUNNING
            self._bump(c)
            self._top_up(c)
            self._mark(c)
            self._dispatch()

    def _on_answer(self, call: Call) -> None:
        call.answer_t = self.t
        self._set_status(call, IN_PROGRESS)

    def _on_end(self, call: Call) -> None:
        c = call.campaign
        now = self.t
        outcome = call.outcome
        rng = self._rng
        call.end_t = now
        call.talk_s = 0 if call.answer_t is None else int(now - call.answer_t)
        call.end_reason = _weighted(rng, END_REASONS[outcome])
        self._set_status(call, outcome)
        c.in_flight -= 1
        self.in_flight -= 1
        if outcome in (COMPLETED, VOICEMAIL):
            call.analysis_t = now + _between(rng, 3, 20)
            self._push(call.analysis_t, _ANALYSIS, call)
        else:
            call.analysis = {}
            call.sentiment = "neutral"
            call.analysis_t = now
        series = call.series
        if outcome == COMPLETED:
            c.completed_leads += 1
        retry = c.retry
        if (
            c.status != CAMPAIGN_CANCELLED
            and call.attempt <= retry.max_retries
            and retry.retries(outcome)
        ):
            due = now + retry.wait_minutes * 60
            series.retry_due = due
            self._pending[series.parent_id] = series
            c.pending_retries += 1
            c.retries_by_depth[call.attempt] += 1
            self._push(due, _RETRY, series)
        else:
            c.finished_series += 1
        self._mark(c)
        self._dispatch()
        self._check_complete(c)

    def _on_analysis(self, call: Call) -> None:
        rng = self._rng
        if call.outcome == COMPLETED:
            call.sentiment = _weighted(rng, SENTIMENTS)
            call.analysis = {
                "qualified": rng.random() < call.campaign.spec.qualified_rate,
                "customer_satisfaction": _between(rng, 1, 10),
                "follow_up_required": rng.random() < 0.3,
                "interest_level": INTEREST[rng.randrange(3)],
            }
        else:
            call.sentiment = "neutral"
            call.analysis = {"qualified": False, "voicemail_left": rng.random() < 0.5}
        self.version += 1
        call.campaign.version += 1

    def _on_retry_due(self, series: Series) -> None:
        if series.retry_due is None or series.retry_due != self.t:
            return  # cancelled with its campaign
        c = series.campaign
        series.retry_due = None
        del self._pending[series.parent_id]
        c.pending_retries -= 1
        call = self._new_call(c, series, series.lead, len(series.attempts) + 1, self.t)
        c.ready.append(call)
        self._mark(c)
        self._dispatch()

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
        while self.in_flight < self.cap and rr:
            c = rr.popleft()
            if c.status != RUNNING or c.in_flight >= c.spec.max_concurrent_calls:
                c.in_rr = False
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
        if outcome == FAILED:
            end = now + _between(rng, 1, 6)
        elif outcome == BUSY:
            end = now + _between(rng, 2, 8)
        elif outcome == NO_ANSWER:
            end = now + _between(rng, 20, 45)
        elif outcome == VOICEMAIL:
            answer = now + _between(rng, 6, 20)
            self._push(answer, _ANSWER, call)
            end = answer + _between(rng, 8, 30)
        else:
            answer = now + _between(rng, 3, 18)
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
