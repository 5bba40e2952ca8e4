"""Issue 15's "Why" cases at the unit level: each named after what was tried.

The same cases run through `snapshot` as a subprocess (tests/cli/test_snapshot_untrusted.py) and
the live app under Pilot (tests/faults/test_fault_screen_untrusted.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from monitor.api.client import DialNexaClient
from monitor.api.errors import BadPayload, RateLimited, ServerError, Unauthorized
from monitor.api.models import Attempt, Call, Campaign, RetryConfig, RetryHistory
from monitor.api.ratelimit import parse_number, parse_rate_limit, parse_retry_after
from monitor.api.vocab import CallStatus
from monitor.clock import FakeClock
from monitor.report import Report
from monitor.snapshot import collect
from monitor.state.calltime import call_clock
from monitor.state.derive import build_timeline, pending_retry_eta

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, clock: FakeClock | None = None) -> DialNexaClient:
    return DialNexaClient(
        "http://x/v1", KEY, transport=httpx.MockTransport(handler), clock=clock or FakeClock()
    )


def strict_json(text: str) -> Any:
    def refuse(word: str) -> None:
        raise AssertionError(f"not strict JSON: {word}")

    return json.loads(text, parse_constant=refuse)


# -- the key echoed by a misbehaving server ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"), [(401, Unauthorized), (400, Exception), (500, ServerError)]
)
async def test_key_echoed_in_error_message_is_masked(status: int, error: type) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        said = request.headers["Authorization"]
        return httpx.Response(status, json={"statusCode": status, "message": f"bad {said}"})

    async with client_for(echo) as client:
        with pytest.raises(error) as info:
            await client.get_json("/calls/call_1", object_id="call_1")
    message = str(info.value)
    assert KEY not in message and "Bearer [redacted]" in message


async def test_key_echoed_in_a_record_is_masked_before_anything_reads_it() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": "call_1",
                "status": "completed",
                "metadata": {"debug": f"sent with key {KEY}", "h": "Authorization: bearer abc"},
            },
        )

    async with client_for(echo) as client:
        call = await client.get_call("call_1")
    assert call.metadata == {
        "debug": "sent with key [redacted]",
        "h": "Authorization: bearer [redacted]",
    }


# -- time arithmetic that cannot overflow --------------------------------------------------


def test_retry_attempt_in_year_9999_gives_no_eta_instead_of_overflow() -> None:
    history = RetryHistory(
        call_id="c",
        attempts=(
            Attempt(attempt=1, outcome=CallStatus.NO_ANSWER, called_at=NOW),
            Attempt(
                attempt=2,
                outcome=CallStatus.BUSY,
                called_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
                duration_s=120,
            ),
        ),
    )
    config = RetryConfig(max_retries=3, wait_minutes=30)
    timeline = build_timeline(history, config, NOW)
    assert timeline.summary == "pending"
    assert timeline.next_retry_at is None
    assert timeline.overdue is False


def test_retry_wait_minutes_1e12_gives_no_eta_instead_of_overflow() -> None:
    config = RetryConfig.model_validate({"max_retries": 3, "wait_minutes": 1e12})
    call = Call.model_validate(
        {"id": "c", "status": "busy", "ended_at": "2026-11-23T09:00:00Z", "attempt": 1}
    )
    assert pending_retry_eta(call, config) is None
    history = RetryHistory(
        call_id="c", attempts=(Attempt(attempt=1, outcome=CallStatus.BUSY, called_at=NOW),)
    )
    assert build_timeline(history, config, NOW).next_retry_at is None


# -- numbers that never raise ----------------------------------------------------------------


def test_rate_limit_header_1e400_is_not_a_limit() -> None:
    info = parse_rate_limit(
        httpx.Headers({"X-RateLimit-Limit": "1e400", "X-RateLimit-Remaining": "NaN"}), NOW
    )
    assert (info.limit, info.remaining) == (None, None)


@pytest.mark.parametrize("value", ["²", "³⁴", "-5", "1.5e3", "inf", "nan", "  "])
def test_retry_after_superscript_two_and_other_non_numbers_are_not_waits(value: str) -> None:
    assert parse_retry_after(value, NOW) is None


def test_retry_after_in_any_decimal_digits_is_read() -> None:
    after = parse_retry_after("٣٠", NOW)  # Arabic-Indic 30
    assert after is not None and after.seconds == 30


@pytest.mark.parametrize("value", [1e400, "1e400", float("nan"), 10**400, "²", None, True, [1]])
def test_parse_number_never_raises(value: object) -> None:
    assert parse_number(value) is None


async def test_429_with_retry_after_superscript_two_is_still_rate_limiting() -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"statusCode": 429, "message": "slow down"},
            headers={"Retry-After": "²".encode(), "X-RateLimit-Limit": b"1e400"},
        )

    async with client_for(limited) as client:
        with pytest.raises(RateLimited) as info:
            await client.get_json("/calls")
    assert info.value.retry_after is None  # our own backoff, not a crash


# -- JSON with a depth limit -------------------------------------------------------------------


async def test_metadata_nested_990_deep_is_a_bad_payload() -> None:
    deep = '{"id": "call_1", "status": "completed", "metadata": ' + "[" * 990 + "]" * 990 + "}"

    def nested(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=deep, headers={"Content-Type": "application/json"})

    async with client_for(nested) as client:
        with pytest.raises(BadPayload, match="nested deeper than 64"):
            await client.get_call("call_1")


async def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    text = json.dumps({"id": "call_1", "status": "completed", "metadata": {"s": "[" * 500}})

    async with client_for(lambda r: httpx.Response(200, content=text)) as client:
        call = await client.get_call("call_1")
    assert call.metadata == {"s": "[" * 500}


# -- strictly valid JSON -------------------------------------------------------------------------


def test_nan_and_infinity_in_metadata_become_null_with_a_note() -> None:
    report = Report(base_url="http://x/v1", generated_at=NOW)
    report.call = {"id": "c", "metadata": {"score": math.nan, "ok": 1.5}, "analysis": [math.inf]}
    out = strict_json(report.to_json_text())
    assert out["call"]["metadata"] == {"score": None, "ok": 1.5}
    assert out["call"]["analysis"] == [None]
    assert {n["resource"] for n in out["notes"]} == {".call.metadata.score", ".call.analysis[0]"}
    assert out["errors"] == []


def test_json_always_includes_campaigns_even_when_there_are_none() -> None:
    out = strict_json(Report(base_url="http://x/v1", generated_at=NOW).to_json_text())
    assert out["campaigns"] == []


# -- impossible clocks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "flag"),
    [
        ("1970-01-01T00:00:00Z", "placed before 2000"),
        ("0001-01-01T00:00:00Z", "placed before 2000"),
        ("2027-01-01T00:00:00Z", "placed in the future"),
        ("2026-11-21T09:00:00Z", "over a day"),
    ],
)
def test_calls_created_in_1970_or_year_1_show_flagged_durations(created: str, flag: str) -> None:
    call = Call.model_validate({"id": "c", "status": "in-progress", "created_at": created})
    clock = call_clock(call, NOW)
    assert flag in clock.flags
    assert clock.duration_s is None or clock.duration_s > 86_400


# -- tolerant models ----------------------------------------------------------------------------


def test_schema_valid_call_without_a_status_is_kept_as_unknown() -> None:
    call = Call.model_validate({"id": "call_1"})
    assert call.status is CallStatus.UNKNOWN
    assert "status" not in call.model_fields_set  # a merge keeps an earlier read's status


def test_odd_attempt_stage_depth_and_an_id_with_a_space_keep_the_campaign() -> None:
    campaign = Campaign.model_validate(
        {
            "id": "cmp a",
            "title": "Renewals",
            "attempt_stages": [{"depth": "x", "attempted": [], "total": 5}, 3],
            "total_records": "many",
        }
    )
    assert campaign.name == "Renewals"
    assert campaign.attempt_stages[0].total == 5
    assert campaign.total is None and campaign.unread == ("total",)


# -- snapshot --call ----------------------------------------------------------------------------


async def test_snapshot_call_answered_with_another_id_is_an_error() -> None:
    def other(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/retries"):
            return httpx.Response(404, json={"message": "Call not found"})
        return httpx.Response(200, json={"id": "call_other", "status": "completed"})

    clock = FakeClock()
    async with client_for(other, clock) as client:
        report = await collect(client, call_id="call_mine", campaign_ids=[], clock=clock)
    assert report.call is None
    assert [(e["resource"], e["kind"]) for e in report.errors] == [
        ("call/call_mine", "bad_payload")
    ]
    assert "another call's record" in report.errors[0]["message"]


async def test_list_rows_left_out_are_counted_in_snapshot_errors() -> None:
    def logs(request: httpx.Request) -> httpx.Response:
        rows = [{"id": "c1", "status": "completed"}, {"status": "busy"}, "junk"]
        return httpx.Response(200, json={"data": rows, "meta": {"total": 3}})

    clock = FakeClock()
    async with client_for(logs, clock) as client:
        report = await collect(client, call_id=None, campaign_ids=["cmp_a"], clock=clock)
    left_out = [e for e in report.errors if e["kind"] == "bad_payload"]
    assert left_out and all("2 rows left out" in e["message"] for e in left_out)


# -- call record and retry history are independent reads -----------------------------------


async def test_snapshot_404_on_the_record_with_a_retry_history_present_shows_the_history() -> None:
    def gone(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/retries"):
            rows = [
                {
                    "attempt": 1,
                    "status": "busy",
                    "duration_sec": 0,
                    "called_at": "2025-02-03T08:00:00Z",
                },
                {
                    "attempt": 2,
                    "status": "completed",
                    "duration_sec": 75,
                    "called_at": "2025-02-03T09:00:00Z",
                },
            ]
            return httpx.Response(200, json={"data": rows})
        return httpx.Response(404, json={"statusCode": 404, "message": "Call not found"})

    clock = FakeClock()
    async with client_for(gone, clock) as client:
        report = await collect(client, call_id="call_p1", campaign_ids=[], clock=clock)
    assert report.call is not None
    assert report.call["id"] == "call_p1"
    assert [a["outcome"] for a in report.call["attempts"]] == ["busy", "completed"]
    assert report.call["summary_status"] == "completed"
    assert report.call["retry_source"] == "call-logs"
    assert [(e["resource"], e["kind"]) for e in report.errors] == [("call/call_p1", "not_found")]


async def test_snapshot_404_on_the_history_of_a_call_that_exists_is_one_attempt() -> None:
    def no_history(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/retries"):
            return httpx.Response(404, json={"statusCode": 404, "message": "Call not found"})
        return httpx.Response(
            200, json={"id": "call_1", "status": "busy", "created_at": "2026-11-23T09:00:00Z"}
        )

    clock = FakeClock()
    async with client_for(no_history, clock) as client:
        report = await collect(client, call_id="call_1", campaign_ids=[], clock=clock)
    assert report.errors == []
    assert report.call is not None
    assert report.call["retry_source"] == "call-record"
    assert [a["outcome"] for a in report.call["attempts"]] == ["busy"]
