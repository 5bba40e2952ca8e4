"""Webhooks into the relay (issue 22): API requests a minute and how old an ended call's outcome
is in the store (what every snapshot shows), with and without webhooks, at 100 and 1,000 calls
in flight, on a fake clock against the simulator's truth.

With webhooks the simulator's sender posts every call's start and end to the relay's receiver
(in process, through the same Starlette app and signature check) with every delivery fault on
at once: 5 % dropped, 10 % duplicated, 10 % reordered, 10 % delayed 2-8 s, 3 % badly signed.
"Lost" counts calls that ended at least `LOST_MARGIN_S` before the end of the run whose outcome
the store still does not have: longer than the reconciliation's period, which is what finds an
ending no delivery brought of a call no list named (`lost_90`: the 90 s margin this bench had,
shorter than that period: an ending after the last reconciliation was counted lost).

Requests a minute come in two phases: while the campaigns' history (the counts' baselines, a
one-time read) fills, and the steady state after it. The run with webhooks and no fault goes
on until the history has filled (at most `FILL_LIMIT_S` more) and then `STEADY_S` more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from collections import Counter
from typing import Any

import httpx
from pydantic import SecretStr

from benchmarks.fastdrive import drive_fast
from monitor.api.client import DialNexaClient
from monitor.api.models import Call
from monitor.api.vocab import FINAL_STATUSES
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds.webhook_receiver import receiver_app
from monitor.polling.engine import Engine
from monitor.polling.webhooks import MISSED_GRACE_S, RECONCILE_ENDINGS_S
from monitor.sim import Simulator
from monitor.sim.webhook_sender import WebhookSender
from monitor.sim.webhooks import parse_faults
from monitor.state.store import Store

FAULTS = "drop=0.05,dup=0.1,reorder=0.1,delay=0.1,badsig=0.03"
SECRET = "whsec_bench_not_a_real_secret"
WARMUP_S = 120.0
AGE_MARGIN_S = 90.0
"""Endings this long before the end are in the outcome ages."""
LOST_MARGIN_S = RECONCILE_ENDINGS_S + 30.0
"""The reconciliation's period and its read (up to 20 pages)."""
CHUNK_S = 15.0
"""How often the run looks whether the history has filled."""
FILL_LIMIT_S = 1200.0
STEADY_S = 240.0


class OutcomeStore(Store):
    """Notes when each call's outcome (a final status) first reached the store."""

    def __init__(self) -> None:
        super().__init__()
        self.outcome_at: dict[str, float] = {}

    def upsert_call(
        self,
        call: Call,
        now: float,
        *,
        live_listing: bool = False,
        source: str = "calls",
        sent: float | None = None,
    ) -> bool:
        if call.status in FINAL_STATUSES:
            self.outcome_at.setdefault(call.id, now)
        return super().upsert_call(call, now, live_listing=live_listing, source=source, sent=sent)


