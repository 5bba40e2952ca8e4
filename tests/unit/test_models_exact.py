"""Models and vocabulary, exact: the API sheet's sections 3, 5 and 13 (spellings, end reasons,
durations, counters, timestamps) and seed 000's retries shapes, value by value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.api.errors import BadPayload
from monitor.api.fields import MAX_DURATION_S, parse_datetime
from monitor.api.models import (
    Attempt,
    Call,
    Campaign,
    RetryConfig,
    parse_retry_history,
)
from monitor.api.vocab import (
    CallStatus,
    ContainerStatus,
    classify_call_status,
    classify_container_status,
    fold,
    status_filter_words,
)

S = CallStatus
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def call(**raw: Any) -> Call:
    return Call.model_validate({"id": "call_1", **raw})


def reasons(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.value.errors()]


# -- status and end reason (section 5) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"status": "failed", "end_reason": "user_busy"}, S.BUSY),  # the reason overrides failed
        ({"status": "failed", "end_reason": "invalid_phone_number"}, S.FAILED),
        ({"status": "failed", "end_reason": "something else"}, S.FAILED),
        ({"status": "completed", "end_reason": "voicemail_detected"}, S.VOICEMAIL),
        ({"status": "completed", "disconnection_reason": "user_did_not_pick_up"}, S.NO_ANSWER),
        ({"status": "hangup", "disconnection_reason": "user_busy"}, S.BUSY),
        (
            {"status": "hangup", "end_reason": None, "disconnection_reason": "voicemail"},
            S.VOICEMAIL,
        ),
        ({"status": "hangup"}, S.FAILED),
        ({"end_reason": "user_did_not_pick_up"}, S.NO_ANSWER),  # no status: the reason alone
        ({"status": 5, "end_reason": "user_busy"}, S.BUSY),  # a status that is not a word
        ({"status": "completed", "end_reason": 7}, S.COMPLETED),  # a reason that is not a word
        ({"status": "busy", "end_reason": "voicemail_detected"}, S.BUSY),  # only completed/failed
        ({"call_status": "No Answer"}, S.NO_ANSWER),
    ],
)
def test_status_and_end_reason_as_the_sheet_says(raw: dict[str, Any], expected: S) -> None:
    assert call(**raw).status is expected


def test_the_raw_status_word_is_kept_only_when_it_is_text() -> None:
    assert call(status="did_not_pick").status_raw == "did_not_pick"
    assert call(status=5, end_reason="user_busy").status_raw is None
    assert call(status="failed", end_reason="user_busy").end_reason == "user_busy"
    assert call(status="failed", disconnection_reason="x").end_reason == "x"


def test_no_status_and_no_reason_is_an_unknown_status_and_the_record_kept() -> None:
    # The OpenAPI requires only `id` (issue 15): a record without a status is kept as unknown.
    record = call(to_number="+1")
    assert (record.status, record.status_raw, record.to_number) == (S.UNKNOWN, None, "+1")
    attempt = Attempt.model_validate({"attempt": 1})
    assert (attempt.attempt, attempt.outcome, attempt.outcome_raw) == (1, S.UNKNOWN, None)


def test_classify_call_status_directly() -> None:
    assert classify_call_status(None) is S.FAILED
    assert classify_call_status("") is S.FAILED
    assert classify_call_status(None, "user_busy") is S.BUSY
    assert classify_call_status("", "no_answer") is S.NO_ANSWER
    assert classify_call_status(" In-Progress ") is S.IN_PROGRESS
    assert classify_call_status("no answer") is S.NO_ANSWER
    assert classify_call_status("weird") is S.UNKNOWN
    assert classify_call_status("weird", "user_busy") is S.UNKNOWN
    assert classify_call_status("failed", "") is S.FAILED


def test_fold_trims_lowers_and_joins_words() -> None:
    assert fold("  Did-Not Pick ") == "did_not_pick"


def test_container_statuses_and_unknown_words() -> None:
    assert classify_container_status(None) is ContainerStatus.UNKNOWN
    assert classify_container_status("bogus") is ContainerStatus.UNKNOWN
    assert classify_container_status(" Active ") is ContainerStatus.WAITING
    assert classify_container_status("deleted") is ContainerStatus.CANCELLED


@pytest.mark.parametrize(
    ("status", "calls", "logs"),
    [
        (S.QUEUED, ("created",), ("queued",)),
        (S.DIALING, ("initiated", "sent"), ("dialing",)),
        (S.IN_PROGRESS, ("received", "in_progress"), ("in-progress",)),
        (S.NO_ANSWER, ("no_answer", "did_not_pick"), ("no-answer",)),
        (S.EXPIRED, ("retry_expired",), ("expired",)),
        (S.BUSY, ("busy",), ("busy",)),
        (S.COMPLETED, ("completed",), ("completed",)),
    ],
)
def test_filter_words_per_endpoint(
    status: S, calls: tuple[str, ...], logs: tuple[str, ...]
) -> None:
    """`/calls` takes the OpenAPI's enum values; the call-logs paths the hyphen forms."""
    assert status_filter_words(status, dialect="calls") == calls
    assert status_filter_words(status, dialect="call-logs") == logs


