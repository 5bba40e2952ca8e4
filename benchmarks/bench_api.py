"""API load and freshness: our engine vs the naive per-call poller, on the simulator.

For 10, 100 and 1,000 calls in flight (the `busy` scenario capped at 10 and 100, and `huge`),
both designs run on a fake clock against the in-process simulator. Requests per minute come
from the simulator's request log; staleness of a call's status is the time from the moment the
simulator changed it (its own record) to the moment the monitor's store first held the new
status. The naive design is the one the vendor's page suggests literally: poll every active
call's `GET /calls/{id}` every 5 s (its call list comes from one listing every 5 s).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError
from monitor.api.models import Call
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from monitor.polling.fetch import fetch_active_calls
from monitor.sim import Simulator
from monitor.state.store import Store

STAGES = ["dialing", "in_progress", "ended"]
SELECTED_POLL_S = 6.0
SELECT_EVERY_S = 15.0
"""The simulated user moves to another live call this often."""


def stage(status: str) -> str:
    return "ended" if status not in ("queued", "dialing", "in_progress") else status


@dataclass
class Seen:
    """When the monitor first held each (call, stage)."""

    first: dict[tuple[str, str], float] = field(default_factory=dict)

    def note(self, call_id: str, status: CallStatus, at: float) -> None:
        key = (call_id, "ended" if status in FINAL_STATUSES else status.value)
        self.first.setdefault(key, at)


class RecordingStore(Store):
    def __init__(self, seen: Seen) -> None:
        super().__init__()
        self.seen = seen

    def upsert_call(
        self,
        call: Call,
        now: float,
        *,
        live_listing: bool = False,
        source: str = "calls",
        sent: float | None = None,
    ) -> bool:
        self.seen.note(call.id, call.status, now)
        return super().upsert_call(call, now, live_listing=live_listing, source=source, sent=sent)

    def mark_ended(self, call_id: str, now: float) -> None:
        self.seen.first.setdefault((call_id, "ended"), now)
        super().mark_ended(call_id, now)


async def _drive(clock: FakeClock, seconds: float) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(60):
            await asyncio.sleep(0)
        nxt = clock.next_deadline()
        target = min(end, clock.monotonic() + 1.0, nxt if nxt is not None else end)
        clock.advance(max(target - clock.monotonic(), 0.001))


def _staleness(
    sim: Simulator,
    clock: FakeClock,
    seen: Seen,
    start: float,
    end: float,
    only: set[str] | None = None,
) -> list[float]:
    lags = []
    offset = clock.monotonic() - clock.now().timestamp()
    for call in sim.world.calls:
        if only is not None and call.id not in only:
            continue
        for status, t in call.history():
            if status == "queued":
                continue
            changed = sim.world.at(t).timestamp() + offset
            if not (start <= changed <= end - 30):
                continue
            if only is not None and not (
                only[call.id][0] <= changed <= only[call.id][1] - SELECTED_POLL_S
            ):
                # Only changes that happened while it was the selected call, early enough for
                # one of its polls to come before the user moved on (after that it is just
                # another active call).
                continue
            # Seeing a later stage first also ends the staleness of this one.
            later = STAGES[STAGES.index(stage(status)) :]
            firsts = [seen.first[(call.id, s)] for s in later if (call.id, s) in seen.first]
            got = min(firsts) if firsts else None
            if got is not None and got >= changed - 1e-6:
                lags.append(got - changed)
            elif got is None:
                lags.append(end - changed)  # never seen: at least this stale
    return lags


def _rpm(sim: Simulator, start: float, end: float) -> tuple[float, int, int]:
    times = [r.at for r in sim.requests if start <= r.at < end]
    minutes = (end - start) / 60
    windows = [
        sum(1 for t in times if s <= t < s + 60) for s in range(int(start), int(end) - 59, 5)
    ]
    limited = sum(1 for r in sim.requests if start <= r.at < end and r.status == 429)
    return len(times) / minutes, max(windows, default=0), limited


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure_engine(scenario: str, cap: int | None, minutes: float) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=11, clock=clock, workspace_cap=cap)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    seen = Seen()
    engine = Engine(
        client,
        Settings(concurrency_cap=sim.world.cap),
        clock=clock,
        store=RecordingStore(seen),
        rng=random.Random(5),
    )
    task = asyncio.create_task(engine.run())
    await _drive(clock, 120)
    start = clock.monotonic()
    selected: dict[str, tuple[float, float]] = {}
    elapsed = 0.0
    while elapsed < minutes * 60:
        # The user looks at a call that is still ringing (the one about to change: a call
        # long in progress may not change while it is looked at, and would give no sample).
        live = engine.store.in_flight()
        ringing = [t for t in live if t.call.status is not CallStatus.IN_PROGRESS] or live
        if ringing:
            choice = ringing[len(ringing) // 2].call.id
            engine.select_call(choice)
            selected[choice] = (clock.monotonic(), clock.monotonic() + SELECT_EVERY_S)
        await _drive(clock, SELECT_EVERY_S)
        elapsed += SELECT_EVERY_S
    end = clock.monotonic()
    rpm, max_window, limited = _rpm(sim, start, end)
    lags = _staleness(sim, clock, seen, start, end)
    selected_lags = _staleness(sim, clock, seen, start, end, only=selected)
    in_flight = (
        statistics.mean(n for _, n in engine.store.concurrency) if engine.store.concurrency else 0
    )
    engine.stop()
    await asyncio.sleep(0)
    task.cancel()
    await client.aclose()
    return {
        "rpm": rpm,
        "max_window": max_window,
        "429": limited,
        "lags": lags,
        "selected_lags": selected_lags,
        "in_flight": in_flight,
    }


async def measure_naive(scenario: str, cap: int | None, minutes: float) -> dict[str, Any]:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=11, clock=clock, workspace_cap=cap)
    client = DialNexaClient(
        sim.base_url, sim.server.api_key, transport=sim.transport(), clock=clock
    )
    seen = Seen()
    await _drive(clock, 120)
    start = clock.monotonic()
    known: set[str] = set()

    async def poll_one(cid: str) -> None:
        try:
            call = await client.get_call(cid)
        except ApiError:
            return
        seen.note(cid, call.status, clock.monotonic())
        if call.status in FINAL_STATUSES:
            known.discard(cid)

    while clock.monotonic() - start < minutes * 60:
        try:
            page = await fetch_active_calls(client)
            for call in page.items:
                seen.note(call.id, call.status, clock.monotonic())
                known.add(call.id)
        except ApiError:
            pass
        await asyncio.gather(*(poll_one(cid) for cid in list(known)))
        await _drive(clock, 5)
    end = clock.monotonic()
    rpm, max_window, limited = _rpm(sim, start, end)
    lags = _staleness(sim, clock, seen, start, end)
    await client.aclose()
    return {"rpm": rpm, "max_window": max_window, "429": limited, "lags": lags}


CASES = [
    ("10 in flight", "busy", 10),
    ("100 in flight", "busy", 100),
    ("1000 in flight", "huge", None),
]
TARGETS = {
    "10 in flight": ("≤ 40/min", "≤ 10 s (p95 at 100)"),
    "100 in flight": ("≤ 40/min", "≤ 10 s"),
    "1000 in flight": ("≤ 60/min", "≤ 20 s"),
}


def run(quick: bool = False) -> list[dict[str, object]]:
    minutes = 3.0 if quick else 6.0
    naive_minutes = 1.0 if quick else 2.0
    out: list[dict[str, object]] = []
    for label, scenario, cap in CASES:
        ours = asyncio.run(measure_engine(scenario, cap, minutes))
        naive = asyncio.run(measure_naive(scenario, cap, naive_minutes))
        rpm_target, stale_target = TARGETS[label]
        note = (
            f"{minutes:g} simulated min after 2 min warm-up; mean in flight "
            f"{ours['in_flight']:.0f}; naive: {naive['429']} of its requests got 429"
        )
        out += [
            {
                "metric": "requests per minute (mean)",
                "value": round(ours["rpm"], 1),
                "unit": "req/min",
                "target": rpm_target,
                "baseline": "naive per-call poller",
                "baseline_value": round(naive["rpm"], 1),
                "scenario": label,
                "note": note,
            },
            {
                "metric": "requests in the busiest minute",
                "value": ours["max_window"],
                "unit": "req",
                "target": "≤ 60",
                "baseline": "naive per-call poller",
                "baseline_value": naive["max_window"],
                "scenario": label,
                "note": f"429s provoked: ours {ours['429']}, naive {naive['429']}",
            },
            {
                "metric": "active call status staleness p50",
                "value": _round(_pct(ours["lags"], 0.5)),
                "unit": "s",
                "target": None,
                "baseline": "naive per-call poller",
                "baseline_value": _round(_pct(naive["lags"], 0.5)),
                "scenario": label,
                "note": f"{len(ours['lags'])} status changes",
            },
            {
                "metric": "active call status staleness p95",
                "value": _round(_pct(ours["lags"], 0.95)),
                "unit": "s",
                "target": stale_target,
                "baseline": "naive per-call poller",
                "baseline_value": _round(_pct(naive["lags"], 0.95)),
                "scenario": label,
                "note": "",
            },
            {
                "metric": "selected call staleness p95",
                "value": _round(_pct(ours["selected_lags"], 0.95)),
                "unit": "s",
                "target": "≤ 6 s",
                "baseline": None,
                "baseline_value": None,
                "scenario": label,
                "note": f"{len(ours['selected_lags'])} changes of selected calls",
            },
        ]
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
    _ = datetime.now(UTC)
