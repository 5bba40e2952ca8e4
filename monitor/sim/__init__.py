"""The DialNexa simulator: a workspace that behaves like the documented API.

`Simulator.create(...)` builds the whole thing (world, faults, server, request log) for
`--demo`, the tests and the benchmarks; `dialnexa-monitor sim` serves the same app on loopback
(see `monitor.sim.serve`).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from starlette.applications import Starlette

from monitor.clock import Clock, SystemClock
from monitor.sim.faults import Activation, FaultController, SimulatedReset
from monitor.sim.model import RetryConfig, ScenarioSpec
from monitor.sim.ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW_S
from monitor.sim.requestlog import LoggedRequest, RequestLog
from monitor.sim.scenarios import SCENARIOS, get_scenario
from monitor.sim.server import SimServer
from monitor.sim.transport import SimTransport
from monitor.sim.vocabulary import DIALECTS
from monitor.sim.world import World

__all__ = [
    "DIALECTS",
    "SCENARIOS",
    "Activation",
    "FaultController",
    "LoggedRequest",
    "RequestLog",
    "RetryConfig",
    "ScenarioSpec",
    "SimServer",
    "SimTransport",
    "SimulatedReset",
    "Simulator",
    "World",
    "get_scenario",
]

IN_PROCESS_BASE_URL = "http://sim.local/v1"


class Simulator:
    """World + fault controller + server + request log, ready to serve in-process or on loopback."""

    base_url = IN_PROCESS_BASE_URL

    def __init__(self, world: World, server: SimServer) -> None:
        self.world = world
        self.server = server
        self.faults: FaultController = server.faults
        self.requests: RequestLog = server.requests

    @classmethod
    def create(
        cls,
        scenario: str | ScenarioSpec = "busy",
        seed: int = 7,
        speed: float = 1.0,
        clock: Clock | None = None,
        dialect: str = "mixed",
        api_key: str = "demo",
        faults: str | Iterable[str] = (),
        *,
        hostile_names: bool = False,
        workspace_cap: int | None = None,
        churn: bool | None = None,
        rate_limit: int = DEFAULT_LIMIT,
        rate_window_s: float = DEFAULT_WINDOW_S,
        reset_header: str = "seconds",
    ) -> Simulator:
        """Build a simulator.

        Args:
            scenario: `small`, `busy`, `huge`, or a ScenarioSpec.
            seed: same seed, same history.
            speed: simulated seconds per clock second.
            clock: the injected clock (SystemClock when None).
            dialect: `mixed` (default), `canonical` or `openapi`.
            api_key: the key the server accepts.
            faults: fault specs to switch on now, e.g. `"5xx-json:p=0.2,slow:delay=2"`.
            hostile_names: bake FAULTS' T-case strings into names in the world itself.
            workspace_cap: override the scenario's plan cap.
            churn: rerun campaigns that end and retire old ones, so the world never goes quiet
                and its memory stays bounded (for long demos and the 24 h soak).
            rate_limit: requests per window per key (default 150).
            rate_window_s: the rate-limit window in clock seconds (default 60).
            reset_header: `seconds` or `epoch` for X-RateLimit-Reset.
        """
        clock = clock or SystemClock()
        spec = get_scenario(scenario) if isinstance(scenario, str) else scenario
        world = World(
            spec,
            seed=seed,
            clock=clock,
            speed=speed,
            hostile_names=hostile_names,
            workspace_cap=workspace_cap,
            churn=churn,
        )
        controller = FaultController(clock, seed=seed)
        controller.apply_specs(faults)
        server = SimServer(
            world,
            controller,
            api_key=api_key,
            dialect=dialect,
            rate_limit=rate_limit,
            rate_window_s=rate_window_s,
            reset_header=reset_header,
        )
        return cls(world, server)

    @property
    def app(self) -> Starlette:
        """The ASGI application."""
        return self.server.app

    @property
    def dialect(self) -> str:
        return self.server.dialect

    @dialect.setter
    def dialect(self, value: str) -> None:
        if value not in DIALECTS:
            raise ValueError(f"unknown dialect {value!r}; choose one of {', '.join(DIALECTS)}")
        self.server.dialect = value

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process httpx transport to this simulator (resets become httpx.ReadError)."""
        return SimTransport(app=self.app)

    def client(self, api_key: str | None = None, **kwargs: object) -> httpx.AsyncClient:
        """A plain httpx client on the in-process transport, authorised, for tests and tools."""
        key = self.server.api_key if api_key is None else api_key
        return httpx.AsyncClient(
            transport=self.transport(),
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}"},
            **kwargs,  # type: ignore[arg-type]
        )