# -- durations, counters, text, ids, timestamps --------------------------------------------------


def test_a_duration_is_whole_seconds_up_to_a_week() -> None:
    assert call(status="busy", duration_seconds=MAX_DURATION_S).duration_s == MAX_DURATION_S
    assert call(status="busy", duration_seconds=" 145.6 ").duration_s == 146
    assert call(status="busy", duration_seconds=0).duration_s == 0
    assert call(status="busy").duration_s is None
    assert MAX_DURATION_S == 604_800


@pytest.mark.parametrize(
    "value", [MAX_DURATION_S + 1, MAX_DURATION_S * 1000, -1, True, "long", [1], float("nan")]
)
def test_a_duration_that_cannot_be_right_is_unknown_and_named(value: object) -> None:
    # Tolerant models (issue 15): the row is kept, the value is unknown and named as unread.
    record = call(status="busy", duration_seconds=value)
    assert (record.status, record.duration_s, record.unread) == (S.BUSY, None, ("duration_s",))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), ("0", 0), (0.5, 0), (3, 3), ("12", 12), (-1, None), (None, None), (True, None)],
)
def test_a_counter_reads_zero_as_zero_and_nonsense_as_unknown(
    value: object, expected: int | None
) -> None:
    campaign = Campaign.model_validate({"id": "c", "completed_calls": value, "failed": "x"})
    assert campaign.completed == expected
    assert campaign.failed is None


def test_text_fields_take_numbers_but_not_booleans_or_lists() -> None:
    assert call(status="busy", to_number=14155550100).to_number == "14155550100"
    assert call(status="busy", to_number=1.5).to_number == "1.5"
    for bad in (True, ["+1"]):
        record = call(status="busy", to_number=bad)
        assert (record.to_number, record.unread) == (None, ("to_number",))


def test_an_id_may_be_a_number_but_not_a_boolean_or_blank() -> None:
    assert Call.model_validate({"id": 42, "status": "busy"}).id == "42"
    for bad in (True, "  ", 1.5):
        with pytest.raises(ValidationError) as exc:
            Call.model_validate({"id": bad, "status": "busy"})
        assert reasons(exc) == ["id: Value error, missing or not an id"]
    with pytest.raises(ValidationError) as missing:
        Call.model_validate({"id": None, "status": "busy"})
    assert reasons(missing) == ["id: Field required"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-23T10:00:00Z", T0),
        ("2026-11-23T10:00:00z", T0),
        ("2026-11-23T10:00:00", T0),
        ("2026-11-23T11:00:00+01:00", T0),
        (T0.timestamp(), T0),
        (T0.timestamp() * 1000, T0),
        (100_000_000_000, datetime.fromtimestamp(100_000_000_000, tz=UTC)),
        (100_000_000_001, datetime.fromtimestamp(100_000_000.001, tz=UTC)),
        (datetime(2026, 11, 23, 10, 0), T0),
        (T0.astimezone(timezone(timedelta(hours=5))), T0),
        (None, None),
        (True, None),
        ("", None),
        ("Invalid Date", None),
        (float("inf"), None),
        ([2026], None),
    ],
)
def test_timestamps_in_every_documented_form(value: object, expected: datetime | None) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0) or parsed.tzinfo is not None


