"""Driving async code on a FakeClock: let every runnable task run, then jump time forward."""

from __future__ import annotations

import asyncio

from monitor.clock import FakeClock

YIELDS = 60
"""Event-loop turns between clock jumps: enough for an in-process request to complete."""


async def settle(turns: int = YIELDS) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


async def drive(clock: FakeClock, seconds: float, *, max_step: float = 1.0) -> None:
    """Run `seconds` of simulated time, never jumping more than `max_step` at once."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        await settle()
        nxt = clock.next_deadline()
        target = min(end, clock.monotonic() + max_step, nxt if nxt is not None else end)
        clock.advance(max(target - clock.monotonic(), 0.001))
    await settle()
