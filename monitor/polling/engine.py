"""The engine: every poller inside one shared rate budget, feeding the store.

Each resource is a `Job` with its own pure `Cadence` and a priority. The loop starts jobs when
they fall due; every request they make first passes the budget gate (`DialNexaClient.
before_request`), which grants tokens to the most important waiter first: the selected call and
its retries, then the active-calls list, then the focused campaign, then everything else. When
the budget is short, the least important data simply gets older, and the store says how old.

Nothing here raises on an API failure: errors are recorded on the resource (the last good data
stays), the API's health is updated for the status line, and the job backs off.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from monitor.api.client import ID_PATTERN, DialNexaClient, ResponseInfo
from monitor.api.errors import (
    ApiError,
    BadPayload,
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    Unauthorized,
    Unreachable,
)
from monitor.api.models import Call
from monitor.api.pages import Page, ReadNote
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.clock import Clock, SystemClock
from monitor.config import PollSettings, Settings
from monitor.polling.budget import BACKGROUND, SENT_AT, Budget
from monitor.polling.cadence import FLOOR_S, Cadence
from monitor.polling.counts import BACKFILL_FIRST_S, FOCUS_S, RECONCILE_S, Counts
from monitor.polling.fetch import (
    FilterIgnored,
    Routes,
    fetch_active_calls,
    fetch_calls_by_id,
    fetch_campaign,
    fetch_campaign_list,
    fetch_queued_calls,
    fetch_recent_endings,
    fetch_retry_history,
)
from monitor.polling.sweep import PageWidth, SweepOrder
from monitor.state.derive import history_from_call, summarise
from monitor.state.store import ApiHealth, Freshness, Store
from monitor.state.tally import COUNTED
from monitor.state.views import DashboardView, dashboard_view, retry_config_for

log = logging.getLogger(__name__)

PRIORITY: contextvars.ContextVar[int] = contextvars.ContextVar("poll_priority", default=BACKGROUND)
"""The priority of the job making the current request (read by the budget gate)."""
CURRENT_JOB: contextvars.ContextVar[Job | None] = contextvars.ContextVar("poll_job", default=None)
"""The job making the current request, so the gate can raise it as its data ages."""

P_SELECTED, P_ACTIVE, P_FOCUSED, P_LISTS, P_OTHERS, P_ANALYSIS = 0, 1, 2, 3, 4, 5
MAX_BACKGROUND_JOBS = 2
"""Background jobs running at once; essential ones always start (they are one per resource)."""
MAX_ACTIVE_PAGES = 12
MAX_QUEUED_PAGES = 5
"""Listings are read 200 a page (100 where the API cuts there); 12 pages of 100 cover a
1,000-slot workspace with room to see that the list ended (a full last page would leave the
sweep incomplete)."""
ACTIVE_SHARE = 0.6
"""The active sweep may use this share of the budget when it needs several pages."""
SELECTED_CAP_S = 5.0
"""The selected call is asked for every 5 s, the vendor's floor, unless a listing just read it."""
SWEEP_JITTER = 0.15
CAP_VERIFY_S = 30.0
"""How often a sweep that stopped at the cap reads the next page anyway, to check the cap."""
LOOP_FLOOR_S = 0.25
KEY_PROBE_S = 60.0
"""With the key refused, probe slowly until it works again (FAULTS N13)."""
FORBIDDEN_RETRY_S = 300.0
PRUNE_EVERY_S = 60.0
SKEW_NOTE_S = 60.0
CAMPAIGN_GONE_S = 1800.0
LOOKUP_BATCH = 100
"""Calls whose state is asked for in one `call_id` request (a page; about 2 KB of URL)."""
LOOKUP_CHECK_S = 5.0
LOOKUP_WAIT_S = 60.0
"""A call that left the lists is looked up once a read of the endings page since then has not
brought its outcome for free (or after this long, if that page cannot be read), or sooner when
a full batch is waiting."""
LOOKUP_TRIES = 3
LOOKUP_BEHIND_S = 120.0
QUEUED_RECHECK_S = 90.0
"""A queued call no listing has shown for this long (the queue is longer than the pages read)
is looked up: it may have been dialled and ended between two sweeps."""
TARGET_AGE_S = {
    "active": 15.0,
    "endings": 20.0,
    "outcomes": 60.0,
    "campaigns": 60.0,
    "queued": 120.0,
    "focus": 30.0,
    "call": 10.0,
    "retries": 60.0,
}
"""The age each pane's data promises (README, "How it polls"): active calls and concurrency
(active, endings), campaigns (campaigns list, endings), the focused campaign's listing, the
selected call and its retries."""
URGENT_ROOM = 0.75
"""History of the campaigns on screen is urgent only while the minute is under this share."""
TARGET_SHARE = 0.6
"""A job whose data is older than this share of its target goes before the others."""
FINAL_SUMMARIES = frozenset(
    {"completed", "all_retries_exhausted", "voicemail_final", "failed", "ended"}
)


