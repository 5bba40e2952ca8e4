"""Shared data for the derive tests: the auto-retry guide's settings and quick builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.api.models import Attempt, Call, RetryConfig
from monitor.api.vocab import CallStatus

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
