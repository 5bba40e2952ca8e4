"""The world as a DialNexa API: a Starlette app serving the paths the monitor reads.

One entry point handles every request, in the order a real gateway would:

1. log it (the request log tests and benchmarks read);
2. count it against the key's rate-limit window (429 past the limit; headers on every answer);
3. refuse anything but GET (405): the monitor is read-only and must never write;
4. check the Bearer key (401 with the vendor's error body);
5. let switched-on faults rewrite the request, answer instead (5xx, 429, 403...), or delay;
6. route to the endpoint, spelled in the current dialect;
7. let faults rewrite the JSON, then the bytes, then how the bytes are sent (reset, trickle).

Unknown paths answer NestJS's `Cannot GET /v1/...` 404, which is what the client must read as
"endpoint unavailable"; unknown objects answer `{"message": "Call not found"}`-style 404s.
A small control surface under `/_sim/` (outside `/v1`, not rate limited, not logged) lets a
scorecard switch faults and read ground truth while `dialnexa-monitor sim` runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from monitor.clock import Clock
from monitor.sim.dialects import DIALECTS, Renderer, parse_status_filter
from monitor.sim.faults import (
    BYTES,
    DELAY,
    GATE,
    HEADERS,
    PAYLOAD,
    REQUEST,
    TRANSPORT,
    Activation,
    Exchange,
    FaultController,
    Reply,
    SimulatedReset,
    route_not_found,
    vendor_error,
)
from monitor.sim.model import (
    CAMPAIGN_CANCELLED,
    CAMPAIGN_COMPLETED,
    DRAFT,
    PAUSED,
    RUNNING,
    SCHEDULED,
    Call,
    Campaign,
)
from monitor.sim.ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW_S, RateLimiter
from monitor.sim.requestlog import LoggedRequest, RequestLog
from monitor.sim.world import World

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
REFERENCE_MAX_LIMIT = 100
"""The reference site's page cap (call-logs, campaigns, batch list)."""
OPENAPI_MAX_LIMIT = 200
"""The OpenAPI's cap for /calls and /batch-calls/{id}."""
RESET_FORMS = ("seconds", "epoch")

CAMPAIGN_FILTER = {
    "draft": DRAFT,
    "running": RUNNING,
    "processing": RUNNING,
    "active": RUNNING,
    "waiting": SCHEDULED,
    "scheduled": SCHEDULED,
    "queued": SCHEDULED,
    "paused": PAUSED,
    "completed": CAMPAIGN_COMPLETED,
    "cancelled": CAMPAIGN_CANCELLED,
    "canceled": CAMPAIGN_CANCELLED,
    "deleted": CAMPAIGN_CANCELLED,
}

Handler = Callable[[Exchange, str], Reply]