@dataclass(eq=False)
class Job:
    key: str
    """Also the store's freshness key for what it fetches."""
    priority: int
    cadence: Cadence
    poll: Callable[[], Awaitable[bool]]
    """Fetches and writes the store; returns whether anything changed."""
    due: float
    task: asyncio.Task[None] | None = None
    started: float = -1e9
    ended: float = -1e9
    """When its last run finished: a run asked for early starts a second after that, so no
    request repeats within a second even when the last one went out at the end of its run."""
    runs: int = 0
    due_hint: float | None = None
    """Set by a poll that found nothing to do: when it is worth asking again."""
    target_s: float | None = None
    """The age its pane promises: a job whose data is older than most of this goes before
    everything but the selected call, so no pane starves while the budget has room."""


class Engine:
    """Polls the API within the budget and keeps the store current; never raises on API errors.

    Intents from the UI (`select_call`, `focus_campaign`, `refresh_now`) change what is polled
    and how urgently, never the data itself.
    """

    def __init__(
        self,
        client: DialNexaClient,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = store or Store()
        self.routes = Routes()
        self.rng = rng or random.Random()
        self.poll: PollSettings = settings.poll
        self.budget = Budget(per_min=float(settings.request_budget_per_min))
        self.budget.updated = self.clock.monotonic()
        self.jobs: dict[str, Job] = {}
        self.selected_call_id: str | None = None
        self.focused_campaign_id: str | None = None
        self.one_shot = False
        """`snapshot`: every campaign's counts and a one-page qualified rate are wanted once."""
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._waiting: Counter[int] = Counter()
        # When each job's last request went out, kept after the job is dropped: a call left
        # and opened again while its answer is still on the wire (Esc, Enter on a slow API)
        # must not ask for the same thing again within a second (FAULTS N18, R3).
        self._last_sent: dict[str, float] = {}
        self._last_prune = self.clock.monotonic()
        self._cap_trusted = True
        """The configured cap holds: a full page of in-flight calls at the cap is all of them."""
        self._cap_checked = -1e9
        self._endings_seen: set[str] = set()
        self._endings_read = -1e9
        """When the last successful read of the endings page started."""
        self._outcomes: dict[str, tuple[float, int]] = {}
        """Calls that left the lists without an outcome: since when, lookups tried."""
        self.lookups = True
        """Whether the API honours `call_id` lists (a server that ignores it is told apart)."""
        self._order: dict[str, bool] = {}
        self.page_width = PageWidth()
        """Listings found not to be newest first: nothing is inferred from their pages."""
        self._campaign_missing: dict[str, tuple[float, int]] = {}
        self._campaign_page_next = 2
        self._campaign_rotation: set[str] = set()
        """Campaigns listed on the pages read since the rotation last reached the end."""
        """Campaigns a complete list left out: since when, and how many lists in a row."""
        self._api_anchor: tuple[datetime, float] | None = None
        """The API's clock at a monotonic instant (from `Date`): durations of running calls
        are measured on it, so a laptop clock minutes off, or stepped, moves none of them."""
        self._offset: tuple[float, float] | None = None
        """Bounds on (API epoch seconds - monotonic), narrowed by every `Date` (whole seconds,
        rounded down) at a different sub-second phase: the instant a count was read, to the
        tens of milliseconds, so an ending at that instant is neither missed nor counted twice."""
        self._skew_noted = False
        self._recovered = False
        """The API answered again after failing: pollers that were failing go again now."""
        self.counts = Counts(self)
        client.before_request = self._gate
        client.listeners.append(self._on_response)
        client.read_listeners.append(self._on_read)

    # -- intents --------------------------------------------------------------------------

    def select_call(self, call_id: str | None) -> None:
        if call_id == self.selected_call_id:
            return
        self.selected_call_id = call_id
        self._wake.set()

    def focus_campaign(self, campaign_id: str | None) -> None:
        if campaign_id == self.focused_campaign_id:
            return
        self.focused_campaign_id = campaign_id
        # Its header counts are live from the endings stream; its listing (focus/<id>) is
        # added by _sync_jobs, due at once, and its history (if missing) read first.
        baseline = self.jobs.get("baseline")
        if baseline is not None:
            baseline.due = min(baseline.due, max(self.clock.monotonic(), baseline.ended + FLOOR_S))
        self._wake.set()

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        """The campaigns on screen, in screen order: their history is read first."""
        self.counts.visible = campaign_ids

    def refresh_now(self) -> None:
        """Poll everything as soon as the budget allows (never faster than 1/s per resource)."""
        now = self.clock.monotonic()
        for job in self.jobs.values():
            job.due = min(job.due, max(now, job.ended + FLOOR_S))
            job.cadence.interval_s = job.cadence.base_s
        self._wake.set()

    def retry_now(self, keys: list[str]) -> None:
        """Run these jobs again as soon as the budget allows (`snapshot`'s one retry)."""
        now = self.clock.monotonic()
        for key in keys:
            job = self.jobs.get(key)
            if job is not None:
                job.due = min(job.due, max(now, job.ended + FLOOR_S))
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def round_complete(self) -> bool:
        """Every poller has run at least once (and campaigns are known)."""
        return (
            "campaigns" in self.jobs
            and self.jobs["campaigns"].runs > 0
            and all(j.runs > 0 or j.cadence.final for j in self.jobs.values())
        )

    def next_poll_in(self) -> float | None:
        idle = [j.due for j in self.jobs.values() if j.task is None and not j.cadence.final]
        if not idle:
            return None
        return max(0.0, min(idle) - self.clock.monotonic())

    def api_now(self) -> datetime:
        """Now on the API's clock: its last `Date` carried forward on the monotonic clock."""
        if self._api_anchor is None:
            return self.clock.now()
        date, at = self._api_anchor
        return date + timedelta(seconds=self.clock.monotonic() - at)

    def api_instant(self, mono: float | None = None) -> datetime:
        """Now (or the monotonic instant `mono`) on the API's clock, as precisely as the
        `Date`s seen allow (for counts)."""
        now = self.clock.monotonic()
        at = now if mono is None else mono
        if self._offset is None:
            return self.api_now() - timedelta(seconds=now - at)
        lo, hi = self._offset
        return datetime.fromtimestamp(at + (lo + hi) / 2, UTC)

    def _narrow_offset(self, date: datetime, at: float) -> None:
        lo, hi = date.timestamp() - at, date.timestamp() + 1 - at
        if self._offset is not None:
            old_lo, old_hi = self._offset
            if max(lo, old_lo) < min(hi, old_hi):
                lo, hi = max(lo, old_lo), min(hi, old_hi)
            # else: the API's clock stepped, or the latency widened it: start again from here.
        self._offset = (lo, hi)

    def _note_server_date(self, date: datetime, at: float) -> None:
        self._narrow_offset(date, at)
        # `Date` has whole seconds (rounded down): +0.5 s is the best guess, and the anchor
        # only moves when it is off by more than that rounding, so durations never wobble.
        estimate = date + timedelta(seconds=0.5)
        if self._api_anchor is not None:
            drift = (estimate - self.api_now()).total_seconds() + (self.clock.monotonic() - at)
            if abs(drift) <= 1.5:
                return
        self._api_anchor = (estimate, at)
        skew = (estimate - self.clock.now()).total_seconds()
        if abs(skew) > SKEW_NOTE_S and not self._skew_noted:
            self._skew_noted = True
            log.warning(
                "this machine's clock is %.0f s %s the API's: times are shown on the API's",
                abs(skew),
                "behind" if skew > 0 else "ahead of",
            )

    def view(self) -> DashboardView:
        return dashboard_view(
            self.store,
            now=self.api_now(),
            mono_now=self.clock.monotonic(),
            cap=self.settings.concurrency_cap,
            selected_call_id=self.selected_call_id,
        )

    # -- the budget gate and response accounting -------------------------------------------

    async def _gate(self, path: str) -> None:
        job = CURRENT_JOB.get()
        while True:
            now = self.clock.monotonic()
            # Re-derived while it waits: a request that began as background work is raised
            # once its pane nears its promised age (the budget's soft share must not hold the
            # campaign list past its target while the focused campaign spends the minute).
            priority = (
                PRIORITY.get() if job is None else min(PRIORITY.get(), self._priority(job, now))
            )
            higher_waiting = any(n for p, n in self._waiting.items() if p < priority)
            if not higher_waiting and self.budget.take(now, priority):
                SENT_AT.set(now)
                if job is not None:
                    self._last_sent[job.key] = now
                return
            self._waiting[priority] += 1
            try:
                await self.clock.sleep(max(0.05, self.budget.wait_s(now, priority)))
            finally:
                self._waiting[priority] -= 1

    def _on_response(self, info: ResponseInfo) -> None:
        now = info.at
        if info.server_date is not None:
            self._note_server_date(info.server_date, info.at)
        self.store.tally.start(self.api_instant())
        self.budget.observe(info.rate, now)
        error = info.error
        health = self.store.health
        if error is None:
            self.store.last_good_read = now
            self.budget.succeeded()
            state, message = "ok", ""
            if health.state != "ok":
                self._recovered = True
                self._wake.set()
        elif isinstance(error, RateLimited):
            pause = self.budget.rate_limited(now, error.retry_after, self.rng)
            state, message = "rate_limited", error.message
            self._set_health(state, message, until=now + pause)
            return
        elif isinstance(error, Unauthorized):
            state, message = "key_refused", error.message
        elif isinstance(error, Unreachable | Timeout):
            state, message = "unreachable", error.message
        elif isinstance(error, ServerError):
            state, message = "server_error", error.message
        elif isinstance(error, BadPayload):
            state, message = "degraded", error.message
        else:
            return  # 403/404 belong to one panel, not to the API's health
        if health.state == state == "rate_limited" and error is None:
            return
        self._set_health(state, message)

    def _on_read(self, note: ReadNote) -> None:
        self.store.note_read(note, self.clock.monotonic())

    def _set_health(self, state: str, message: str, *, until: float | None = None) -> None:
        now = self.clock.monotonic()
        previous = self.store.health
        since: float | None = None
        if state != "ok":
            since = previous.since if previous.state == state and previous.since else now
        self.store.set_health(
            ApiHealth(
                state=state,
                message=message,
                since=since,
                until=until,
                used_last_minute=self.budget.used_last_minute(now),
                limit=self.budget.server_limit,
                remaining=self.budget.server_remaining,
                reset_after_s=(
                    max(0.0, self.budget.server_reset_at - now)
                    if self.budget.server_reset_at is not None
                    else None
                ),
                budget_per_min=int(self.budget.per_min),
            )
        )

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        self._add("active", P_ACTIVE, self.poll.active_calls_s, self._poll_active)
        self._add("endings", P_FOCUSED, 10.0, self._poll_endings)
        self._add("outcomes", P_ACTIVE, LOOKUP_CHECK_S, self._poll_outcomes)
        self._add("queued", P_LISTS, self.poll.batch_list_s, self._poll_queued)
        self._add("campaigns", P_LISTS, self.poll.batch_list_s, self._poll_campaigns)
        self._add("baseline", P_LISTS, FLOOR_S, self.counts.poll_baseline)
        self._add(
            "reconcile",
            P_OTHERS,
            RECONCILE_S / len(COUNTED),
            self.counts.poll_reconcile,
            cap_s=RECONCILE_S / len(COUNTED),
        )
        self._add("backfill", P_ANALYSIS, BACKFILL_FIRST_S, self.counts.poll_backfill)
        for key, target in TARGET_AGE_S.items():
            if key in self.jobs:
                self.jobs[key].target_s = target
        try:
            while not self._stop.is_set():
                self._sync_jobs()
                self._start_due_jobs()
                now = self.clock.monotonic()
                if now - self._last_prune > PRUNE_EVERY_S:
                    self._last_prune = now
                    self.store.prune(now)
                    self.store.tally.fold(self.api_instant())
                    self._set_health(
                        self.store.health.state,
                        self.store.health.message,
                        until=self.store.health.until,
                    )
                idle = [j.due for j in self.jobs.values() if j.task is None and not j.cadence.final]
                wait = min(idle, default=now + 5.0) - now
                # A due job that could not start (background slots full, key refused) waits for
                # a running job to finish, which wakes the loop: never spin on a past due time.
                await self._sleep_or_wake(min(max(wait, LOOP_FLOOR_S), 5.0))
        finally:
            tasks = [j.task for j in self.jobs.values() if j.task is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task

    async def _sleep_or_wake(self, seconds: float) -> None:
        if self._wake.is_set():
            self._wake.clear()
            await asyncio.sleep(0)
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            self._wake.clear()

    def _add(
        self,
        key: str,
        priority: int,
        base_s: float,
        poll: Callable[[], Awaitable[bool]],
        *,
        cap_s: float | None = None,
    ) -> Job:
        job = self.jobs.get(key)
        if job is None:
            now = self.clock.monotonic()
            cadence = Cadence(base_s=base_s, cap_s=cap_s or max(base_s, self.poll.max_backoff_s))
            due = max(now, self._last_sent.get(key, -1e9) + FLOOR_S)
            job = Job(key, priority, cadence, poll, due=due)
            self.jobs[key] = job
        job.priority = priority
        return job

    def _drop(self, key: str) -> None:
        job = self.jobs.pop(key, None)
        if job is not None and job.task is not None:
            job.task.cancel()
        self.store.freshness.pop(key, None)
        if len(self._last_sent) > 256:
            # Only the last second matters; the selections of a long day must not pile up.
            horizon = self.clock.monotonic() - FLOOR_S
            self._last_sent = {k: t for k, t in self._last_sent.items() if t > horizon}

    def _sync_jobs(self) -> None:
        """Make the set of jobs match what exists and what the user is looking at."""
        wanted: set[str] = set()
        focused = self.focused_campaign_id
        if focused and focused in self.store.campaigns:
            wanted.add(f"focus/{focused}")
            self._add(
                f"focus/{focused}",
                P_FOCUSED,
                FOCUS_S,
                self._bind(self.counts.poll_focus, focused),
                cap_s=FOCUS_S,
            ).target_s = TARGET_AGE_S["focus"]
        if self.selected_call_id:
            cid = self.selected_call_id
            wanted |= {f"call/{cid}", f"retries/{cid}"}
            self._add(
                f"call/{cid}",
                P_SELECTED,
                self.poll.selected_call_s,
                lambda: self._poll_selected(cid),
                # The call the user is looking at stays within the vendor's 5-10 s.
                cap_s=max(self.poll.selected_call_s, SELECTED_CAP_S),
            ).target_s = TARGET_AGE_S["call"]
            self._add(
                f"retries/{cid}",
                P_SELECTED,
                self.poll.retries_s,
                lambda: self._poll_retries(cid),
                cap_s=TARGET_AGE_S["retries"] / 2,
            ).target_s = TARGET_AGE_S["retries"]
        for key in [k for k in self.jobs if k.startswith(("call/", "retries/", "focus/"))]:
            if key not in wanted:
                self._drop(key)

    @staticmethod
    def _bind(poll: Callable[[str], Awaitable[bool]], ident: str) -> Callable[[], Awaitable[bool]]:
        return lambda: poll(ident)

    def _start_due_jobs(self) -> None:
        now = self.clock.monotonic()
        if self._recovered:
            # Failing pollers waited at their healthy pace (no storm); the API is back, so
            # they refresh now, spread over a few seconds and paced by the budget.
            self._recovered = False
            for job in self.jobs.values():
                if job.cadence.errors and job.task is None:
                    job.due = min(job.due, max(now, job.ended + FLOOR_S) + self.rng.uniform(0, 3))
        background = sum(
            1 for j in self.jobs.values() if j.task is not None and j.priority >= P_LISTS
        )
        due = sorted(
            (
                j
                for j in self.jobs.values()
                if j.task is None and j.due <= now and not j.cadence.final
            ),
            key=lambda j: (self._priority(j, now), j.due),
        )
        if self.store.health.state == "key_refused":
            # One slow probe is enough to notice a fixed key; the rest would only be refused.
            due = [j for j in due if j.key == "active"]
        for job in due:
            if self._priority(job, now) >= P_LISTS:
                if background >= MAX_BACKGROUND_JOBS:
                    continue
                background += 1
            job.started = now
            job.task = asyncio.create_task(self._run_job(job), name=f"poll-{job.key}")

    def _priority(self, job: Job, now: float) -> int:
        """A job's priority now: raised when its pane is near its promised age, and for the
        history (baseline) of the campaigns on screen early in the run."""
        if job.key == "baseline":
            # The on-screen campaigns' history goes early while the minute has room; when the
            # active sweep fills it (1,000 in flight) it is background work, so the endings
            # behind every count and the concurrency are never held for it.
            roomy = self.budget.used_last_minute(now) < URGENT_ROOM * self.budget.per_min
            return P_FOCUSED if roomy and self.counts.urgent() else job.priority
        if job.target_s is None or job.priority <= P_ACTIVE:
            return job.priority
        fresh = self.store.freshness.get(job.key)
        age = None if fresh is None else fresh.age(now)
        if age is not None and age > TARGET_SHARE * job.target_s:
            return P_ACTIVE
        return job.priority

    async def _run_job(self, job: Job) -> None:
        PRIORITY.set(self._priority(job, self.clock.monotonic()))
        CURRENT_JOB.set(job)
        retry_after: float | None = None
        try:
            changed = await job.poll()
            job.cadence.succeeded(changed=changed)
            self.store.mark_fresh(
                job.key,
                self.clock.monotonic(),
                interval_s=job.cadence.expected_s,
                promise_s=job.target_s,
            )
        except asyncio.CancelledError:
            raise
        except ApiError as exc:
            job.cadence.failed()
            self.store.mark_error(job.key, exc, self.clock.monotonic())
            if isinstance(exc, RateLimited | ServerError) and exc.retry_after:
                retry_after = exc.retry_after
            if isinstance(exc, Unauthorized):
                retry_after = KEY_PROBE_S
            elif isinstance(exc, Forbidden):
                retry_after = FORBIDDEN_RETRY_S
            elif isinstance(exc, NotFound) and job.key.startswith("call/"):
                # Only the record's 404 says the call is gone; its history's alone does not.
                self.store.mark_gone(job.key.split("/", 1)[1])
                job.cadence.final = True
            elif isinstance(exc, NotFound) and job.key.startswith("retries/"):
                job.cadence.final = True  # neither record nor history: nothing to poll
        except Exception as exc:
            # A bug in a poller must not stop the others or the app (FAULTS S9).
            log.exception("poller %s failed", job.key)
            job.cadence.failed()
            # The type only on screen: an exception's text could quote anything it touched.
            self.store.note_internal_error(
                f"Internal error while reading {job.key.split('/')[0]} ({type(exc).__name__}):"
                " a bug in the monitor, details in its log. Retrying; other data keeps updating."
            )
        finally:
            job.runs += 1
            now = self.clock.monotonic()
            job.ended = now
            pause = max(0.0, self.budget.paused_until - now)
            delay = job.cadence.next_delay(self.rng, retry_after=retry_after)
            if job.key == "active" and not job.cadence.errors:
                # The sweep's interval runs from its start: a 10-page sweep that waited for
                # tokens must not push the next one back by its own length.
                delay = max(FLOOR_S, delay - (now - job.started))
            job.due = now + max(delay, pause)
            if job.due_hint is not None:
                job.due = max(now + FLOOR_S, job.due_hint, now + pause)
                job.due_hint = None
            job.task = None
            self._wake.set()

    # -- pollers -------------------------------------------------------------------------------

    async def _poll_active(self) -> bool:
        store = self.store
        live_before = store.in_flight()
        before = {(t.call.id, t.call.status) for t in live_before}
        seen: set[str] = set()
        order = SweepOrder(ordered=self._order.get("active", True))
        complete = False
        pages = 0
        cap = self.settings.concurrency_cap
        now = self.clock.monotonic()
        verify = now - self._cap_checked >= CAP_VERIFY_S
        paging = self.page_width.start()
        for number in range(1, MAX_ACTIVE_PAGES + 1):
            page = await fetch_active_calls(self.client, page=number, limit=paging.limit)
            pages += 1
            now = self.clock.monotonic()
            order.add_page(c.created_at for c in page.items)
            seen.update(c.id for c in page.items)
            # Each page lands as it arrives: on a 1,000-call sweep the first page is not held
            # back for the whole sweep, nor are the calls it proves ended.
            with store.batch():
                for call in page.items:
                    self.take(call, now, live_listing=True, source="in-flight list")
                for tracked in live_before:
                    if tracked.call.id not in seen and order.left_list(tracked.call.created_at):
                        self._left_lists(tracked.call.id, now)
            if number > 1 and self._cap_trusted and len(seen) > (cap or 0):
                log.warning("more calls in flight than the configured cap: paging on")
                self._cap_trusted = False
            if paging.done(page.raw_count, page.limit, _said_last(page)):
                complete = True
                break
            if self._cap_trusted and cap and len(seen) >= cap and not verify:
                # A full page at the workspace cap: nothing more can be in flight, so the
                # (empty) next page is only read now and then to check the cap is right.
                complete = True
                break
        self._note_order("active", order)
        if verify:
            self._cap_checked = now
        with store.batch():
            if complete:
                for tracked in store.in_flight():
                    if tracked.call.id not in seen:
                        self._left_lists(tracked.call.id, now)
            store.record_concurrency(self.api_now(), len(seen))
        after = {(t.call.id, t.call.status) for t in store.in_flight()}
        per_page = 60.0 / max(1.0, ACTIVE_SHARE * self.budget.per_min)
        self.jobs["active"].cadence.rebase(max(self.poll.active_calls_s, pages * per_page))
        return before != after

    def take(
        self, call: Call, now: float, *, live_listing: bool = False, source: str = "calls"
    ) -> bool:
        """A call as any poller read it: into the store (merged with what earlier reads
        said), and its ending (if it ended) into its campaign's counts, once per attempt
        whichever read brought it. The merged record is counted: a read that leaves the
        campaign out still counts for the campaign an earlier read named."""
        changed = self.store.upsert_call(call, now, live_listing=live_listing, source=source)
        tracked = self.store.calls.get(call.id)
        merged = tracked.call if tracked is not None else call
        if merged.status in FINAL_STATUSES:
            changed |= self.store.tally.observe(merged, self.api_instant())
        return changed

    def _note_order(self, listing: str, order: SweepOrder) -> None:
        if not order.ordered and self._order.get(listing, True):
            log.info("the %s list is not newest first: ended calls are noticed per sweep", listing)
            self._order[listing] = False

    def _left_lists(self, call_id: str, now: float) -> None:
        """A call no listing shows any more: shown ended now, its outcome looked up."""
        self.store.mark_ended(call_id, now)
        self._want_outcome(call_id, now)

    def _want_outcome(self, call_id: str, now: float) -> None:
        if not self.lookups or call_id in self._outcomes or not ID_PATTERN.fullmatch(call_id):
            return
        self._outcomes[call_id] = (now, 0)
        job = self.jobs.get("outcomes")
        if job is not None and len(self._outcomes) >= LOOKUP_BATCH and job.task is None:
            job.due = min(job.due, max(now, job.ended + FLOOR_S))
            self._wake.set()

    async def _poll_queued(self) -> bool:
        store = self.store
        queued_before = store.queued()
        calls: list[Call] = []
        order = SweepOrder(ordered=self._order.get("queued", True))
        complete = False
        paging = self.page_width.start()
        for number in range(1, MAX_QUEUED_PAGES + 1):
            page = await fetch_queued_calls(self.client, page=number, limit=paging.limit)
            order.add_page(c.created_at for c in page.items)
            calls.extend(page.items)
            if paging.done(page.raw_count, page.limit, _said_last(page)):
                complete = True
                break
        self._note_order("queued", order)
        now = self.clock.monotonic()
        changed = False
        seen = {c.id for c in calls}
        with store.batch():
            for call in calls:
                changed |= self.take(call, now, live_listing=True, source="queued list")
            for tracked in queued_before:
                cid = tracked.call.id
                if cid in seen or tracked.ended_seen is not None:
                    continue
                if tracked.call.status is not CallStatus.QUEUED or tracked.last_seen >= now:
                    continue  # the active sweep has it dialling
                if complete or order.left_list(tracked.call.created_at):
                    # Neither queued nor (per the active sweep) dialling: it ended.
                    self._left_lists(cid, now)
                    changed = True
                elif now - tracked.last_seen > QUEUED_RECHECK_S:
                    # Beyond the pages read: still queued, or dialled and ended unseen.
                    self._want_outcome(cid, now)
        return changed

    async def _poll_outcomes(self) -> bool:
        """The state of calls that left the lists unexplained, a page of ids per request."""
        store = self.store
        now = self.clock.monotonic()
        for cid in [
            cid
            for cid in self._outcomes
            if (t := store.calls.get(cid)) is None or t.call.status in FINAL_STATUSES
        ]:
            del self._outcomes[cid]  # the endings page or another read brought it
        job = self.jobs["outcomes"]
        if not self._outcomes or self.store.health.state != "ok":
            # Catching up can wait for a healthy API: while it fails, this would only add
            # requests to a minute that must not grow (FAULTS section 6).
            job.due_hint = now + LOOKUP_CHECK_S
            return False
        ready = [
            cid
            for cid, (since, _) in self._outcomes.items()
            if since < self._endings_read or now - since >= LOOKUP_WAIT_S
        ]
        if len(ready) < LOOKUP_BATCH and len(self._outcomes) >= LOOKUP_BATCH:
            ready = list(self._outcomes)
        if not ready:
            job.due_hint = now + LOOKUP_CHECK_S
            return False
        # Oldest first already: ids join the dict as they leave the lists, and a retry
        # updates an entry in place.
        ready = ready[:LOOKUP_BATCH]
        if now - self._outcomes[ready[0]][0] > LOOKUP_BEHIND_S:
            # The lookups are not keeping up with the endings: the wave misses some retries.
            store.endings_missed_at = now
        try:
            found = await fetch_calls_by_id(self.client, ready)
        except (FilterIgnored, BadRequest):
            log.info("the API does not filter calls by id: outcomes come from the endings page")
            self.lookups = False
            self._outcomes.clear()
            job.cadence.final = True
            return False
        now = self.clock.monotonic()
        changed = False
        with store.batch():
            for call in found:
                self._outcomes.pop(call.id, None)
                # Fresh from the API: if it is still live, the listing missed it (it slid
                # between two pages) and it is live again.
                changed |= self.take(call, now, live_listing=True, source="lookup by id")
        for cid in ready:
            if cid in self._outcomes:
                since, tries = self._outcomes[cid]
                if tries + 1 >= LOOKUP_TRIES:
                    del self._outcomes[cid]
                else:
                    self._outcomes[cid] = (since, tries + 1)
        if len(self._outcomes) >= LOOKUP_BATCH:
            job.due_hint = now + FLOOR_S
        if changed:
            # Completed calls (and their analyses) arrive here as well as on the endings page:
            # the qualified rate and `analysis pending` count them at once.
            self.counts.update_qualified()
        return changed

    async def _poll_endings(self) -> bool:
        started = self.clock.monotonic()
        paging = self.page_width.start()
        page = await fetch_recent_endings(self.client, self.routes, limit=paging.limit)
        now = self.clock.monotonic()
        changed = False
        with self.store.batch():
            for call in page.items:
                changed |= self.take(call, now, source="endings list")
        ids = {c.id for c in page.items}
        overflow = (
            self._endings_seen and paging.full(page.raw_count) and not ids & self._endings_seen
        )
        if overflow and not self.lookups:
            # A full page with nothing from the last read: more ended in between than a page
            # holds, and this API cannot be asked for them by id. Reading them all would take
            # the active sweep's budget (1,000 in flight), so the retry wave built from the
            # outcomes read says it is a lower bound.
            self.store.endings_missed_at = now
            changed = True
        self._endings_seen = ids
        self._endings_read = started
        for _, correction in self.store.tally.settle(self.api_instant()):
            log.info(
                "reconciliation: a campaign's %s count was off by %+d",
                correction.status,
                correction.by,
            )
            # Shown, not a reason to read the endings faster.
            self.store.touch()
        # Analyses arrive on calls this page reads again (the newest endings): the qualified
        # rate moves with them, at no cost of its own.
        self.counts.update_qualified()
        return changed

    async def _poll_campaigns(self) -> bool:
        """The list's first page (the newest campaigns) every run, and one further page in
        rotation when there are more: a workspace with 400 campaigns costs 2 requests a run,
        not 5, and every page is read within a few runs."""
        first = await fetch_campaign_list(self.client, self.routes)
        pages = [first]
        if not first.is_last and first.items:
            number = self._campaign_page_next
            more = await fetch_campaign_list(self.client, self.routes, page=number)
            pages.append(more)
            self._campaign_page_next = 2 if more.is_last or not more.items else number + 1
        wanted = set(self.settings.campaigns)
        changed = False
        unusable = 0
        with self.store.batch():
            listed = set()
            for campaign in (c for page in pages for c in page.items):
                if wanted and campaign.id not in wanted:
                    continue
                if not ID_PATTERN.fullmatch(campaign.id):
                    # It could never go into a URL: shown from the list, its counts never
                    # asked for, and said so (status line, `snapshot` errors).
                    unusable += 1
                listed.add(campaign.id)
                new = self.store.campaigns.get(campaign.id) is None
                changed |= self.store.upsert_campaign(campaign)
                if new and ID_PATTERN.fullmatch(campaign.id):
                    # An id that cannot go in a URL is shown from the list; its counts cannot
                    # be asked for (see `unusable` below).
                    self.counts.adopt(campaign.id)
            for missing in sorted(wanted - listed - set(self.store.campaigns)):
                campaign = await fetch_campaign(self.client, self.routes, missing)
                self.store.upsert_campaign(campaign)
                changed = True
            self._campaign_rotation |= listed
            if pages[-1].is_last and self._campaign_rotation and not wanted:
                # Every page read since the rotation began: a whole list.
                changed |= self._forget_gone_campaigns(self._campaign_rotation)
                self._campaign_rotation = set()
            if unusable:
                reason = {"id not usable in a request: counts not read": unusable}
                self._on_read(ReadNote(f"/{self.routes.campaigns} (ids)", unread=reason))
        self.store.freshness["campaigns"] = replace(
            self.store.freshness.get("campaigns") or Freshness(), source=self.routes.campaigns
        )
        return changed

    def _forget_gone_campaigns(self, listed: set[str]) -> bool:
        """Drop campaigns a complete list has left out for a while (deleted, archived), and
        their pollers: a day of campaign turnover must not grow the store and the job table.
        Only after half an hour and three lists: a drifted or half-read list (FAULTS P2, P6)
        must not wipe what is known."""
        now = self.clock.monotonic()
        for cid in listed:
            self._campaign_missing.pop(cid, None)
        dropped = False
        for cid in set(self.store.campaigns) - listed:
            first, times = self._campaign_missing.get(cid, (now, 0))
            self._campaign_missing[cid] = (first, times + 1)
            if times + 1 >= 3 and now - first >= CAMPAIGN_GONE_S:
                del self._campaign_missing[cid]
                self.store.drop_campaign(cid)
                self.store.tally.drop(cid)
                dropped = True
        return dropped

    async def _poll_selected(self, call_id: str) -> bool:
        tracked = self.store.calls.get(call_id)
        now = self.clock.monotonic()
        # The active sweep's 5 s comes with ±10% jitter: give it that long to read the call
        # again before spending a request of its own.
        fresh_for = self.poll.selected_call_s * (1 + SWEEP_JITTER)
        covered = (
            tracked is not None
            and tracked.ended_seen is None
            and now - tracked.last_seen < fresh_for
        )
        if covered and tracked is not None:
            # A listing read it just now: no request spent on it; ask once that read is old.
            self.jobs[f"call/{call_id}"].due_hint = tracked.last_seen + fresh_for
            return False
        call = await self.client.get_call(call_id)
        changed = self.take(call, self.clock.monotonic(), source="call record")
        if call.status in FINAL_STATUSES:
            self.jobs[f"call/{call_id}"].cadence.final = True
        return changed

    async def _poll_retries(self, call_id: str) -> bool:
        # The call record and its retry history are independent reads (API sheet 3.2, 3.6).
        tracked = self.store.calls.get(call_id)
        if tracked is None:
            if call_id not in self.store.gone_calls:
                return False  # the call itself arrives first
            # The record is gone (404) but its history may not be: show what there is.
            history = await self.client.get_retries(call_id)
            before = self.store.histories.get(history.call_id)
            self.store.put_history(history)
            return before != history
        call = tracked.call
        try:
            history = await fetch_retry_history(self.client, self.routes, call)
        except NotFound:
            # A call that exists with no history of its own: one attempt, from its record.
            history = history_from_call(call)
        config = retry_config_for(self.store, call)
        if config is None and call.campaign_id and call.campaign_id not in self.store.campaigns:
            campaign = await fetch_campaign(self.client, self.routes, call.campaign_id)
            self.store.upsert_campaign(campaign)
            config = campaign.retry_config
        before = self.store.histories.get(history.call_id)
        self.store.put_history(history)
        summary = summarise(history.attempts, config)
        if summary in FINAL_SUMMARIES:
            self.jobs[f"retries/{call_id}"].cadence.final = True
        return before != history


def _said_last(page: Page[Call]) -> bool:
    """The server said this page is the last (`meta.totalPages`); a short page is judged apart."""
    return page.total_pages is not None and page.page >= page.total_pages
