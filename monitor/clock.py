"""Injected time.

Everything that waits, ages or schedules takes a `Clock`, so cadence, staleness, the simulator's
world and the pollers can be driven by a fake clock in tests (a simulated day in seconds) instead
of sleeping. `freezegun` is not an option: it freezes `time.monotonic` and hangs asyncio (FAULTS
H10).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """The time source every layer below the UI depends on."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps; used for ages, intervals and deadlines."""
        ...

    def now(self) -> datetime:
        """Wall-clock time in UTC; used only for timestamps shown or compared with the API's."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A manually advanced clock for tests and simulations.

    `sleep` returns once `advance` has moved time past the sleeper's deadline, so async code under
    test runs at the speed of the test, not of the wall clock.
    """

    def __init__(self, start: datetime | None = None, monotonic_start: float = 1000.0) -> None:
        self._wall0 = start or datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
        self._mono0 = monotonic_start
        self._elapsed = 0.0
        self._wall_offset = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self._mono0 + self._elapsed

    def now(self) -> datetime:
        return self._wall0 + timedelta(seconds=self._elapsed + self._wall_offset)

    def jump_wall(self, seconds: float) -> None:
        """Step the wall clock only (NTP step, suspend/resume); monotonic time is untouched."""
        self._wall_offset += seconds

    async def sleep(self, seconds: float) -> None:
        deadline = self.monotonic() + max(0.0, seconds)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((deadline, fut))
        self._wake()
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        self._elapsed += seconds
        self._wake()

    def _wake(self) -> None:
        now = self.monotonic()
        keep: list[tuple[float, asyncio.Future[None]]] = []
        for deadline, fut in self._sleepers:
            if fut.done():
                continue
            if deadline <= now:
                fut.set_result(None)
            else:
                keep.append((deadline, fut))
        self._sleepers = keep

    def next_deadline(self) -> float | None:
        """The earliest pending sleeper's deadline, for drivers that jump straight to it."""
        pending = [d for d, f in self._sleepers if not f.done()]
        return min(pending) if pending else None
