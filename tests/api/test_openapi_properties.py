"""Responses generated from the vendor's OpenAPI schemas, fed through the client, the store and
`snapshot` (issue 15): whatever a schema allows, no exception escapes, every record with an id is
kept or counted, `snapshot` prints strict JSON, and a record never loses its campaign to a later
read.

The OpenAPI's call schema (`CallLogs`) requires only `id` and allows any other property, so the
generator sends records without a status, with odd types everywhere and with ids of any text;
the batch schemas send counters as any number and `attempt_stages` of any shape. The schemas are
read from ../shared/api/dialnexa-openapi.json (3.0: `nullable` is turned into a JSON Schema
type union); a missing file fails the module, never skips it.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from monitor.api.client import ID_PATTERN, DialNexaClient
from monitor.api.errors import ApiError
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.snapshot import collect, read_dashboard
from monitor.state.store import Store
from tests.drive import drive

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "api" / "dialnexa-openapi.json"
if not SPEC_PATH.is_file():
    raise RuntimeError(f"the vendor's OpenAPI document is missing: {SPEC_PATH} (../shared)")
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: `$ref` resolved, `nullable` as a type union."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return json_schema(SPEC["components"]["schemas"][name])
    out = {k: json_schema(v) for k, v in node.items() if k not in ("example", "nullable")}
    if node.get("nullable") and isinstance(node.get("type"), str):
        out["type"] = [node["type"], "null"]
    return out


def response_schema(path: str) -> Any:
    content = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return json_schema(content["schema"])


CALL_LIST = response_schema("/v1/calls")
CALL_RECORD = response_schema("/v1/calls/{id}")
BATCH_LIST = response_schema("/v1/batch-calls")
BATCH_CALLS = response_schema("/v1/batch-calls/{id}")
BATCH_CALL_ROW = BATCH_CALLS["properties"]["callLogs"]["items"]

# Rows from either call schema of the OpenAPI: `CallLogs` (only `id`), or a batch's call row.
call_rows = st.one_of(from_schema(CALL_RECORD), from_schema(BATCH_CALL_ROW))
membership = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=12)


def usable_id(row: Any) -> str | None:
    """The id a record has, as the models read it (a non-blank string, or an integer)."""
    if not isinstance(row, dict):
        return None
    ident = row.get("id")
    if isinstance(ident, str) and ident.strip():
        return ident
    if isinstance(ident, int) and not isinstance(ident, bool):
        return str(ident)
    return None


def strict(text: str) -> Any:
    def refuse(word: str) -> None:
        raise AssertionError(f"not strict JSON: {word}")

    return json.loads(text, parse_constant=refuse)


def client_for(answers: dict[str, Any], clock: FakeClock) -> DialNexaClient:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        if path in answers:
            return httpx.Response(200, json=answers[path])
        prefix = next((p for p in answers if p.endswith("/*") and path.startswith(p[:-1])), None)
        if prefix is not None:
            return httpx.Response(200, json=answers[prefix])
        body = {"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"}
        return httpx.Response(404, json=body)

    return DialNexaClient(
        "http://x/v1", "k" * 20, transport=httpx.MockTransport(handle), clock=clock
    )


@PROPERTY
@given(
    rows=st.lists(st.tuples(call_rows, st.none() | membership), max_size=6),
    later=from_schema(CALL_RECORD),
)
def test_schema_valid_calls_are_kept_or_counted_and_never_lose_their_campaign(
    rows: list[tuple[dict[str, Any], str | None]], later: dict[str, Any]
) -> None:
    listed = []
    for row, batch in rows:
        row = copy.deepcopy(row)
        if batch is not None:
            row["batch_id"] = batch
        listed.append(row)

    async def scenario() -> None:
        clock = FakeClock()
        answers: dict[str, Any] = {"/calls": listed}
        async with client_for(answers, clock) as client:
            page = await client.list_calls()
            store = Store()
            for call in page.items:
                store.upsert_call(call, 1.0, source="list")
            # Kept or counted: every row with an id is on the page (once), the rest counted.
            ids = {i for i in map(usable_id, listed) if i is not None}
            assert {c.id for c in page.items} == ids
            assert len(page.items) + page.skipped == len(listed)
            for call in page.items:
                if not ID_PATTERN.fullmatch(call.id):
                    continue  # cannot be asked for by id: never read again
                before = store.calls[call.id].call.campaign_id
                answers[f"/calls/{call.id}"] = {**later, "id": call.id}
                try:
                    record = await client.get_call(call.id)
                except ApiError:
                    continue  # a bad payload is an error on that resource, never a crash
                store.upsert_call(record, 2.0, source="call record")
                after = store.calls[call.id].call.campaign_id
                if "campaign_id" not in record.model_fields_set:
                    assert after == before, "a later read without the campaign removed it"

    asyncio.run(scenario())


@PROPERTY
@given(record=from_schema(CALL_RECORD), same_id=st.booleans())
def test_snapshot_of_any_schema_valid_call_is_strict_json_and_the_asked_one(
    record: dict[str, Any], same_id: bool
) -> None:
    if same_id:
        record = {**record, "id": "call_x"}

    async def scenario() -> dict[str, Any]:
        clock = FakeClock()
        async with client_for({"/calls/call_x": record}, clock) as client:
            report = await collect(client, call_id="call_x", campaign_ids=[], clock=clock)
        return strict(report.to_json_text())  # type: ignore[no-any-return]

    out = asyncio.run(scenario())
    assert out["campaigns"] == []
    if "call" in out:
        assert out["call"]["id"] == "call_x"
    else:
        assert [e["resource"] for e in out["errors"]] == ["call/call_x"]
        assert not same_id or record.get("id") != "call_x" or out["errors"]


@settings(PROPERTY, max_examples=15)
@given(
    batches=from_schema(BATCH_LIST),
    active=st.lists(call_rows, max_size=4),
    batch_calls=from_schema(BATCH_CALLS),
)
def test_dashboard_snapshot_of_any_schema_valid_workspace(
    batches: dict[str, Any], active: list[dict[str, Any]], batch_calls: dict[str, Any]
) -> None:
    answers = {
        "/calls": [{**row, "status": "in-progress"} for row in active],
        "/batch-calls": batches,
        "/batch-calls/*": batch_calls,
    }

    async def scenario() -> dict[str, Any]:
        clock = FakeClock()
        async with client_for(answers, clock) as client:
            task = asyncio.create_task(read_dashboard(client, Settings(), clock))
            while not task.done():
                await drive(clock, 1)
            return strict(task.result().to_json_text())  # type: ignore[no-any-return]

    out = asyncio.run(scenario())
    items = batches.get("items") if isinstance(batches, dict) else None
    shown = {c["id"] for c in out["campaigns"]}
    rows = items if isinstance(items, list) else []
    wanted = {i for i in map(usable_id, rows) if i is not None}
    assert wanted <= shown, "a campaign with an id was dropped"
    if len(wanted) < len(rows):  # rows without an id: counted in errors
        assert any("left out" in e["message"] for e in out["errors"]), out["errors"]
    for cid in shown - {c for c in shown if ID_PATTERN.fullmatch(c)}:
        assert any(e["resource"] == f"counts/{cid}" for e in out["errors"])
    active_ids = {i for i in map(usable_id, answers["/calls"]) if i is not None}
    listed = {r["id"] for r in out["active_calls"] or []}
    assert listed <= active_ids
