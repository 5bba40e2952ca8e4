"""Every public function of `monitor.state.derive`, called directly with exact expected values.

The figures come from the vendor's auto-retry guide (seed 003) and the API sheet: sections 5
(connect rate, qualified rate), 7 (summary status), 8 (retry semantics, the worked example, the
ETA and "overdue", the retry wave).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.api.models import Attempt, Call, RetryConfig, RetryHistory
from monitor.api.vocab import OUTCOME_COLUMNS, CallStatus
from monitor.state.derive import (
    QualifiedFigures,
    TimelineRow,
    WaveBucket,
    build_timeline,
    connect_rate,
    count_outcomes,
    empty_counts,
    history_from_call,
    is_qualified,
    pending_retry_eta,
    qualified_rate,
    reconcile,
    retry_wave,
    summarise,
)

S = CallStatus
T0 = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
GUIDE = RetryConfig.model_validate(
    {
        "max_retries": 3,
        "wait_minutes": 30,
        "retry_on_voicemail": False,
        "retry_on_no_answer": True,
        "retry_on_busy": True,
    }
)
"""The guide's example settings (seed 003, API sheet section 8's worked example)."""


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def attempt(n: int, outcome: str, **extra: Any) -> Attempt:
    return Attempt.model_validate({"attempt": n, "status": outcome, **extra})


def series(*outcomes: str) -> tuple[Attempt, ...]:
    return tuple(attempt(i, o) for i, o in enumerate(outcomes, start=1))


def config(**overrides: Any) -> RetryConfig:
    return GUIDE.model_copy(update=overrides)


def call(status: str, **extra: Any) -> Call:
    return Call.model_validate({"id": "call_1", "status": status, **extra})


# -- summarise -----------------------------------------------------------------------------------


def test_no_attempt_has_no_summary() -> None:
    assert summarise((), GUIDE) is None


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        # The worked example: 4 = max_retries + 1 attempts, none completed.
        (("no_answer", "busy", "no_answer", "no_answer"), "all_retries_exhausted"),
        # Attempt 3 reaches voicemail with retry-on-voicemail off.
        (("no_answer", "busy", "voicemail"), "voicemail_final"),
        # Attempt 2 completed.
        (("no_answer", "completed"), "completed"),
        # Attempt 1 failed: never retried.
        (("failed",), "failed"),
        (("cancelled",), "failed"),
        # The retry window closed.
        (("no_answer", "retry_expired"), "all_retries_exhausted"),
        # Retryable, attempts left: a retry is scheduled.
        (("no_answer",), "pending"),
        (("no_answer", "busy"), "pending"),
        (("no_answer", "busy", "busy"), "pending"),  # attempt 3 of 4: one left
        # An attempt in flight now.
        (("no_answer", "ringing"), "in_progress"),
        (("no_answer", "in_progress"), "in_progress"),
        (("no_answer", "created"), "in_progress"),
        (("no_answer", "something new"), "in_progress"),
    ],
)
def test_summary_follows_the_guide(outcomes: tuple[str, ...], expected: str) -> None:
    assert summarise(series(*outcomes), GUIDE) == expected


def test_a_completed_attempt_anywhere_makes_the_series_completed() -> None:
    assert summarise(series("completed", "no_answer"), GUIDE) == "completed"
    assert summarise(series("completed", "failed"), None) == "completed"


def test_exhausted_exactly_at_max_retries_plus_one_and_beyond() -> None:
    assert summarise(series("busy", "busy", "busy"), GUIDE) == "pending"  # attempt 3 = max
    assert summarise(series("busy", "busy", "busy", "busy"), GUIDE) == "all_retries_exhausted"
    assert summarise(series(*["busy"] * 5), GUIDE) == "all_retries_exhausted"
    assert summarise(series("no_answer"), config(max_retries=0)) == "all_retries_exhausted"
    assert summarise(series("no_answer"), config(max_retries=1)) == "pending"


def test_an_outcome_whose_retry_is_off_ends_the_series() -> None:
    assert summarise(series("busy"), config(retry_on_busy=False)) == "ended"
    assert summarise(series("no_answer"), config(retry_on_no_answer=False)) == "ended"
    assert summarise(series("busy"), config(retry_on_no_answer=False)) == "pending"
    assert summarise(series("no_answer"), config(retry_on_busy=False)) == "pending"
    assert summarise(series("voicemail"), config(retry_on_voicemail=True)) == "pending"
    assert summarise(series("voicemail"), GUIDE) == "voicemail_final"


def test_unknown_settings_say_ended_rather_than_guess() -> None:
    unknown_max = RetryConfig.model_validate({"wait_minutes": 30})
    assert summarise(series("no_answer"), None) == "ended"
    assert summarise(series("voicemail"), None) == "ended"
    assert summarise(series("no_answer"), unknown_max) == "ended"
    assert summarise(series("busy", "busy", "busy", "busy"), unknown_max) == "ended"
    # Voicemail is final whenever retry-on-voicemail is known to be off.
    assert summarise(series("voicemail"), unknown_max) == "voicemail_final"
    on = RetryConfig.model_validate({"retry_on_voicemail": True})
    assert summarise(series("voicemail"), on) == "ended"
    # Failed and expired do not need the settings.
    assert summarise(series("failed"), None) == "failed"
    assert summarise(series("retry_expired"), None) == "all_retries_exhausted"


# -- build_timeline ------------------------------------------------------------------------------


def worked_example() -> RetryHistory:
    return RetryHistory(
        call_id="call_parent",
        attempts=(
            attempt(1, "did_not_pick", called_at=at(0), duration_seconds=0),
            attempt(2, "busy", called_at=at(30, 5), duration_seconds=0),
            attempt(3, "no-answer", called_at=at(60, 7), duration_seconds=0),
            attempt(4, "no_answer", called_at=at(90, 9), duration_seconds=0),
        ),
    )


def test_the_worked_example_timeline() -> None:
    timeline = build_timeline(worked_example(), GUIDE, at(120))
    assert timeline.call_id == "call_parent"
    assert timeline.rows == (
        TimelineRow(1, S.NO_ANSWER, "did_not_pick", 0, at(0), None),
        TimelineRow(2, S.BUSY, "busy", 0, at(30, 5), 1805),
        TimelineRow(3, S.NO_ANSWER, "no-answer", 0, at(60, 7), 1802),
        TimelineRow(4, S.NO_ANSWER, "no_answer", 0, at(90, 9), 1802),
    )
    assert timeline.summary == "all_retries_exhausted"
    assert timeline.next_retry_at is None
    assert timeline.overdue is False
    assert timeline.attempts_left == 0


def test_pending_eta_is_the_last_attempts_end_plus_the_wait() -> None:
    history = RetryHistory(
        call_id="c",
        attempts=(
            attempt(1, "no_answer", called_at=at(0)),
            attempt(2, "busy", called_at=at(30, 5), ended_at=at(30, 50), duration_seconds=12),
        ),
    )
    timeline = build_timeline(history, GUIDE, at(31))
    assert timeline.summary == "pending"
    assert timeline.next_retry_at == at(60, 50)
    assert timeline.attempts_left == 2
    assert timeline.overdue is False


def test_without_an_end_the_eta_is_placed_plus_connected_seconds_plus_the_wait() -> None:
    with_duration = RetryHistory(
        call_id="c", attempts=(attempt(1, "busy", called_at=at(0), duration_seconds=45),)
    )
    assert build_timeline(with_duration, GUIDE, at(1)).next_retry_at == at(30, 45)
    no_duration = RetryHistory(call_id="c", attempts=(attempt(1, "busy", called_at=at(0)),))
    assert build_timeline(no_duration, GUIDE, at(1)).next_retry_at == at(30)
    nothing = RetryHistory(call_id="c", attempts=(attempt(1, "busy"),))
    timeline = build_timeline(nothing, GUIDE, at(1))
    assert timeline.summary == "pending"
    assert timeline.next_retry_at is None
    assert timeline.overdue is False


def test_a_fractional_wait_and_no_wait_at_all() -> None:
    history = RetryHistory(call_id="c", attempts=(attempt(1, "busy", ended_at=at(0)),))
    assert build_timeline(history, config(wait_minutes=1.5), at(0)).next_retry_at == at(1, 30)
    assert build_timeline(history, config(wait_minutes=None), at(0)).next_retry_at is None


def test_overdue_only_after_more_than_two_minutes_past_the_eta() -> None:
    history = RetryHistory(call_id="c", attempts=(attempt(1, "busy", ended_at=at(0)),))
    eta = at(30)
    assert build_timeline(history, GUIDE, eta).overdue is False
    assert build_timeline(history, GUIDE, eta + timedelta(minutes=2)).overdue is False
    assert build_timeline(history, GUIDE, eta + timedelta(minutes=2, seconds=1)).overdue is True


def test_no_eta_unless_pending() -> None:
    done = RetryHistory(call_id="c", attempts=(attempt(1, "voicemail", ended_at=at(0)),))
    timeline = build_timeline(done, GUIDE, at(100))
    assert timeline.summary == "voicemail_final"
    assert timeline.next_retry_at is None
    assert timeline.overdue is False
    assert timeline.attempts_left == 3


def test_attempts_left_never_negative_and_unknown_without_settings() -> None:
    over = RetryHistory(call_id="c", attempts=series(*["busy"] * 6))
    assert build_timeline(over, GUIDE, at(0)).attempts_left == 0
    assert build_timeline(over, None, at(0)).attempts_left is None
    unknown_max = RetryConfig.model_validate({"wait_minutes": 30})
    assert build_timeline(over, unknown_max, at(0)).attempts_left is None
    assert build_timeline(RetryHistory(call_id="c"), GUIDE, at(0)).attempts_left is None


def test_anomalies_are_flagged_and_gaps_left_out_when_time_runs_backwards() -> None:
    history = RetryHistory(
        call_id="c",
        attempts=(
            attempt(2, "busy", called_at=at(30)),
            attempt(2, "busy", called_at=at(30, 20.4)),
            attempt(4, "busy", called_at=at(10)),
            attempt(5, "busy", called_at=at(40, 0.6)),
        ),
    )
    rows = build_timeline(history, GUIDE, at(50)).rows
    assert [(r.attempt, r.gap_s, r.flags) for r in rows] == [
        (2, None, ("first attempt missing",)),
        (2, 20, ("duplicate attempt",)),
        (4, None, ("missing attempt 3", "time out of order")),
        (5, 1801, ()),
    ]


def test_a_gap_needs_both_times() -> None:
    history = RetryHistory(
        call_id="c",
        attempts=(attempt(1, "busy"), attempt(2, "busy", called_at=at(5)), attempt(3, "busy")),
    )
    assert [r.gap_s for r in build_timeline(history, GUIDE, at(0)).rows] == [None, None, None]


def test_an_empty_history_has_no_rows_and_no_summary() -> None:
    timeline = build_timeline(RetryHistory(call_id="c"), GUIDE, at(0))
    assert timeline.rows == ()
    assert timeline.summary is None
    assert timeline.next_retry_at is None


# -- history_from_call and reconcile -------------------------------------------------------------


def test_a_call_record_alone_is_a_one_row_history() -> None:
    record = call(
        "voicemail",
        created_at="2026-11-23T10:00:00Z",
        ended_at="2026-11-23T10:01:00Z",
        duration_seconds=42,
        attempt=3,
        retry_group_id="call_parent",
    )
    history = history_from_call(record)
    assert history.call_id == "call_parent"
    assert history.attempts == (
        Attempt(
            attempt=3,
            outcome=S.VOICEMAIL,
            outcome_raw="voicemail",
            duration_s=42,
            called_at=at(0),
            ended_at=at(1),
            call_id="call_1",
        ),
    )


def test_a_first_attempt_without_a_group_is_its_own_series() -> None:
    history = history_from_call(call("ringing"))
    assert history.call_id == "call_1"
    (only,) = history.attempts
    assert (only.attempt, only.outcome, only.outcome_raw) == (1, S.DIALING, "ringing")


def test_a_call_records_unknown_status_keeps_the_word_the_api_sent() -> None:
    (only,) = history_from_call(call("on_hold_forever")).attempts
    assert (only.outcome, only.outcome_raw) == (S.UNKNOWN, "on_hold_forever")
    (spelt,) = history_from_call(call("did_not_pick")).attempts
    assert (spelt.outcome, spelt.outcome_raw) == (S.NO_ANSWER, "did_not_pick")


def ringing_history() -> RetryHistory:
    return RetryHistory(
        call_id="call_parent",
        attempts=(
            attempt(1, "no_answer", call_id="call_parent", duration_seconds=0),
            attempt(2, "in_progress", call_id="call_1", duration_seconds=30),
        ),
    )


def test_reconcile_brings_the_last_attempt_up_to_date_from_the_fresher_call() -> None:
    record = call("completed", attempt=2, duration_seconds=75, ended_at="2026-11-23T10:05:00Z")
    updated = reconcile(ringing_history(), record)
    assert updated.attempts[0] == ringing_history().attempts[0]
    last = updated.attempts[1]
    assert (last.outcome, last.outcome_raw, last.duration_s, last.ended_at) == (
        S.COMPLETED,
        "completed",
        75,
        at(5),
    )
    assert (last.attempt, last.call_id) == (2, "call_1")
    assert updated.call_id == "call_parent"


def test_reconcile_keeps_the_known_duration_when_the_call_has_none() -> None:
    updated = reconcile(ringing_history(), call("no_answer"))
    assert updated.attempts[1].outcome is S.NO_ANSWER
    assert updated.attempts[1].duration_s == 30


@pytest.mark.parametrize(
    "record",
    [
        call("in_progress", attempt=2),  # the call is not final yet
        call("completed", attempt=3),  # another attempt's record
        Call.model_validate({"id": "call_9", "status": "completed"}),  # another call
    ],
)
def test_reconcile_leaves_the_history_when_the_call_is_not_its_final_last_attempt(
    record: Call,
) -> None:
    assert reconcile(ringing_history(), record) == ringing_history()


def test_reconcile_never_rewrites_a_final_attempt_or_an_empty_history() -> None:
    final = RetryHistory(call_id="c", attempts=(attempt(1, "busy", call_id="call_1"),))
    assert reconcile(final, call("completed")) == final
    assert reconcile(RetryHistory(call_id="c"), call("completed")) == RetryHistory(call_id="c")
    # No ids on either side: the record is taken as the last attempt's.
    bare = RetryHistory(call_id="c", attempts=(attempt(1, "ringing"),))
    assert reconcile(bare, call("busy")).attempts[0].outcome is S.BUSY


# -- counts and rates ----------------------------------------------------------------------------


def test_empty_counts_are_every_column_at_zero() -> None:
    counts = empty_counts()
    assert list(counts) == list(OUTCOME_COLUMNS)
    assert set(counts.values()) == {0}


def test_counts_by_canonical_outcome_with_ringing_as_in_progress() -> None:
    statuses = ["completed"] * 3 + ["no_answer", "did_not_pick", "busy", "voicemail", "failed"]
    statuses += ["ringing", "in_progress", "answered", "created", "cancelled", "retry_expired"]
    counts = count_outcomes(call(s) for s in statuses)
    assert counts == {
        S.COMPLETED: 3,
        S.NO_ANSWER: 2,
        S.BUSY: 1,
        S.FAILED: 1,
        S.VOICEMAIL: 1,
        S.IN_PROGRESS: 3,
    }
    assert count_outcomes([]) == empty_counts()


def test_connect_rate_is_completed_over_final_attempts() -> None:
    counts: dict[CallStatus, int | None] = {
        S.COMPLETED: 3,
        S.NO_ANSWER: 2,
        S.BUSY: 1,
        S.VOICEMAIL: 1,
        S.FAILED: 1,
        S.IN_PROGRESS: 50,
    }
    assert connect_rate(counts) == 3 / 8
    assert connect_rate({**counts, S.COMPLETED: 0}) == 0.0
    assert connect_rate({**counts, S.COMPLETED: 8, S.FAILED: 0}) == 8 / 12


@pytest.mark.parametrize("missing", [S.COMPLETED, S.NO_ANSWER, S.BUSY, S.VOICEMAIL, S.FAILED])
def test_connect_rate_is_unknown_when_any_part_is(missing: CallStatus) -> None:
    counts: dict[CallStatus, int | None] = dict.fromkeys(
        (S.COMPLETED, S.NO_ANSWER, S.BUSY, S.VOICEMAIL, S.FAILED), 1
    )
    assert connect_rate(counts) == 1 / 5
    assert connect_rate({**counts, missing: None}) is None
    assert connect_rate({k: v for k, v in counts.items() if k is not missing}) is None


def test_connect_rate_is_undefined_without_a_final_attempt() -> None:
    assert connect_rate(empty_counts()) is None
    assert connect_rate({**empty_counts(), S.IN_PROGRESS: 9}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        (" Yes ", True),
        ("1", True),
        ("QUALIFIED", True),
        ("no", False),
        ("false", False),
        ("0", False),
        ("", False),
        (1, True),
        (1.0, True),
        (0, False),
        (2, False),
        (0.5, False),
        (None, False),
        (["true"], False),
        ({"qualified": True}, False),
    ],
)
def test_is_qualified_reads_the_agents_spellings(value: object, expected: bool) -> None:
    assert is_qualified({"qualified": value, "other": True}, "qualified") is expected


def test_is_qualified_reads_the_configured_key_only() -> None:
    assert is_qualified({"other": True}, "qualified") is False
    assert is_qualified({"lead_ok": "yes", "qualified": False}, "lead_ok") is True


def test_qualified_rate_counts_only_connected_calls_with_their_analysis() -> None:
    calls = [
        call("completed", analysis={"qualified": True}),
        call("completed", analysis={"qualified": "yes"}),
        call("completed", analysis={"qualified": False}),
        call("completed", analysis={}),
        call("completed"),  # analysis not arrived yet
        call("completed"),
        call("no_answer", analysis={"qualified": True}),  # not connected: not in the rate
        call("voicemail", analysis={"qualified": True}),
    ]
    assert qualified_rate(calls, "qualified") == QualifiedFigures(rate=0.5, analysed=4, pending=2)


def test_qualified_rate_is_undefined_before_any_analysis() -> None:
    assert qualified_rate([call("completed")], "q") == QualifiedFigures(None, 0, 1)
    assert qualified_rate([], "q") == QualifiedFigures(None, 0, 0)
    only_false = [call("completed", analysis={"q": False})]
    assert qualified_rate(only_false, "q") == QualifiedFigures(0.0, 1, 0)


# -- the retry wave ------------------------------------------------------------------------------


def test_retry_wave_buckets_per_minute_against_the_cap() -> None:
    now = at(0, 30)
    etas = [at(59, 59), at(1), at(-10), at(0, 59), at(60), at(65), at(1, 30)]
    wave = retry_wave(etas, now, in_flight=5, cap=6)
    assert wave == (
        WaveBucket(at(0), calls=2, projected=7, over_cap=True),  # an overdue one lands now
        WaveBucket(at(1), calls=2, projected=7, over_cap=True),
        WaveBucket(at(59), calls=1, projected=6, over_cap=False),  # at the cap is not over it
    )


def test_retry_wave_without_a_cap_is_never_over_it_and_honours_the_horizon() -> None:
    etas = [at(0), at(1), at(2), at(3)]
    wave = retry_wave(etas, at(0), in_flight=100, cap=None, minutes=2)
    assert wave == (
        WaveBucket(at(0), 1, 101, False),
        WaveBucket(at(1), 1, 101, False),
    )
    assert retry_wave([], at(0), in_flight=3, cap=1) == ()


def test_the_guides_spike_a_thousand_retries_in_one_minute() -> None:
    """1,000 recipients dialled together, no answer, 60-minute interval: all due at T+60."""
    etas = [at(60, i % 50) for i in range(1000)]
    wave = retry_wave(etas, at(0), in_flight=0, cap=100, minutes=61)
    assert wave == (WaveBucket(at(60), 1000, 1000, True),)
    assert retry_wave(etas, at(0), in_flight=0, cap=100) == ()  # beyond the hour


# -- pending_retry_eta ---------------------------------------------------------------------------


def test_pending_retry_eta_is_the_end_plus_the_wait() -> None:
    ended = call("busy", attempt=1, created_at=at(0), ended_at=at(0, 40))
    assert pending_retry_eta(ended, GUIDE) == at(30, 40)
    no_end = call("no_answer", attempt=2, created_at=at(5))
    assert pending_retry_eta(no_end, GUIDE) == at(35)
    assert pending_retry_eta(call("no_answer", attempt=2), GUIDE) is None


def test_pending_retry_eta_follows_the_attempt_count() -> None:
    def eta(n: int | None, settings: RetryConfig) -> datetime | None:
        extra = {"attempt": n} if n is not None else {}
        return pending_retry_eta(call("busy", ended_at=at(0), **extra), settings)

    assert eta(3, GUIDE) == at(30)  # attempt 3 of 4: one retry left
    assert eta(4, GUIDE) is None  # max_retries + 1: no more
    assert eta(5, GUIDE) is None
    assert eta(None, config(max_retries=1)) == at(30)  # no number: the first dial
    assert eta(None, config(max_retries=0)) is None


@pytest.mark.parametrize(
    ("status", "settings", "expected"),
    [
        ("completed", GUIDE, None),
        ("failed", GUIDE, None),
        ("cancelled", GUIDE, None),
        ("in_progress", GUIDE, None),
        ("voicemail", GUIDE, None),
        ("voicemail", config(retry_on_voicemail=True), at(30)),
        ("busy", config(retry_on_busy=False), None),
        ("no_answer", config(retry_on_no_answer=False), None),
        ("no_answer", config(retry_on_busy=False), at(30)),
        ("busy", None, None),
        ("busy", config(wait_minutes=None), None),
        ("busy", config(max_retries=None), None),
        ("busy", config(wait_minutes=0), at(0)),
    ],
)
def test_pending_retry_eta_only_for_a_retryable_outcome_with_known_settings(
    status: str, settings: RetryConfig | None, expected: datetime | None
) -> None:
    assert pending_retry_eta(call(status, attempt=1, ended_at=at(0)), settings) == expected


def test_a_gap_of_zero_or_under_a_second_is_a_gap_not_an_anomaly() -> None:
    history = RetryHistory(
        call_id="c",
        attempts=(
            attempt(1, "busy", called_at=at(0)),
            attempt(2, "busy", called_at=at(0)),
            attempt(3, "busy", called_at=at(0, 0.4)),
        ),
    )
    rows = build_timeline(history, GUIDE, at(1)).rows
    assert [(r.gap_s, r.flags) for r in rows] == [(None, ()), (0, ()), (0, ())]


def test_qualified_rate_reads_past_calls_that_did_not_connect() -> None:
    calls = [
        call("no_answer"),
        call("completed", analysis={"q": True}),
        call("busy"),
        call("completed"),
    ]
    assert qualified_rate(calls, "q") == QualifiedFigures(1.0, 1, 1)


def test_retry_wave_minutes_start_on_the_minute_whatever_the_microseconds() -> None:
    now = at(0, 30.5)
    wave = retry_wave([at(0, 59.75), at(1, 0.25), at(-3, 0.5)], now, in_flight=0, cap=None)
    assert [(b.at, b.calls) for b in wave] == [(at(0), 2), (at(1), 1)]
