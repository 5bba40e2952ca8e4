"""The DialNexa endpoints the monitor reads, one Starlette `Route` each, spelled in the dialect.

Paths and their ids come from Starlette's routing; a list path also answers with a trailing
slash, as NestJS does. An unknown path answers NestJS's `Cannot GET /v1/...` 404, which the
client must read as "endpoint unavailable"; an unknown object answers `{"message": "Call not
found"}`-style 404s, and a malformed id a 400.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.sim.dialects import Renderer
from monitor.sim.faults.core import Exchange, Reply, query_text, route_not_found, vendor_error
from monitor.sim.gateway import visit_of
from monitor.sim.model import Call, Campaign
from monitor.sim.queries import (
    OPENAPI_MAX_LIMIT,
    REFERENCE_MAX_LIMIT,
    BadRequest,
    select_calls,
    select_campaigns,
)
from monitor.sim.replies import respond

if TYPE_CHECKING:
    from monitor.sim.server import SimServer

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")

Endpoint = Callable[..., Reply]


class Endpoints:
    """What each path answers, from the server's world and current dialect."""

    def __init__(self, server: SimServer) -> None:
        self.server = server

    def routes(self) -> list[BaseRoute]:
        """In matching order: `/call-logs/campaign/{id}` before `/call-logs/{id}/...`."""
        return [
            *_listing("/v1/calls", self.list_calls),
            _route("/v1/calls/{call_id}", self.get_call),
            *_listing("/v1/call-logs", self.list_logs),
            _route("/v1/call-logs/campaign/{campaign_id}", self.campaign_logs),
            _route("/v1/call-logs/{call_id}/retries", self.retries),
            _route("/v1/call-logs/{call_id}/details", self.log_details),
            _route("/v1/call-logs/{call_id}", self.get_log),
            *_listing("/v1/campaigns", self.list_campaigns),
            _route("/v1/campaigns/{campaign_id}", self.get_campaign),
            *_listing("/v1/batch-calls", self.list_batches),
            _route("/v1/batch-calls/{batch_id}", self.get_batch),
        ]

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.server.world, self.server.dialect)

    # ------------------------------------------------------------ endpoints

    def list_calls(self, ex: Exchange) -> Reply:
        items, total, page, limit = select_calls(
            self.server.world, ex.query, OPENAPI_MAX_LIMIT, None
        )
        return Reply(200, self.renderer.call_list(items, total, page, limit))

    def get_call(self, ex: Exchange, call_id: str) -> Reply:
        call = self._find_call(call_id, "call")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.call(call, "calls", detail=True), "calls"))

    def list_logs(self, ex: Exchange) -> Reply:
        world = self.server.world
        items, total, page, limit = select_calls(world, ex.query, REFERENCE_MAX_LIMIT, None)
        body = self.renderer.log_list(items, total, page, limit, "call-logs", "all")
        return self._with_etag(ex, body, world.version)

    def campaign_logs(self, ex: Exchange, campaign_id: str) -> Reply:
        c = self._find_campaign(campaign_id)
        world = self.server.world
        items, total, page, limit = select_calls(world, ex.query, REFERENCE_MAX_LIMIT, [c])
        body = self.renderer.log_list(items, total, page, limit, "campaign-logs", c.id)
        return self._with_etag(ex, body, c.version)

    def retries(self, ex: Exchange, call_id: str) -> Reply:
        call = self._find_call(call_id, "call")
        return Reply(200, self.renderer.retries(call.series, call_id))

    def log_details(self, ex: Exchange, call_id: str) -> Reply:
        call = self._find_call(call_id, "log")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.log(call, "call-logs", detail=True), "call-logs"))

    def get_log(self, ex: Exchange, call_id: str) -> Reply:
        call = self._find_call(call_id, "log")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.log(call, "call-logs"), "call-logs"))

    def list_campaigns(self, ex: Exchange) -> Reply:
        items, total, page, limit = select_campaigns(self.server.world, ex.query)
        return Reply(200, self.renderer.campaign_list(items, total, page, limit))

    def get_campaign(self, ex: Exchange, campaign_id: str) -> Reply:
        c = self._find_campaign(campaign_id)
        r = self.renderer
        return Reply(200, r.wrap(c.id, r.campaign(c), "campaigns"))

    def list_batches(self, ex: Exchange) -> Reply:
        items, total, page, limit = select_campaigns(self.server.world, ex.query)
        return Reply(200, self.renderer.batch_list(items, total, page, limit))

    def get_batch(self, ex: Exchange, batch_id: str) -> Reply:
        c = self._find_campaign(batch_id, kind="Batch call")
        r = self.renderer
        if self.server.dialect == "canonical":
            return Reply(200, r.batch_detail(c))
        world = self.server.world
        items, total, page, limit = select_calls(world, ex.query, OPENAPI_MAX_LIMIT, [c])
        return Reply(200, r.batch_calls(items, total, page, limit))

    # -------------------------------------------------------------- helpers

    def _find_call(self, ident: str, kind: str) -> Call:
        if not ID_PATTERN.match(ident):
            raise _Answer(Reply(400, vendor_error(400, "Invalid call ID format")))
        lookup = "call_" + ident[4:] if ident.startswith("log_") else ident
        call = self.server.world.call(lookup)
        if call is None:
            message = "Call log not found" if kind == "log" else "Call not found"
            raise _Answer(Reply(404, vendor_error(404, message)))
        return call

    def _find_campaign(self, ident: str, kind: str = "Campaign") -> Campaign:
        if not ID_PATTERN.match(ident):
            raise _Answer(Reply(400, vendor_error(400, f"Invalid {kind.lower()} ID format")))
        c = self.server.world.campaign(ident)
        if c is None:
            raise _Answer(Reply(404, vendor_error(404, f"{kind} not found")))
        return c

    def _with_etag(self, ex: Exchange, body: Any, version: int) -> Reply:
        """ETag on the call-logs paths, the only ones documented to support it (§3.3)."""
        digest = hashlib.blake2b(
            f"{self.server.dialect}|{ex.path}|{sorted(ex.query.items())}|{version}".encode(),
            digest_size=8,
        ).hexdigest()
        etag = f'W/"{digest}"'
        if ex.headers.get("if-none-match") == etag:
            return Reply(304, raw=b"", headers={"ETag": etag})
        return Reply(200, body, headers={"ETag": etag})


