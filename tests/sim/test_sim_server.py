"""The server in-process (httpx + SimTransport): endpoints, dialects, paging, filters, auth,
the rate limit, the GET-only rule and the request log."""

from __future__ import annotations

import math
import re
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.sim.dialects import DIALECTS
from monitor.sim.model import COMPLETED, NO_ANSWER, VOICEMAIL
from tests.sim.simkit import KEY, fetch_every_endpoint, items_of, unwrap

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NOT_FOUND_ROUTE = re.compile(r"^Cannot GET /v1/")


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_every_endpoint_answers_in_every_dialect(
    sim: Simulator, client: httpx.AsyncClient, dialect: str
) -> None:
    sim.dialect = dialect
    bodies = await fetch_every_endpoint(client, sim)
    calls = items_of(bodies["calls"])
    assert len(calls) == 5
    if dialect == "canonical":
        assert set(bodies["calls"]) == {"data", "meta"}
        assert bodies["calls"]["meta"]["totalPages"] == math.ceil(
            bodies["calls"]["meta"]["total"] / 5
        )
    else:
        assert isinstance(bodies["calls"], list), "the OpenAPI's bare array"
    for name in ("call-logs", "campaign-logs"):
        assert set(bodies[name]) == {"data", "meta"} and len(bodies[name]["data"]) == 5
    assert unwrap(bodies["call"])["id"] == unwrap(bodies["call-log"]).get("call_id", None) or (
        unwrap(bodies["call-log"])["id"] == unwrap(bodies["call"])["id"]
    )
    rows = bodies["retries"]["data"]
    assert [r["attempt"] for r in rows] == list(range(1, len(rows) + 1))
    assert unwrap(bodies["campaign"])["id"] == sim.world.campaigns[0].id
    campaigns = items_of(bodies["campaigns"])
    batches = items_of(bodies["batches"])
    assert {c["id"] for c in campaigns} == {b["id"] for b in batches}
    assert all("attempt_stages" in b for b in batches)
    if dialect == "canonical":
        assert bodies["batch"]["id"] == sim.world.campaigns[0].id, "reference-site flat batch"
    else:
        assert set(bodies["batch"]) == {"callLogs", "total", "page", "limit", "totalPages"}
    timeline = unwrap(bodies["call-log-details"])["timeline"]
    assert [e["event"] for e in timeline] == ["call_started", "call_answered", "call_ended"]


