"""Webhook deliveries (issue 22, point 2): the signature first, in either documented header, in
constant time; then every documented family read by the same tolerant call model as a poll.
Refusals carry the status a receiver answers and never quote the body or the secret."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from monitor.api import webhook
from monitor.api.vocab import CallStatus
from monitor.api.webhook import MAX_BODY_BYTES, Refused, parse, read_delivery, sign, verify

SECRET = b"whsec_canary_7c1e0f5b2a9d"


def body_of(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


ENDED = body_of({"event": "call.completed", "data": {"id": "call_1", "status": "completed"}})


def test_sign_is_hmac_sha256_over_the_raw_body_as_documented() -> None:
    expected = hmac.new(SECRET, ENDED, hashlib.sha256).hexdigest()
    assert sign(ENDED, SECRET) == f"sha256={expected}"


@pytest.mark.parametrize("header", ["x-nexa-signature", "X-DialNexa-Signature", "X-NEXA-SIGNATURE"])
def test_either_documented_header_in_any_case_is_accepted(header: str) -> None:
    delivery = read_delivery(ENDED, {header: sign(ENDED, SECRET)}, SECRET)
    assert delivery.call is not None and delivery.call.id == "call_1"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "unsigned"),
        ({"x-nexa-signature": ""}, "does not match"),
        ({"x-nexa-signature": sign(ENDED, b"another secret")}, "does not match"),
        ({"x-nexa-signature": sign(ENDED + b" ", SECRET)}, "does not match"),
        ({"x-nexa-signature": sign(ENDED, SECRET)[7:]}, "does not match"),  # no sha256=
        ({"x-signature": sign(ENDED, SECRET)}, "unsigned"),  # an undocumented name
    ],
)
def test_unsigned_deliveries_are_refused_401_and_forged_403(
    headers: dict[str, str], why: str
) -> None:
    with pytest.raises(Refused) as caught:
        read_delivery(ENDED, headers, SECRET)
    assert caught.value.status == (401 if why == "unsigned" else 403)
    assert why in caught.value.reason
    assert SECRET.decode() not in str(caught.value)


def test_a_forged_header_beside_a_good_one_still_verifies_and_both_are_compared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[bytes] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    headers = {
        "x-nexa-signature": "sha256=" + "0" * 64,
        "X-DialNexa-Signature": sign(ENDED, SECRET),
    }
    verify(ENDED, headers, SECRET)
    assert len(compared) == 2  # constant-time compare of each, no short cut


def test_nothing_is_parsed_before_the_signature_holds() -> None:
    garbage = b"{not json"
    with pytest.raises(Refused) as unsigned:
        read_delivery(garbage, {"x-nexa-signature": "sha256=00"}, SECRET)
    assert unsigned.value.status == 403  # not 400: the body was never read
    with pytest.raises(Refused) as signed:
        read_delivery(garbage, {"x-nexa-signature": sign(garbage, SECRET)}, SECRET)
    assert signed.value.status == 400


def test_an_oversized_delivery_is_refused_413_at_the_stated_limit() -> None:
    at_limit = b" " * MAX_BODY_BYTES
    with pytest.raises(Refused) as caught:
        verify(at_limit + b" ", {"x-nexa-signature": sign(at_limit + b" ", SECRET)}, SECRET)
    assert caught.value.status == 413
    with pytest.raises(Refused) as ok_size:  # at the limit it is read (and is not JSON)
        read_delivery(at_limit, {"x-nexa-signature": sign(at_limit, SECRET)}, SECRET)
    assert ok_size.value.status == 400


@pytest.mark.parametrize(
    ("doc", "event", "status", "duration"),
    [
        (
            {"event": "call.completed", "data": {"id": "call_1", "status": "completed",
                                                 "duration_seconds": 75}},
            "call.completed", CallStatus.COMPLETED, 75,
        ),
        (
            {"type": "call.ended", "call": {"id": "call_1", "status": "no-answer",
                                            "duration_sec": 0}},
            "call.ended", CallStatus.NO_ANSWER, 0,
        ),
        (
            {"event_type": "call_ended", "payload": {"call": {
                "call_id": "call_1", "status": "hangup",
                "disconnection_reason": "user_did_not_pick_up", "duration_in_seconds": 0,
                "initiated_at": "2026-11-23T10:00:00Z", "to_number": "+15550100"}}},
            "call.ended", CallStatus.NO_ANSWER, 0,
        ),
        (
            {"event_type": "call_initiated", "payload": {"call": {"call_id": "call_1",
                                                                  "status": "initiated"}}},
            "call.started", CallStatus.DIALING, None,
        ),
        (
            {"event_type": "transfer_completed", "payload": {"call": {"call_id": "call_1",
                                                                      "status": "transferred"}}},
            "call.transferred", CallStatus.COMPLETED, None,
        ),
        (
            {"event": "call.failed", "data": {"id": "call_1", "status": "failed",
                                              "end_reason": "invalid_phone_number"}},
            "call.failed", CallStatus.FAILED, None,
        ),
    ],
)  # fmt: skip
def test_every_documented_family_gives_the_call_read_like_a_poll(
    doc: dict[str, Any], event: str, status: CallStatus, duration: int | None
) -> None:
    delivery = parse(body_of(doc))
    assert delivery.event == event
    assert delivery.call is not None
    assert (delivery.call.id, delivery.call.status, delivery.call.duration_s) == (
        "call_1",
        status,
        duration,
    )


def test_a_campaign_event_carries_no_call() -> None:
    delivery = parse(body_of({"event": "campaign.paused", "campaign_id": "cmp_1"}))
    assert (delivery.event, delivery.call, delivery.campaign_id) == (
        "campaign.paused",
        None,
        "cmp_1",
    )
    assert parse(body_of({"event": "call.transcript_ready", "data": {"id": "call_1"}})).event == (
        "call.transcript_ready"
    )
    assert parse(body_of({"data": {"id": "call_1"}})).event == "unknown"


def test_a_duplicate_is_recognised_by_its_id_or_its_body() -> None:
    first, again = parse(ENDED), parse(ENDED)
    assert first.delivery_id == again.delivery_id == hashlib.sha256(ENDED).hexdigest()
    named = parse(body_of({"event": "call.ended", "event_id": "evt_9", "call": {"id": "call_1"}}))
    assert named.delivery_id == "evt_9"
    bare = body_of({"id": "call_1", "call_id": "call_1", "status": "completed"})
    assert parse(bare).delivery_id == hashlib.sha256(bare).hexdigest()


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"[1, 2]",
        b"{" * 2000 + b"}" * 2000,
        body_of({"event": "call.ended", "call": {"status": "completed"}}),  # no id
    ],
)
def test_malformed_deliveries_are_refused_400_without_quoting_them(body: bytes) -> None:
    with pytest.raises(Refused) as caught:
        parse(body)
    assert caught.value.status == 400
    assert "completed" not in caught.value.reason
