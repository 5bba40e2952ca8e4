"""In-process transport: httpx talks to the simulator's ASGI app with no socket at all.

ASGI has no way to abort a connection, so the reset fault raises `SimulatedReset` mid-body.
Over uvicorn that closes the socket; here this transport turns it into the `httpx.ReadError` a
real reset produces, so the client's error mapping sees the same thing on both transports.

A request over a socket always lets the event loop run while it waits for the answer; one
over this transport did not, so a poll of several pages (the `huge` scenario's active calls:
five pages and their parsing) ran as one step of 100-200 ms, and a key pressed meanwhile
waited for all of it (issue 21: `--demo`'s key latency). Each request yields once, as a
socket would.
"""

from __future__ import annotations

import asyncio

import httpx

from monitor.sim.faults import SimulatedReset


class SimTransport(httpx.ASGITransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # what the wait for a socket's answer gives the loop
        try:
            return await super().handle_async_request(request)
        except SimulatedReset as exc:
            raise httpx.ReadError("connection reset by peer (simulated)", request=request) from exc