def test_zoned_timestamps_come_back_in_utc() -> None:
    parsed = parse_datetime("2026-11-23T11:00:00+01:00")
    assert parsed is not None and parsed.tzinfo is UTC
    naive = parse_datetime(datetime(2026, 11, 23, 10, 0))
    assert naive is not None and naive.tzinfo is UTC
    aware = T0.astimezone(timezone(timedelta(hours=5)))
    assert parse_datetime(aware) is aware  # already zoned: kept as given


# -- retry settings and the retries endpoint (seed 000, section 8) -------------------------------


def test_retry_settings_under_every_documented_name() -> None:
    per_call = RetryConfig.model_validate({"max_retries": 3, "wait_minutes": 30})
    per_campaign = RetryConfig.model_validate({"max_retries": 2, "retry_interval_minutes": "60"})
    per_batch = RetryConfig.model_validate({"number_of_retries": 4, "interval_minutes": 15})
    assert (per_call.max_retries, per_call.wait_minutes) == (3, 30.0)
    assert (per_campaign.max_retries, per_campaign.wait_minutes) == (2, 60.0)
    assert (per_batch.max_retries, per_batch.wait_minutes) == (4, 15.0)
    assert RetryConfig.model_validate({"max_retries": 0}).max_retries == 0
    for bad in (-5, "soon", float("nan")):
        assert RetryConfig.model_validate({"wait_minutes": bad}).wait_minutes is None


def test_seed_003_defaults_and_explicit_flags() -> None:
    default = RetryConfig.model_validate({})
    assert (default.retry_on_no_answer, default.retry_on_busy, default.retry_on_voicemail) == (
        True,
        True,
        False,
    )
    flags = RetryConfig.model_validate(
        {"retry_on_voicemail": True, "retry_on_no_answer": False, "retry_on_busy": "no"}
    )
    assert (flags.retry_on_voicemail, flags.retry_on_no_answer, flags.retry_on_busy) == (
        True,
        False,
        True,  # not a boolean: the default
    )


def row(n: int, status: str, at: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"attempt": n, "status": status, **({"called_at": at} if at else {}), **extra}


@pytest.mark.parametrize("key", ["data", "attempts", "items", "retries"])
def test_retries_under_every_key(key: str) -> None:
    history = parse_retry_history({key: [row(1, "busy")], "call_id": "call_p"}, "asked")
    assert history.call_id == "call_p"
    assert [a.attempt for a in history.attempts] == [1]


def test_retries_without_a_list_or_an_id() -> None:
    history = parse_retry_history({"call_id": ""}, "asked")
    assert (history.call_id, history.attempts, history.skipped) == ("asked", (), 0)
    assert parse_retry_history({"call_id": 7, "data": []}, "asked").call_id == "asked"
    bare = parse_retry_history([row(1, "busy")], "asked")
    assert bare.call_id == "asked"


def test_retries_that_are_not_a_history_say_so() -> None:
    with pytest.raises(BadPayload) as root:
        parse_retry_history("nope", "asked")
    assert str(root.value) == "Bad payload from the retries endpoint: not a JSON object"
    assert root.value.where == "root"
    with pytest.raises(BadPayload) as data:
        parse_retry_history({"data": {"attempt": 1}}, "asked")
    assert str(data.value) == "Bad payload from the retries endpoint: data is not a list"
    assert data.value.where == "data"


def test_retries_are_sorted_deduplicated_and_bad_rows_counted() -> None:
    history = parse_retry_history(
        {
            "data": [
                row(2, "busy", "2026-11-23T10:30:00Z"),
                {"status": "busy"},  # no attempt number
                row(1, "no_answer"),
                row(1, "no_answer", "2026-11-23T10:00:00Z"),
                row(2, "busy", "2026-11-23T10:30:00Z"),  # an exact duplicate
                "junk",
                row(3, "busy", "2026-11-23T11:00:00Z"),
            ]
        },
        "asked",
    )
    assert [(a.attempt, a.called_at) for a in history.attempts] == [
        (1, T0),
        (1, None),  # no time: after the timed row of the same attempt
        (2, T0 + timedelta(minutes=30)),
        (3, T0 + timedelta(hours=1)),
    ]
    assert history.skipped == 2
