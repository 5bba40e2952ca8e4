"""`monitor.state.derive`'s retry series, called directly with exact expected values: the
summary status, the timeline (gaps, flags, ETA, "overdue", attempts left), a call record as a
history, and reconciling a history with a fresher call.

The figures come from the vendor's auto-retry guide (seed 003) and the API sheet's sections 7
(summary status) and 8 (retry semantics, the worked example, the ETA and "overdue").
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.api.models import Attempt, Call, RetryConfig, RetryHistory
from monitor.state.derive import (
    TimelineRow,
    build_timeline,
    history_from_call,
    reconcile,
    summarise,
)
from tests.unit.derive_data import GUIDE, S, at, attempt, call, config, series

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
        call("completed", attempt=3),  # another attempt's record
        Call.model_validate({"id": "call_9", "status": "completed"}),  # another call
    ],
)
def test_reconcile_leaves_the_history_when_the_call_is_not_its_final_last_attempt(
    record: Call,
) -> None:
    assert reconcile(ringing_history(), record) == ringing_history()


def test_reconcile_puts_the_live_attempt_on_the_call_records_clock() -> None:
    # One clock per call (issue 15): while the call is in flight, its attempt is placed when the
    # call record says and its duration ticks from there (no stale connected seconds).
    record = call("ringing", attempt=2, created_at="2026-11-23T10:01:00Z")
    updated = reconcile(ringing_history(), record)
    assert updated.attempts[0] == ringing_history().attempts[0]
    live = updated.attempts[1]
    assert (live.outcome, live.outcome_raw, live.called_at, live.duration_s) == (
        S.DIALING,  # ringing holds a slot as dialling does (API sheet section 10)
        "ringing",
        at(1),
        None,
    )
    # Without a placed time on the record, the history's own stays.
    bare = reconcile(ringing_history(), call("in_progress", attempt=2)).attempts[1]
    assert (bare.outcome, bare.called_at, bare.duration_s) == (S.IN_PROGRESS, None, None)


def test_reconcile_never_rewrites_a_final_attempt_or_an_empty_history() -> None:
    final = RetryHistory(call_id="c", attempts=(attempt(1, "busy", call_id="call_1"),))
    assert reconcile(final, call("completed")) == final
    assert reconcile(RetryHistory(call_id="c"), call("completed")) == RetryHistory(call_id="c")
    # No ids on either side: the record is taken as the last attempt's.
    bare = RetryHistory(call_id="c", attempts=(attempt(1, "ringing"),))
    assert reconcile(bare, call("busy")).attempts[0].outcome is S.BUSY


def test_a_history_ahead_of_the_record_keeps_its_outcome_on_the_records_clock() -> None:
    # Seen on --demo: the retries endpoint had attempt 2 ended (voicemail) while the call record
    # still said "in call": the row showed the history's placed time beside the record's, and
    # jumped to the record's when the record ended too.
    history = RetryHistory(
        call_id="call_parent",
        attempts=(
            attempt(1, "no_answer", called_at=at(0)),
            attempt(2, "voicemail", called_at=at(30, 53), duration_seconds=13),
        ),
    )
    record = call("in_progress", attempt=2, created_at="2026-11-23T10:01:00Z")
    row = reconcile(history, record).attempts[1]
    assert (row.outcome, row.called_at, row.duration_s) == (S.VOICEMAIL, at(1), 13)
    assert reconcile(history, record).attempts[0] == history.attempts[0]
    # Without an attempt number or id the record may be a newer attempt: the row stays.
    unnumbered = Call.model_validate(
        {"id": "call_9", "status": "in_progress", "created_at": "2026-11-23T10:01:00Z"}
    )
    assert reconcile(history, unnumbered) == history


def test_an_ended_attempt_keeps_the_records_clock_and_gains_its_duration() -> None:
    # Issue 15, found on --demo: the call screen said "1:26 connected, placed 09:53:06" while
    # its timeline row said "– 09:53:59": the retries endpoint's first shape has no duration,
    # and the row jumped from the record's placed time (while live) to its own when it ended.
    history = RetryHistory(
        call_id="call_parent",
        attempts=(
            attempt(1, "no_answer", called_at=at(0)),
            attempt(2, "completed", called_at=at(30, 53)),
        ),
    )
    record = call(
        "completed", created_at=at(30, 6), duration_seconds=86, ended_at="2026-11-23T10:32:40Z"
    )
    first, last = reconcile(history, record).attempts
    assert first == history.attempts[0]
    assert (last.outcome, last.called_at, last.duration_s) == (S.COMPLETED, at(30, 6), 86)
    assert last.ended_at == at(32, 40)
    # A duration the history read stands; its outcome too (the history is the series' word).
    said = RetryHistory(
        call_id="c", attempts=(attempt(1, "busy", called_at=at(0), duration_sec=0),)
    )
    (only,) = reconcile(said, call("completed", created_at=at(0), duration_seconds=40)).attempts
    assert (only.outcome, only.duration_s) == (S.BUSY, 0)


def test_the_parents_record_is_not_taken_for_a_later_attempt() -> None:
    # The retries path id is the first attempt's: a record created before the last attempt's
    # predecessor was placed is the parent's, whatever its status (the seed's series).
    history = RetryHistory(
        call_id="call_p1",
        attempts=(
            attempt(1, "no_answer", timestamp=at(0)),
            attempt(2, "completed", timestamp=at(60)),
        ),
    )
    parent = call("completed", created_at=at(0), duration_seconds=75)
    assert reconcile(history, parent) == history
    live_parent = call("in_progress", created_at=at(0))
    assert reconcile(
        RetryHistory(
            call_id="p",
            attempts=(
                attempt(1, "busy", called_at=at(0)),
                attempt(2, "in_progress", called_at=at(30)),
            ),
        ),
        live_parent,
    ).attempts[1].called_at == at(30)


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
