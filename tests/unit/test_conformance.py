"""Retry-policy conformance held against the API sheet's worked example (section 8): settings
max_retries 3, wait 30 min, retry on no-answer and busy, not on voicemail; attempts placed at
10:00:00, 10:30:05, 11:00:07, 11:30:09. Exact edges of every rule, with `now` injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.api.models import Attempt, RetryConfig, RetryHistory
from monitor.api.vocab import CallStatus as S
from monitor.state.conformance import (
    Finding,
    Tolerance,
    campaign_conformance,
    check_series,
    retries_allowed,
)

T10 = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
POLICY = RetryConfig.model_validate(
    {"max_retries": 3, "wait_minutes": 30, "retry_on_no_answer": True, "retry_on_busy": True,
     "retry_on_voicemail": False}
)  # fmt: skip


def at(minutes: float, seconds: float = 0) -> datetime:
    return T10 + timedelta(minutes=minutes, seconds=seconds)


def row(n: int, status: str, when: datetime, **extra: object) -> Attempt:
    return Attempt.model_validate(
        {"attempt": n, "status": status, "called_at": when.isoformat(), "duration_sec": 0, **extra}
    )


def series(*rows: Attempt) -> RetryHistory:
    return RetryHistory(call_id="call_p1", attempts=rows)


WORKED = series(
    row(1, "did_not_pick", at(0)),
    row(2, "busy", at(30, 5)),
    row(3, "no-answer", at(60, 7)),
    row(4, "no_answer", at(90, 9)),
)


def kinds(found: tuple[Finding, ...] | None) -> list[str]:
    assert found is not None
    return [f.kind for f in found]


def test_the_worked_example_conforms_and_is_over() -> None:
    assert check_series(WORKED, POLICY, at(600)) == ()


def test_policy_unknown_is_none_not_conforming() -> None:
    assert check_series(WORKED, None, at(600)) is None
    assert check_series(WORKED, RetryConfig.model_validate({"wait_minutes": 30}), at(600)) is None


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (at(29, 0), []),  # 60 s early: inside the tolerance
        (at(28, 59), ["retry_early"]),
        (at(40, 0), []),  # 600 s late: inside the tolerance
        (at(40, 1), ["retry_late"]),
    ],
)
def test_early_and_late_at_their_edges(second: datetime, expected: list[str]) -> None:
    history = series(row(1, "no_answer", at(0)), row(2, "busy", second))
    assert kinds(check_series(history, POLICY, second)) == expected


def test_the_wait_runs_from_the_end_of_the_attempt_before() -> None:
    vm = RetryConfig.model_validate(
        {"max_retries": 2, "wait_minutes": 30, "retry_on_voicemail": True}
    )
    talked = row(1, "voicemail", at(0), duration_sec=20)
    assert check_series(series(talked, row(2, "completed", at(30, 20))), vm, at(99)) == ()
    ended = row(1, "voicemail", at(0), duration_sec=20, ended_at=at(1).isoformat())
    (early,) = check_series(series(ended, row(2, "completed", at(29, 59))), vm, at(99)) or ()
    assert (early.kind, early.attempt, early.detail) == (
        "retry_early", 2, "61 s before its 30 min wait ended",
    )  # fmt: skip


def test_an_attempt_past_max_retries_plus_one_is_extra() -> None:
    history = series(*WORKED.attempts, row(5, "no_answer", at(120, 11)))
    (extra,) = check_series(history, POLICY, at(121)) or ()
    assert (extra.kind, extra.attempt, extra.since) == ("retry_extra", 5, at(120, 11))
    assert extra.detail == "attempt 5 of at most 4"


@pytest.mark.parametrize(
    ("first", "detail"),
    [
        ("failed", "failed is not retried"),
        ("completed", "completed is not retried"),
        ("voicemail", "voicemail retried with retry_on_voicemail off"),
    ],
)
def test_a_retry_of_an_outcome_the_policy_does_not_retry(first: str, detail: str) -> None:
    history = series(row(1, first, at(0)), row(2, "busy", at(30)))
    (found,) = check_series(history, POLICY, at(31)) or ()
    assert (found.kind, found.attempt, found.detail) == ("retry_not_retryable", 2, detail)
    assert retries_allowed(POLICY, S(first)) is False


def test_busy_retried_with_retry_on_busy_off_is_not_retryable() -> None:
    strict = POLICY.model_copy(update={"retry_on_busy": False})
    history = series(row(1, "busy", at(0)), row(2, "busy", at(30)))
    assert kinds(check_series(history, strict, at(31))) == ["retry_not_retryable"]


@pytest.mark.parametrize(
    ("now", "missing"),
    [(at(40, 0), False), (at(40, 1), True)],
)
def test_a_retry_that_never_came_is_missing_after_wait_and_tolerance(
    now: datetime, missing: bool
) -> None:
    history = series(row(1, "no_answer", at(0)))
    found = check_series(history, POLICY, now) or ()
    assert [f.kind for f in found] == (["retry_missing"] if missing else [])
    if missing:
        (f,) = found
        assert (f.attempt, f.since) == (2, at(40))
        assert f.detail == "attempt 2 due 601 s ago after no_answer"


def test_no_retry_is_missing_when_none_is_owed() -> None:
    now = at(600)
    assert check_series(WORKED, POLICY, now) == ()  # attempt 4 = max_retries + 1
    for status in ("completed", "failed", "voicemail", "in_progress"):
        assert check_series(series(row(1, status, at(0))), POLICY, now) == (), status


def test_with_the_wait_unknown_only_counts_and_outcomes_are_checked() -> None:
    blind = RetryConfig.model_validate({"max_retries": 0})
    history = series(row(1, "no_answer", at(0)), row(2, "no_answer", at(1)))
    assert kinds(check_series(history, blind, at(600))) == ["retry_extra"]
    assert check_series(series(row(1, "no_answer", at(0))), blind, at(600)) == ()


def test_a_tolerance_is_a_setting() -> None:
    history = series(row(1, "no_answer", at(0)), row(2, "busy", at(31)))
    assert check_series(history, POLICY, at(40), Tolerance(late_s=30)) is not None
    assert kinds(check_series(history, POLICY, at(40), Tolerance(late_s=30))) == ["retry_late"]


def test_campaign_conformance_counts_checked_series_only() -> None:
    extra = Finding("retry_extra", "c", 5, None, "")
    late = Finding("retry_late", "c", 2, None, "")
    result = campaign_conformance([(), (extra, late), None, (), (late,)])
    assert (result.checked, result.conforming, result.unknown) == (4, 2, 1)
    assert result.kinds == {"retry_extra": 1, "retry_late": 2}
    assert result.percent == 50.0
    assert campaign_conformance([None, None]).percent is None
    assert campaign_conformance([]).percent is None


def test_every_finding_is_exact_and_one_series_can_have_several() -> None:
    history = series(
        row(1, "failed", at(0)),
        row(2, "busy", at(10)),  # failed is never retried
        row(3, "busy", at(20)),  # 600 s early against busy's 30 min wait
        row(4, "busy", at(80)),  # 1200 s late
        row(5, "busy", at(110, 30)),  # past max_retries + 1 (and on time)
    )
    assert check_series(history, POLICY, at(200)) == (
        Finding("retry_not_retryable", "call_p1", 2, at(10), "failed is not retried"),
        Finding("retry_early", "call_p1", 3, at(20), "1200 s before its 30 min wait ended"),
        Finding("retry_late", "call_p1", 4, at(80), "1800 s after its 30 min wait ended"),
        Finding("retry_extra", "call_p1", 5, at(110, 30), "attempt 5 of at most 4"),
    )


def test_without_an_end_time_the_wait_runs_from_placed_plus_connected_seconds() -> None:
    talked = row(1, "busy", at(0), duration_sec=120)
    (early,) = check_series(series(talked, row(2, "busy", at(30))), POLICY, at(31)) or ()
    assert (early.kind, early.detail) == ("retry_early", "120 s before its 30 min wait ended")
    assert check_series(series(talked, row(2, "busy", at(32))), POLICY, at(33)) == ()


def test_a_missing_retry_needs_a_known_wait_and_is_exact() -> None:
    no_wait = RetryConfig.model_validate({"max_retries": 3})
    assert check_series(series(row(1, "no_answer", at(0))), no_wait, at(600)) == ()
    (missing,) = check_series(series(row(1, "busy", at(0))), POLICY, at(45)) or ()
    assert missing == Finding(
        "retry_missing", "call_p1", 2, at(40), "attempt 2 due 900 s ago after busy"
    )


def test_policy_unknown_series_are_counted_apart() -> None:
    result = campaign_conformance([None, None, ()])
    assert (result.checked, result.conforming, result.unknown, result.kinds) == (1, 1, 2, {})
    assert result.percent == 100.0
