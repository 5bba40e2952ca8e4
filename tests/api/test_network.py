"""Network faults over real loopback sockets (FAULTS N1, N2, N4-N7, N22, P15)."""

from __future__ import annotations

import time

import pytest

from monitor.api.client import DialNexaClient
from monitor.api.errors import BadPayload, Timeout, Unreachable
from tests.sockets import (
    close_after_each_response,
    free_port,
    gzip_bomb,
    reset_mid_body,
    serve,
    short_body,
    silent,
    trickle,
)
from tests.timing import generous

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"


async def test_N5_a_trickling_body_is_cut_at_the_overall_deadline() -> None:
    async with serve(trickle(0.2)) as base:
        client = DialNexaClient(base, KEY, read_timeout=1.0, deadline_s=1.0)
        started = time.monotonic()
        with pytest.raises(Timeout, match="did not answer /calls within 1 s"):
            await client.list_calls()
        assert time.monotonic() - started < generous(1.0)  # the 1 s deadline, not the 7 s body
        await client.aclose()


async def test_N4_headers_that_never_arrive_time_out() -> None:
    async with serve(silent()) as base:
        client = DialNexaClient(base, KEY, read_timeout=0.5, deadline_s=3)
        with pytest.raises(Timeout):
            await client.list_calls()
        await client.aclose()


async def test_P15_a_gzip_bomb_stops_at_the_decoded_cap() -> None:
    async with serve(gzip_bomb(decoded_mib=64)) as base:
        client = DialNexaClient(base, KEY, max_body_bytes=5 * 1024 * 1024)
        with pytest.raises(BadPayload, match="Response too large from /calls \\(limit 5 MiB\\)"):
            await client.list_calls()
        await client.aclose()


async def test_N6_a_stale_pooled_connection_is_retried_silently() -> None:
    async with serve(close_after_each_response()) as base:
        client = DialNexaClient(base, KEY)
        for _ in range(4):
            page = await client.list_calls()
            assert page.items == ()
        await client.aclose()


async def test_N7_reset_in_the_middle_of_the_body_is_transient() -> None:
    async with serve(reset_mid_body()) as base:
        client = DialNexaClient(base, KEY)
        with pytest.raises(Unreachable) as info:
            await client.list_calls()
        assert info.value.transient
        await client.aclose()


async def test_N22_content_length_larger_than_the_body() -> None:
    async with serve(short_body()) as base:
        client = DialNexaClient(base, KEY)
        with pytest.raises(Unreachable) as info:
            await client.list_calls()
        assert info.value.reason in ("protocol", "reset")
        await client.aclose()


async def test_N1_connection_refused() -> None:
    client = DialNexaClient(f"http://127.0.0.1:{free_port()}/v1", KEY)
    with pytest.raises(Unreachable, match="connection refused") as info:
        await client.list_calls()
    assert info.value.reason == "refused"
    await client.aclose()


async def test_N2_a_real_dns_failure() -> None:
    client = DialNexaClient("http://api.dialnexa.invalid/v1", KEY, deadline_s=8)
    with pytest.raises(Unreachable) as info:
        await client.list_calls()
    assert info.value.reason in ("dns", "connect")
    await client.aclose()