class BadRequest(Exception):
    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class _ResetResponse(Response):
    """Declares the full length, sends half, then aborts: a reset in the middle of the body."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        half = self.body[: len(self.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise SimulatedReset("connection reset by the simulator (fault N7)")


class _TrickleResponse(Response):
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


class _Entry:
    """The single ASGI endpoint: every method and path comes here, so every one is logged."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self._handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handle(Request(scope, receive))
        await response(scope, receive, send)


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
        self._routes: list[tuple[re.Pattern[str], Handler]] = [
            (re.compile(r"^/v1/calls/?$"), self._list_calls),
            (re.compile(r"^/v1/calls/([^/]+)$"), self._get_call),
            (re.compile(r"^/v1/call-logs/?$"), self._list_logs),
            (re.compile(r"^/v1/call-logs/campaign/([^/]+)$"), self._campaign_logs),
            (re.compile(r"^/v1/call-logs/([^/]+)/retries$"), self._retries),
            (re.compile(r"^/v1/call-logs/([^/]+)/details$"), self._log_details),
            (re.compile(r"^/v1/call-logs/([^/]+)$"), self._get_log),
            (re.compile(r"^/v1/campaigns/?$"), self._list_campaigns),
            (re.compile(r"^/v1/campaigns/([^/]+)$"), self._get_campaign),
            (re.compile(r"^/v1/batch-calls/?$"), self._list_batches),
            (re.compile(r"^/v1/batch-calls/([^/]+)$"), self._get_batch),
        ]
        self.app = Starlette(routes=[Route("/{path:path}", _Entry(self.handle))])

    # --------------------------------------------------------------- pipeline

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith("/_sim"):
            return self._control(request, path)
        now = self.clock.monotonic()
        self.world.sync()
        method = request.method
        entry = self.requests.add(LoggedRequest(now, self.world.t, method, path, request.url.query))
        token = _bearer(request.headers.get("authorization"))
        decision = self.limiter.check(token if token is not None else "")
        fired: list[Activation] = []
        reply: Reply | None = None
        if not decision.allowed:
            reply = Reply(429, vendor_error(429, "Too Many Requests"))
        elif method != "GET":
            reply = Reply(405, vendor_error(405, "Method Not Allowed"), headers={"Allow": "GET"})
        elif token != self.api_key:
            reply = Reply(401, vendor_error(401, "API key is missing or invalid"))
        else:
            fired = self.faults.fire(path, now)
            entry.faults = tuple(a.id for a in fired)
            reply = await self._serve(request, path, now, fired)
        epoch = _stage(fired, HEADERS) or (
            not fired and any(a.spec.stage == HEADERS for a in self.faults.active())
        )
        rate_headers = decision.headers(self.clock, "epoch" if epoch else self.reset_header)
        body = reply.raw if reply.raw is not None else _encode(reply.body)
        if reply.status == 200:
            ex = Exchange(method, path, dict(request.query_params), now)
            for a in _stage(fired, BYTES):
                body = a.spec.behaviour(a, ex, body)
        # The Date header comes from the injected clock, so a client can measure the skew
        # between its clock and the server's (and correct an epoch X-RateLimit-Reset by it).
        headers = {
            **reply.headers,
            **rate_headers,
            "Date": format_datetime(self.clock.now(), usegmt=True),
        }
        entry.status = reply.status
        transport = _stage(fired, TRANSPORT)
        kwargs: dict[str, Any] = {
            "content": body,
            "status_code": reply.status,
            "headers": headers,
            "media_type": reply.media_type if reply.status != 304 else None,
        }
        if transport and transport[0].spec.id == "N7":
            return _ResetResponse(**kwargs)
        if transport and transport[0].spec.id == "N5":
            return _TrickleResponse(self.clock, float(transport[0].param("interval")), **kwargs)
        return Response(**kwargs)

    async def _serve(
        self, request: Request, path: str, now: float, fired: list[Activation]
    ) -> Reply:
        ex = Exchange(
            request.method,
            path,
            dict(request.query_params),
            now,
            {k.lower(): v for k, v in request.headers.items()},
        )
        for a in _stage(fired, REQUEST):
            a.spec.behaviour(a, ex)
        reply: Reply | None = None
        for a in _stage(fired, GATE):
            reply = a.spec.behaviour(a, ex)
            if reply is not None:
                break
        delay = sum(float(a.spec.behaviour(a, ex)) for a in _stage(fired, DELAY))
        if delay > 0:
            await self.clock.sleep(delay)
            self.world.sync()
        if reply is not None:
            return reply
        reply = self._route(ex)
        if reply.status == 200 and reply.raw is None:
            for a in _stage(fired, PAYLOAD):
                reply.body = a.spec.behaviour(a, ex, reply.body)
        return reply

    def _route(self, ex: Exchange) -> Reply:
        for pattern, handler in self._routes:
            m = pattern.match(ex.path)
            if m:
                ident = m.group(1) if m.groups() else ""
                try:
                    return handler(ex, ident)
                except _Answer as answer:
                    return answer.reply
                except BadRequest as exc:
                    message: str | list[str] = exc.messages
                    if len(exc.messages) == 1:
                        message = exc.messages[0]
                    return Reply(400, vendor_error(400, message))
        query = "&".join(f"{k}={v}" for k, v in ex.query.items())
        return route_not_found(ex.method, ex.path, query)

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.world, self.dialect)

    # ------------------------------------------------------------ endpoints

    def _list_calls(self, ex: Exchange, _: str) -> Reply:
        items, total, page, limit = self._select_calls(ex, OPENAPI_MAX_LIMIT, campaigns=None)
        return Reply(200, self.renderer.call_list(items, total, page, limit))

    def _get_call(self, ex: Exchange, ident: str) -> Reply:
        call = self._find_call(ident, "call")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.call(call, "calls", detail=True), "calls"))

    def _list_logs(self, ex: Exchange, _: str) -> Reply:
        items, total, page, limit = self._select_calls(ex, REFERENCE_MAX_LIMIT, campaigns=None)
        body = self.renderer.log_list(items, total, page, limit, "call-logs", "all")
        return self._with_etag(ex, body, self.world.version)

    def _campaign_logs(self, ex: Exchange, ident: str) -> Reply:
        c = self._find_campaign(ident)
        items, total, page, limit = self._select_calls(ex, REFERENCE_MAX_LIMIT, campaigns=[c])
        body = self.renderer.log_list(items, total, page, limit, "campaign-logs", c.id)
        return self._with_etag(ex, body, c.version)

    def _retries(self, ex: Exchange, ident: str) -> Reply:
        call = self._find_call(ident, "call")
        return Reply(200, self.renderer.retries(call.series, ident))

    def _log_details(self, ex: Exchange, ident: str) -> Reply:
        call = self._find_call(ident, "log")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.log(call, "call-logs", detail=True), "call-logs"))

    def _get_log(self, ex: Exchange, ident: str) -> Reply:
        call = self._find_call(ident, "log")
        r = self.renderer
        return Reply(200, r.wrap(call.id, r.log(call, "call-logs"), "call-logs"))

    def _list_campaigns(self, ex: Exchange, _: str) -> Reply:
        items, total, page, limit = self._select_campaigns(ex)
        return Reply(200, self.renderer.campaign_list(items, total, page, limit))

    def _get_campaign(self, ex: Exchange, ident: str) -> Reply:
        c = self._find_campaign(ident)
        r = self.renderer
        return Reply(200, r.wrap(c.id, r.campaign(c), "campaigns"))

    def _list_batches(self, ex: Exchange, _: str) -> Reply:
        items, total, page, limit = self._select_campaigns(ex)
        return Reply(200, self.renderer.batch_list(items, total, page, limit))

    def _get_batch(self, ex: Exchange, ident: str) -> Reply:
        c = self._find_campaign(ident, kind="Batch call")
        r = self.renderer
        if self.dialect == "canonical":
            return Reply(200, r.batch_detail(c))
        items, total, page, limit = self._select_calls(ex, OPENAPI_MAX_LIMIT, campaigns=[c])
        return Reply(200, r.batch_calls(items, total, page, limit))

    # -------------------------------------------------------------- helpers

    def _find_call(self, ident: str, kind: str) -> Call:
        if not ID_PATTERN.match(ident):
            raise _Answer(Reply(400, vendor_error(400, "Invalid call ID format")))
        lookup = "call_" + ident[4:] if ident.startswith("log_") else ident
        call = self.world.call(lookup)
        if call is None:
            message = "Call log not found" if kind == "log" else "Call not found"
            raise _Answer(Reply(404, vendor_error(404, message)))
        return call

    def _find_campaign(self, ident: str, kind: str = "Campaign") -> Campaign:
        if not ID_PATTERN.match(ident):
            raise _Answer(Reply(400, vendor_error(400, f"Invalid {kind.lower()} ID format")))
        c = self.world.campaign(ident)
        if c is None:
            raise _Answer(Reply(404, vendor_error(404, f"{kind} not found")))
        return c

    def _with_etag(self, ex: Exchange, body: Any, version: int) -> Reply:
        """ETag on the call-logs paths, the only ones documented to support it (§3.3)."""
        digest = hashlib.blake2b(
            f"{self.dialect}|{ex.path}|{sorted(ex.query.items())}|{version}".encode(),
            digest_size=8,
        ).hexdigest()
        etag = f'W/"{digest}"'
        if ex.headers.get("if-none-match") == etag:
            return Reply(304, raw=b"", headers={"ETag": etag})
        return Reply(200, body, headers={"ETag": etag})

    def _select_calls(
        self, ex: Exchange, max_limit: int, campaigns: list[Campaign] | None
    ) -> tuple[list[Call], int, int, int]:
        q = ex.query
        page, limit = _paging(q, max_limit)
        world = self.world
        statuses = parse_status_filter(q.get("status"))
        scope = campaigns
        for key in ("batch_call_id", "campaign_id"):
            if q.get(key):
                wanted = {w.strip() for w in q[key].split(",")}
                base = scope if scope is not None else world.campaigns
                scope = [c for c in base if c.id in wanted]
        if q.get("agent_id"):
            agents = {a.strip() for a in q["agent_id"].split(",")}
            base = scope if scope is not None else world.campaigns
            scope = [c for c in base if c.agent_id in agents]
        where = _call_predicate(q, world)
        newest_first = q.get("created_at", "desc").lower() != "asc"
        if q.get("call_id"):
            ids = [i.strip() for i in q["call_id"].split(",") if i.strip()]
            found = [c for c in (world.call(i) for i in ids) if c is not None]
            found = [
                c
                for c in found
                if (statuses is None or c.status in statuses)
                and (scope is None or c.campaign in scope)
                and (where is None or where(c))
            ]
            found.sort(key=lambda c: c.seq, reverse=newest_first)
            offset = (page - 1) * limit
            return found[offset : offset + limit], len(found), page, limit
        items, total = world.select(
            campaigns=scope,
            statuses=statuses,
            offset=(page - 1) * limit,
            limit=limit,
            newest_first=newest_first,
            where=where,
        )
        return items, total, page, limit

    def _select_campaigns(self, ex: Exchange) -> tuple[list[Campaign], int, int, int]:
        page, limit = _paging(ex.query, REFERENCE_MAX_LIMIT)
        campaigns = list(self.world.campaigns)
        raw = ex.query.get("status")
        if raw and raw.strip():
            wanted = {CAMPAIGN_FILTER.get(s.strip().lower()) for s in raw.split(",")}
            campaigns = [c for c in campaigns if c.status in wanted]
        campaigns.sort(key=lambda c: (c.created_t, c.index), reverse=True)
        offset = (page - 1) * limit
        return campaigns[offset : offset + limit], len(campaigns), page, limit

    # -------------------------------------------------------------- control

    def _control(self, request: Request, path: str) -> Response:
        if request.method != "GET":
            return _json(405, vendor_error(405, "Method Not Allowed"), {"Allow": "GET"})
        if _bearer(request.headers.get("authorization")) != self.api_key:
            return _json(401, vendor_error(401, "API key is missing or invalid"))
        q = dict(request.query_params)
        try:
            if path == "/_sim/faults":
                return _json(200, {"catalogue": self.faults.describe(), "active": self._active()})
            if path == "/_sim/faults/enable":
                fault = q.pop("fault", q.pop("id", ""))
                options = _control_options(q)
                self.faults.enable(fault, **options)
                return _json(200, {"active": self._active()})
            if path == "/_sim/faults/disable":
                self.faults.disable(q.get("fault", q.get("id", "")))
                return _json(200, {"active": self._active()})
            if path == "/_sim/faults/clear":
                self.faults.clear()
                return _json(200, {"active": []})
            if path == "/_sim/dialect":
                wanted = q.get("set")
                if wanted:
                    if wanted not in DIALECTS:
                        raise ValueError(f"unknown dialect {wanted!r}")
                    self.dialect = wanted
                return _json(200, {"dialect": self.dialect})
            if path == "/_sim/state":
                self.world.sync()
                return _json(200, self.state())
            if path == "/_sim/requests":
                limit = int(q.get("limit", "100"))
                rows = [asdict(e) for e in self.requests.entries[-limit:]]
                return _json(200, {"total": self.requests.total, "data": rows})
        except (KeyError, ValueError) as exc:
            return _json(400, vendor_error(400, str(exc).strip("'\"")))
        return _json(404, vendor_error(404, f"Cannot GET {path}"))

    def _active(self) -> list[dict[str, Any]]:
        return [a.describe() for a in self.faults.active()]

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


