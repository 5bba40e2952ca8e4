"""Faults on the wire: the encoded body (P1-P3, invalid JSON, bad UTF-8), how it is sent
(reset mid-body, trickle), how long it takes (slow, timeout), and the headers (P20)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from monitor.clock import Clock
from monitor.sim.faults.core import Activation, Exchange, SimulatedReset, cycle


def html_body(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return b"<html>502 Bad Gateway</html>"


def empty_body(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return bytes(cycle((b"", b"null", b"[]", b"{}"), a.n))


def truncated(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return body[: max(1, int(len(body) * 0.6))] if len(body) > 2 else b'{"data":[{"id":'


def invalid_json(a: Activation, ex: Exchange, body: bytes) -> bytes:
    if a.n % 2 == 0:
        return body.replace(b'"', b"'", 6)
    return body[:-1] + b",}"


def bad_utf8(a: Activation, ex: Exchange, body: bytes) -> bytes:
    marker = body.find(b'"id": "')
    if marker < 0:
        marker = body.find(b'"id":"')
    if marker >= 0:
        at = body.index(b'"', body.index(b":", marker) + 1) + 1
        body = body[:at] + b"\xff\xfe\\ud800" + body[at:]
    return body


def delay(a: Activation, ex: Exchange) -> float:
    return float(a.param("delay"))


def reset_epoch(*_: Any) -> None:
    """P20 acts in the rate-limit layer, which spells the reset as an epoch while it is on."""
    return None


class ResetResponse(Response):
    """Declares the full length, sends half, then aborts: a reset in the middle of the body."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        half = self.body[: len(self.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise SimulatedReset("connection reset by the simulator (fault N7)")


class TrickleResponse(Response):
    """Sends the body one byte at a time, `interval` clock seconds apart (fault N5)."""

    def __init__(self, clock: Clock, interval: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.interval = interval

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        body = bytes(self.body)
        for i in range(len(body)):
            await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": True})
            await self.clock.sleep(self.interval)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def send_reset(a: Activation, clock: Clock, response: Response) -> Response:
    out = ResetResponse(response.body, response.status_code)
    out.raw_headers = response.raw_headers
    return out


def send_trickle(a: Activation, clock: Clock, response: Response) -> Response:
    out = TrickleResponse(clock, float(a.param("interval")), content=response.body,
                          status_code=response.status_code)  # fmt: skip
    out.raw_headers = response.raw_headers
    return out
