"""Rate-limit and Retry-After headers (FAULTS P20, N9, N10)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from monitor.api.ratelimit import parse_rate_limit, parse_reset, parse_retry_after

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("60", 60.0), ("0", 0.0), (str(int(NOW.timestamp()) + 42), 42.0), ("abc", None), ("-4", None)],
)
def test_P20_reset_is_read_by_magnitude(value: str, expected: float | None) -> None:
    assert parse_reset(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "seconds", "clamped"),
    [
        ("7", 7.0, False),
        ("0", 1.0, True),
        ("99999999", 300.0, True),
        ("Mon, 23 Nov 2026 10:00:30 GMT", 30.0, False),
        ("Mon, 23 Nov 2026 09:00:00 GMT", 1.0, True),  # past date: the 1 s floor
        ("Mon, 23 Nov 2026 11:00:00 GMT", 300.0, True),  # skewed server: an hour away
    ],
)
def test_N9_retry_after_seconds_and_dates_are_clamped(
    value: str, seconds: float, clamped: bool
) -> None:
    parsed = parse_retry_after(value, NOW)
    assert parsed is not None
    assert (parsed.seconds, parsed.clamped) == (seconds, clamped)


@pytest.mark.parametrize("value", ["-5", "abc", "1.5", "", None])
def test_N10_nonsense_retry_after_falls_back_to_our_backoff(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_every_header_is_read_from_a_response() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "150",
            "X-RateLimit-Remaining": "149",
            "X-RateLimit-Reset": "60",
            "Retry-After": "7",
        }
    )
    info = parse_rate_limit(headers, NOW)
    assert (info.limit, info.remaining, info.reset_after_s) == (150, 149, 60.0)
    assert info.retry_after is not None and info.retry_after.seconds == 7.0


def test_epoch_reset_and_http_date_are_read_against_the_servers_clock() -> None:
    # Our clock is 5 minutes behind the server's: the window still resets in 60 s, not 360 s.
    server_now = NOW.replace(minute=5)
    headers = httpx.Headers(
        {
            "Date": "Mon, 23 Nov 2026 10:05:00 GMT",
            "X-RateLimit-Reset": str(int(server_now.timestamp()) + 60),
            "Retry-After": "Mon, 23 Nov 2026 10:05:20 GMT",
        }
    )
    info = parse_rate_limit(headers, NOW)
    assert info.reset_after_s == 60.0
    assert info.retry_after is not None
    assert info.retry_after.seconds == 20.0
