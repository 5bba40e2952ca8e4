"""The client against scripted responses (FAULTS P1-P3, P18, P19, N2, N8, N12-N16, N21)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from monitor.api.client import DialNexaClient, iter_pages
from monitor.api.errors import (
    BadPayload,
    BadRequest,
    EndpointUnavailable,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unreachable,
)
from monitor.api.vocab import CallStatus

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"
BASE = "https://api.dialnexa.test/v1"

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, seen: list[httpx.Request] | None = None) -> DialNexaClient:
    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return DialNexaClient(BASE, KEY, transport=httpx.MockTransport(record))


def vendor_error(status: int, message: Any, error: str) -> httpx.Response:
    return httpx.Response(status, json={"statusCode": status, "message": message, "error": error})


async def test_sends_get_with_the_bearer_key_exactly_and_v1_paths() -> None:
    seen: list[httpx.Request] = []
    client = client_for(lambda r: httpx.Response(200, json=[]), seen)
    await client.list_calls(statuses=["initiated", "sent"])
    (request,) = seen
    assert request.method == "GET"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.url.path == "/v1/calls"
    assert request.url.params["status"] == "initiated,sent"
    assert request.url.params["limit"] == "100"
    assert KEY not in repr(client) and KEY not in repr(client._http.auth)


async def test_key_with_a_colon_is_sent_whole() -> None:
    seen: list[httpx.Request] = []
    client = DialNexaClient(
        BASE,
        "key_id:secret",
        transport=httpx.MockTransport(lambda r: (seen.append(r), httpx.Response(200, json=[]))[1]),
    )
    await client.list_calls()
    assert seen[0].headers["Authorization"] == "Bearer key_id:secret"


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (
            vendor_error(401, "API key is missing or invalid", "Unauthorized"),
            Unauthorized,
            "API key rejected (401): API key is missing or invalid",
        ),
        (
            vendor_error(403, "You do not have permission to access this call", "Forbidden"),
            Forbidden,
            "No permission (403)",
        ),
        (
            vendor_error(404, "Call not found", "Not Found"),
            NotFound,
            "Not found (404): Call not found",
        ),
        (
            vendor_error(
                400, ["limit must not be greater than 100", "page must be positive"], "Bad Request"
            ),
            BadRequest,
            "limit must not be greater than 100; page must be positive",
        ),
        (
            vendor_error(500, "Internal server error", "Internal Server Error"),
            ServerError,
            "API error 500 from /calls/call_1: Internal server error",
        ),
        (
            httpx.Response(502, html="<html><head><title>502 Bad Gateway</title></head></html>"),
            ServerError,
            "API error 502 from /calls/call_1: an HTML page (502 Bad Gateway)",
        ),
        (httpx.Response(503, text=""), ServerError, "Service Unavailable"),
    ],
)
async def test_N21_status_codes_become_typed_errors_with_the_vendor_message(
    response: httpx.Response, error: type[Exception], text: str
) -> None:
    client = client_for(lambda r: response)
    with pytest.raises(error) as info:
        await client.get_call("call_1")
    assert text in str(info.value)
    assert KEY[-12:] not in str(info.value) and KEY[-12:] not in repr(info.value)


async def test_N8_429_with_retry_after_and_vendor_body() -> None:
    client = client_for(
        lambda r: httpx.Response(
            429,
            headers={
                "Retry-After": "7",
                "X-RateLimit-Limit": "150",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "42",
            },
            json={"statusCode": 429, "message": "Too many requests", "error": "Too Many Requests"},
        )
    )
    with pytest.raises(RateLimited) as info:
        await client.list_calls()
    assert info.value.retry_after == 7.0
    assert "resuming in 7 s" in str(info.value)
    assert client.rate_limit is not None and client.rate_limit.remaining == 0


async def test_429_without_retry_after_leaves_the_wait_to_our_backoff() -> None:
    client = client_for(lambda r: vendor_error(429, "slow down", "Too Many Requests"))
    with pytest.raises(RateLimited) as info:
        await client.list_calls()
    assert info.value.retry_after is None


async def test_N12_503_retry_after_is_kept_on_the_server_error() -> None:
    client = client_for(lambda r: httpx.Response(503, headers={"Retry-After": "12"}, text="busy"))
    with pytest.raises(ServerError) as info:
        await client.list_calls()
    assert info.value.retry_after == 12.0 and info.value.transient


@pytest.mark.parametrize(
    ("path_call", "response"),
    [
        ("retries", vendor_error(404, "Cannot GET /v1/call-logs/call_1/retries", "Not Found")),
        ("retries", httpx.Response(404, html="<html>Not Found</html>")),
        ("campaigns", vendor_error(404, "Not Found", "Not Found")),
    ],
)
async def test_404_for_a_missing_route_is_endpoint_unavailable(
    path_call: str, response: httpx.Response
) -> None:
    client = client_for(lambda r: response)
    with pytest.raises(EndpointUnavailable):
        if path_call == "retries":
            await client.get_retries("call_1")
        else:
            await client.list_campaigns()


async def test_N15_404_for_a_missing_object_is_not_found() -> None:
    client = client_for(lambda r: vendor_error(404, "Call not found", "Not Found"))
    with pytest.raises(NotFound):
        await client.get_retries("call_1")


@pytest.mark.parametrize(
    ("response", "text"),
    [
        (
            httpx.Response(
                200,
                headers={"content-type": "application/json"},
                content=b"<html>502 Bad Gateway</html>",
            ),
            "not JSON: an HTML page",
        ),  # P1
        (httpx.Response(200, content=b""), "empty body"),  # P2
        (httpx.Response(200, content=b'{"data":[{"id":'), "not JSON: invalid or truncated"),  # P3
        (httpx.Response(200, content=b"null"), "expected a list or an object"),
        (httpx.Response(200, json={"unexpected": True}), "no list of items"),
    ],
)
async def test_P1_P2_P3_unreadable_bodies_are_bad_payloads(
    response: httpx.Response, text: str
) -> None:
    client = client_for(lambda r: response)
    with pytest.raises(BadPayload, match=text):
        await client.list_calls()


async def test_P2_single_object_endpoints_reject_lists_and_nulls() -> None:
    for body in ([], None, {}):
        client = client_for(lambda r, body=body: httpx.Response(200, json=body))
        with pytest.raises(BadPayload, match="Bad payload from /calls/call_1"):
            await client.get_call("call_1")


async def test_P16_invalid_utf8_is_replaced_not_fatal() -> None:
    body = b'[{"id": "call_1", "status": "busy", "metadata": {"name": "Ann\xff\xfe"}}]'
    client = client_for(lambda r: httpx.Response(200, content=body))
    page = await client.list_calls()
    assert page.items[0].metadata["name"] == "Ann\ufffd\ufffd"


@pytest.mark.parametrize("bad", ["../campaigns", "call_1?x=1", "a/b", "%2F", "x" * 10_000, ""])
async def test_P18_ids_with_path_characters_are_refused_before_any_request(bad: str) -> None:
    seen: list[httpx.Request] = []
    client = client_for(lambda r: httpx.Response(200, json={}), seen)
    with pytest.raises(BadPayload, match="invalid call id"):
        await client.get_retries(bad)
    assert seen == []


async def test_P19_304_reuses_the_last_call_logs_payload() -> None:
    seen: list[httpx.Request] = []
    body = {"data": [{"id": "c1", "status": "busy"}], "meta": {"total": 1}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, json=body, headers={"ETag": '"v1"'})

    client = client_for(handler, seen)
    first = await client.list_campaign_logs("cmp_1")
    second = await client.list_campaign_logs("cmp_1")
    assert first.items == second.items
    assert seen[1].headers["If-None-Match"] == '"v1"'


async def test_N16_redirects_are_not_followed() -> None:
    seen: list[httpx.Request] = []
    client = client_for(
        lambda r: httpx.Response(302, headers={"Location": "https://evil.example/steal?k=1"}), seen
    )
    with pytest.raises(BadPayload, match="Unexpected redirect \\(302\\) to evil.example"):
        await client.list_calls()
    assert [r.url.host for r in seen] == ["api.dialnexa.test"]


async def test_N2_connect_errors_become_unreachable_with_a_reason() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(Unreachable) as info:
        await client_for(refuse).list_calls()
    assert info.value.reason == "refused"
    assert "connection refused" in str(info.value)

    def dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    with pytest.raises(Unreachable, match="Cannot resolve API host api.dialnexa.test"):
        await client_for(dns).list_calls()


async def test_mixed_envelopes_batch_detail_both_shapes() -> None:
    openapi = {
        "callLogs": [
            {
                "id": "call_1",
                "status": "initiated",
                "batch_id": "batch_1",
                "createdAt": "2026-07-03T10:30:00.000Z",
            }
        ],
        "total": 1,
        "page": 1,
        "limit": 20,
        "totalPages": 1,
    }
    client = client_for(lambda r: httpx.Response(200, json=openapi))
    detail = await client.get_batch("batch_1")
    assert detail.calls is not None and detail.calls.items[0].campaign_id == "batch_1"
    flat = {
        "statusCode": 200,
        "message": "ok",
        "data": {"id": "bat_1", "name": "Renewals", "status": "queued", "total_leads": 10},
    }
    client = client_for(lambda r: httpx.Response(200, json=flat))
    detail = await client.get_batch("bat_1")
    assert detail.batch is not None and detail.batch.total == 10


async def test_P10_paging_stops_at_a_repeated_page_and_at_the_cap() -> None:
    page_body = {
        "data": [{"id": f"c{i}", "status": "busy"} for i in range(2)],
        "meta": {"total": 10_000},
    }
    client = client_for(lambda r: httpx.Response(200, json=page_body))
    pages = [
        p async for p in iter_pages(lambda n: client.list_campaign_logs("cmp_1", page=n, limit=2))
    ]
    assert len(pages) == 1  # the same page again is a repeat, not page 2

    counter = iter(range(10_000))

    def fresh(request: httpx.Request) -> httpx.Response:
        rows = [{"id": f"c{next(counter)}", "status": "busy"} for _ in range(2)]
        return httpx.Response(200, content=json.dumps({"data": rows, "meta": {"total": 10_000}}))

    client = client_for(fresh)
    pages = [
        p
        async for p in iter_pages(
            lambda n: client.list_campaign_logs("cmp_1", page=n, limit=2), max_pages=7
        )
    ]
    assert len(pages) == 7


async def test_shapes_of_calls_list_bare_array_and_data_meta() -> None:
    bare = [{"id": "call_1", "to_number": "+1", "status": "in_progress", "duration": 42}]
    page = await client_for(lambda r: httpx.Response(200, json=bare)).list_calls()
    assert page.items[0].status is CallStatus.IN_PROGRESS and page.total is None
    wrapped = {"data": bare, "meta": {"page": 1, "limit": 20, "total": 1, "totalPages": 1}}
    page = await client_for(lambda r: httpx.Response(200, json=wrapped)).list_calls()
    assert page.total == 1 and page.is_last
