"""Fixtures for the simulator's tests: a simulator on a clock that only moves when told."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from monitor.clock import FakeClock
from monitor.sim import Simulator
from tests.sim.simkit import KEY


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    """The busy scenario, ten simulated minutes in, on a clock that only moves when told."""
    s = Simulator.create("busy", seed=11, clock=clock, api_key=KEY)
    s.world.advance(600)
    return s


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sim.client() as c:
        yield c
