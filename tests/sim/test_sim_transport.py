"""The in-process transport lets the event loop run during each request, as a socket does."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from monitor.sim.transport import SimTransport


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_a_key_waiting_runs_between_the_requests_of_one_poll() -> None:
    answered: list[int] = []
    seen_after: list[int] = []
    async with httpx.AsyncClient(transport=SimTransport(app=_ok), base_url="http://sim") as client:
        # As a key's handler would be: queued on the loop before a poll of five pages.
        asyncio.get_running_loop().call_soon(lambda: seen_after.append(len(answered)))
        for _ in range(5):
            response = await client.get("/calls")
            answered.append(response.status_code)
    assert answered == [200] * 5
    assert seen_after == [0]  # it ran before the first answer, not after all five
