"""The world as a DialNexa API: a Starlette app of one route per endpoint inside named layers.

From the outside in (see `gateway` and `faults.layers`): the control surface, the request log,
the rate limit, GET only, the key check; then the faults, stage by stage (draw, wire, request,
delay, gate, payload); then the routes (`routes`), spelled in the current dialect.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from monitor.clock import Clock
from monitor.sim.control import control_app
from monitor.sim.dialects import DIALECTS, Renderer
from monitor.sim.faults.controller import FaultController
from monitor.sim.faults.layers import (
    DelayFaults,
    FaultDraw,
    GateFaults,
    PayloadFaults,
    RequestFaults,
    WireFaults,
)
from monitor.sim.gateway import BearerAuth, ControlSurface, RateLimiting, ReadOnly, RequestLogging
from monitor.sim.ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW_S, RateLimiter
from monitor.sim.requestlog import RequestLog
from monitor.sim.routes import Endpoints, not_found
from monitor.sim.world import World

RESET_FORMS = ("seconds", "epoch")

LAYERS = (
    ControlSurface,
    RequestLogging,
    RateLimiting,
    ReadOnly,
    BearerAuth,
    FaultDraw,
    WireFaults,
    RequestFaults,
    DelayFaults,
    GateFaults,
    PayloadFaults,
)
"""Outermost first: the order a request meets them."""


class SimServer:
    """The HTTP face of a `World`.

    Args:
        world: the workspace to serve.
        faults: the fault controller consulted on every request.
        api_key: the only key accepted (sent as `Authorization: Bearer <key>`).
        dialect: `canonical`, `openapi` or `mixed`; may be changed at run time.
        rate_limit: requests per window per key.
        rate_window_s: window length in clock seconds.
        reset_header: `seconds` (observed) or `epoch` (documented) for X-RateLimit-Reset.
        requests: the log to append to.
        clock: for rate limits and fault timing (the world's clock by default).
    """

    def __init__(
        self,
        world: World,
        faults: FaultController,
        *,
        api_key: str = "demo",
        dialect: str = "mixed",
        rate_limit: int = DEFAULT_LIMIT,
        rate_window_s: float = DEFAULT_WINDOW_S,
        reset_header: str = "seconds",
        requests: RequestLog | None = None,
        clock: Clock | None = None,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
        if reset_header not in RESET_FORMS:
            raise ValueError(f"reset_header must be one of {', '.join(RESET_FORMS)}")
        self.world = world
        self.clock = clock or world.clock
        self.faults = faults
        self.api_key = api_key
        self.dialect = dialect
        self.reset_header = reset_header
        self.limiter = RateLimiter(self.clock, rate_limit, rate_window_s)
        self.requests = requests if requests is not None else RequestLog()
        self.endpoints = Endpoints(self)
        self._control = control_app(self)
        self.app = Starlette(
            routes=self.endpoints.routes(),
            middleware=[Middleware(layer, server=self) for layer in LAYERS],
            exception_handlers={404: not_found},
        )
        # NestJS answers `/v1/calls/x/` with its 404, never with a redirect.
        self.app.router.redirect_slashes = False

    async def control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a `/_sim/...` request (the `ControlSurface` layer sends them here)."""
        await self._control(scope, receive, send)

    @property
    def renderer(self) -> Renderer:
        return self.endpoints.renderer

    def state(self) -> dict[str, Any]:
        """Ground truth in one object: what the scorecard compares the monitor against."""
        w = self.world
        return {
            "world_time": w.iso(w.t),
            "dialect": self.dialect,
            "cap": w.cap,
            "in_flight": w.in_flight,
            "peak_in_flight": w.peak_in_flight,
            "counts": w.outcome_counts(),
            "pending_retries": len(w.retry_schedule()),
            "campaigns": [
                {
                    "id": c.id,
                    "status": c.status,
                    "in_flight": c.in_flight,
                    "counts": dict(c.counts),
                    "pending_calls": w.pending_calls(c),
                }
                for c in w.campaigns
            ],
        }
