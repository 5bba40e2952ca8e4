"""`record_of`: the snapshot's copy of a call, built without pydantic's per-field work.

It sets pydantic's internals by hand (speed: a 10,000-call campaign screen), so these tests
pin that the result is indistinguishable from a validated record: equal, frozen, the same
fields set, the same JSON, and it reads back.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from monitor.api.models import Call
from monitor.api.vocab import CallStatus
from monitor.state.records import CallRecord, RecordCache, record_of

RAW = {
    "id": "call_1",
    "status": "completed",
    "to_number": "+14155550100",
    "from_number": "+14155559999",
    "created_at": "2026-11-23T10:00:00Z",
    "ended_at": "2026-11-23T10:00:40Z",
    "duration_s": 40,
    "campaign_id": "camp_1",
    "attempt": 2,
    "agent_id": "agent_7",
    "metadata": {"k": "v"},
}


def test_record_is_the_validated_record() -> None:
    call = Call.model_validate(RAW)
    record = record_of(call)
    validated = CallRecord.model_validate(
        {name: getattr(call, name) for name in CallRecord.model_fields}
    )
    assert record == validated
    assert record.model_fields_set == validated.model_fields_set
    assert record.model_dump_json() == validated.model_dump_json()
    assert CallRecord.model_validate_json(record.model_dump_json()) == record
    assert record.status is CallStatus.COMPLETED
    assert record.ended_at == datetime(2026, 11, 23, 10, 0, 40, tzinfo=UTC)
    assert record.attempt == 2


def test_record_is_frozen_and_owns_its_fields_set() -> None:
    one, two = record_of(Call.model_validate(RAW)), record_of(Call.model_validate(RAW))
    with pytest.raises(ValidationError):
        one.status = CallStatus.FAILED  # type: ignore[misc]
    one.model_fields_set.discard("id")
    assert "id" in two.model_fields_set


def test_call_missing_fields_takes_the_defaults() -> None:
    # A call built by model_construct from a few fields has no value for the rest.
    call = Call.model_construct(id="call_2", status=CallStatus.QUEUED)
    record = record_of(call)
    assert record.id == "call_2"
    assert record.status is CallStatus.QUEUED
    assert record.duration_s is None
    assert record.metadata == {}
    assert record.unread == ()


def test_cache_reuses_the_record_of_an_unchanged_call() -> None:
    cache = RecordCache()
    call = Call.model_validate(RAW)
    first = cache.records([call])[0]
    assert cache.records([call])[0] is first
    changed = call.model_copy(update={"status": CallStatus.FAILED})
    assert cache.records([changed])[0].status is CallStatus.FAILED
