"""Each fault stage as a named ASGI layer, between the gateway's key check and the routes.

Outermost first: `FaultDraw` picks the faults that act on this request (once, so counts and
probabilities are drawn once); `WireFaults` rewrites the bytes of a 200 and chooses how they are
sent (reset, trickle); `RequestFaults` rewrites the query; `DelayFaults` waits on the clock;
`GateFaults` answers instead of the endpoint; `PayloadFaults` rewrites a 200's JSON. A layer with
nothing to do for a request passes it straight through.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.sim.faults.core import (
    BYTES,
    DELAY,
    GATE,
    PAYLOAD,
    REQUEST,
    TRANSPORT,
    Activation,
    Exchange,
    Reply,
)
from monitor.sim.gateway import visit_of
from monitor.sim.replies import capture, encode, respond

if TYPE_CHECKING:
    from monitor.sim.server import SimServer


def _stage(fired: list[Activation], stage: str) -> list[Activation]:
    return [a for a in fired if a.spec.stage == stage]


class _FaultLayer:
    stage = ""

    def __init__(self, app: ASGIApp, server: SimServer) -> None:
        self.app = app
        self.server = server

    def acting(self, scope: Scope) -> list[Activation]:
        if scope["type"] != "http":
            return []
        return _stage(visit_of(scope).fired, self.stage)


class FaultDraw(_FaultLayer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            visit = visit_of(scope)
            path: str = scope["path"]
            visit.fired = self.server.faults.fire(path, visit.now)
            visit.entry.faults = tuple(a.id for a in visit.fired)
            visit.exchange = Exchange(
                scope["method"],
                path,
                dict(QueryParams(scope["query_string"])),
                visit.now,
                dict(Headers(scope=scope).items()),
            )
        await self.app(scope, receive, send)


class WireFaults(_FaultLayer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fired = visit_of(scope).fired
        rewrites = _stage(fired, BYTES)
        delivery = _stage(fired, TRANSPORT)
        if not rewrites and not delivery:
            await self.app(scope, receive, send)
            return
        answer = await capture(self.app, scope, receive)
        body = answer.body
        if answer.status == 200 and rewrites:
            ex = _exchange(scope)
            for a in rewrites:
                body = a.spec.behaviour(a, ex, body)
        response = answer.response(body)
        if delivery:
            a = delivery[0]
            response = a.spec.behaviour(a, self.server.clock, response)
        await response(scope, receive, send)


class RequestFaults(_FaultLayer):
    stage = REQUEST

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for a in self.acting(scope):
            a.spec.behaviour(a, _exchange(scope))
        await self.app(scope, receive, send)


class DelayFaults(_FaultLayer):
    stage = DELAY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        acting = self.acting(scope)
        if acting:
            ex = _exchange(scope)
            delay = sum(float(a.spec.behaviour(a, ex)) for a in acting)
            if delay > 0:
                await self.server.clock.sleep(delay)
                self.server.world.sync()
        await self.app(scope, receive, send)


class GateFaults(_FaultLayer):
    stage = GATE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for a in self.acting(scope):
            reply: Reply | None = a.spec.behaviour(a, _exchange(scope))
            if reply is not None:
                await respond(reply)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class PayloadFaults(_FaultLayer):
    stage = PAYLOAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        acting = self.acting(scope)
        if not acting:
            await self.app(scope, receive, send)
            return
        answer = await capture(self.app, scope, receive)
        body = answer.body
        if answer.status == 200:
            ex = _exchange(scope)
            obj = json.loads(body)
            for a in acting:
                obj = a.spec.behaviour(a, ex, obj)
            body = encode(obj)
        await answer.response(body)(scope, receive, send)


def _exchange(scope: Scope) -> Exchange:
    ex = visit_of(scope).exchange
    assert ex is not None, "FaultDraw runs before every other fault layer"
    return ex
