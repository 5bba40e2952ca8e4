"""DialNexaClient: the one way the monitor talks to the API.

One long-lived `httpx.AsyncClient` for the process (a client per request costs 22-29 ms of CPU,
PERFORMANCE 3.5), GET only, with an injectable transport so `--demo` and the tests run the same
code against the simulator. Every request has httpx's connect/read timeouts *and* an overall
deadline, because a body that trickles in a byte at a time never trips a read timeout (H8a); the
body is streamed with a cap on decoded bytes, so a gzip bomb stops at the cap (H8c, P15).

The key lives in a `SecretStr` inside `BearerAuth` and is put on the request in `auth_flow`, so
it is in no URL, no log line of httpx's, and no message of ours.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr, ValidationError

from monitor import __version__
from monitor.api.errors import (
    ApiError,
    BadPayload,
    BadRequest,
    EndpointUnavailable,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    Unauthorized,
    Unreachable,
)
from monitor.api.jsonlimit import MAX_JSON_DEPTH, loads_limited
from monitor.api.models import Call, Campaign, RetryHistory, parse_retry_history
from monitor.api.pages import Page, ReadNote, describe_error, parse_page, unwrap
from monitor.api.ratelimit import RateLimitInfo, parse_rate_limit, server_time
from monitor.api.scrub import Scrubber
from monitor.clock import Clock, SystemClock

log = logging.getLogger(__name__)

T = TypeVar("T")

MIB = 1024 * 1024
MAX_BODY_BYTES = 5 * MIB
"""Largest decoded body we read; a 100-call page is ~30 KB, so 5 MiB is absurd traffic (P14)."""
MAX_ERROR_BODY_BYTES = 64 * 1024
"""Error bodies only need their `message`; a 2 MB error page is cut short (N21)."""
DEADLINE_S = 15.0
"""Overall limit per request, on top of httpx's per-phase timeouts (trickle bodies, H8a)."""
MAX_PAGES = 50
"""Hard stop when paging, so a server that repeats pages cannot trap a poller (P10)."""
MAX_PAGE_SIZE = 100
"""The reference site's maximum; the OpenAPI allows 200 on some paths. Ask for at most 100..."""
CALLS_PAGE_SIZE = 200
"""...except on `GET /calls`, whose OpenAPI maximum is 200 (`polling.sweep.PageWidth` tells a
server that cuts at 100 apart)."""

ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")
"""Ids go into URL paths: anything else (`../x`, `a/b`, `%2F`) is refused before a request (P18)."""

NOT_MODIFIED: Final = object()

_ETAG_PREFIXES = ("/call-logs",)
"""Conditional requests are documented for the call-logs paths only (API sheet 3.3)."""


class BearerAuth(httpx.Auth):
    """Adds `Authorization: Bearer <key>` exactly as given, without exposing it in any repr."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(key=**********)"


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """What every response (or failure to get one) told us, for the budget and the status line."""

    path: str
    status: int | None
    rate: RateLimitInfo | None
    at: float
    """Monotonic time the answer (or failure) arrived."""
    error: ApiError | None = None
    server_date: datetime | None = None
    """The server's clock (its `Date` header) when it answered, if it said."""


@dataclass(frozen=True, slots=True)
class BatchDetail:
    """`GET /batch-calls/{id}`: the OpenAPI returns the batch's calls, the reference site the
    batch itself; one of the two is set."""

    batch: Campaign | None
    calls: Page[Call] | None


def check_id(value: str, what: str = "id") -> str:
    if not ID_PATTERN.fullmatch(value):
        raise BadPayload(f"Refused an invalid {what} (not a plain identifier)", where=what)
    return value


