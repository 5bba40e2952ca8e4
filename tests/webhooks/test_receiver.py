"""The relay's webhook receiver (issue 22): the signature checked before anything is read, each
refusal answered with its status and counted on the status line, duplicates and out-of-order
deliveries applied once in the call's own order."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from monitor.api.webhook import MAX_BODY_BYTES, sign
from monitor.clock import FakeClock
from monitor.feeds.webhook_receiver import parse_listen, receiver_app
from monitor.polling.intake import Intake
from monitor.polling.serverclock import ServerClock
from monitor.polling.webhooks import QUIET_S, WebhookFlow
from monitor.state.snapshot import build_snapshot
from monitor.state.store import Store

SECRET = "whsec_receiver_canary_93ad"


def body_of(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def ended(call_id: str = "call_r1", status: str = "completed", **more: Any) -> bytes:
    call = {"id": call_id, "status": status, "campaign_id": "cmp_1", **more}
    return body_of({"event": "call.completed", "delivery_id": f"d-{call_id}-{status}",
                    "data": call})  # fmt: skip


def started(call_id: str = "call_r1") -> bytes:
    return body_of({"event_type": "call_initiated", "id": f"s-{call_id}",
                    "payload": {"call": {"id": call_id, "status": "initiated"}}})  # fmt: skip


class Rig:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = Store()
        intake = Intake(self.store, ServerClock(self.clock))
        self.flow = WebhookFlow(
            store=self.store, clock=self.clock, intake=intake, listening="127.0.0.1:8788"
        )
        app = receiver_app(self.flow, SecretStr(SECRET))
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r")

    async def post(self, body: bytes, headers: dict[str, str] | None = None) -> int:
        if headers is None:
            headers = {"X-DialNexa-Signature": sign(body, SECRET.encode())}
        return (await self.http.post("/hooks/dialnexa", content=body, headers=headers)).status_code

    def words(self) -> str:
        snap = build_snapshot(self.store, now=self.clock.now(), mono=self.clock.monotonic(),
                              cap=None)  # fmt: skip
        return snap.fallbacks


async def test_a_good_delivery_in_either_header_is_applied_at_once() -> None:
    rig = Rig()
    body = ended("call_a")
    assert await rig.post(body, {"x-nexa-signature": sign(body, SECRET.encode())}) == 200
    body = ended("call_b", "no_answer")
    assert await rig.post(body, {"X-DialNexa-Signature": sign(body, SECRET.encode())}) == 200
    assert rig.store.calls["call_a"].call.status == "completed"
    assert rig.store.calls["call_b"].call.status == "no_answer"
    assert rig.store.calls["call_a"].last_source == "webhook"
    assert rig.flow.tally.mode == "flowing"
    assert rig.words().startswith("webhooks on")


async def test_unsigned_forged_oversized_and_malformed_are_refused_counted_and_shown() -> None:
    rig = Rig()
    body = ended()
    assert await rig.post(body, {}) == 401
    assert await rig.post(body, {"x-nexa-signature": sign(body, b"not the secret")}) == 403
    huge = b'{"event":"call.ended","pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
    assert await rig.post(huge) == 413
    assert await rig.post(b"{not json") == 400  # signed with the right secret, unreadable
    assert (
        await rig.post(body_of({"event": "call.ended", "data": {"call": {"status": "completed"}}}))
        == 400
    )
    assert rig.store.calls == {}
    assert rig.flow.tally.refused == {401: 1, 403: 1, 413: 1, 400: 2}
    assert rig.flow.tally.received == 0
    assert rig.words() == "webhooks: none yet, 5 refused"
    status = (await rig.http.get("/healthz")).json()
    assert status["refused"] == {"400": 2, "401": 1, "403": 1, "413": 1}


async def test_a_huge_body_is_refused_by_its_length_before_it_is_read() -> None:
    rig = Rig()
    answer = await rig.http.post(
        "/", content=b"{}", headers={"content-length": str(MAX_BODY_BYTES + 1)}
    )
    assert answer.status_code == 413


async def test_a_duplicate_is_applied_once() -> None:
    rig = Rig()
    body = ended("call_d", ended_at="2026-11-23T09:59:00.000Z")
    assert await rig.post(body) == 200
    assert await rig.post(body) == 200  # answered 200: the vendor must not send it again
    assert rig.flow.tally.duplicates == 1 and rig.flow.tally.applied == 1
    assert rig.store.calls["call_d"].call.status == "completed"
    assert "duplicate" not in rig.words()  # not a problem the user must act on


async def test_a_start_delivered_after_its_end_does_not_bring_the_call_back() -> None:
    rig = Rig()
    assert await rig.post(ended("call_o")) == 200
    assert await rig.post(started("call_o")) == 200
    assert rig.store.calls["call_o"].call.status == "completed"
    assert rig.flow.tally.out_of_order == 1
    # In order, the start then the end, both apply.
    assert await rig.post(started("call_p")) == 200
    assert rig.store.calls["call_p"].call.status == "dialing"
    assert await rig.post(ended("call_p", "busy")) == 200
    assert rig.store.calls["call_p"].call.status == "busy"
    assert rig.flow.tally.applied == 3


async def test_deliveries_that_stop_are_said_and_the_next_one_resumes() -> None:
    rig = Rig()
    assert await rig.post(ended("call_s")) == 200
    assert rig.flow.reconciling()
    rig.clock.advance(QUIET_S - 1)
    assert rig.flow.reconciling()
    rig.clock.advance(2)
    assert not rig.flow.reconciling()
    assert rig.flow.tally.mode == "stopped"
    assert rig.words().startswith("WEBHOOKS SILENT 31s: full polling")
    assert await rig.post(ended("call_t")) == 200
    assert rig.flow.reconciling() and rig.flow.tally.mode == "flowing"


def test_listen_addresses_default_to_loopback() -> None:
    assert parse_listen("8788") == ("127.0.0.1", 8788)
    assert parse_listen(":9000") == ("127.0.0.1", 9000)
    assert parse_listen("0.0.0.0:80") == ("0.0.0.0", 80)
    assert parse_listen("[::1]:8788") == ("::1", 8788)


async def test_a_poll_read_before_the_ending_was_delivered_does_not_revive_the_call() -> None:
    from monitor.api.models import Call

    rig = Rig()
    assert await rig.post(ended("call_v")) == 200
    stale = Call.model_validate({"id": "call_v", "status": "in_progress"})
    intake = rig.flow.intake
    assert not intake.take(stale, rig.clock.monotonic(), live_listing=True, source="in-flight list")
    assert rig.store.calls["call_v"].call.status == "completed"


async def test_a_bug_while_applying_answers_500_and_the_receiver_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig()

    def broken(_delivery: object) -> bool:
        raise KeyError("call_secretive")

    monkeypatch.setattr(rig.flow, "accept", broken)
    assert await rig.post(ended("call_b1")) == 500
    assert "call_secretive" not in caplog.text and "KeyError" in caplog.text
    monkeypatch.undo()
    assert await rig.post(ended("call_b2")) == 200
    assert rig.store.calls["call_b2"].call.status == "completed"
