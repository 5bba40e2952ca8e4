"""The fault catalogue, the controller that switches faults on, and the layers that apply them.

Faults are named by FAULTS.md case id (`N18`, `P17`, `T4`...) or by a readable alias (`slow`,
`retry-shuffle`, `5xx-json`...); `sim.faults.enable("slow", scope="/calls", delay=2)` takes
either. Modules by family: `gates` (answers instead of the endpoint), `payloads` (JSON
rewrites), `wire` (bytes, delivery, delay, headers); `catalogue` lists them all, `controller`
decides which fire, and `layers` applies each stage as named middleware around the routes.
"""

from monitor.sim.faults.catalogue import build_catalogue
from monitor.sim.faults.controller import FaultController, parse_fault_specs
from monitor.sim.faults.core import (
    BYTES,
    DELAY,
    GATE,
    HEADERS,
    PAYLOAD,
    REQUEST,
    TRANSPORT,
    Activation,
    Exchange,
    FaultSpec,
    Reply,
    SimulatedReset,
    route_not_found,
    vendor_error,
)

__all__ = [
    "BYTES",
    "DELAY",
    "GATE",
    "HEADERS",
    "PAYLOAD",
    "REQUEST",
    "TRANSPORT",
    "Activation",
    "Exchange",
    "FaultController",
    "FaultSpec",
    "Reply",
    "SimulatedReset",
    "build_catalogue",
    "parse_fault_specs",
    "route_not_found",
    "vendor_error",
]
