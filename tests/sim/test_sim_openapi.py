"""In the `openapi` dialect, answers validate against the vendor's OpenAPI response schemas."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from monitor.clock import FakeClock
from monitor.sim import Simulator
from tests.shared import shared_path
from tests.sim.simkit import KEY

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _resolve(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Inline local `$ref`s and turn OpenAPI 3.0 `nullable` into JSON Schema's null type."""
    assert depth < 50, "reference cycle"
    if isinstance(node, list):
        return [_resolve(n, root, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(target, root, depth + 1)
    out = {k: _resolve(v, root, depth + 1) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    doc = json.loads(shared_path("api", "dialnexa-openapi.json").read_text())
    out = {}
    for path in ("/v1/calls", "/v1/calls/{id}", "/v1/batch-calls", "/v1/batch-calls/{id}"):
        content = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        out[path] = _resolve(content["schema"], doc)
    return out


def _validate(schema: dict[str, Any], body: Any) -> None:
    jsonschema.Draft202012Validator(schema).validate(body)


async def test_openapi_dialect_matches_the_response_schemas(schemas: dict[str, Any]) -> None:
    sim = Simulator.create("busy", seed=3, clock=FakeClock(), api_key=KEY, dialect="openapi")
    sim.world.advance(900)
    campaign = sim.world.campaigns[0].id
    async with sim.client() as c:
        calls = (await c.get("/calls", params={"limit": 200})).json()
        _validate(schemas["/v1/calls"], calls)
        for status in ("initiated,received", "completed", "no_answer", "created"):
            page = (await c.get("/calls", params={"status": status, "limit": 50})).json()
            _validate(schemas["/v1/calls"], page)
            calls.extend(page)
        for row in calls[:60]:
            one = (await c.get(f"/calls/{row['id']}")).json()
            _validate(schemas["/v1/calls/{id}"], one)
            assert ISO.match(one["createdAt"])
            assert isinstance(one["duration"], int) and one["duration"] >= 0
        batches = (await c.get("/batch-calls", params={"limit": 100})).json()
        _validate(schemas["/v1/batch-calls"], batches)
        assert batches["total"] == len(sim.world.campaigns)
        for item in batches["items"]:
            assert ISO.match(item["createdAt"])
            stages = item["attempt_stages"]
            assert stages[0]["depth"] == 0 and stages[0]["total"] == item["total_lead_count"]
            assert all(s["attempted"] <= s["total"] for s in stages)
        detail = (await c.get(f"/batch-calls/{campaign}", params={"limit": 200})).json()
        _validate(schemas["/v1/batch-calls/{id}"], detail)
        assert detail["callLogs"] and all(r["batch_id"] == campaign for r in detail["callLogs"])
        page2 = (await c.get(f"/batch-calls/{campaign}", params={"page": 2, "limit": 10})).json()
        _validate(schemas["/v1/batch-calls/{id}"], page2)
        assert page2["page"] == 2 and page2["totalPages"] == -(-page2["total"] // 10)


async def test_schemas_would_catch_a_wrong_shape(schemas: dict[str, Any]) -> None:
    sim = Simulator.create("small", seed=3, clock=FakeClock(), api_key=KEY, dialect="canonical")
    async with sim.client() as c:
        body = (await c.get("/calls")).json()
    with pytest.raises(jsonschema.ValidationError):
        _validate(schemas["/v1/calls"], body)