async def test_canonical_call_has_the_documented_fields(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "canonical"
    world = sim.world
    call = next(c for c in world.calls if c.status == COMPLETED and c.analysis is not None)
    body = (await client.get(f"/calls/{call.id}")).json()
    assert body["status"] == "completed"
    assert body["to_phone_number"].startswith("+") and body["from_phone_number"].startswith("+")
    assert ISO.match(body["created_at"]) and ISO.match(body["ended_at"])
    assert body["duration_seconds"] == call.talk_s
    assert body["campaign_id"] == call.campaign.id
    assert body["agent_id"].startswith("agt_")
    assert body["recording_url"].startswith("https://")
    assert isinstance(body["analysis"], dict) and "qualified" in body["analysis"]
    assert body["sentiment"] in ("positive", "neutral", "negative")
    assert body["metadata"]["customer_name"]
    assert body["retry_group_id"] == call.parent_id and body["attempt"] == call.attempt
    assert set(body["retry"]) == {
        "max_retries", "wait_minutes", "retry_on_voicemail", "retry_on_no_answer",
        "retry_on_busy",
    }  # fmt: skip
    live = next(c for c in world.calls if c.end_t is None)
    body = (await client.get(f"/calls/{live.id}")).json()
    assert body["ended_at"] is None and body["analysis"] is None


async def test_analysis_is_pending_for_a_while_after_the_call_ends(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "canonical"
    world = sim.world
    while True:
        pending = [c for c in world.calls if c.status == COMPLETED and c.analysis is None]
        if pending:
            break
        world.advance(1)
    call = pending[0]
    body = (await client.get(f"/calls/{call.id}")).json()
    assert body["status"] == "completed" and body["ended_at"] is not None
    assert body["analysis"] is None
    assert call.analysis_t is not None
    world.advance_to(call.analysis_t)
    body = (await client.get(f"/calls/{call.id}")).json()
    assert isinstance(body["analysis"], dict)


async def test_openapi_spellings(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.dialect = "openapi"
    world = sim.world
    live = world.calls_in_flight()
    rows = (await client.get("/calls", params={"limit": 200})).json()
    for row in rows:
        assert {"createdAt", "duration", "to_number", "from_number", "batch_id"} <= set(row)
        assert row["status"] in {
            "created", "initiated", "sent", "received", "completed", "did_not_pick", "busy",
            "no_answer", "failed", "cancelled", "retry_expired",
        }  # fmt: skip
    assert live, "the busy world has calls in flight"
    voicemail = next(c for c in world.calls if c.status == VOICEMAIL)
    row = (await client.get(f"/calls/{voicemail.id}")).json()
    assert row["status"] == "completed" and row["end_reason"] == "voicemail_detected"
    active = (
        await client.get("/calls", params={"status": "initiated,sent,received", "limit": 200})
    ).json()
    assert {r["id"] for r in active} == {c.id for c in live}


async def test_mixed_serves_every_documented_variant(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "mixed"
    rows = (await client.get("/calls", params={"limit": 200})).json()
    keys = set().union(*(r.keys() for r in rows))
    assert {"created_at", "createdAt", "called_time"} <= keys
    assert {"duration_seconds", "duration", "duration_sec"} <= keys
    assert {"to_number", "to_phone_number", "campaign_id", "batch_id"} <= keys
    assert {"analysis", "postcallanalysis", "post_call_analysis"} <= keys
    assert any("attempt" not in r for r in rows), "mixed omits attempt on some records"
    words = {r["status"] for r in rows}
    logs = (await client.get("/call-logs", params={"limit": 100, "status": "no_answer"})).json()
    words |= {r["status"] for r in logs["data"]}
    assert {"no-answer", "no_answer", "did_not_pick"} & words
    shapes = set()
    for series in list(sim.world.all_series())[:40]:
        body = (await client.get(f"/call-logs/{series.parent_id}/retries")).json()
        row = body["data"][0]
        shapes.add(("call_id" in body, "timestamp" in row, "called_at" in row))
    assert shapes == {(True, True, False), (False, False, True)}, "both retry shapes"
    again = (await client.get("/calls", params={"limit": 200})).json()
    assert [sorted(r) for r in again] == [sorted(r) for r in rows], "stable per record"


async def test_paging_walks_every_call_once_newest_first(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "canonical"
    seen: list[dict[str, Any]] = []
    page = 1
    while True:
        body = (await client.get("/calls", params={"page": page, "limit": 100})).json()
        seen.extend(body["data"])
        if page >= body["meta"]["totalPages"]:
            break
        page += 1
    assert len(seen) == body["meta"]["total"] == len(sim.world.calls)
    assert len({r["id"] for r in seen}) == len(seen)
    created = [r["created_at"] for r in seen]
    assert created == sorted(created, reverse=True)
    oldest = (await client.get("/calls", params={"limit": 3, "created_at": "asc"})).json()
    assert [r["id"] for r in oldest["data"]] == [c.id for c in sim.world.calls[:3]]


async def test_limits_are_capped_and_bad_paging_is_a_400(client: httpx.AsyncClient) -> None:
    body = (await client.get("/call-logs", params={"limit": 500})).json()
    assert body["meta"]["limit"] == 100 and len(body["data"]) == 100
    rows = (await client.get("/calls", params={"limit": 500})).json()
    assert len(rows) == 200
    response = await client.get("/calls", params={"page": "zero"})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": "page must be an integer number",
        "error": "Bad Request",
    }
    response = await client.get("/calls", params={"page": "x", "limit": "y"})
    assert response.json()["message"] == [
        "page must be an integer number",
        "limit must be an integer number",
    ]


@pytest.mark.parametrize("spelling", ["no-answer", "no_answer", "did_not_pick", "NO-ANSWER"])
async def test_status_filters_accept_every_spelling(
    sim: Simulator, client: httpx.AsyncClient, spelling: str
) -> None:
    sim.dialect = "canonical"
    expected = sim.world.outcome_counts()[NO_ANSWER]
    for path in ("/calls", "/call-logs"):
        body = (await client.get(path, params={"status": spelling, "limit": 1})).json()
        assert body["meta"]["total"] == expected


async def test_status_filter_takes_comma_lists_and_unknown_words(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "canonical"
    counts = sim.world.outcome_counts()
    body = (await client.get("/calls", params={"status": "completed,busy", "limit": 1})).json()
    assert body["meta"]["total"] == counts["completed"] + counts["busy"]
    body = (await client.get("/calls", params={"status": "in-progress", "limit": 1})).json()
    assert body["meta"]["total"] == counts["in_progress"]
    body = (await client.get("/calls", params={"status": "teleported"})).json()
    assert body["meta"]["total"] == 0 and body["data"] == []


async def test_campaign_filters(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.dialect = "canonical"
    campaign = sim.world.campaigns[2]
    expected = campaign.counts[COMPLETED]
    logs = await client.get(
        f"/call-logs/campaign/{campaign.id}", params={"status": "completed", "limit": 1}
    )
    assert logs.json()["meta"]["total"] == expected
    calls = await client.get(
        "/calls", params={"batch_call_id": campaign.id, "status": "completed", "limit": 1}
    )
    assert calls.json()["meta"]["total"] == expected
    running = (await client.get("/batch-calls", params={"status": "running,processing"})).json()
    assert {b["id"] for b in running["data"]} == {
        c.id for c in sim.world.campaigns if c.status == "running"
    }


async def test_rare_filters_scan(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.dialect = "canonical"
    body = (await client.get("/calls", params={"sentiment": "negative", "limit": 100})).json()
    assert all(r["sentiment"] == "negative" for r in body["data"])
    expected = sum(1 for c in sim.world.calls if c.sentiment == "negative")
    assert body["meta"]["total"] == expected
    body = (await client.get("/calls", params={"end_reason": "user_busy", "limit": 5})).json()
    assert all(r["end_reason"] == "user_busy" for r in body["data"])
    response = await client.get("/calls", params={"start_date": "yesterday"})
    assert response.status_code == 400


async def test_not_found_bodies_tell_objects_from_routes(client: httpx.AsyncClient) -> None:
    for path, message in [
        ("/calls/call_doesnotexist", "Call not found"),
        ("/call-logs/call_doesnotexist/retries", "Call not found"),
        ("/call-logs/log_doesnotexist", "Call log not found"),
        ("/campaigns/cmp_doesnotexist", "Campaign not found"),
        ("/batch-calls/cmp_doesnotexist", "Batch call not found"),
        ("/call-logs/campaign/cmp_doesnotexist", "Campaign not found"),
    ]:
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json() == {"statusCode": 404, "message": message, "error": "Not Found"}
    response = await client.get("/agents/whatever")
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot GET /v1/agents/whatever"
    async with httpx.AsyncClient(transport=client._transport, base_url="http://sim.local") as bare:
        legacy = await bare.get("/calls", headers={"Authorization": f"Bearer {KEY}"})
    assert legacy.status_code == 404, "unversioned legacy routes are retired"
    response = await client.get("/calls/bad%20id")
    assert response.status_code == 400


async def test_log_ids_and_call_ids_both_find_a_log(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.dialect = "canonical"
    call = sim.world.calls[10]
    by_call = (await client.get(f"/call-logs/{call.id}")).json()
    by_log = (await client.get(f"/call-logs/{by_call['id']}")).json()
    assert by_call == by_log and by_call["call_id"] == call.id


async def test_wrong_or_missing_key_is_401(sim: Simulator) -> None:
    for headers in ({"Authorization": "Bearer nope"}, {}, {"Authorization": KEY}):
        async with httpx.AsyncClient(
            transport=sim.transport(), base_url=sim.base_url, headers=headers
        ) as c:
            response = await c.get("/calls")
        assert response.status_code == 401
        assert response.json() == {
            "statusCode": 401,
            "message": "API key is missing or invalid",
            "error": "Unauthorized",
        }
        assert "X-RateLimit-Limit" in response.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
async def test_only_get_is_served(sim: Simulator, client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/calls")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    entry = sim.requests.last()
    assert entry is not None and entry.method == method and entry.status == 405


async def test_request_log_records_what_was_asked(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.requests.clear()
    await client.get("/calls", params={"status": "completed", "limit": 3})
    await client.get("/campaigns/cmp_none")
    first, second = sim.requests.entries
    assert (first.method, first.path, first.query, first.status) == (
        "GET", "/v1/calls", "status=completed&limit=3", 200,
    )  # fmt: skip
    assert second.status == 404 and second.world_t == sim.world.t
    assert sim.requests.matching("/v1/campaigns", status=404) == [second]


async def test_rate_limit_answers_429_exactly_past_the_limit() -> None:
    clock = FakeClock()
    sim = Simulator.create("small", clock=clock, api_key=KEY, rate_limit=5, rate_window_s=60)
    async with sim.client() as c:
        for expected_remaining in (4, 3, 2, 1, 0):
            response = await c.get("/campaigns")
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "5"
            assert response.headers["X-RateLimit-Remaining"] == str(expected_remaining)
            assert response.headers["X-RateLimit-Reset"] == "60"
            assert "Retry-After" not in response.headers
        clock.advance(20)
        response = await c.get("/campaigns")
        assert response.status_code == 429
        assert response.json() == {
            "statusCode": 429,
            "message": "Too Many Requests",
            "error": "Too Many Requests",
        }
        assert response.headers["Retry-After"] == "40"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Reset"] == "40"
        assert (await c.post("/calls")).status_code == 429, "every request counts"
        clock.advance(40)
        response = await c.get("/campaigns")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Remaining"] == "4"
    async with sim.client(api_key="another-key") as other:
        response = await other.get("/campaigns")
        assert response.status_code == 401, "per key: a fresh window, then auth"
        assert response.headers["X-RateLimit-Remaining"] == "4"


async def test_date_header_comes_from_the_injected_clock(
    clock: FakeClock, client: httpx.AsyncClient
) -> None:
    clock.jump_wall(-300)
    response = await client.get("/campaigns")
    assert parsedate_to_datetime(response.headers["Date"]) == clock.now().replace(microsecond=0)


async def test_rate_limit_reset_can_be_an_epoch() -> None:
    clock = FakeClock()
    sim = Simulator.create("small", clock=clock, api_key=KEY, reset_header="epoch")
    async with sim.client() as c:
        response = await c.get("/campaigns")
    reset = int(response.headers["X-RateLimit-Reset"])
    assert reset == int(clock.now().timestamp()) + 60


async def test_call_logs_support_etags(sim: Simulator, client: httpx.AsyncClient) -> None:
    campaign = sim.world.campaigns[0]
    path = f"/call-logs/campaign/{campaign.id}"
    first = await client.get(path)
    etag = first.headers["ETag"]
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert "X-RateLimit-Remaining" in again.headers
    sim.world.advance(30)
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


async def test_world_advances_lazily_with_the_clock(clock: FakeClock) -> None:
    sim = Simulator.create("busy", clock=clock, api_key=KEY, speed=10)
    start = sim.world.t
    async with sim.client() as c:
        await c.get("/calls")
        assert sim.world.t == start
        clock.advance(6)
        await c.get("/calls")
    assert sim.world.t == pytest.approx(start + 60)


async def test_control_surface_switches_faults_and_reports_state(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(
        transport=sim.transport(),
        base_url="http://sim.local",
        headers={"Authorization": f"Bearer {KEY}"},
    ) as control:
        catalogue = (await control.get("/_sim/faults")).json()["catalogue"]
        assert {"P1", "N8", "hostile", "no-call-logs"} <= {f["id"] for f in catalogue}
        enabled = await control.get(
            "/_sim/faults/enable", params={"fault": "5xx-json", "scope": "/calls", "n": "1"}
        )
        assert enabled.json()["active"][0]["id"] == "N12"
        assert (await client.get("/calls")).status_code == 500
        assert (await client.get("/calls")).status_code == 200, "count of one used up"
        unknown = await control.get("/_sim/faults/enable", params={"fault": "nope"})
        assert unknown.status_code == 400
        state = (await control.get("/_sim/state")).json()
        assert state["in_flight"] == sim.world.in_flight and state["cap"] == 100
        assert (await control.get("/_sim/dialect", params={"set": "openapi"})).json() == {
            "dialect": "openapi"
        }
        assert sim.dialect == "openapi"
        log = (await control.get("/_sim/requests", params={"limit": 2})).json()
        assert [r["path"] for r in log["data"]] == ["/v1/calls", "/v1/calls"]
        assert (await control.post("/_sim/faults/clear")).status_code == 405
    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim.local") as anon:
        assert (await anon.get("/_sim/state")).status_code == 401
