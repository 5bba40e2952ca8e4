"""Turning a `Reply` into bytes on the wire, and the small pieces of ASGI the layers share."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.sim.faults.core import Reply

Headers = list[tuple[bytes, bytes]]


def encode(body: Any) -> bytes:
    # allow_nan stays on: fault P12 serves NaN/Infinity literals on purpose.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(reply: Reply) -> Response:
    """The response for a reply: its JSON (or raw) body, its headers, its media type."""
    body = reply.raw if reply.raw is not None else encode(reply.body)
    media_type = reply.media_type if reply.status != 304 else None
    return Response(body, reply.status, reply.headers, media_type=media_type)


def bearer(scope: Scope) -> str | None:
    """The key in `Authorization: Bearer <key>`, None when there is no such header."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            return header[len("Bearer ") :] if header.startswith("Bearer ") else None
    return None


def with_length(headers: Headers, body: bytes) -> Headers:
    """The headers with Content-Length matching `body` (after a fault rewrote it)."""
    length = str(len(body)).encode("latin-1")
    return [(k, length if k == b"content-length" else v) for k, v in headers]


class Captured:
    """A whole answer from an inner app, held so a layer can rewrite it before sending."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: Headers = []
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def response(self, body: bytes) -> Response:
        out = Response(body, self.status)
        out.raw_headers = with_length(self.headers, body)
        return out


async def capture(app: ASGIApp, scope: Scope, receive: Receive) -> Captured:
    """Run `app` to the end and keep what it sent (every answer here is small and whole)."""
    captured = Captured()
    await app(scope, receive, captured)
    return captured


def on_start(send: Send, change: Callable[[Message], None]) -> Callable[[Message], Awaitable[None]]:
    """A `send` that lets `change` see (and edit) the response-start message on its way out."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            change(message)
        await send(message)

    return wrapped
