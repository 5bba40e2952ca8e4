"""Reading the rate-limit headers the vendor documents on every response.

`X-RateLimit-Reset` is documented as a unix timestamp and was observed as seconds remaining; we
read it by magnitude (FAULTS P20). `Retry-After` may be delay-seconds or an HTTP-date; nonsense
values fall back to our own backoff rather than a hot loop (N10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import overload

import httpx

RETRY_AFTER_MIN_S = 1.0
RETRY_AFTER_MAX_S = 300.0
"""Clamp for server-requested waits: never hot-loop, never sleep for hours on a bad header."""

EPOCH_THRESHOLD = 1_000_000_000
"""A reset value above this is a unix timestamp; below it, seconds until the reset."""


@dataclass(frozen=True, slots=True)
class RetryAfter:
    seconds: float
    clamped: bool
    """True when the server asked for more than we are willing to wait (or a past date)."""


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What one response said about our request budget."""

    limit: int | None
    remaining: int | None
    reset_after_s: float | None
    """Seconds from the response until the window resets, whichever form the header used."""
    retry_after: RetryAfter | None


def parse_retry_after(value: str | None, now: datetime) -> RetryAfter | None:
    """Parse `Retry-After`; None means "not usable, use our own backoff"."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        seconds = float(int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
        if seconds < RETRY_AFTER_MIN_S:
            return RetryAfter(RETRY_AFTER_MIN_S, clamped=True)
    if seconds > RETRY_AFTER_MAX_S:
        return RetryAfter(RETRY_AFTER_MAX_S, clamped=True)
    if seconds < RETRY_AFTER_MIN_S:
        return RetryAfter(RETRY_AFTER_MIN_S, clamped=True)
    return RetryAfter(seconds, clamped=False)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = int(float(raw.strip()))
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_reset(value: str | None, now: datetime) -> float | None:
    """Seconds until the window resets, from either documented form of `X-RateLimit-Reset`."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number < 0:  # NaN or negative
        return None
    if number > EPOCH_THRESHOLD:
        return max(0.0, number - now.timestamp())
    return number


@overload
def server_time(headers: httpx.Headers, fallback: datetime) -> datetime: ...
@overload
def server_time(headers: httpx.Headers, fallback: None) -> datetime | None: ...


def server_time(headers: httpx.Headers, fallback: datetime | None) -> datetime | None:
    """The server's clock from its `Date` header: epoch and HTTP-date values are relative to it,
    so a local clock that is minutes off does not turn a 60 s window into a 5-minute pause."""
    raw = headers.get("date")
    if raw:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return fallback
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return fallback


def parse_rate_limit(headers: httpx.Headers, now: datetime) -> RateLimitInfo:
    server_now = server_time(headers, now)
    return RateLimitInfo(
        limit=_int_header(headers, "x-ratelimit-limit"),
        remaining=_int_header(headers, "x-ratelimit-remaining"),
        reset_after_s=parse_reset(headers.get("x-ratelimit-reset"), server_now),
        retry_after=parse_retry_after(headers.get("retry-after"), server_now),
    )
