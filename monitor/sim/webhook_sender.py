"""`sim --webhook URL`: the simulator posts a signed delivery for every call event (issue 22).

The world tells the sender of each status change as it handles it (`World.status_listener`);
the call is rendered then, as the API would serve it at that instant, and pushed to the
`Outbox` (faults on demand). `run()` keeps the world moving with the clock (it otherwise
advances only when asked over HTTP) and posts what is due with httpx. A refused or failed post
is counted, never retried (a vendor's retries are one more kind of duplicate, already covered).

The secret is bytes held here only: never logged, never in a URL or argv.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter

import httpx

from monitor.sim.dialects import Renderer
from monitor.sim.model import FINAL_STATUSES, IN_FLIGHT_STATUSES, Call
from monitor.sim.webhooks import Outbox, Post, event_doc
from monitor.sim.world import World

log = logging.getLogger("monitor.sim.webhooks")

TICK_S = 0.05
"""How often the world is brought up to the clock and due posts go out."""
POST_TIMEOUT_S = 5.0


class WebhookSender:
    """Turns the world's call events into signed posts to one URL."""

    def __init__(
        self,
        world: World,
        url: str,
        secret: bytes,
        *,
        faults: dict[str, float] | None = None,
        seed: int = 7,
        dialect: str = "mixed",
        client: httpx.AsyncClient | None = None,
        tick_s: float = TICK_S,
    ) -> None:
        self.world = world
        self.tick_s = tick_s
        self.url = url
        self.outbox = Outbox(secret, faults or {}, seed=seed)
        self.renderer = Renderer(world, dialect)
        self.client = client
        self.answers: Counter[int] = Counter()
        """Posts by the receiver's status; 0 for a post that got no answer."""
        self.ended_at: dict[str, float] = {}
        """Each ended call's world time of ending (the truth the benchmark compares with)."""
        self._failing = 0
        self._stop = asyncio.Event()
        world.status_listener = self.on_status

    def on_status(self, call: Call, old: str, new: str) -> None:
        ended = new in FINAL_STATUSES
        if not ended and not (new in IN_FLIGHT_STATUSES and old not in IN_FLIGHT_STATUSES):
            return  # only a call's start and its end are webhook events
        record = self.renderer.call(call, "webhook")
        if ended:
            self.ended_at[call.id] = self.world.t
        doc = event_doc(
            record,
            ended=ended,
            status=new,
            delivery_id="dlv_" + secrets.token_hex(8),
            at=self.world.iso(self.world.t),
        )
        if doc is not None:
            self.outbox.push(doc, call_id=call.id, ended=ended, now=self.world.clock.monotonic())

    async def post(self, client: httpx.AsyncClient, item: Post) -> None:
        try:
            answer = await client.post(self.url, content=item.body, headers=item.headers)
            self.answers[answer.status_code] += 1
        except httpx.HTTPError as exc:
            self.answers[0] += 1
            self._failing += 1
            if self._failing == 1:  # once a streak: a receiver not up yet is not 100 lines
                log.warning("webhook posts to %s fail: %s", self.url, type(exc).__name__)
            return
        if self._failing:
            log.warning("webhook posts go through again (%d failed)", self._failing)
            self._failing = 0

    async def step(self, client: httpx.AsyncClient) -> int:
        """Bring the world to the clock and post what is due; the number posted."""
        self.world.sync()
        due = self.outbox.due(self.world.clock.monotonic())
        for item in due:
            await self.post(client, item)
        return len(due)

    async def run(self) -> None:
        """Until `stop()`: the world kept moving, deliveries posted as they fall due."""
        owned = self.client is None
        client = self.client or httpx.AsyncClient(timeout=POST_TIMEOUT_S)
        try:
            while not self._stop.is_set():
                await self.step(client)
                # The world's clock: a FakeClock drives the sender in tests and benchmarks.
                await self.world.clock.sleep(self.tick_s)
        finally:
            if owned:
                await client.aclose()

    def stop(self) -> None:
        self._stop.set()


__all__ = ["WebhookSender"]