class _Answer(Exception):
    """Raised by helpers to answer at once (400/404) from deep inside a handler."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _stage(fired: list[Activation], stage: str) -> list[Activation]:
    return [a for a in fired if a.spec.stage == stage]


def _bearer(header: str | None) -> str | None:
    if header is None or not header.startswith("Bearer "):
        return None
    return header[len("Bearer ") :]


def _encode(body: Any) -> bytes:
    # allow_nan stays on: fault P12 serves NaN/Infinity literals on purpose.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(_encode(body), status, headers, media_type="application/json")


def _paging(q: dict[str, str], max_limit: int) -> tuple[int, int]:
    errors = []
    page = limit = 0
    try:
        page = int(q.get("page", "1"))
    except ValueError:
        errors.append("page must be an integer number")
    try:
        limit = int(q.get("limit", "20"))
    except ValueError:
        errors.append("limit must be an integer number")
    if not errors and page < 1:
        errors.append("page must not be less than 1")
    if not errors and limit < 1:
        errors.append("limit must not be less than 1")
    if errors:
        raise BadRequest(*errors)
    return page, min(limit, max_limit)


def _parse_when(value: str, name: str, world: World, end: bool) -> float:
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            ts = datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() + (86_400 if end else 0)
        else:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            ts = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        raise BadRequest(f"{name} must be a valid ISO 8601 date string") from None
    return ts - world.epoch


def _call_predicate(q: dict[str, str], world: World) -> Callable[[Call], bool] | None:
    """The rare filters (sentiment, end reason, dates, durations), which need a scan."""
    tests: list[Callable[[Call], bool]] = []
    if q.get("sentiment"):
        sentiments = {s.strip().lower() for s in q["sentiment"].split(",")}
        tests.append(lambda c: (c.sentiment or "unknown") in sentiments)
    if q.get("end_reason"):
        reasons = {s.strip() for s in q["end_reason"].split(",")}
        tests.append(lambda c: c.end_reason in reasons)
    if q.get("start_date"):
        lo = _parse_when(q["start_date"], "start_date", world, end=False)
        tests.append(lambda c: c.created_t >= lo)
    if q.get("end_date"):
        hi = _parse_when(q["end_date"], "end_date", world, end=True)
        tests.append(lambda c: c.created_t < hi)
    for key, lower in (("duration_min", True), ("duration_max", False)):
        if q.get(key):
            try:
                bound = float(q[key])
            except ValueError:
                raise BadRequest(f"{key} must be a number") from None
            if math.isnan(bound):
                raise BadRequest(f"{key} must be a number")
            tests.append(_duration_test(world, bound, lower))
    if not tests:
        return None
    return lambda c: all(t(c) for t in tests)


def _duration_test(world: World, bound: float, lower: bool) -> Callable[[Call], bool]:
    if lower:
        return lambda c: c.connected_seconds(world.t) >= bound
    return lambda c: c.connected_seconds(world.t) <= bound


def _control_options(q: dict[str, str]) -> dict[str, Any]:
    from monitor.sim.faults import parse_fault_specs

    text = "x" + "".join(f":{k}={v}" for k, v in q.items())
    return parse_fault_specs(text)[0][1]
