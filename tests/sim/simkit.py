"""Helpers shared by the simulator's tests."""

from __future__ import annotations

from typing import Any

import httpx

from monitor.sim import Simulator
from monitor.sim.model import COMPLETED, OUTCOMES, CampaignSpec, RetryConfig, ScenarioSpec

KEY = "test-key-123"


def only(outcome: str) -> tuple[tuple[str, float], ...]:
    """An outcome mix where every attempt ends the same way."""
    return tuple((o, 1.0 if o == outcome else 0.0) for o in OUTCOMES)


def one_campaign(
    retry: RetryConfig,
    mix: tuple[tuple[str, float], ...],
    *,
    leads: int = 5,
    cap: int = 5,
    campaign_cap: int = 5,
) -> ScenarioSpec:
    return ScenarioSpec(
        name="test",
        workspace_cap=cap,
        campaigns=(CampaignSpec("Test", leads, campaign_cap, retry, mix),),
        queue_depth=3,
    )


def unwrap(body: Any) -> Any:
    """The record inside the `{statusCode, message, data}` wrapper, if it has one."""
    if isinstance(body, dict) and "statusCode" in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def items_of(body: Any) -> list[Any]:
    """The rows of any documented list envelope."""
    if isinstance(body, list):
        return body
    for key in ("data", "items", "callLogs"):
        if isinstance(body, dict) and isinstance(body.get(key), list):
            rows: list[Any] = body[key]
            return rows
    raise AssertionError(f"no item list in {str(body)[:200]}")


def first_settled_series(sim: Simulator, min_attempts: int = 2) -> str:
    for series in sim.world.all_series():
        if len(series.attempts) >= min_attempts:
            return series.parent_id
    raise AssertionError("no retried series yet")


async def fetch_every_endpoint(client: httpx.AsyncClient, sim: Simulator) -> dict[str, Any]:
    """GET each endpoint the monitor reads; the decoded bodies by endpoint name."""
    world = sim.world
    call = next(c for c in world.calls if c.status == COMPLETED and c.analysis is not None)
    parent = first_settled_series(sim)
    campaign = world.campaigns[0].id
    paths = {
        "calls": "/calls?limit=5",
        "call": f"/calls/{call.id}",
        "call-logs": "/call-logs?limit=5",
        "call-log": f"/call-logs/{call.id}",
        "call-log-details": f"/call-logs/{call.id}/details",
        "campaign-logs": f"/call-logs/campaign/{campaign}?limit=5",
        "retries": f"/call-logs/{parent}/retries",
        "campaigns": "/campaigns",
        "campaign": f"/campaigns/{campaign}",
        "batches": "/batch-calls",
        "batch": f"/batch-calls/{campaign}?limit=5",
    }
    out = {}
    for name, path in paths.items():
        response = await client.get(path)
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].startswith("application/json")
        out[name] = response.json()
    return out
