"""The simulated DialNexa workspace: campaigns dialling leads under a concurrency cap, with retries.

Everything happens in world time, a float of seconds since the scenario's start (`t`). The world is
an event queue (heapq), never a per-tick scan: a dial schedules its answer and its end, an end
schedules the analysis and any retry, and a freed slot starts the next queued dial at once. So
advancing costs time in proportion to what happened, and the huge scenario (100,000 leads, 1,000
slots) advances an hour in a couple of CPU seconds.

Determinism: every random draw happens while handling an event, events are handled strictly in
(time, sequence) order, and nothing depends on when `advance_to` is called. The same seed gives
the same history whether the world is advanced in one step or by a thousand requests.

The world's state and what can be read from it live here; how it evolves is in `evolution`
(events, controls, campaign life cycle) and `dialler` (slots, queues, dials, call indexes).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.clock import Clock, SystemClock
from monitor.sim import names
from monitor.sim.dialler import CallIndex, between
from monitor.sim.evolution import Evolution
from monitor.sim.model import (
    DRAFT,
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    LIVE_STATUSES,
    PAUSED,
    RUNNING,
    SCHEDULED,
    Call,
    Campaign,
    PendingRetry,
    ScenarioSpec,
    Series,
)


def iso_utc(ts: float) -> str:
    """Unix seconds as the API's timestamp form: ISO 8601 UTC with milliseconds and a Z."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class World(Evolution):
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
        self.leaked = 0
        """Workspace slots kept after their calls ended (the `leaked_slot` anomaly)."""
        self._rr: deque[Campaign] = deque()
        self._closed: set[Campaign] = set()
        self._all = CallIndex()
        self.counts: dict[str, int] = {s: 0 for s in (*LIVE_STATUSES, *FINAL_STATUSES)}
        self.status_listener: Callable[[Call, str, str], None] | None = None
        self.org_id = "org_" + names.token(self._id_rng.getrandbits(62), 10)
        agents = max((c.agent for c in scenario.campaigns), default=0) + 1
        self.agent_ids = [
            "agt_" + names.token(self._id_rng.getrandbits(62), 10) for _ in range(agents)
        ]
        self.campaigns: list[Campaign] = []
        self._campaigns_by_id: dict[str, Campaign] = {}
        self._campaign_index = 0
        for spec in scenario.campaigns:
            self._add_campaign(spec, created_t=-float(between(self._rng, 3_600, 3 * 86_400)))
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
        scopes: Sequence[CallIndex | Campaign] = [self._all] if campaigns is None else campaigns
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
