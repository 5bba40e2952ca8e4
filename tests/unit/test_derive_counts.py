"""`monitor.state.derive`'s counts, rates and retry wave, called directly with exact values.

The figures come from the API sheet's sections 5 (connect rate, qualified rate) and 8 (the
retry wave and its ETA) and the auto-retry guide (seed 003).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.api.models import RetryConfig
from monitor.api.vocab import OUTCOME_COLUMNS, CallStatus
from monitor.state.derive import (
    QualifiedFigures,
    WaveBucket,
    connect_rate,
    empty_counts,
    is_qualified,
    pending_retry_eta,
    qualified_rate,
    retry_wave,
)
from tests.unit.derive_data import GUIDE, S, at, call, config

# -- counts and rates ----------------------------------------------------------------------------


def test_empty_counts_are_every_column_at_zero() -> None:
    counts = empty_counts()
    assert list(counts) == list(OUTCOME_COLUMNS)
    assert set(counts.values()) == {0}


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
