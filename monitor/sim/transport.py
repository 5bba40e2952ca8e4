"""In-process transport: httpx talks to the simulator's ASGI app with no socket at all.

ASGI has no way to abort a connection, so the reset fault raises `SimulatedReset` mid-body.
Over uvicorn that closes the socket; here this transport turns it into the `httpx.ReadError` a
real reset produces, so the client's error mapping sees the same thing on both transports.
"""

from __future__ import annotations

import httpx

from monitor.sim.faults import SimulatedReset


class SimTransport(httpx.ASGITransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except SimulatedReset as exc:
            raise httpx.ReadError("connection reset by peer (simulated)", request=request) from exc
