"""The dashboard `snapshot`'s campaign counts against a server whose campaign rows carry no
`ended_at` (the OpenAPI's batch call rows have none): a call read already ended from the
campaign's listing after its totals counts once, in the history it was part of (hostile
finding 2: completed 200 with 120 calls placed)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

import httpx

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.snapshot import read_dashboard
from tests.drive import drive

START = FakeClock().now()
PLACED = START - timedelta(minutes=10)
"""Every call of the campaign was placed (and ended) ten minutes before the snapshot."""


def campaign_rows() -> list[dict[str, Any]]:
    # 800 calls: longer than the 5 pages read whole, so its history comes from its totals.
    # Newest first: the no-answers fill the first page of the whole listing.
    rows = [(3000 + i, "no_answer", 0) for i in range(150)]
    rows += [(2000 + i, "busy", 0) for i in range(50)]
    rows += [(1000 + i, "completed", 5) for i in range(600)]
    return [
        {"id": f"call_{n}", "status": s, "duration": d, "createdAt": PLACED.isoformat()}
        for n, s, d in rows
    ]


def handle(
    request: httpx.Request, *, placed: int | None = None, silent: str | None = None
) -> httpx.Response:
    """The campaign `batch_a`; `placed`: what its call logs say of all its calls, when not
    the truth (a server whose totals disagree); `silent`: a status it gives no total for."""
    path = request.url.path.removeprefix("/v1")
    params = request.url.params
    if path == "/calls":
        return httpx.Response(200, json=[])
    if path == "/batch-calls":
        item = {"id": "batch_a", "title": "Batch A", "status": "running", "total_records": 250}
        return httpx.Response(200, json={"items": [item], "total": 1, "page": 1, "limit": 100})
    if path == "/batch-calls/batch_a":
        page, limit = int(params.get("page", 1)), int(params.get("limit", 20))
        wanted = [w for w in params.get("status", "").split(",") if w]
        rows = [r for r in campaign_rows() if not wanted or r["status"] in wanted]
        body = {
            "callLogs": rows[(page - 1) * limit : page * limit],
            "total": len(rows) if wanted or placed is None else placed,
            "page": page,
            "limit": limit,
            "totalPages": -(-len(rows) // limit),
        }
        if silent is not None and wanted == [silent]:
            body = {"callLogs": body["callLogs"]}
        return httpx.Response(200, json=body)
    body = {"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"}
    return httpx.Response(404, json=body)


def dashboard(placed: int | None = None, silent: str | None = None) -> dict[str, Any]:
    async def scenario() -> dict[str, Any]:
        clock = FakeClock(start=START)
        transport = httpx.MockTransport(partial(handle, placed=placed, silent=silent))
        async with DialNexaClient("http://x/v1", "k" * 20, transport=transport, clock=clock) as c:
            task = asyncio.create_task(read_dashboard(c, Settings(), clock))
            while not task.done():
                await drive(clock, 1)
            return task.result().to_json()

    return asyncio.run(scenario())


def test_a_listing_without_ended_at_read_after_the_totals_counts_each_call_once() -> None:
    out = dashboard()
    (row,) = out["campaigns"]
    assert row["total"] == 800
    assert row["history_filling"] is False
    # The completed calls' page read for the qualified rate comes after the totals: its 100
    # rows were in the completed total already (not 700 over 600).
    counts = {k: row["counts"][k] for k in ("completed", "no_answer", "busy", "failed")}
    assert counts == {"completed": 600, "no_answer": 150, "busy": 50, "failed": 0}
    # They all ended before the monitor started: none of them is "since start".
    assert row["since_start"] == dict.fromkeys(row["since_start"], 0)
    assert row["flags"] == []


def test_counts_past_the_calls_placed_are_flagged_in_the_json() -> None:
    # The call logs say 700 calls placed, their outcome totals 800: they cannot all be true.
    # The calls placed come first (the listing's first page), the outcome totals after.
    out = dashboard(placed=700)
    (row,) = out["campaigns"]
    assert (row["total"], row["counts"]["completed"]) == (700, 600)
    assert row["flags"] == ["outcomes add up to 800, over 700 calls placed"]


def test_a_count_the_api_gives_no_total_for_is_null_and_said_in_errors() -> None:
    out = dashboard(silent="failed")
    (row,) = out["campaigns"]
    assert row["counts"]["failed"] is None  # unknown, not 0
    assert row["counts"]["completed"] == 600
    (error,) = [e for e in out["errors"] if e["resource"] == "counts/batch_a"]
    assert error["kind"] == "bad_payload" and "failed" in error["message"]
