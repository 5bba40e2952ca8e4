"""The vendor's gateway as named ASGI layers, outermost first, in the order a real one works:

1. `ControlSurface`: `/_sim/...` goes to the simulator's own control routes (not logged, not
   rate limited), everything else on down;
2. `RequestLogging`: catch the world up with the clock and log the request (tests, benchmarks
   and the scorecard read the log);
3. `RateLimiting`: count it against the key's window (429 past the limit) and put the
   rate-limit headers and a `Date` from the injected clock on every answer;
4. `ReadOnly`: anything but GET is a 405: the monitor is read-only and must never write;
5. `BearerAuth`: a wrong or missing key is a 401 with the vendor's error body.

Then come the fault layers (`monitor.sim.faults.layers`) and the routes. A `Visit` travels with
the request in its scope, so an outer layer can read what an inner one decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.sim.faults.core import HEADERS, Activation, Exchange, Reply, vendor_error
from monitor.sim.replies import bearer, on_start, respond
from monitor.sim.requestlog import LoggedRequest

if TYPE_CHECKING:
    from monitor.sim.server import SimServer

VISIT = "dialnexa.sim.visit"


@dataclass
class Visit:
    """One request on its way through the layers."""

    entry: LoggedRequest
    now: float
    """Clock monotonic seconds at arrival."""
    fired: list[Activation] = field(default_factory=list)
    """The faults acting on this request (drawn once, after the key is checked)."""
    exchange: Exchange | None = None
    """What the fault layers and the endpoints read and may rewrite (query, headers)."""


def visit_of(scope: Scope) -> Visit:
    visit: Visit = scope[VISIT]
    return visit


def is_control(scope: Scope) -> bool:
    path: str = scope["path"]
    return path.startswith("/_sim")


class _Layer:
    def __init__(self, app: ASGIApp, server: SimServer) -> None:
        self.app = app
        self.server = server


class ControlSurface(_Layer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_control(scope):
            await self.server.control(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class RequestLogging(_Layer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        server = self.server
        now = server.clock.monotonic()
        server.world.sync()
        query = scope["query_string"].decode("latin-1")
        entry = LoggedRequest(now, server.world.t, scope["method"], scope["path"], query)
        # Read the log from the server each time: the soak benchmark swaps in a bigger one.
        server.requests.add(entry)
        scope[VISIT] = Visit(entry, now)

        def note_status(message: Message) -> None:
            entry.status = message["status"]

        await self.app(scope, receive, on_start(send, note_status))


class RateLimiting(_Layer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        server = self.server
        decision = server.limiter.check(bearer(scope) or "")
        visit = visit_of(scope)

        def add_headers(message: Message) -> None:
            # The reset form is settled only now: P20 (a `headers` fault) may have fired inside.
            fired = visit.fired
            epoch = any(a.spec.stage == HEADERS for a in fired) or (
                not fired and any(a.spec.stage == HEADERS for a in server.faults.active())
            )
            rate = decision.headers(server.clock, "epoch" if epoch else server.reset_header)
            # The Date header comes from the injected clock, so a client can measure the skew
            # between its clock and the server's (and correct an epoch X-RateLimit-Reset by it).
            rate["Date"] = format_datetime(server.clock.now(), usegmt=True)
            message["headers"] = _before_body_headers(
                list(message.get("headers", [])),
                [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rate.items()],
            )

        if not decision.allowed:
            reply = Reply(429, vendor_error(429, "Too Many Requests"))
            await respond(reply)(scope, receive, on_start(send, add_headers))
            return
        await self.app(scope, receive, on_start(send, add_headers))


class ReadOnly(_Layer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "GET":
            reply = Reply(405, vendor_error(405, "Method Not Allowed"), headers={"Allow": "GET"})
            await respond(reply)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BearerAuth(_Layer):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and bearer(scope) != self.server.api_key:
            reply = Reply(401, vendor_error(401, "API key is missing or invalid"))
            await respond(reply)(scope, receive, send)
            return
        await self.app(scope, receive, send)


_BODY_HEADERS = (b"content-length", b"content-type")


def _before_body_headers(
    headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`extra` after the answer's own headers and before Content-Length/Type, where they were
    when one function wrote the whole answer."""
    at = next((i for i, (k, _) in enumerate(headers) if k in _BODY_HEADERS), len(headers))
    return [*headers[:at], *extra, *headers[at:]]
