"""The URL of a query asked again is the one httpx built the first time (issue 21): the same
request on the wire, built once."""

from __future__ import annotations

import httpx

from monitor.api.client import DialNexaClient
from monitor.api.transport import RequestUrls

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"


def _recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path.endswith("/calls"):
            return httpx.Response(200, json={"data": [], "meta": {"total": 0}})
        return httpx.Response(200, json={"id": "call_1", "status": "completed"})

    return sent, httpx.MockTransport(answer)


async def test_a_query_asked_again_goes_out_as_the_first_time_its_url_built_once() -> None:
    sent, transport = _recording()
    # A base URL with a path of its own: httpx appends to it, which a kept URL must too.
    client = DialNexaClient("https://api.example.test/v1/", KEY, transport=transport)
    for _ in range(3):
        await client.list_calls(statuses=["dialing", "in progress"], limit=200)
    await client.list_calls(page=2, statuses=["dialing", "in progress"], limit=200)
    await client.get_call("call_1")
    await client.get_call("call_1")
    await client.aclose()

    urls = [str(r.url) for r in sent]
    active = "https://api.example.test/v1/calls?page=1&limit=200&status=dialing%2Cin+progress"
    assert urls == [
        active,
        active,
        active,
        active.replace("page=1", "page=2"),
        "https://api.example.test/v1/calls/call_1",
        "https://api.example.test/v1/calls/call_1",
    ]
    assert all(r.method == "GET" for r in sent)
    # The key still goes on every request, and only in its header.
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in sent)
    assert not any(KEY in u for u in urls)
    # Three distinct queries: three URLs built by httpx, the repeats taken as they were.
    assert client._urls.built == 3


async def test_a_kept_url_is_the_url_httpx_builds_for_the_query() -> None:
    http = httpx.AsyncClient(base_url="http://127.0.0.1:9/api")
    urls = RequestUrls()
    params = {"page": 1, "call_id": "a,b", "start_date": "2026-12-04T03:00:00+00:00"}
    built = http.build_request("GET", "/calls", params=params).url
    assert urls.get(http, "/calls", params) == built
    assert urls.get(http, "/calls", dict(params)) is urls.get(http, "/calls", params)
    assert urls.built == 1
    await http.aclose()


async def test_the_kept_urls_are_bounded() -> None:
    http = httpx.AsyncClient(base_url="http://127.0.0.1:9")
    urls = RequestUrls(size=4)
    for n in range(10):
        assert str(urls.get(http, f"/calls/c{n}", {})) == f"http://127.0.0.1:9/calls/c{n}"
    assert len(urls._urls) <= 4
    await http.aclose()
