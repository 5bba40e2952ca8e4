"""What an answer means: its JSON, or the typed error its status says, in the vendor's words.

Every text that came from the server passes the key scrubber before it goes into a message.
A 404 is told apart: a missing object (`NotFound`) from a path this API does not serve
(`EndpointUnavailable`, NestJS's "Cannot GET ..."), which switches the pollers to a fallback.
Conditional requests (ETags) are kept here too: a 304 is the payload last seen for that query.
"""

from __future__ import annotations

import re
from codecs import BOM_UTF8
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx

from monitor.api.errors import (
    BadPayload,
    BadRequest,
    EndpointUnavailable,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)
from monitor.api.jsonlimit import MAX_JSON_DEPTH, loads_limited
from monitor.api.ratelimit import RateLimitInfo
from monitor.api.scrub import Scrubber

_ETAG_PREFIXES = ("/call-logs",)
"""Conditional requests are documented for the call-logs paths only (API sheet 3.3)."""
MAX_ETAGS = 64


class EtagCache:
    """The last ETag and payload per query, for the paths that document conditional requests."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, tuple[str, Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.entries)

    @staticmethod
    def key(path: str, params: Mapping[str, Any]) -> str | None:
        return f"{path}?{sorted(params.items())}" if path.startswith(_ETAG_PREFIXES) else None

    def request_headers(self, key: str | None) -> dict[str, str]:
        cached = self.entries.get(key) if key else None
        return {"If-None-Match": cached[0]} if cached else {}

    def not_modified(self, key: str | None) -> tuple[bool, Any]:
        """(True, the payload) when a 304 for this query can be answered from the cache."""
        if key and key in self.entries:
            self.entries.move_to_end(key)
            return True, self.entries[key][1]
        return False, None

    def keep(self, key: str | None, etag: str | None, payload: Any) -> None:
        if key and etag:
            self.entries[key] = (etag, payload)
            while len(self.entries) > MAX_ETAGS:
                self.entries.popitem(last=False)


def decode(body: bytes, path: str, scrub: Scrubber) -> Any:
    """A 2xx body's JSON (depth-limited, scrubbed of the key), or `BadPayload` saying what it
    was instead."""
    body = without_bom(body)
    received = body.decode("utf-8", errors="replace")
    text = scrub.json_text(received)
    if not text.strip():
        raise BadPayload(f"Bad payload from {path} (empty body)", where="body", path=path)
    try:
        # The body's bytes spare the depth check an encoding, when the scrubber left the text
        # as received (the same object: nothing masked).
        payload = loads_limited(text, body if text is received else None)
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
    return scrub.value(payload, text)


def without_bom(body: bytes) -> bytes:
    """The body without a leading UTF-8 byte order mark, which RFC 8259 (section 8.1) lets a
    reader ignore and `json` refuses."""
    return body[len(BOM_UTF8) :] if body.startswith(BOM_UTF8) else body


def raise_for_status(
    status: int,
    headers: httpx.Headers,
    body: bytes,
    path: str,
    object_id: str | None,
    rate: RateLimitInfo,
    scrub: Scrubber,
) -> NoReturn:
    """The typed error a non-2xx answer means (a redirect is never followed)."""
    content_type = headers.get("content-type", "")
    message = scrub.text(message_from(body, status, content_type, scrub))
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
        raise BadRequest(f"The API refused the query (400): {message}", path=path, status=status)
    retry_after = rate.retry_after.seconds if rate.retry_after else None
    raise ServerError(
        f"API error {status} from {path}: {message}",
        status=status,
        path=path,
        retry_after=retry_after,
    )


def message_from(body: bytes, status: int, content_type: str, scrub: Scrubber) -> str:
    """The vendor's `message` (a string or a list joined with "; "), else a short excerpt;
    scrubbed of the key before it is cut short (a cut key is still mostly the key)."""
    received = without_bom(body).decode("utf-8", errors="replace").strip()
    raw = scrub.json_text(received)
    try:
        data = scrub.value(loads_limited(raw), raw) if raw else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, list):
            return scrub.text("; ".join(str(m) for m in message))[:300]
        if isinstance(message, str) and message.strip():
            return message[:300]
        error = data.get("error")
        if isinstance(error, str):
            return error[:300]
    text = scrub.text(received)
    if "html" in content_type or text.startswith("<"):
        match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        excerpt = match.group(1) if match else re.sub(r"<[^>]+>", " ", text)
        excerpt = " ".join(excerpt.split())[:80]
        return f"an HTML page ({excerpt})" if excerpt else "an HTML page"
    if not text:
        return httpx.codes.get_reason_phrase(status) or f"HTTP {status}"
    return " ".join(text.split())[:80]


def _looks_like_missing_route(message: str) -> bool:
    # NestJS answers an unknown route with "Cannot GET /v1/..."; a missing object says so.
    lowered = message.lower()
    return lowered.startswith("cannot get") or "route" in lowered or "html page" in lowered
