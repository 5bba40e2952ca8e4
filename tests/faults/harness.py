"""A drill: the real engine and client against the simulator on a fake clock, with the checks a
user would make of the status line and the panels during and after one fault.

Shared by tests/faults and benchmarks/reliability.py (the scorecard runs the same drills).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.drive import drive, settle
from tests.leakscan import find_leaks, make_canary

BASE_INTERVAL_S = 5.0
"""The active-calls poll interval (the status line's heartbeat)."""
ERROR_BACKOFF_CAP_S = 30.0
"""The transport-error backoff cap: the longest a failing poller waits before trying again,
which is the poll interval in force while a fault lasts (FAULTS commitment 4)."""
WARMUP_S = 120.0
BUDGET_PER_MIN = 60


@dataclass
class Sample:
    at: float
    state: str
    message: str
    active_age: float | None
    active_stale: bool
    calls: int
    campaigns: int


class RequestChecks:
    """Request-discipline checks on the simulator's request log (shared by the engine drills
    and the screen drills)."""

    sim: Simulator

    def requests_between(self, start: float, end: float) -> list[Any]:
        return [r for r in self.sim.requests if start <= r.at < end]

    def max_per_minute(self, start: float, end: float) -> int:
        """The most requests in any sliding minute inside [start, end)."""
        times = sorted(r.at for r in self.requests_between(start, end))
        best = 0
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - 60:
                j += 1
            best = max(best, i - j + 1)
        return best

    def min_gap_same_target(self, start: float, end: float) -> float:
        """Smallest gap between two requests for the same path and query."""
        return self.closest_same_target(start, end)[0]

    def closest_same_target(self, start: float, end: float) -> tuple[float, str, list[float]]:
        """The smallest gap between two requests for the same path and query, that target and
        every time it was asked (so that a failure names what was repeated)."""
        by_target: dict[tuple[str, str], list[float]] = defaultdict(list)
        for r in self.requests_between(start, end):
            by_target[(r.path, r.query)].append(r.at)
        best: tuple[float, str, list[float]] = (float("inf"), "", [])
        for (path, query), times in by_target.items():
            ts = sorted(times)
            for a, b in itertools.pairwise(ts):
                if b - a < best[0]:
                    best = (b - a, f"{path}?{query}", ts)
        return best


@dataclass
class Drill(RequestChecks):
    clock: FakeClock
    sim: Simulator
    client: DialNexaClient
    engine: Engine
    task: asyncio.Task[None]
    key: str
    samples: list[Sample] = field(default_factory=list)
    messages: set[str] = field(default_factory=set)
    """Every health and per-resource error message seen (scanned for the key)."""
    real_io_s: float = 0.0
    """Over real sockets: real seconds to let I/O happen after each simulated second."""

    # -- running ---------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.monotonic()

    @property
    def store(self) -> Any:
        return self.engine.store

    async def run_for(self, seconds: float, *, every: float = 1.0) -> None:
        """Advance simulated time, sampling what the status line would show once a second."""
        end = self.now + seconds
        while self.now < end - 1e-9:
            await drive(self.clock, min(every, end - self.now))
            if self.real_io_s:
                await asyncio.sleep(self.real_io_s)
            self.sample()
            assert not self.task.done(), self._crash()

    async def until(self, predicate: Any, limit_s: float, *, step: float = 0.5) -> float | None:
        """Run until `predicate()` holds; the simulated seconds it took, or None."""
        start = self.now
        while self.now - start <= limit_s:
            if predicate():
                return self.now - start
            await self.run_for(step, every=step)
        return None

    def _crash(self) -> str:
        exc = self.task.exception() if not self.task.cancelled() else None
        return f"engine stopped: {exc!r}"

    def sample(self) -> None:
        health = self.store.health
        fresh = self.store.freshness.get("active")
        self.samples.append(
            Sample(
                self.now,
                health.state,
                health.message,
                fresh.age(self.now) if fresh else None,
                bool(fresh and fresh.is_stale(self.now)),
                len(self.store.calls),
                len(self.store.campaigns),
            )
        )
        if health.message:
            self.messages.add(health.message)
        for f in self.store.freshness.values():
            if f.error is not None:
                self.messages.add(str(f.error))
                self.messages.add(repr(f.error))

    async def close(self) -> None:
        self.engine.stop()
        await settle()
        if not self.task.done():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.client.aclose()

    # -- what the user would see --------------------------------------------------------------

    def known(self) -> tuple[set[str], set[str]]:
        return set(self.store.calls), set(self.store.campaigns)

    def fresh_since(self, key: str, t: float) -> bool:
        f = self.store.freshness.get(key)
        return f is not None and f.fetched_at is not None and f.fetched_at >= t and f.error is None

    def leaks(self, *texts: str) -> list[str]:
        blob = "\n".join([*self.messages, *texts])
        return find_leaks(blob, self.key)


async def start_drill(
    scenario: str = "small",
    *,
    seed: int = 7,
    faults: str | Iterable[str] = (),
    warmup_s: float = WARMUP_S,
    transport: httpx.AsyncBaseTransport | None = None,
    base_url: str | None = None,
    sim: Simulator | None = None,
    clock: FakeClock | None = None,
    key: str | None = None,
    client_kwargs: dict[str, Any] | None = None,
    real_io_s: float = 0.0,
    **sim_kwargs: Any,
) -> Drill:
    """Build simulator, client and engine with a canary key, and poll for `warmup_s`."""
    clock = clock or FakeClock()
    key = key or make_canary()
    sim = sim or Simulator.create(
        scenario=scenario, seed=seed, clock=clock, api_key=key, faults=faults, **sim_kwargs
    )
    client = DialNexaClient(
        base_url or sim.base_url,
        key,
        transport=transport if transport is not None else (None if base_url else sim.transport()),
        clock=clock,
        **(client_kwargs or {}),
    )
    engine = Engine(
        client,
        Settings(concurrency_cap=sim.world.cap, request_budget_per_min=BUDGET_PER_MIN),
        clock=clock,
        rng=random.Random(seed),
    )
    drill = Drill(clock, sim, client, engine, asyncio.create_task(engine.run()), key)
    drill.real_io_s = real_io_s
    if warmup_s:
        await drill.run_for(warmup_s)
    return drill


class FakeClockTimeouts(httpx.AsyncBaseTransport):
    """httpx's read timeout, counted on the fake clock.

    The client's own deadline (`asyncio.timeout`) runs on the event loop's real clock, and the
    simulator's `timeout`/`slow` faults wait on the fake clock, so in-process a hung answer would
    otherwise hang for real seconds. This raises the same `httpx.ReadTimeout` httpx raises when
    `read_timeout` (10 s, the client's setting) of fake time passes without an answer.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: FakeClock, read_s: float = 10.0):
        self.inner = inner
        self.clock = clock
        self.read_s = read_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = asyncio.ensure_future(self.inner.handle_async_request(request))
        timer = asyncio.ensure_future(self.clock.sleep(self.read_s))
        try:
            await asyncio.wait({answer, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if answer.done():
            return answer.result()
        answer.cancel()
        await asyncio.gather(answer, return_exceptions=True)
        raise httpx.ReadTimeout("timed out (fake clock)", request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# ------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    """One catalogue fault, run the same way by the tests and the scorecard."""

    id: str
    """FAULTS.md id (test names contain it)."""
    fault: str
    """Simulator fault id or alias."""
    what: str
    options: dict[str, Any] = field(default_factory=dict)
    states: tuple[str, ...] = ()
    """Health states the status line must show during the fault (empty: health stays ok)."""
    words: tuple[str, ...] = ()
    """Words the status line (or the affected pane) must say, case-insensitive."""
    failing: bool = True
    """Requests fail during the fault: the active pane goes stale and the rate must not rise."""
    duration_s: float = 90.0
    retry_after_s: float = 0.0
    """Honoured Retry-After added to the recovery allowance."""
    recover_s: float = ERROR_BACKOFF_CAP_S
    """Allowed time to fresh data after the fault clears (the poll interval in force)."""
    detect_allow_s: float = 2 * BASE_INTERVAL_S + 1
    """How soon the status line must name the fault (longer where the fault itself takes time
    to show: a 10 s read timeout, a flap that starts in its up phase)."""
    onset_s: float = 0.0
    """When the fault starts to bite after it is switched on (a flap starts in its up phase)."""
    rate_factor: float = 1.0
    """Allowed requests a minute as a multiple of the steady rate (2 for flapping: every poller
    that failed in a down phase is due when the API comes back; FAULTS section 6 allows twice
    the normal cadence after a recovery)."""
    rate_checked: bool | None = None
    """Whether requests a minute during the fault must stay at or under the steady rate
    (default: when `failing`)."""
    scenario: str = "small"
    sim_kwargs: dict[str, Any] = field(default_factory=dict)


CASES: tuple[Case, ...] = (
    Case(
        "N8",
        "429-retry-after",
        "429 with Retry-After: 7 on every request",
        states=("rate_limited",),
        words=("rate limited", "resuming in 7 s"),
        retry_after_s=7,
    ),
    Case(
        "N11-retry-after",
        "429-storm",
        "429 storm, Retry-After: 20 on every answer",
        {"retry_after": 20},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=20,
        duration_s=120,
    ),
    Case(
        "N11-no-retry-after",
        "429-storm",
        "429 storm with no Retry-After (reset in seconds)",
        {"retry_after": "none"},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=60,
        duration_s=120,
    ),
    Case(
        "N11-mixed",
        "429-storm",
        "429 storm, Retry-After on every other answer",
        {"retry_after": "mixed"},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=60,
        duration_s=120,
    ),
    Case(
        "P20-N11-epoch-reset",
        "429-storm",
        "429 storm, no Retry-After, X-RateLimit-Reset as a unix epoch",
        {"retry_after": "none"},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=60,
        duration_s=120,
        sim_kwargs={"reset_header": "epoch"},
    ),
    Case(
        "N9",
        "429-http-date",
        "429 with HTTP-date Retry-After: +10 s, -30 s, +1 h (clamped)",
        {},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=300,
        duration_s=60,
    ),
    Case(
        "N10",
        "429-bad-retry-after",
        "429 with Retry-After -5, abc, 1.5, 99999999",
        {},
        ("rate_limited",),
        ("rate limited",),
        retry_after_s=300,
        duration_s=60,
    ),
    Case(
        "N12",
        "5xx-json",
        "500/502/503(+Retry-After: 3)/504 with vendor JSON bodies",
        states=("server_error",),
        words=("api error 50",),
        retry_after_s=3,
    ),
    Case(
        "N21",
        "5xx-html",
        "502/503/504/500 nginx HTML pages, every 4th 2 MB",
        states=("server_error",),
        words=("html page",),
    ),
    Case(
        "OUTAGE-30s",
        "5xx-json",
        "a 30-second outage (every request 5xx)",
        {"codes": [503]},
        ("server_error",),
        ("503",),
        duration_s=30,
        retry_after_s=3,
    ),
    Case(
        "OUTAGE-10min",
        "5xx-json",
        "a 10-minute outage (every request 5xx)",
        {"codes": [502, 503]},
        ("server_error",),
        ("api error 50",),
        duration_s=600,
        retry_after_s=3,
    ),
    Case(
        "N20",
        "flap",
        "flapping: 30 s up, 30 s down (503) for 10 minutes",
        {"period": 30.0},
        ("server_error",),
        ("503",),
        duration_s=600,
        failing=False,
        retry_after_s=30,
        detect_allow_s=30 + 2 * BASE_INTERVAL_S + 1,
        onset_s=30.0,
        rate_checked=True,
        rate_factor=2.0,
    ),
    Case(
        "N4",
        "timeout",
        "no answer at all (read timeout after 10 s)",
        states=("unreachable",),
        words=("did not answer", "in time"),
        detect_allow_s=10 + 2 * BASE_INTERVAL_S + 1,
    ),
    Case(
        "N7",
        "reset",
        "connection reset in the middle of the body",
        states=("unreachable",),
        words=("reset",),
    ),
    Case(
        "N13",
        "revoke-key",
        "the key is revoked mid-session (401 everywhere)",
        states=("key_refused",),
        words=("api key rejected (401)", "dialnexa_api_key"),
        recover_s=60.0,
        duration_s=120,
    ),
    Case(
        "P1",
        "html-200",
        "200 with an HTML body",
        states=("degraded",),
        words=("bad payload", "not json", "html"),
    ),
    Case(
        "P2",
        "empty-body",
        "empty body, null, [] and {} in turn (a bare [] is a valid empty list, so one answer "
        "in four succeeds and the panes stay fresh between errors)",
        states=("degraded",),
        words=("bad payload",),
        failing=False,
    ),
    Case("P3", "truncated", "truncated JSON", states=("degraded",), words=("bad payload",)),
    Case(
        "P3-invalid",
        "invalid-json",
        "JSON that does not parse",
        states=("degraded",),
        words=("bad payload", "not json"),
    ),
    Case(
        "P4",
        "wrong-types",
        "nulls and wrong types in durations, metadata, timestamps",
        failing=False,
    ),
    Case("P5-T17", "unknown-status", "drifted and unknown status values", failing=False),
    Case("P6", "missing-fields", "rows without id or status", failing=False),
    Case("P7", "extra-fields", "extra unknown fields", failing=False),
    Case(
        "DRIFT",
        "drift",
        "field names drift (creation_time, call_duration, camelCase)",
        failing=False,
    ),
    Case("P8", "null-envelope", "data: null, meta: null, meta without totalPages", failing=False),
    Case("P9", "shrinking-total", "the total shrinks while paging", failing=False, scenario="busy"),
    Case(
        "P10", "same-page", "the same page whatever page is asked", failing=False, scenario="busy"
    ),
    Case(
        "P11", "bad-times", "timestamps without zone, epoch ints, far future, year 1", failing=False
    ),
    Case("P12", "nan", "NaN and Infinity literals", failing=False),
    Case("P13", "duplicate-ids", "duplicate records within a page", failing=False),
    Case("P14", "huge-body", "a 6 MiB analysis object in one record", failing=False),
    Case("P16", "bad-utf8", "invalid UTF-8 and a lone surrogate", failing=False),
    Case("P18", "path-ids", "ids with path characters", failing=False),
    Case("HOSTILE", "hostile", "hostile strings T1-T17 in every text field", failing=False),
)
CASES_BY_ID = {c.id: c for c in CASES}


@dataclass
class Outcome:
    case: Case
    survived: bool = False
    detect_s: float | None = None
    recover_s: float | None = None
    rpm_steady: int = 0
    rpm_fault: int = 0
    min_gap_s: float = float("inf")
    stale_shown: bool | None = None
    data_kept: bool = False
    retry_after_respected: bool | None = None
    leaks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        per = BASE_INTERVAL_S
        return {
            "what": self.case.what,
            "survived": self.survived,
            "detect_intervals": None if self.detect_s is None else round(self.detect_s / per, 2),
            "recover_intervals": None if self.recover_s is None else round(self.recover_s / per, 2),
            "recover_s": None if self.recover_s is None else round(self.recover_s, 1),
            "detect_after_onset_intervals": (
                None
                if self.detect_s is None
                else round(max(0.0, self.detect_s - self.case.onset_s) / per, 2)
            ),
            "recover_after_retry_after_intervals": (
                None
                if self.recover_s is None
                else round(max(0.0, self.recover_s - self.case.retry_after_s) / per, 2)
            ),
            "recover_allowance_s": self.case.recover_s + self.case.retry_after_s,
            "rpm_steady": self.rpm_steady,
            "rpm_fault": self.rpm_fault,
            "min_gap_same_target_s": round(self.min_gap_s, 2),
            "stale_shown": self.stale_shown,
            "retry_after_respected": self.retry_after_respected,
            "canary_hits": len(self.leaks),
            "problems": self.problems,
        }


def _said(drill: Drill, case: Case) -> bool:
    health = drill.store.health
    texts = [health.message] + [p.error or "" for p in drill.engine.view().panes]
    blob = " ".join(texts).lower()
    state_ok = not case.states or health.state in case.states
    return state_ok and all(w in blob for w in case.words)


def retry_after_violations(
    drill: RequestChecks,
    start: float,
    end: float,
    seconds: float,
    statuses: tuple[int, ...] = (429,),
    per_target: bool = False,
) -> int:
    """Requests that arrived sooner than `seconds` after a `statuses` answer (to any path, or to
    the same path and query with `per_target`)."""
    log = drill.requests_between(start, end + seconds)
    bad = 0
    for r in log:
        if r.status not in statuses or r.at >= end:
            continue
        for later in log:
            if not (r.at + 1e-6 < later.at < r.at + seconds - 1e-6):
                continue
            if per_target and (later.path, later.query) != (r.path, r.query):
                continue
            bad += 1
    return bad


RECOVERY_SLACK_S = 2 * BASE_INTERVAL_S
"""Slack on every recovery allowance: two active-calls intervals."""


def recovery_allowances(engine: Engine, case: Case) -> dict[str, float]:
    """Simulated seconds after the fault clears by which each resource that has an error (and
    the active list always) must be fresh again: the poll interval in force for it (the
    error-backoff cap, or its own healthy interval +10% jitter when longer) plus the honoured
    Retry-After. Callers add `RECOVERY_SLACK_S`."""
    allowance: dict[str, float] = {}
    for k, f in engine.store.freshness.items():
        if f.error is None:
            continue
        job = engine.jobs.get(k)
        interval = job.cadence.interval_s * 1.1 if job is not None else 0.0
        allowance[k] = max(case.recover_s, interval) + case.retry_after_s
    allowance.setdefault("active", case.recover_s + case.retry_after_s)
    return allowance


async def run_case(case: Case, *, log_text: Any = None, seed: int = 7) -> Outcome:
    """Warm up, switch the fault on, watch, switch it off, watch the recovery."""
    out = Outcome(case)
    clock = FakeClock()
    key = make_canary()
    sim = Simulator.create(
        scenario=case.scenario, seed=seed, clock=clock, api_key=key, **case.sim_kwargs
    )
    drill = await start_drill(
        sim=sim,
        clock=clock,
        key=key,
        seed=seed,
        transport=FakeClockTimeouts(sim.transport(), clock),
    )
    try:
        t0 = drill.now
        out.rpm_steady = drill.max_per_minute(t0 - 60, t0)
        calls_before, campaigns_before = drill.known()
        drill.sim.faults.enable(case.fault, **case.options)
        detected = await drill.until(lambda: _said(drill, case), case.duration_s)
        out.detect_s = detected
        if drill.now - t0 < case.duration_s:
            await drill.run_for(case.duration_s - (drill.now - t0))
        t_clear = drill.now
        view = drill.engine.view()
        active = next(p for p in view.panes if p.pane == "active")
        if case.failing:
            # The pane is stale and either it carries its error or (a rate-limit pause, in
            # which the poller waits at the gate and gets no error) the status line says why.
            out.stale_shown = active.stale and bool(active.error or view.health.message)
        out.rpm_fault = drill.max_per_minute(t0, t_clear)
        out.min_gap_s = drill.min_gap_same_target(t0, t_clear)
        if case.id.startswith(("N8", "N11", "P20")) and case.options.get("retry_after") not in (
            "none",
            "mixed",
        ):
            out.retry_after_respected = (
                retry_after_violations(drill, t0, t_clear, case.retry_after_s) == 0
            )
        if case.id == "N12":
            out.retry_after_respected = (
                retry_after_violations(drill, t0, t_clear, 3, (503,), per_target=True) == 0
            )
        drill.sim.faults.disable(case.fault)
        # Each resource that had an error must be fresh again within the poll interval in force
        # for it (the error-backoff cap, or its own healthy interval when that is longer, +10%
        # jitter) plus the honoured Retry-After, plus a couple of active intervals of slack.
        allowance_by_key = recovery_allowances(drill.engine, case)
        slack = RECOVERY_SLACK_S
        recovered_at: dict[str, float] = {}

        def recovered() -> bool:
            for k in allowance_by_key:
                if k not in recovered_at and (
                    k not in drill.store.freshness or drill.fresh_since(k, t_clear)
                ):
                    recovered_at[k] = drill.now - t_clear
            return drill.store.health.state == "ok" and len(recovered_at) == len(allowance_by_key)

        limit = max(allowance_by_key.values()) + slack + 60
        out.recover_s = await drill.until(recovered, limit)
        late = {
            k: round(recovered_at.get(k, float("inf")), 1)
            for k, a in allowance_by_key.items()
            if recovered_at.get(k, float("inf")) > a + slack
        }
        calls_after, campaigns_after = drill.known()
        # Ended calls leave after an hour (retention), so every drill here keeps them all.
        out.data_kept = calls_before <= calls_after and campaigns_before <= campaigns_after
        text = log_text() if callable(log_text) else ""
        out.leaks = drill.leaks(text, *(repr(s) for s in drill.samples[-5:]))
        problems = out.problems
        if case.states or case.words:
            if out.detect_s is None:
                problems.append("never said what is wrong")
            elif out.detect_s > case.detect_allow_s:
                problems.append(f"said it only after {out.detect_s:.1f} s")
        if case.failing and not out.stale_shown:
            problems.append("active pane not marked stale with its error")
        if out.recover_s is None or late:
            problems.append(f"not fresh again within the poll interval in force: {late}")
        if not out.data_kept:
            problems.append("known calls or campaigns were lost")
        rate_checked = case.failing if case.rate_checked is None else case.rate_checked
        if rate_checked and out.rpm_fault > case.rate_factor * out.rpm_steady:
            problems.append(
                f"{out.rpm_fault} requests a minute during the fault > steady {out.rpm_steady}"
            )
        if out.rpm_fault > BUDGET_PER_MIN:
            problems.append(f"{out.rpm_fault} requests a minute > budget {BUDGET_PER_MIN}")
        if out.min_gap_s < 1.0:
            problems.append(f"same request repeated {out.min_gap_s:.2f} s apart")
        if out.retry_after_respected is False:
            problems.append("a request went out before Retry-After had passed")
        if out.leaks:
            problems.append(f"{len(out.leaks)} key fragment(s) leaked")
        out.survived = not problems and not drill.task.done()
    finally:
        await drill.close()
    return out
