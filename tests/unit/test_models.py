"""Normalising drifted payloads (FAULTS P2-P13, P17)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.api.errors import BadPayload
from monitor.api.fields import parse_datetime
from monitor.api.models import Call, Campaign, parse_retry_history
from monitor.api.pages import parse_page
from monitor.api.vocab import CallStatus, ContainerStatus, classify_call_status


@pytest.mark.parametrize(
    ("raw", "reason", "expected"),
    [
        ("no_answer", None, CallStatus.NO_ANSWER),
        ("no-answer", None, CallStatus.NO_ANSWER),
        ("did_not_pick", None, CallStatus.NO_ANSWER),
        ("NO-ANSWER", None, CallStatus.NO_ANSWER),
        (" completed ", None, CallStatus.COMPLETED),
        ("in-progress", None, CallStatus.IN_PROGRESS),
        ("initiated", None, CallStatus.DIALING),
        ("created", None, CallStatus.QUEUED),
        ("transferred", None, CallStatus.COMPLETED),
        ("rejected", None, CallStatus.FAILED),
        ("canceled", None, CallStatus.CANCELLED),
        ("retry_expired", None, CallStatus.EXPIRED),
        ("completed", "voicemail_detected", CallStatus.VOICEMAIL),
        ("hangup", "user_busy", CallStatus.BUSY),
        ("hangup", None, CallStatus.FAILED),
        ("voicemail_detected", None, CallStatus.VOICEMAIL),
        ("[red]FAILED", None, CallStatus.UNKNOWN),
        ("something_new", None, CallStatus.UNKNOWN),
    ],
)
def test_P5_status_spellings_normalise(raw: str, reason: str | None, expected: CallStatus) -> None:
    assert classify_call_status(raw, reason) is expected


def test_P5_T17_unknown_status_keeps_the_raw_word() -> None:
    call = Call.model_validate({"id": "call_1", "status": "[red]FAILED"})
    assert (call.status, call.status_raw) == (CallStatus.UNKNOWN, "[red]FAILED")


@pytest.mark.parametrize(
    ("value", "expected"), [("145", 145), (145.6, 146), (0, 0), ("0", 0), (None, None)]
)
def test_P4_durations_that_can_be_read_are_read(value: object, expected: int | None) -> None:
    assert Call.model_validate(
        {"id": "c", "status": "completed", "duration": value}
    ).duration_s == (expected)


@pytest.mark.parametrize("value", ["abc", -3, 1e30, math.nan, math.inf, True, {"s": 1}])
def test_P4_bad_durations_are_not_known_naming_the_field_not_the_value(value: object) -> None:
    # Issue 15: one odd value never costs the record; the duration is not known, and flagged.
    call = Call.model_validate({"id": "c", "status": "completed", "duration_sec": value})
    assert call.duration_s is None
    assert call.unread == ("duration_s",)
    assert "abc" not in repr(call)


def test_P4_P6_rows_with_an_id_are_kept_odd_fields_counted_the_rest_skipped() -> None:
    payload = {
        "data": [
            {"id": "c1", "status": "completed", "duration_sec": "145"},
            {"id": "c2", "status": "completed", "duration_sec": "abc"},
            {"id": "c3", "status": "busy", "duration_sec": -3},
            {"status": "busy"},
            {"id": "c5"},
            {"id": "c6", "status": "no-answer"},
            "not an object",
        ],
        "meta": {"total": 7},
    }
    page = parse_page(payload, Call.model_validate, page=1, limit=20, key=lambda c: c.id)
    assert [c.id for c in page.items] == ["c1", "c2", "c3", "c5", "c6"]
    assert [c.duration_s for c in page.items] == [145, None, None, None, None]
    assert page.items[3].status is CallStatus.UNKNOWN  # no status: unknown, never dropped
    assert page.skipped == 2  # no id, not an object
    assert dict(page.unread) == {"duration_s": 2}


def test_P7_unknown_fields_are_ignored() -> None:
    call = Call.model_validate(
        {"id": "c", "status": "busy", "fallback_stt_transcriber_id": None, "new_field": [1, 2]}
    )
    assert call.status is CallStatus.BUSY


@pytest.mark.parametrize(
    "payload",
    [
        {"data": None, "meta": None},
        {"data": [], "meta": {"page": 1}},
        [],
        {"items": [], "total": 0},
    ],
)
def test_P8_empty_or_null_pages_are_pages(payload: object) -> None:
    page = parse_page(payload, Call.model_validate, page=1, limit=20)
    assert page.items == ()


@pytest.mark.parametrize("payload", [None, "text", 12, {"unexpected": 1}, {"data": {"a": 1}}])
def test_P2_shapes_that_are_not_pages_are_bad_payloads(payload: object) -> None:
    with pytest.raises(BadPayload):
        parse_page(payload, Call.model_validate, page=1, limit=20)


def test_P9_implausible_totals_are_unknown_and_paging_ends() -> None:
    page = parse_page(
        {"data": [], "meta": {"total": -5, "limit": 0}}, Call.model_validate, page=2, limit=20
    )
    assert page.total is None
    assert page.limit == 20
    assert page.is_last


def test_P13_duplicate_ids_are_dropped() -> None:
    rows = [{"id": "c1", "status": "busy"}, {"id": "c1", "status": "busy"}]
    page = parse_page(rows, Call.model_validate, page=1, limit=20, key=lambda c: c.id)
    assert len(page.items) == 1
    assert page.skip_reasons == {"duplicate id": 1}


def test_pagination_variants_items_meta_totalItems_and_callLogs() -> None:
    a = parse_page(
        {"items": [{"id": "b1"}], "meta": {"totalItems": 41, "currentPage": 2, "itemsPerPage": 20}},
        Campaign.model_validate,
        page=1,
        limit=100,
    )
    assert (a.total, a.page, a.limit, a.total_pages) == (41, 2, 20, 3)
    b = parse_page(
        {
            "callLogs": [{"id": "c1", "status": "initiated"}],
            "total": 1,
            "page": 1,
            "limit": 20,
            "totalPages": 1,
        },
        Call.model_validate,
        page=1,
        limit=20,
    )
    assert (b.items[0].status, b.total_pages, b.is_last) == (CallStatus.DIALING, 1, True)
    c = parse_page({"data": [{"id": "x"}], "count": 9}, Campaign.model_validate, page=1, limit=5)
    assert c.total == 9


def test_envelope_statusCode_data_object_is_unwrapped() -> None:
    wrapped = {
        "statusCode": 200,
        "message": "ok",
        "data": {"data": [{"id": "c1", "status": "busy"}]},
    }
    page = parse_page(wrapped, Call.model_validate, page=1, limit=20)
    assert page.items[0].id == "c1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00.000Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (1714557600, datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (1714557600000, datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("Invalid Date", None),
        ("", None),
        (None, None),
        (10**20, None),
        (math.nan, None),
    ],
)
def test_P11_timestamps_are_read_leniently(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def test_P11_year_one_is_read_without_overflow() -> None:
    assert parse_datetime("0001-01-01T00:00:00Z") == datetime(1, 1, 1, tzinfo=UTC)


def test_P17_attempts_out_of_order_duplicated_are_sorted_and_deduplicated() -> None:
    rows = [
        {"attempt": 3, "status": "completed", "called_at": "2025-02-03T10:00:00Z"},
        {"attempt": 1, "status": "busy", "called_at": "2025-02-03T08:00:00Z"},
        {"attempt": 1, "status": "busy", "called_at": "2025-02-03T08:00:00Z"},
        {"attempt": "x", "status": "busy"},
    ]
    history = parse_retry_history({"data": rows}, "call_p1")
    assert [a.attempt for a in history.attempts] == [1, 3]
    assert history.skipped == 1
    assert history.call_id == "call_p1"


def test_campaign_and_batch_counter_spellings() -> None:
    batch = Campaign.model_validate(
        {
            "id": "batch_1",
            "title": "Renewals",
            "status": "processing",
            "total_records": 1000,
            "picked_up_calls": 12,
            "number_of_retries": 2,
            "attempt_stages": [{"depth": 0, "attempted": 10, "total": 100}, "junk"],
        }
    )
    assert (batch.name, batch.status, batch.total, batch.completed) == (
        "Renewals",
        ContainerStatus.RUNNING,
        1000,
        12,
    )
    assert batch.retry_config is not None and batch.retry_config.max_retries == 2
    assert batch.attempt_stages[0].total == 100
    campaign = Campaign.model_validate(
        {
            "id": "cmp_1",
            "status": "active",
            "retry_config": {"max_retries": 3, "retry_interval_minutes": 120},
            "total_leads": -1,
        }
    )
    assert campaign.status is ContainerStatus.WAITING
    assert campaign.retry_config is not None and campaign.retry_config.wait_minutes == 120
    assert campaign.total is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
CALLISH = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | st.text(min_size=1),
        "status": JSON | st.sampled_from(["busy", "no-answer", "completed", "x"]),
        "duration_sec": JSON,
        "created_at": JSON,
        "metadata": JSON,
        "analysis": JSON,
        "to_number": JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(payload=JSON | CALLISH | st.lists(CALLISH, max_size=4).map(lambda r: {"data": r}))
def test_R8_any_json_is_a_page_or_a_bad_payload_never_another_exception(payload: object) -> None:
    try:
        parse_page(payload, Call.model_validate, page=1, limit=20, key=lambda c: c.id)
    except BadPayload:
        pass
    try:
        parse_retry_history(payload, "call_1")
    except BadPayload:
        pass


def test_a_one_attempt_history_from_the_call_record_keeps_time_and_duration() -> None:
    from monitor.state.derive import history_from_call

    call = Call.model_validate(
        {"id": "c1", "status": "completed", "duration": 61, "created_at": "2025-01-10T09:30:00Z"}
    )
    (attempt,) = history_from_call(call).attempts
    assert attempt.duration_s == 61
    assert attempt.called_at == datetime(2025, 1, 10, 9, 30, tzinfo=UTC)


def test_reconcile_brings_a_lagging_last_attempt_up_to_the_call_record() -> None:
    from monitor.state.derive import reconcile

    history = parse_retry_history(
        {
            "data": [
                {"attempt": 1, "status": "busy", "called_at": "2025-02-03T08:00:00Z"},
                {"attempt": 2, "status": "in_progress", "called_at": "2025-02-03T09:00:00Z"},
            ]
        },
        "call_p1",
    )
    ended = Call.model_validate(
        {
            "id": "call_p2",
            "status": "completed",
            "attempt": 2,
            "duration": 75,
            "retry_group_id": "call_p1",
        }
    )
    fixed = reconcile(history, ended)
    assert [a.outcome for a in fixed.attempts] == [CallStatus.BUSY, CallStatus.COMPLETED]
    assert fixed.attempts[-1].duration_s == 75
    live = Call.model_validate({"id": "call_p2", "status": "in_progress", "attempt": 2})
    assert reconcile(history, live) == history
    other = Call.model_validate({"id": "call_p1", "status": "busy", "attempt": 1})
    assert reconcile(history, other) == history
