"""The campaigns' row cache over many list reads (FAULTS R1): its bound fits the list, and
every read still gives each campaign's figures as the API last sent them."""

from __future__ import annotations

import httpx

from monitor.api.campaign import Campaign
from monitor.api.client import CAMPAIGN_ROWS, DialNexaClient

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"
BASE = "https://api.dialnexa.test/v1"
CAMPAIGNS = 30
"""About the soak's `busy` with turnover (12 to 29 listed)."""
READS = 100
"""Reads, every one's rows new (their counts moving): 3,000 rows, past the old bound of 2,000."""


async def test_moving_campaign_rows_holds_at_most_two_generations_of_the_list() -> None:
    reads = 0

    def handler(request: httpx.Request) -> httpx.Response:
        rows = [
            {"id": f"b{i}", "name": f"Campaign {i}", "status": "running",
             "total": 2000, "completed": reads + i}
            for i in range(CAMPAIGNS)
        ]  # fmt: skip
        return httpx.Response(200, json={"data": rows, "meta": {"page": 1, "totalPages": 1}})

    client = DialNexaClient(BASE, KEY, transport=httpx.MockTransport(handler))
    most = 0
    for reads in range(READS):
        page = await client.list_campaigns()
        assert [c.completed for c in page.items] == [reads + i for i in range(CAMPAIGNS)]
        cache = (client._row_readers or {})[Campaign]
        most = max(most, len(cache._new) + len(cache._old))  # type: ignore[attr-defined]
    assert most <= 2 * CAMPAIGN_ROWS
    # Rows read again unchanged are still found, not read again.
    await client.list_campaigns()
    assert cache.hits >= CAMPAIGNS  # type: ignore[attr-defined]
    await client.aclose()
