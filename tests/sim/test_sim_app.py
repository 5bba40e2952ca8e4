"""The simulator's shape: one Starlette route per endpoint, the gateway and the fault stages as
named layers, and faults that change what is sent, never the world's truth."""

from __future__ import annotations

import httpx
from starlette.routing import Route

from monitor.sim import Simulator
from monitor.sim.model import COMPLETED
from monitor.sim.server import LAYERS
from tests.sim.simkit import unwrap


def test_every_endpoint_is_a_route_with_path_parameters(sim: Simulator) -> None:
    paths = {r.path for r in sim.app.routes if isinstance(r, Route)}
    assert {
        "/v1/calls",
        "/v1/calls/{call_id}",
        "/v1/call-logs",
        "/v1/call-logs/campaign/{campaign_id}",
        "/v1/call-logs/{call_id}/retries",
        "/v1/call-logs/{call_id}/details",
        "/v1/call-logs/{call_id}",
        "/v1/campaigns",
        "/v1/campaigns/{campaign_id}",
        "/v1/batch-calls",
        "/v1/batch-calls/{batch_id}",
    } <= paths


def test_layers_are_named_in_the_order_a_request_meets_them() -> None:
    assert [layer.__name__ for layer in LAYERS] == [
        "ControlSurface",
        "RequestLogging",
        "RateLimiting",
        "ReadOnly",
        "BearerAuth",
        "FaultDraw",
        "WireFaults",
        "RequestFaults",
        "DelayFaults",
        "GateFaults",
        "PayloadFaults",
    ]


async def test_a_list_path_with_a_trailing_slash_answers_without_a_redirect(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/calls/", params={"limit": 1})
    assert response.status_code == 200
    assert (await client.get("/calls/nope/")).json()["message"] == "Cannot GET /v1/calls/nope/"


async def test_payload_faults_rewrite_the_answer_not_the_world(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    call = next(c for c in sim.world.calls if c.status == COMPLETED and c.analysis)
    truth = dict(call.analysis or {})
    sim.faults.enable("hostile")
    hostile = unwrap((await client.get(f"/calls/{call.id}")).json())
    sim.faults.disable("hostile")
    clean = unwrap((await client.get(f"/calls/{call.id}")).json())
    analysis_key = next(
        k for k in ("analysis", "postcallanalysis", "post_call_analysis") if k in clean
    )
    assert hostile[analysis_key] != truth
    assert call.analysis == truth and clean[analysis_key] == truth