def _message_from(body: bytes, status: int, content_type: str) -> str:
    """The vendor's `message` (a string or a list joined with "; "), else a short excerpt."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = loads_limited(text) if text else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, list):
            return "; ".join(str(m) for m in message)[:300]
        if isinstance(message, str) and message.strip():
            return message[:300]
        error = data.get("error")
        if isinstance(error, str):
            return error[:300]
    if "html" in content_type or text.startswith("<"):
        match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        excerpt = match.group(1) if match else re.sub(r"<[^>]+>", " ", text)
        excerpt = " ".join(excerpt.split())[:80]
        return f"an HTML page ({excerpt})" if excerpt else "an HTML page"
    if not text:
        return httpx.codes.get_reason_phrase(status) or f"HTTP {status}"
    return " ".join(text.split())[:80]


def _cause_chain(exc: BaseException) -> list[str]:
    """Type names and texts down the cause chain: anyio hides `ConnectionRefusedError` there."""
    out: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(out) < 16:
        out.append(f"{type(current).__name__} {current}")
        if isinstance(current, ConnectionRefusedError):
            out.append("refused")
        current = current.__cause__ or current.__context__
    return out


def _looks_like_missing_route(message: str) -> bool:
    # NestJS answers an unknown route with "Cannot GET /v1/..."; a missing object says so.
    lowered = message.lower()
    return lowered.startswith("cannot get") or "route" in lowered or "html page" in lowered


class DialNexaClient:
    """Read-only DialNexa API client (GET only)."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        deadline_s: float = DEADLINE_S,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._scrub = Scrubber(key)
        self.base_url = base_url.rstrip("/")
        self._clock: Clock = clock or SystemClock()
        self._deadline = deadline_s
        self._max_body = max_body_bytes
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=BearerAuth(key) if key is not None else None,
            transport=transport,
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=5.0, pool=5.0),
            follow_redirects=False,
            # Keep-alive longer than the poll period, or every poll opens a new connection.
            limits=httpx.Limits(
                max_connections=6, max_keepalive_connections=4, keepalive_expiry=60
            ),
            headers={"Accept": "application/json", "User-Agent": f"dialnexa-monitor/{__version__}"},
        )
        self._etags: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self.listeners: list[Callable[[ResponseInfo], None]] = []
        """Called after every request with what it told us (rate-limit headers, errors)."""
        self.before_request: Callable[[str], Awaitable[None]] | None = None
        """Awaited before every request: the engine's budget gate plugs in here."""
        self.rate_limit: RateLimitInfo | None = None
        """The most recent rate-limit headers seen."""
        self.read_listeners: list[Callable[[ReadNote], None]] = []
        """Called when a read left rows out or kept records with unreadable fields."""

    def __repr__(self) -> str:
        return f"DialNexaClient(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> DialNexaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport -------------------------------------------------------------------------

    def _notify(self, info: ResponseInfo) -> None:
        for listener in list(self.listeners):
            try:
                listener(info)
            except Exception:  # a listener's bug must not break the request path
                log.exception("response listener failed")

    async def _read_capped(self, response: httpx.Response, cap: int, path: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise BadPayload(
                    f"Response too large from {path} (limit {cap // MIB or 1} MiB)",
                    where="body",
                    path=path,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def _send(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[int, httpx.Headers, bytes]:
        headers: dict[str, str] = {}
        cache_key = None
        if path.startswith(_ETAG_PREFIXES):
            cache_key = f"{path}?{sorted((params or {}).items())}"
            cached = self._etags.get(cache_key)
            if cached:
                headers["If-None-Match"] = cached[0]
        for retry in (False, True):
            answered = False
            try:
                async with (
                    asyncio.timeout(self._deadline),
                    self._http.stream("GET", path, params=params, headers=headers) as response,
                ):
                    answered = True
                    ok = 200 <= response.status_code < 300
                    cap = self._max_body if ok else MAX_ERROR_BODY_BYTES
                    if ok or response.status_code == 304:
                        body = await self._read_capped(response, cap, path)
                    else:
                        body = await self._read_error_body(response, cap)
                    return response.status_code, response.headers, body
            except httpx.RemoteProtocolError:
                # A pooled connection the server had already closed fails before any answer
                # (H8d): one silent retry. A connection dropped mid-body is not retried here.
                if not retry and not answered:
                    continue
                raise Unreachable(
                    f"The API closed the connection unexpectedly ({path})",
                    reason="protocol",
                    path=path,
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read_error_body(self, response: httpx.Response, cap: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk[: cap - size])
            size += len(chunk)
            if size >= cap:
                break
        return b"".join(chunks)

    async def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        object_id: str | None = None,
    ) -> Any:
        """GET `path` (relative to the base URL) and return its JSON, or raise an `ApiError`."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        error: ApiError | None = None
        status: int | None = None
        rate: RateLimitInfo | None = None
        server_date: datetime | None = None
        if self.before_request is not None:
            await self.before_request(path)
        try:
            try:
                status, headers, body = await self._send(path, clean)
            except ApiError:
                raise
            except TimeoutError:
                raise Timeout(
                    f"The API did not answer {path} within {self._deadline:g} s", path=path
                ) from None
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, path) from None
            except OSError as exc:
                raise Unreachable(
                    f"Network error talking to the API ({type(exc).__name__})",
                    reason="network",
                    path=path,
                ) from None
            rate = parse_rate_limit(headers, self._clock.now())
            self.rate_limit = rate
            server_date = server_time(headers, None)
            return self._interpret(status, headers, body, path, clean, object_id, rate)
        except ApiError as exc:
            error = exc
            raise
        finally:
            self._notify(
                ResponseInfo(path, status, rate, self._clock.monotonic(), error, server_date)
            )

    def _transport_error(self, exc: httpx.HTTPError, path: str) -> ApiError:
        host = urlsplit(self.base_url).hostname or "the API host"
        detail = " ".join(_cause_chain(exc)).lower()
        if isinstance(exc, httpx.ConnectTimeout):
            return Timeout(f"Timed out connecting to {host}", path=path)
        if isinstance(exc, httpx.TimeoutException):
            return Timeout(f"The API did not answer {path} in time", path=path)
        if isinstance(exc, httpx.ConnectError):
            if "ssl" in detail or "certificate" in detail:
                return Unreachable(f"TLS verification failed for {host}", reason="tls", path=path)
            if any(
                s in detail
                for s in (
                    "name or service",
                    "nodename",
                    "getaddrinfo",
                    "name resolution",
                    "no address",
                )
            ):
                return Unreachable(f"Cannot resolve API host {host}", reason="dns", path=path)
            if "refused" in detail:
                return Unreachable(
                    f"API unreachable (connection refused by {host})", reason="refused", path=path
                )
            return Unreachable(f"Cannot connect to {host}", reason="connect", path=path)
        if isinstance(exc, httpx.DecodingError):
            return BadPayload(
                f"Bad payload from {path}: the compressed body could not be decoded",
                where="body",
                path=path,
            )
        if isinstance(exc, httpx.ReadError | httpx.WriteError):
            return Unreachable(
                f"Connection to {host} was reset ({path})", reason="reset", path=path
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return Unreachable(f"Invalid API URL for {path}", reason="url", path=path)
        return Unreachable(
            f"Network error talking to {host} ({type(exc).__name__})", reason="network", path=path
        )

    def _interpret(
        self,
        status: int,
        headers: httpx.Headers,
        body: bytes,
        path: str,
        params: Mapping[str, Any],
        object_id: str | None,
        rate: RateLimitInfo,
    ) -> Any:
        content_type = headers.get("content-type", "")
        cache_key = f"{path}?{sorted(params.items())}" if path.startswith(_ETAG_PREFIXES) else None
        if status == 304 and cache_key and cache_key in self._etags:
            self._etags.move_to_end(cache_key)
            return self._etags[cache_key][1]
        if 200 <= status < 300:
            payload = self._decode(body, path, self._scrub)
            etag = headers.get("etag")
            if cache_key and etag:
                self._etags[cache_key] = (etag, payload)
                while len(self._etags) > 64:
                    self._etags.popitem(last=False)
            return payload
        message = self._scrub.text(_message_from(body, status, content_type))
        if 300 <= status < 400:
            target = urlsplit(headers.get("location", "")).hostname or "another location"
            raise BadPayload(
                f"Unexpected redirect ({status}) to {target}; not followed",
                where="redirect",
                path=path,
            )
        if status == 401:
            raise Unauthorized(
                f"API key rejected (401): {message}. Check DIALNEXA_API_KEY or the key file.",
                path=path,
                status=status,
            )
        if status == 403:
            raise Forbidden(f"No permission (403) for {path}: {message}", path=path, status=status)
        if status == 404:
            if object_id is None or _looks_like_missing_route(message):
                raise EndpointUnavailable(
                    f"Endpoint {path} is not available on this API (404)", path=path, status=404
                )
            raise NotFound(f"Not found (404): {message}", path=path, status=404)
        if status == 429:
            wait = rate.retry_after.seconds if rate.retry_after else None
            when = f", resuming in {wait:.0f} s" if wait else ""
            raise RateLimited(f"Rate limited (429){when}: {message}", retry_after=wait, path=path)
        if status in (400, 422):
            raise BadRequest(
                f"The API refused the query (400): {message}", path=path, status=status
            )
        retry_after = rate.retry_after.seconds if rate.retry_after else None
        raise ServerError(
            f"API error {status} from {path}: {message}",
            status=status,
            path=path,
            retry_after=retry_after,
        )

    @staticmethod
    def _decode(body: bytes, path: str, scrub: Scrubber) -> Any:
        text = scrub.text(body.decode("utf-8", errors="replace"))
        if not text.strip():
            raise BadPayload(f"Bad payload from {path} (empty body)", where="body", path=path)
        try:
            return loads_limited(text)
        except ValueError as exc:
            if str(exc) == "nested too deep":
                raise BadPayload(
                    f"Bad payload from {path} (JSON nested deeper than {MAX_JSON_DEPTH})",
                    where="body",
                    path=path,
                ) from None
            what = "an HTML page" if text.lstrip().startswith("<") else "invalid or truncated"
            raise BadPayload(
                f"Bad payload from {path} (not JSON: {what})", where="body", path=path
            ) from None

    # -- endpoints -------------------------------------------------------------------------

    def _one(self, model: type[T], payload: Any, path: str) -> T:
        payload = unwrap(payload)
        try:
            record: T = model.model_validate(payload)  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise BadPayload(
                f"Bad payload from {path}: {describe_error(exc)}",
                where=describe_error(exc),
                path=path,
            ) from None
        unread = getattr(record, "unread", ())
        if unread:
            self._tell_read(ReadNote(path, unread=dict.fromkeys(unread, 1)))
        return record

    def _tell_read(self, note: ReadNote) -> None:
        log.warning("%s: %s", note.path, note.words())
        for listener in list(self.read_listeners):
            try:
                listener(note)
            except Exception:  # a listener's bug must not break the request path
                log.exception("read listener failed")

    @staticmethod
    def _limit(limit: int, maximum: int = MAX_PAGE_SIZE) -> int:
        return max(1, min(limit, maximum))

    async def list_calls(
        self,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        statuses: Sequence[str] | None = None,
        batch_call_id: str | None = None,
        start_date: str | None = None,
        call_ids: Sequence[str] | None = None,
    ) -> Page[Call]:
        """`GET /calls`, newest first; a bare array (OpenAPI) or `{data, meta}`.

        `call_ids`: the OpenAPI's `call_id` comma list, many calls' current state in one request.
        """
        limit = self._limit(limit, CALLS_PAGE_SIZE)
        params = {
            "page": page,
            "limit": limit,
            "status": ",".join(statuses) if statuses else None,
            "batch_call_id": check_id(batch_call_id, "campaign id") if batch_call_id else None,
            "start_date": start_date,
            "call_id": ",".join(check_id(i, "call id") for i in call_ids) if call_ids else None,
        }
        payload = await self.get_json("/calls", params)
        return self._page(payload, Call, page, limit, "/calls")

    async def get_call(self, call_id: str) -> Call:
        path = f"/calls/{check_id(call_id, 'call id')}"
        return self._one(Call, await self.get_json(path, object_id=call_id), path)

    async def list_call_logs(
        self, *, page: int = 1, limit: int = MAX_PAGE_SIZE, status: str | None = None
    ) -> Page[Call]:
        limit = self._limit(limit)
        payload = await self.get_json(
            "/call-logs", {"page": page, "limit": limit, "status": status}
        )
        return self._page(payload, Call, page, limit, "/call-logs")

    async def list_campaign_logs(
        self,
        campaign_id: str,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        status: str | None = None,
    ) -> Page[Call]:
        """`GET /call-logs/campaign/{id}`: one campaign's logs; `limit=1` reads a count."""
        limit = self._limit(limit)
        path = f"/call-logs/campaign/{check_id(campaign_id, 'campaign id')}"
        payload = await self.get_json(
            path, {"page": page, "limit": limit, "status": status}, object_id=campaign_id
        )
        return self._page(payload, Call, page, limit, path)

    async def get_retries(self, call_id: str) -> RetryHistory:
        """`GET /call-logs/{id}/retries` for the parent (first) call of a series."""
        path = f"/call-logs/{check_id(call_id, 'call id')}/retries"
        payload = await self.get_json(path, object_id=call_id)
        return parse_retry_history(payload, call_id)

    async def get_campaign(self, campaign_id: str) -> Campaign:
        path = f"/campaigns/{check_id(campaign_id, 'campaign id')}"
        return self._one(Campaign, await self.get_json(path, object_id=campaign_id), path)

    async def list_campaigns(self, *, page: int = 1, limit: int = MAX_PAGE_SIZE) -> Page[Campaign]:
        limit = self._limit(limit)
        payload = await self.get_json("/campaigns", {"page": page, "limit": limit})
        return self._page(payload, Campaign, page, limit, "/campaigns")

    async def list_batches(
        self, *, page: int = 1, limit: int = MAX_PAGE_SIZE, status: str | None = None
    ) -> Page[Campaign]:
        limit = self._limit(limit)
        payload = await self.get_json(
            "/batch-calls", {"page": page, "limit": limit, "status": status}
        )
        return self._page(payload, Campaign, page, limit, "/batch-calls")

    async def get_batch(
        self,
        batch_id: str,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        status: str | None = None,
    ) -> BatchDetail:
        limit = self._limit(limit)
        path = f"/batch-calls/{check_id(batch_id, 'batch id')}"
        payload = unwrap(
            await self.get_json(
                path, {"page": page, "limit": limit, "status": status}, object_id=batch_id
            )
        )
        if isinstance(payload, dict) and any(k in payload for k in ("callLogs", "data", "items")):
            return BatchDetail(batch=None, calls=self._page(payload, Call, page, limit, path))
        return BatchDetail(batch=self._one(Campaign, payload, path), calls=None)

    def _page(self, payload: Any, model: type[Any], page: int, limit: int, path: str) -> Page[Any]:
        result = parse_page(
            payload, model.model_validate, page=page, limit=limit, key=lambda m: m.id, path=path
        )
        if result.skipped or result.unread:
            self._tell_read(
                ReadNote(path, result.skipped, result.skip_reasons, dict(result.unread))
            )
        return result


async def iter_pages(
    fetch: Callable[[int], Awaitable[Page[T]]], *, max_pages: int = MAX_PAGES
) -> AsyncIterator[Page[T]]:
    """Page forward until the last page, a short or empty page, a repeat, or the hard cap."""
    first_ids: set[object] = set()
    for number in range(1, max_pages + 1):
        page = await fetch(number)
        marker = tuple(str(getattr(item, "id", "")) for item in page.items) or None
        if marker is not None and marker in first_ids:
            log.warning("pagination repeated a page; stopping at page %d", number)
            return
        first_ids.add(marker)
        yield page
        if page.is_last or page.raw_count == 0:
            return
    log.warning("pagination stopped at the %d-page cap", max_pages)
