"""One round of the whole dashboard, for `snapshot`: seconds, not a steady state.

The live engine reads every list once (active, queued, endings, campaigns); then every
campaign's first listing page (its calls placed; all of its history and analyses when that
page holds the whole campaign), the histories still missing (per-outcome totals, the counts'
baseline) and one page of completed calls (the qualified rate) where none was read, several at
a time. A one-shot may spend a burst of the
key's real allowance: half of `X-RateLimit-Remaining` when the server states it, never more
(and never more than the usual minute when it does not). What one round cannot read in that
burst is returned as missing (the caller lists it in `errors`, exit 1); `wait=True` reads it
all within the budget, reporting progress.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError
from monitor.clock import Clock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.polling.scheduler import P_FOCUSED, PRIORITY

ROUND_S = 6.0
"""A round's deadline without `--wait` (the issue's targets: 3 s on busy, 10 s on huge)."""
WAIT_S = 3600.0
"""`--wait`: at most an hour (history of a huge workspace at 60 requests a minute)."""
PARALLEL = 6
"""Campaigns read at once (the in-process and loopback servers answer in milliseconds; a
remote API's latency is what this hides)."""
RETRY_WAIT_MAX_S = 30.0
"""The retry waits this long at most (a 429's Retry-After included), as `--call` does."""
AFTER_PAUSE_S = 3.0
"""Time a list asked again once a 429's pause ends is given to answer."""

LISTS = ("active", "queued", "endings", "campaigns")


@dataclass
class Round:
    engine: Engine
    missing: dict[str, str] = field(default_factory=dict)
    """Resource -> why it was not read (history or analysis of a campaign, a list)."""
    errors: dict[str, ApiError] = field(default_factory=dict)


def allow_burst(engine: Engine) -> tuple[float, int]:
    """Let this one-shot spend half of what the server says remains (never beyond): the
    sliding minute's ceiling becomes that half. Returns the usual (per minute, burst)."""
    budget = engine.budget
    usual = (budget.per_min, budget.burst)
    remaining = budget.server_remaining
    if remaining is None:
        return usual
    burst = max(1, remaining // 2)
    if burst > budget.burst:
        budget.burst = burst
        budget.tokens = float(burst)
        # Both: every answer re-derives the ceiling from the configured one (`observe`).
        budget.per_min = budget.configured_per_min = float(burst)
    return usual


def end_burst(engine: Engine, usual: tuple[float, int]) -> None:
    """`--wait` after the burst: the usual budget (60 a minute) for the rest."""
    budget = engine.budget
    budget.per_min, budget.burst = usual
    budget.configured_per_min = budget.per_min
    budget.tokens = min(budget.tokens, float(budget.burst))


async def _first(running: set[asyncio.Task[None]], clock: Clock) -> set[asyncio.Task[None]]:
    """The reads that finished within 50 ms of the (possibly fake) clock."""
    tick = asyncio.ensure_future(clock.sleep(0.05))
    try:
        await asyncio.wait({*running, tick}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        tick.cancel()
    return {t for t in running if t.done()}


async def dashboard_round(
    client: DialNexaClient,
    settings: Settings,
    clock: Clock,
    *,
    wait: bool = False,
    deadline_s: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Round:
    engine = Engine(client, settings, clock=clock, one_shot=True)
    result = Round(engine)
    started = clock.monotonic()
    limit = deadline_s if deadline_s is not None else (WAIT_S if wait else ROUND_S)
    task = asyncio.create_task(engine.run())
    done: set[str] = set()
    todo: list[tuple[str, str]] = []
    """(kind, campaign id): `counts` (history) or `analysis` (qualified rate)."""

    def lists_read() -> bool:
        return all(engine.jobs.get(k) is not None and engine.jobs[k].runs > 0 for k in LISTS)

    def lists_until() -> float:
        """The lists' deadline: the round's, stretched to wait out a 429's pause once, up to
        `RETRY_WAIT_MAX_S` (INTERFACE.md; a Retry-After of 9 s outlasted the 6 s round, and
        the lists were never asked again), with time left to read them after it."""
        paused = min(engine.budget.paused_until, started + RETRY_WAIT_MAX_S)
        return max(started + limit, paused + AFTER_PAUSE_S)

    async def read(kind: str, cid: str) -> None:
        PRIORITY.set(P_FOCUSED)
        try:
            counts = engine.counts
            if kind == "total":
                # The first page of its listing: its calls placed, and all of its history
                # and analyses when it holds all of the campaign (a young one).
                if counts.missing(cid):
                    await counts.read_history(cid, pages=1, totals=False)
                if counts.needs_total(cid) or counts.past_total(cid):
                    await counts.read_total(cid)
            elif kind == "counts":
                if counts.missing(cid):
                    await counts.read_totals(cid, counts.missing(cid))
            elif not counts.backfilled(cid):
                await counts.read_listing(cid, 1, "completed")
            done.add(f"{kind}/{cid}")
        except ApiError as exc:
            result.errors[f"{kind}/{cid}"] = exc

    try:
        # The lists first: they give the campaigns, and their burst comes from the headers.
        while not lists_read() and clock.monotonic() < lists_until():
            await clock.sleep(0.05)
        await retry_failed_once(engine, clock, lists_until)
        usual = allow_burst(engine)
        bursting = True
        # One read of each list is the snapshot's; polling them again (and the background
        # pollers) would only compete with the campaigns' figures for the burst.
        engine.scheduler.finish()
        campaigns = list(engine.store.campaigns)
        # Every campaign's total first (the first page of its listing, which is all of a
        # young campaign's history too), then the histories still missing (per-outcome
        # totals), then the qualified rates.
        todo = [
            ("total", c)
            for c in campaigns
            if engine.counts.needs_total(c) or engine.counts.missing(c)
        ]
        todo += [("counts", c) for c in campaigns] + [("analysis", c) for c in campaigns]
        queue = list(todo)
        running: set[asyncio.Task[None]] = set()
        total = len(todo)
        while (queue or running) and clock.monotonic() - started < limit:
            while queue and len(running) < PARALLEL:
                kind, cid = queue.pop(0)
                running.add(asyncio.create_task(read(kind, cid)))
            finished = await _first(running, clock)
            running -= finished
            if progress is not None and finished:
                progress(f"read {len(done)} of {total} campaign figures")
            if wait and bursting and engine.budget.tokens < 1:
                bursting = False
                end_burst(engine, usual)
        # Counts that add up past the calls placed read before them: the calls placed are
        # read once more, after them, so a flag is never our own read order's race.
        for cid in [c for c in campaigns if engine.counts.past_total(c)]:
            if clock.monotonic() - started >= limit:
                break
            await read("total", cid)
        for pending in running:
            pending.cancel()
        for pending in running:
            with contextlib.suppress(BaseException):
                await pending
    finally:
        engine.stop()
        with contextlib.suppress(BaseException):
            await task
    for kind, cid in todo:
        key = f"{kind}/{cid}"
        if key in done or key in result.errors or _read_anyway(engine, kind, cid):
            continue
        if kind == "total":
            result.missing[key] = "total not read in one round within the rate budget"
        elif kind == "counts":
            result.missing[key] = (
                "history (per-outcome totals) not read in one round within the rate budget; "
                "--wait reads it"
            )
        else:
            result.missing[key] = (
                "qualified rate not read in one round within the rate budget; --wait reads it"
            )
    for key in LISTS:
        # Read means answered (or failed, said in `errors`): a run the round's end cancelled
        # counts as run (`Job.runs`), not as read. The campaign list's `/batch-calls` fallback
        # waiting for a low rate budget printed `"campaigns": []`, exit 0.
        fresh = engine.store.freshness.get(key)
        if fresh is None or (fresh.fetched_at is None and fresh.error is None):
            result.missing[key] = "not read within the snapshot's time (rate budget)"
    return result


def _read_anyway(engine: Engine, kind: str, campaign_id: str) -> bool:
    """The round's own read of it did not run, but another did (the engine's backfill before
    the lists were done, a young campaign's whole listing): not missing, so not an error
    beside a figure that was read."""
    counts = engine.counts
    if kind == "total":
        return not counts.needs_total(campaign_id)
    if kind == "counts":
        return not counts.missing(campaign_id)
    return counts.backfilled(campaign_id)


async def retry_failed_once(engine: Engine, clock: Clock, deadline: Callable[[], float]) -> None:
    store = engine.store
    failed = {
        key: job.runs
        for key, job in engine.jobs.items()
        if (fresh := store.freshness.get(key)) is not None
        and fresh.error is not None
        and fresh.error.transient
    }
    if not failed:
        return
    engine.retry_now(list(failed))
    until = min(deadline(), clock.monotonic() + RETRY_WAIT_MAX_S)
    while clock.monotonic() < until and any(
        (job := engine.jobs.get(key)) is not None and job.runs <= runs
        for key, runs in failed.items()
    ):
        await clock.sleep(0.05)
