"""Driving async code on a FakeClock as fast as the CPU allows, for long simulated runs.

`tests.drive.drive` gives every clock step a fixed 60 event-loop turns before it jumps time, so
an in-process request surely completes. That is cheap for a test's few minutes, but the engine
wakes about four times a simulated second (one wake per job deadline), so a simulated day is
~370,000 steps and the fixed turns alone cost ~22 million idle loop iterations. Here a step ends
as soon as nothing is runnable (the loop's ready queue is empty), which is the same condition
the fixed turns approximate: everything in the soak is in-process (ASGI transport, fake-clock
sleeps), so an empty ready queue means every task waits for the fake clock. Time then jumps to
the next sleeper's deadline, never further than `max_step`.

The ready queue is asyncio's private `_ready` deque (CPython's BaseEventLoop); on a loop without
it this falls back to the fixed turns of `tests.drive.settle`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sized

from monitor.clock import FakeClock

FALLBACK_TURNS = 60
MAX_TURNS = 100_000
"""A runaway (a task that keeps rescheduling itself) must not hang the benchmark."""


def _ready_queue() -> Sized | None:
    ready = getattr(asyncio.get_running_loop(), "_ready", None)
    return ready if isinstance(ready, Sized) else None


async def settle_idle() -> int:
    """Yield until no callback is runnable; the number of loop turns it took."""
    ready = _ready_queue()
    if ready is None:
        for _ in range(FALLBACK_TURNS):
            await asyncio.sleep(0)
        return FALLBACK_TURNS
    turns = 0
    while turns < MAX_TURNS:
        await asyncio.sleep(0)
        turns += 1
        # While this coroutine runs it is not in the queue itself: anything there is other
        # work (the rest of this turn's batch, or callbacks it scheduled).
        if not ready:
            return turns
    return turns


async def drive_fast(clock: FakeClock, seconds: float, *, max_step: float = 5.0) -> int:
    """Run `seconds` of simulated time; the number of clock steps taken."""
    end = clock.monotonic() + seconds
    steps = 0
    while clock.monotonic() < end:
        await settle_idle()
        now = clock.monotonic()
        nxt = clock.next_deadline()
        target = min(end, now + max_step, nxt if nxt is not None else end)
        clock.advance(max(target - now, 0.001))
        steps += 1
    await settle_idle()
    return steps
