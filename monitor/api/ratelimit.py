"""Reading the rate-limit headers the vendor documents on every response.

`X-RateLimit-Reset` is documented as a unix timestamp and was observed as seconds remaining; we
read it by magnitude (FAULTS P20). `Retry-After` may be delay-seconds or an HTTP-date; nonsense
values fall back to our own backoff rather than a hot loop (N10).
"""

from __future__ import annotations

import math
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


def parse_number(value: object) -> float | None:
    """A finite number from a header or a field, else None; never raises.

    `float` reads every Unicode decimal digit ("٣٠"), and says `inf` for "1e400"; a digit that
    is not a decimal ("²", which `str.isdigit` accepts and `int` refuses) is not a number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if not isinstance(value, int) or abs(value) < 2**1023 else None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except (ValueError, OverflowError):
            return None
    else:
        return None
    if number is None or not math.isfinite(number):
        return None
    return number


def parse_retry_after(value: str | None, now: datetime) -> RetryAfter | None:
    """Parse `Retry-After`; None means "not usable, use our own backoff"."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    number = parse_number(text) if text.isdecimal() else None
    if number is not None:
        seconds = number
    elif any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text):
        return None  # "²", "-5", "1.5e3": not delay-seconds, not a date
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        try:
            seconds = (when - now).total_seconds()
        except (OverflowError, TypeError):
            return None
        if seconds < RETRY_AFTER_MIN_S:
            return RetryAfter(RETRY_AFTER_MIN_S, clamped=True)
    if seconds > RETRY_AFTER_MAX_S:
        return RetryAfter(RETRY_AFTER_MAX_S, clamped=True)
    if seconds < RETRY_AFTER_MIN_S:
        return RetryAfter(RETRY_AFTER_MIN_S, clamped=True)
    return RetryAfter(seconds, clamped=False)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    number = parse_number(headers.get(name))
    if number is None or number < 0 or number >= 2**53:
        return None  # "1e400", "NaN", "-1", absurd: not a limit to plan a budget on
    return int(number)


def parse_reset(value: str | None, now: datetime) -> float | None:
    """Seconds until the window resets, from either documented form of `X-RateLimit-Reset`."""
    number = parse_number(value)
    if number is None or number < 0:
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
        # A `Date` outside any plausible clock (year 9999) would overflow every time
        # measured from it: the local clock is the better guess then.
        if when is not None and 2000 <= when.year <= 9000:
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