def _kind(path: str, query: str) -> str:
    """What a request was for: the live view (calls in flight, endings, lookups) or the
    campaigns' history and counts (call logs, campaigns)."""
    if path.endswith("/calls"):
        return "lookups" if "call_id" in query else "calls lists"
    return "campaign history and counts"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def measure(
    scenario: str,
    cap: int | None,
    minutes: float,
    hooks: bool,
    faults: str = "",
    steady: bool = False,
) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=11, clock=clock, workspace_cap=cap)
    client = DialNexaClient(sim.base_url, sim.server.api_key, transport=sim.transport(),
                            clock=clock)  # fmt: skip
    store = OutcomeStore()
    engine = Engine(client, Settings(concurrency_cap=sim.world.cap), clock=clock, store=store,
                    rng=random.Random(5))  # fmt: skip
    # The truth: every ending's world time, whether or not webhooks are on.
    ended_at: dict[str, float] = {}
    tasks = []
    http = None
    sender = None
    if hooks:
        flow = engine.receive_webhooks("127.0.0.1:0")
        app = receiver_app(flow, SecretStr(SECRET))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r")
        sender = WebhookSender(sim.world, "http://r/hook", SECRET.encode(),
                               faults=parse_faults(faults), seed=11, client=http,
                               tick_s=0.25)  # fmt: skip
        tasks.append(asyncio.create_task(sender.run()))
    else:

        def note(call: Any, _old: str, new: str) -> None:
            if new in FINAL_STATUSES:
                ended_at[call.id] = sim.world.t

        sim.world.status_listener = note

        async def keep_world_moving() -> None:
            while True:  # as the sender does: the world moves with the clock, not the polls
                sim.world.sync()
                await clock.sleep(0.25)

        tasks.append(asyncio.create_task(keep_world_moving()))
    tasks.append(asyncio.create_task(engine.run()))
    t0 = clock.monotonic()
    filled_at: float | None = None

    async def run_for(seconds: float) -> None:
        nonlocal filled_at
        stop = clock.monotonic() + seconds
        while clock.monotonic() < stop - 1e-9:
            await drive_fast(clock, min(CHUNK_S, stop - clock.monotonic()), max_step=0.25)
            if filled_at is None and not engine.counts.filling():
                filled_at = clock.monotonic()

    await run_for(WARMUP_S)
    start = clock.monotonic()
    await run_for(minutes * 60)
    end = clock.monotonic()
    truth = sender.ended_at if sender is not None else ended_at
    offset = clock.monotonic() - clock.now().timestamp()
    ages: list[float] = []
    lost_ids: list[str] = []
    lost_90 = 0
    for cid, t in truth.items():
        when = sim.world.at(t).timestamp() + offset
        if when < start:
            continue
        got = store.outcome_at.get(cid)
        missing = (t := store.calls.get(cid)) is None or t.call.status not in FINAL_STATUSES
        if when < end - LOST_MARGIN_S and missing:
            lost_ids.append(cid)
        lost_90 += when < end - AGE_MARGIN_S and missing
        if when <= end - AGE_MARGIN_S:
            ages.append(end - when if got is None else max(0.0, got - when))
    requests = sum(1 for r in sim.requests if start <= r.at < end)
    paths = Counter(_kind(r.path, r.query) for r in sim.requests if start <= r.at < end)
    tally = engine.webhooks.tally if engine.webhooks is not None else None
    seen = {
        "missed": tally.missed if tally is not None else None,
        "refused": dict(tally.refused) if tally is not None else {},
        "mode": tally.mode if tally is not None else None,
    }
    filling_at_end = len(engine.counts.filling())
    # Everything above is the window's; the steady state is read after it (the store's later
    # state must not change the window's ages and losses).
    steady_rpm = None
    if steady:
        while filled_at is None and clock.monotonic() < end + FILL_LIMIT_S:
            await run_for(CHUNK_S)
        if filled_at is not None:
            since = max(clock.monotonic(), end)
            await run_for(STEADY_S)
            steady_rpm = sum(1 for r in sim.requests if r.at >= since) / (STEADY_S / 60)
    engine.stop()
    if sender is not None:
        sender.stop()
    await drive_fast(clock, 1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.aclose()
    if http is not None:
        await http.aclose()
    live = paths["calls lists"] + paths["lookups"]
    return {
        "rpm": requests / minutes,
        "live_rpm": live / minutes,
        "p50": _pct(ages, 0.5),
        "p95": _pct(ages, 0.95),
        "endings": len(ages),
        "lost": len(lost_ids),
        "lost_ids": lost_ids,
        "lost_90": lost_90,
        "faults": dict(sender.outbox.counts) if sender is not None else {},
        **seen,
        "paths": dict(paths.most_common()),
        "steady_rpm": steady_rpm,
        "filled_min": None if filled_at is None else round((filled_at - t0) / 60, 1),
        "filling_at_end": filling_at_end,
    }


def _phase(m: dict[str, Any], who: str) -> str:
    """When the campaigns' history filled (the one-time baseline reads), in words."""
    if m["filled_min"] is not None:
        return f"{who}: history filled {m['filled_min']} min after start"
    return f"{who}: history of {m['filling_at_end']} campaigns still filling at the end"


CASES = [("100 in flight", "busy", 100), ("1000 in flight", "huge", None)]


def run(
    quick: bool = False, cases: list[tuple[str, str, int | None]] | None = None
) -> list[dict[str, object]]:
    minutes = 3.0 if quick else 6.0
    out: list[dict[str, object]] = []
    for label, scenario, cap in CASES if cases is None else cases:
        poll = asyncio.run(measure(scenario, cap, minutes, hooks=False))
        hook = asyncio.run(measure(scenario, cap, minutes, hooks=True, steady=True))
        bad = asyncio.run(measure(scenario, cap, minutes, hooks=True, faults=FAULTS))
        common = f"{minutes:g} simulated min after 2 min warm-up"
        half = f"≤ {poll['rpm'] / 2:.1f} (half of polling alone)"
        steady = hook["steady_rpm"]
        out += [
            {
                "metric": "webhooks: API requests per minute",
                "value": round(hook["rpm"], 1),
                "unit": "req/min",
                "target": half,
                "baseline": "polling alone",
                "baseline_value": round(poll["rpm"], 1),
                "scenario": label,
                "note": f"{common}; {_phase(hook, 'webhooks')}, {_phase(poll, 'polling alone')}; "
                f"with every delivery fault on: {bad['rpm']:.1f}/min; requests by kind, "
                f"webhooks: {hook['paths']}; polling alone: {poll['paths']}",
            },
            {
                "metric": "webhooks: API requests per minute, steady state (history filled)",
                "value": None if steady is None else round(steady, 1),
                "unit": "req/min",
                "target": half,
                "baseline": "polling alone",
                "baseline_value": round(poll["rpm"], 1),
                "scenario": label,
                "note": f"{STEADY_S / 60:g} simulated min once every campaign's history had "
                f"filled (webhooks: {hook['filled_min']} min after start); polling alone's "
                f"figure is its window's ({_phase(poll, 'there')})",
            },
            {
                "metric": "webhooks: live-view requests per minute (calls lists, lookups)",
                "value": round(hook["live_rpm"], 1),
                "unit": "req/min",
                "target": f"≤ {poll['live_rpm'] / 2:.1f} (half of polling alone)",
                "baseline": "polling alone",
                "baseline_value": round(poll["live_rpm"], 1),
                "scenario": label,
                "note": "while webhooks flow, background work (history, reconciliation, "
                "backfill, audit) is held at 40% of the budget, so what they save is not "
                "spent again",
            },
            {
                "metric": "webhooks: ended call's outcome age p95",
                "value": hook["p95"],
                "unit": "s",
                "target": "≤ 1 s",
                "baseline": "polling alone",
                "baseline_value": poll["p95"],
                "scenario": label,
                "note": f"{hook['endings']} endings; p50 {hook['p50']} s (polling alone "
                f"{poll['p50']} s); with every delivery fault on: p50 {bad['p50']} s, p95 "
                f"{bad['p95']} s (a dropped or forged ending waits {MISSED_GRACE_S:.0f} s, "
                "then is looked up)",
            },
            {
                "metric": "webhooks: endings lost, every delivery fault on",
                "value": bad["lost"],
                "unit": "calls",
                "target": "0",
                "baseline": "polling alone",
                "baseline_value": poll["lost"],
                "scenario": label,
                "note": f"{bad['endings']} endings; faults {FAULTS}: {bad['faults']} deliveries; "
                f"refused {bad['refused']}; {bad['missed']} missed endings found by the "
                f"reconciliation; mode at the end {bad['mode']}; lost = ended ≥ "
                f"{LOST_MARGIN_S:.0f} s before the end, outcome not in the store (ended ≥ "
                f"{AGE_MARGIN_S:.0f} s before: {bad['lost_90']})",
            },
        ]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="make bench's 6 minutes, not 3")
    parser.add_argument("--case", choices=[label.split()[0] for label, _, _ in CASES],
                        help="one case only (100 or 1000 in flight)")  # fmt: skip
    parser.add_argument("--run", choices=["poll", "hook", "bad"],
                        help="one run of the case only; prints its measurement")  # fmt: skip
    args = parser.parse_args(argv)
    minutes = 6.0 if args.full else 3.0
    cases = [c for c in CASES if args.case is None or c[0].split()[0] == args.case]
    if args.run is None:
        print(json.dumps(run(quick=not args.full, cases=cases), indent=1, default=str))
        return
    for _label, scenario, cap in cases:
        hooks = args.run != "poll"
        faults = FAULTS if args.run == "bad" else ""
        m = asyncio.run(measure(scenario, cap, minutes, hooks=hooks, faults=faults,
                                steady=args.run == "hook"))  # fmt: skip
        print(json.dumps(m, indent=1, default=str))


if __name__ == "__main__":
    main()
