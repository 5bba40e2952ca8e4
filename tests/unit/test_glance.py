"""One look's rules (issue 19): durations from the records' documented clocks, never from a
call's `created_at` taken as its dial time; skipped dials counted per campaign for an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call, parse_retry_history
from monitor.state.glance import (
    SKIPPED_WINDOW_S,
    blocked_since,
    oldest_wait,
    placed_at,
    skipped_dials,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(seconds: float) -> str:
    return at(seconds).isoformat().replace("+00:00", "Z")


def test_a_call_is_dialled_when_its_history_says_by_id_or_by_attempt_number() -> None:
    head = Call.model_validate({"id": "c1", "status": "initiated", "created_at": iso(0)})
    retry = Call.model_validate(
        {"id": "c2", "status": "initiated", "retry_group_id": "c1", "attempt": 2}
    )
    shape1 = parse_retry_history(
        {"call_id": "c1", "data": [{"attempt": 1, "status": "no_answer", "timestamp": iso(60)},
                                   {"attempt": 2, "status": "initiated", "timestamp": iso(400)}]},
        "c1",
    )  # fmt: skip
    assert placed_at("c1", head, {"c1": shape1}) == at(60)  # not its created_at
    assert placed_at("c2", retry, {"c1": shape1}) == at(400)
    assert placed_at("c2", retry, {}) is None  # not read: not known
    from_record = shape1.model_copy(update={"source": "call-record"})
    assert placed_at("c1", head, {"c1": from_record}) is None  # a record's own row says nothing


def test_skipped_dials_are_counted_per_campaign_within_the_hour() -> None:
    now = at(SKIPPED_WINDOW_S + 600)
    calls = [
        Call.model_validate({"id": "s1", "status": "skipped", "campaign_id": "b1",
                             "ended_at": iso(700)}),
        Call.model_validate({"id": "s2", "status": "SKIPPED", "campaign_id": "b1",
                             "ended_at": iso(900)}),
        Call.model_validate({"id": "s0", "status": "skipped", "campaign_id": "b1",
                             "ended_at": iso(100)}),  # over an hour ago
        Call.model_validate({"id": "x1", "status": "cancelled", "campaign_id": "b1",
                             "ended_at": iso(900)}),  # cancelled is not skipped
        Call.model_validate({"id": "s3", "status": "skipped", "campaign_id": "b2"}),
    ]  # fmt: skip
    found = skipped_dials(calls, now)
    assert set(found) == {"b1", "b2"}
    assert (found["b1"].count, found["b1"].first, found["b1"].last_call_id) == (2, at(700), "s2")
    assert found["b1"].times == (at(700), at(900))
    assert (found["b2"].count, found["b2"].first) == (1, None)  # when: not known
    assert calls[0].status.value == "cancelled"  # ended, never dialled


def test_blocked_since_the_last_dial_when_every_dial_time_is_known() -> None:
    now = at(1000)
    assert blocked_since([at(500), at(700)], [], now, 180) == at(700)
    assert blocked_since([at(500), at(900)], [], now, 180) is None  # dialled 100 s ago
    assert blocked_since([at(500), None], [], now, 180) is None  # one not known
    assert blocked_since([], [], now, 180) is None
    assert blocked_since([at(500)], [at(950)], now, 180) is None  # a slot freed lately
    assert blocked_since([at(500)], [at(700), None], now, 180) == at(500)


def test_the_oldest_wait_of_queued_calls() -> None:
    assert oldest_wait([at(30), None, at(10)]) == at(10)
    assert oldest_wait([None]) is None
