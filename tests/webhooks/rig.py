"""The engine, the in-process simulator and its webhook sender posting to the relay's receiver,
all on one FakeClock (issue 22)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.feeds.webhook_receiver import receiver_app
from monitor.polling.engine import Engine
from monitor.polling.webhooks import WebhookFlow
from monitor.sim import Simulator
from monitor.sim.webhook_sender import WebhookSender
from monitor.sim.webhooks import parse_faults
from tests.drive import settle

SECRET = "whsec_engine_canary_4be1"
STEP_S = 0.25


@dataclass
class Rig:
    clock: FakeClock
    sim: Simulator
    engine: Engine
    client: DialNexaClient
    flow: WebhookFlow | None
    sender: WebhookSender | None
    http: httpx.AsyncClient | None
    sending: bool = True

    async def run_for(self, seconds: float) -> None:
        """`seconds` of simulated time, the sender posting what is due every step."""
        end = self.clock.monotonic() + seconds
        while self.clock.monotonic() < end:
            self.clock.advance(STEP_S)
            if self.sender is not None and self.http is not None and self.sending:
                await self.sender.step(self.http)
            await settle()

    def mono_of(self, world_t: float) -> float:
        wall = self.sim.world.at(world_t)
        return self.clock.monotonic() - (self.clock.now() - wall).total_seconds()

    def requests_since(self, mono: float) -> int:
        return sum(1 for r in self.sim.requests if r.at >= mono)

    async def close(self) -> None:
        self.engine.stop()
        await settle()
        await self.client.aclose()
        if self.http is not None:
            await self.http.aclose()


def build(
    scenario: str, *, webhooks: bool, faults: str = "", seed: int = 7, cap: int | None = None
) -> Rig:
    clock = FakeClock()
    sim = Simulator.create(scenario=scenario, seed=seed, clock=clock, workspace_cap=cap)
    client = DialNexaClient(sim.base_url, sim.server.api_key, transport=sim.transport(),
                            clock=clock)  # fmt: skip
    engine = Engine(client, Settings(concurrency_cap=sim.world.cap), clock=clock,
                    rng=random.Random(seed))  # fmt: skip
    flow = sender = http = None
    if webhooks:
        flow = engine.receive_webhooks("127.0.0.1:0")
        app = receiver_app(flow, SecretStr(SECRET))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relay")
        sender = WebhookSender(sim.world, "http://relay/hook", SECRET.encode(),
                               faults=parse_faults(faults), seed=seed)  # fmt: skip
    return Rig(clock, sim, engine, client, flow, sender, http)
