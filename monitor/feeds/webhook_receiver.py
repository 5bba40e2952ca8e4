"""The relay's webhook receiver: a small Starlette app served by uvicorn in the relay (issue 22).

Every POST is a delivery. The body is read up to `MAX_BODY_BYTES` (a longer one is refused 413
without being read further), the signature checked over the raw bytes before anything is
parsed (`monitor.api.webhook.read_delivery`), and only then is the delivery handed to the
engine's `WebhookFlow`. Answers: 200 applied or a duplicate (so the vendor does not send it
again), 401 unsigned, 403 forged, 413 too large, 400 unreadable; every refusal is counted on the
relay's status. `GET /healthz` says the receiver is up, with the counts (for a reverse proxy's
health check); it never shows a secret, a header or a body. Nothing here logs a request:
uvicorn's access log is off, and a refusal is logged by status and reason only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api.webhook import MAX_BODY_BYTES, Refused, read_delivery
from monitor.polling.webhooks import WebhookFlow
from monitor.state.webhooks import WebhookStatus

log = logging.getLogger("monitor.relay")

DEFAULT_LISTEN = "127.0.0.1:8788"
LOG_REFUSED_EVERY_S = 60.0


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` or `PORT` (loopback by default); ValueError in words."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ValueError(
            f"--webhook-listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8788"
        ) from None
    if not 0 <= number <= 65535:
        raise ValueError(f"--webhook-listen {text!r}: the port must be 0-65535")
    return host, number


async def read_limited(request: Request) -> bytes:
    """The body, or `Refused(413)` as soon as it is longer than the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refused(413, f"delivery over {MAX_BODY_BYTES // 1024} KB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"delivery over {MAX_BODY_BYTES // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)


def receiver_app(flow: WebhookFlow, secret: SecretStr) -> Starlette:
    """The ASGI app; `secret` is turned into bytes for the HMAC only, per request."""

    said: dict[int, float] = {}

    async def deliver(request: Request) -> Response:
        try:
            body = await read_limited(request)
            delivery = read_delivery(body, request.headers, secret.get_secret_value().encode())
        except Refused as refused:
            flow.refused(refused.status)
            now = time.monotonic()
            if now - said.get(refused.status, -1e9) >= LOG_REFUSED_EVERY_S:
                # Once a minute per status: a flood of forged posts must not flood the journal
                # (every one is counted on the status line).
                said[refused.status] = now
                log.info("webhook refused: %s", refused)
            return JSONResponse({"error": refused.reason}, status_code=refused.status)
        try:
            flow.accept(delivery)
        except Exception as exc:
            # A bug of ours must not take the receiver down, nor put a delivery in a log.
            log.error("webhook delivery not applied (%s): a bug in the monitor", type(exc).__name__)
            return JSONResponse({"error": "internal error"}, status_code=500)
        return JSONResponse({"ok": True})

    async def health(_request: Request) -> Response:
        return JSONResponse(WebhookStatus.of(flow.tally).model_dump(mode="json"))

    return Starlette(
        routes=[
            Route("/healthz", health, methods=["GET"]),
            Route("/{path:path}", deliver, methods=["POST"]),
        ]
    )


class Receiver:
    """uvicorn serving the receiver inside the relay's event loop."""

    def __init__(self, flow: WebhookFlow, secret: SecretStr, host: str, port: int) -> None:
        self.app = receiver_app(flow, secret)
        self.host, self.port = host, port
        self.server: uvicorn.Server | None = None

    def bind(self) -> socket.socket:
        """The listening socket (bound before serving, so a taken port is a usage error)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        return sock

    async def serve(self, sock: socket.socket) -> None:
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,  # an access log would record paths and clients, never needed
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = _QuietServer(config)
        try:
            await self.server.serve(sockets=[sock])
        finally:
            sock.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True


class _QuietServer(uvicorn.Server):
    """The relay handles signals itself; uvicorn must not take them over."""

    def capture_signals(self) -> Any:
        return contextlib.nullcontext()


__all__ = ["DEFAULT_LISTEN", "Receiver", "parse_listen", "read_limited", "receiver_app"]
