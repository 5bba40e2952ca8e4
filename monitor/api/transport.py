"""The wire: one long-lived httpx client, GET with an overall deadline, capped bodies, and every
transport failure mapped to a typed `ApiError`.

A client per request costs 22-29 ms of CPU (PERFORMANCE 3.5), so there is one for the process.
Every request has httpx's connect/read timeouts *and* an overall deadline, because a body that
trickles in a byte at a time never trips a read timeout (H8a); the body is streamed with a cap
on decoded bytes, so a gzip bomb stops at the cap (H8c, P15). A pooled connection the server had
already closed is retried once, silently (H8d). The key lives in a `SecretStr` inside
`BearerAuth` and is put on the request in `auth_flow`, so it is in no URL and no log line.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

if importlib.util.find_spec("sniffio") is None:
    # httpcore asks `import sniffio` for every lock, event and shield it makes, four times a
    # request, and a module that is not installed is searched for on the whole path each time
    # (about 0.2 ms of CPU a request, issue 21). `None` in `sys.modules` is Python's own "not
    # importable": the same ImportError, at once, and httpcore runs on asyncio as before.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from monitor import __version__
from monitor.api.errors import ApiError, BadPayload, Timeout, Unreachable

MIB = 1024 * 1024
MAX_BODY_BYTES = 5 * MIB
"""Largest decoded body we read; a 100-call page is ~30 KB, so 5 MiB is absurd traffic (P14)."""
MAX_ERROR_BODY_BYTES = 64 * 1024
"""Error bodies only need their `message`; a 2 MB error page is cut short (N21)."""
URL_CACHE_SIZE = 256
"""Queries whose URL is kept (`RequestUrls`)."""
DEADLINE_S = 15.0
"""Overall limit per request, on top of httpx's per-phase timeouts (trickle bodies, H8a)."""


class BearerAuth(httpx.Auth):
    """Adds `Authorization: Bearer <key>` exactly as given, without exposing it in any repr."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(key=**********)"


def open_http(
    base_url: str,
    key: SecretStr | None,
    *,
    transport: httpx.AsyncBaseTransport | None,
    connect_timeout: float,
    read_timeout: float,
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        auth=BearerAuth(key) if key is not None else None,
        transport=transport,
        timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=5.0, pool=5.0),
        follow_redirects=False,
        # Keep-alive longer than the poll period, or every poll opens a new connection.
        limits=httpx.Limits(max_connections=6, max_keepalive_connections=4, keepalive_expiry=60),
        headers={"Accept": "application/json", "User-Agent": f"dialnexa-monitor/{__version__}"},
    )


class RequestUrls:
    """The URL of each query asked lately, built once by httpx itself.

    httpx builds a request's URL from the client's base URL, the path and the query on every
    request: three URL parses, about a sixth of the client's CPU for a small answer (issue 21).
    The pollers ask the same few queries again and again, so the URL httpx built the first
    time is kept and handed back to it, absolute, which it then sends as it is (the same bytes
    on the wire). Bounded: a session asks about a hundred distinct queries, lookups by id more.
    """

    def __init__(self, size: int = URL_CACHE_SIZE) -> None:
        self._size = size
        self._urls: dict[tuple[str, tuple[tuple[str, Any], ...]], httpx.URL] = {}
        self.built = 0
        """URLs httpx was asked to build (the others were kept ones)."""

    def get(self, http: httpx.AsyncClient, path: str, params: Mapping[str, Any]) -> httpx.URL:
        key = (path, tuple(params.items()))
        try:
            url = self._urls.get(key)
        except TypeError:  # a value that cannot be a key (a list): httpx builds it each time
            return http.build_request("GET", path, params=params).url
        if url is None:
            url = http.build_request("GET", path, params=params).url
            self.built += 1
            if len(self._urls) >= self._size:
                self._urls.clear()  # a burst of one-off lookups: start again, never grow
            self._urls[key] = url
        return url


async def exchange(
    http: httpx.AsyncClient,
    path: str,
    params: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    base_url: str,
    deadline_s: float,
    max_body: int,
    urls: RequestUrls | None = None,
) -> tuple[int, httpx.Headers, bytes]:
    """GET `path`: its status, headers and (capped) body, or a typed `ApiError`. `urls`: the
    URLs built for earlier requests (`RequestUrls`), so that the same query's is not rebuilt."""
    try:
        target: httpx.URL | None = urls.get(http, path, params) if urls is not None else None
        return await _send(
            http, path, params, headers, deadline_s=deadline_s, max_body=max_body, url=target
        )
    except ApiError:
        raise
    except TimeoutError:
        raise Timeout(f"The API did not answer {path} within {deadline_s:g} s", path=path) from None
    except httpx.HTTPError as exc:
        raise transport_error(exc, base_url, path) from None
    except OSError as exc:
        raise Unreachable(
            f"Network error talking to the API ({type(exc).__name__})",
            reason="network",
            path=path,
        ) from None


async def _send(
    http: httpx.AsyncClient,
    path: str,
    params: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    deadline_s: float,
    max_body: int,
    url: httpx.URL | None = None,
) -> tuple[int, httpx.Headers, bytes]:
    for retry in (False, True):
        answered = False
        # The URL httpx built for this query before (`RequestUrls`): sent as it is.
        stream = (
            http.stream("GET", path, params=params, headers=headers)
            if url is None
            else http.stream("GET", url, headers=headers)
        )
        try:
            async with (
                asyncio.timeout(deadline_s),
                stream as response,
            ):
                answered = True
                ok = 200 <= response.status_code < 300
                cap = max_body if ok else MAX_ERROR_BODY_BYTES
                if ok or response.status_code == 304:
                    body = await _read_capped(response, cap, path)
                else:
                    body = await _read_error_body(response, cap)
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


async def _read_capped(response: httpx.Response, cap: int, path: str) -> bytes:
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


async def _read_error_body(response: httpx.Response, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk[: cap - size])
        size += len(chunk)
        if size >= cap:
            break
    return b"".join(chunks)


def transport_error(exc: httpx.HTTPError, base_url: str, path: str) -> ApiError:
    """An httpx failure in words an operator can act on (which host, what went wrong)."""
    host = urlsplit(base_url).hostname or "the API host"
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
            for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")
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
        return Unreachable(f"Connection to {host} was reset ({path})", reason="reset", path=path)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Unreachable(f"Invalid API URL for {path}", reason="url", path=path)
    return Unreachable(
        f"Network error talking to {host} ({type(exc).__name__})", reason="network", path=path
    )


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