class _Answer(Exception):
    """Raised by helpers to answer at once (400/404) from deep inside an endpoint."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _serve(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint: the request's exchange (as the fault layers left it) and path
    parameters in, the endpoint's reply (or its 400/404) out."""

    async def serve(request: Request) -> Response:
        ex = visit_of(request.scope).exchange
        assert ex is not None, "the fault layers set the exchange before routing"
        try:
            reply = endpoint(ex, **request.path_params)
        except _Answer as answer:
            reply = answer.reply
        except BadRequest as exc:
            message: str | list[str] = exc.messages[0] if len(exc.messages) == 1 else exc.messages
            reply = Reply(400, vendor_error(400, message))
        return respond(reply)

    return serve


def _route(path: str, endpoint: Endpoint) -> Route:
    return Route(path, _serve(endpoint), methods=["GET"], name=endpoint.__name__)


def _listing(path: str, endpoint: Endpoint) -> list[Route]:
    """A list path, with and without its trailing slash (Starlette would redirect instead)."""
    serve = _serve(endpoint)
    name = endpoint.__name__
    return [
        Route(path, serve, methods=["GET"], name=name),
        Route(path + "/", serve, methods=["GET"], name=name + "/"),
    ]


async def not_found(request: Request, exc: Exception) -> Response:
    """NestJS's 404 for a path no route matches."""
    ex = visit_of(request.scope).exchange
    assert ex is not None
    return respond(route_not_found(ex.method, ex.path, query_text(ex.query)))
