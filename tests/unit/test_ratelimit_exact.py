"""Rate-limit headers, exact at their boundaries (API sheet section 9; FAULTS P20, N9, N10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitor.api.ratelimit import (
    EPOCH_THRESHOLD,
    RETRY_AFTER_MAX_S,
    RETRY_AFTER_MIN_S,
    RetryAfter,
    parse_rate_limit,
    parse_reset,
    parse_retry_after,
    server_time,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_documented_bounds() -> None:
    assert (RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S, EPOCH_THRESHOLD) == (1.0, 300.0, 1_000_000_000)


def test_a_reset_in_the_past_is_now_not_negative() -> None:
    assert parse_reset(str(int(NOW.timestamp()) - 5), NOW) == 0.0
    assert parse_reset(str(int(NOW.timestamp())), NOW) == 0.0


def test_the_epoch_threshold_itself_reads_as_seconds() -> None:
    assert parse_reset("1000000000", NOW) == 1e9
    assert parse_reset(" 60 ", NOW) == 60.0
    assert parse_reset("nan", NOW) is None
    assert parse_reset(None, NOW) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", RetryAfter(1.0, clamped=False)),
        ("300", RetryAfter(300.0, clamped=False)),
        ("301", RetryAfter(300.0, clamped=True)),
        (" 12 ", RetryAfter(12.0, clamped=False)),
        ("Mon, 23 Nov 2026 10:00:01 GMT", RetryAfter(1.0, clamped=False)),
        ("Mon, 23 Nov 2026 10:05:00 GMT", RetryAfter(300.0, clamped=False)),
        ("Mon, 23 Nov 2026 10:05:01 GMT", RetryAfter(300.0, clamped=True)),
        ("Mon, 23 Nov 2026 10:00:00 GMT", RetryAfter(1.0, clamped=True)),
        # A date with no zone (`-0000`) is read as UTC.
        ("Mon, 23 Nov 2026 10:00:30 -0000", RetryAfter(30.0, clamped=False)),
        ("Mon, 23 Nov 2026 11:00:30 +0100", RetryAfter(30.0, clamped=False)),
    ],
)
def test_retry_after_at_its_clamps(value: str, expected: RetryAfter) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_the_servers_clock_is_read_from_its_date_header() -> None:
    assert server_time(httpx.Headers({"Date": "Mon, 23 Nov 2026 10:05:00 GMT"}), NOW) == NOW + (
        timedelta(minutes=5)
    )
    zoneless = server_time(httpx.Headers({"Date": "Mon, 23 Nov 2026 10:05:00 -0000"}), None)
    assert zoneless == NOW + timedelta(minutes=5)
    assert zoneless is not None and zoneless.tzinfo is UTC
    assert server_time(httpx.Headers({"Date": "yesterday"}), NOW) is NOW
    assert server_time(httpx.Headers({}), None) is None


def test_counters_read_zero_as_zero_and_negatives_as_unknown() -> None:
    info = parse_rate_limit(
        httpx.Headers({"X-RateLimit-Limit": "150.0", "X-RateLimit-Remaining": "0"}), NOW
    )
    assert (info.limit, info.remaining, info.reset_after_s, info.retry_after) == (
        150,
        0,
        None,
        None,
    )
    odd = parse_rate_limit(
        httpx.Headers({"X-RateLimit-Limit": "-1", "X-RateLimit-Remaining": "lots"}), NOW
    )
    assert (odd.limit, odd.remaining) == (None, None)


def test_without_a_date_header_our_clock_reads_an_epoch_reset() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Reset": str(int(NOW.timestamp()) + 42),
            "Retry-After": "Mon, 23 Nov 2026 10:00:20 GMT",
        }
    )
    info = parse_rate_limit(headers, NOW)
    assert info.reset_after_s == 42.0
    assert info.retry_after == RetryAfter(20.0, clamped=False)


def test_a_server_clock_in_another_zone_is_the_same_instant() -> None:
    zoned = server_time(httpx.Headers({"Date": "Mon, 23 Nov 2026 11:05:00 +0100"}), None)
    assert zoned == NOW + timedelta(minutes=5)
