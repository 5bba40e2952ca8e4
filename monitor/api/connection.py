"""One GET, start to finish: the budget gate, the wire, the rate-limit headers, the answer's
meaning, and a word to every listener about what it told us.

`ApiConnection` is the part of `DialNexaClient` that knows no endpoint: the request methods
(`client.py`) build paths and parameters and parse models; this turns a path into JSON or a
typed `ApiError`, and tells the engine (budget, health, the API's clock) after every request,
whether it succeeded or not.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from monitor.api.errors import ApiError
from monitor.api.pages import ReadNote
from monitor.api.ratelimit import RateLimitInfo, parse_rate_limit, server_time
from monitor.api.responses import EtagCache, decode, raise_for_status
from monitor.api.scrub import Scrubber
from monitor.api.transport import DEADLINE_S, MAX_BODY_BYTES, RequestUrls, exchange, open_http
from monitor.clock import Clock, SystemClock

log = logging.getLogger(__name__)


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


class ApiConnection:
    """GET only, through one long-lived httpx client with an injectable transport."""

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
        self._http = open_http(
            self.base_url,
            key,
            transport=transport,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._etags = EtagCache()
        self._urls = RequestUrls()
        self.listeners: list[Callable[[ResponseInfo], None]] = []
        """Called after every request with what it told us (rate-limit headers, errors)."""
        self.before_request: Callable[[str], Awaitable[None]] | None = None
        """Awaited before every request with its path and query: the engine's budget gate."""
        self.rate_limit: RateLimitInfo | None = None
        """The most recent rate-limit headers seen."""
        self.read_listeners: list[Callable[[ReadNote], None]] = []
        """Called when a read left rows out or kept records with unreadable fields."""

    async def aclose(self) -> None:
        await self._http.aclose()

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
            # The whole request (path and query, in a fixed order): the gate keeps the same
            # request from going out twice within a second, whichever poller asks.
            query = "&".join(f"{k}={clean[k]}" for k in sorted(clean))
            await self.before_request(f"{path}?{query}" if query else path)
        cache_key = self._etags.key(path, clean)
        try:
            status, headers, body = await exchange(
                self._http,
                path,
                clean,
                self._etags.request_headers(cache_key),
                base_url=self.base_url,
                deadline_s=self._deadline,
                max_body=self._max_body,
                urls=self._urls,
            )
            rate = parse_rate_limit(headers, self._clock.now())
            self.rate_limit = rate
            server_date = server_time(headers, None)
            if status == 304:
                cached, payload = self._etags.not_modified(cache_key)
                if cached:
                    return payload
            if 200 <= status < 300:
                payload = decode(body, path, self._scrub)
                self._etags.keep(cache_key, headers.get("etag"), payload)
                return payload
            raise_for_status(status, headers, body, path, object_id, rate, self._scrub)
        except ApiError as exc:
            error = exc
            raise
        finally:
            self._notify(
                ResponseInfo(path, status, rate, self._clock.monotonic(), error, server_date)
            )

    def _notify(self, info: ResponseInfo) -> None:
        for listener in list(self.listeners):
            try:
                listener(info)
            except Exception:  # a listener's bug must not break the request path
                log.exception("response listener failed")

    def _tell_read(self, note: ReadNote) -> None:
        log.warning("%s: %s", note.path, note.words())
        for listener in list(self.read_listeners):
            try:
                listener(note)
            except Exception:  # a listener's bug must not break the request path
                log.exception("read listener failed")
