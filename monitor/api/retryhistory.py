"""A call's retry history (the retries endpoint): its attempts, read by the rules of
`monitor.api.models`, and the reading of either documented payload shape into one history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import model_validator

from monitor.api.fields import (
    Duration,
    Readers,
    Text,
    Timestamp,
    read_count,
    read_duration,
    read_fields,
    read_text,
    read_timestamp,
)
from monitor.api.fields import pick as _pick
from monitor.api.modelbase import ApiModel, status_fields
from monitor.api.vocab import CallStatus


class Attempt(ApiModel):
    """One row of a call's retry history."""

    attempt: int
    outcome: CallStatus = CallStatus.UNKNOWN
    outcome_raw: str | None = None
    duration_s: Duration = None
    """Connected seconds; None means the API did not say (not zero)."""
    called_at: Timestamp = None
    ended_at: Timestamp = None
    call_id: Text = None

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueError("an attempt must be a JSON object")
        outcome, outcome_raw = status_fields(raw, "status", "outcome")
        number = read_count(_pick(raw, "attempt", "attempt_number"))
        if number is None:
            raise ValueError("attempt number missing")
        fields = read_fields(
            {
                "outcome": outcome,
                "outcome_raw": outcome_raw,
                "duration_s": _pick(
                    raw, "duration_sec", "duration_seconds", "duration", "duration_s"
                ),
                "called_at": _pick(raw, "called_at", "timestamp", "created_at", "createdAt"),
                "ended_at": raw.get("ended_at"),
                "call_id": _pick(raw, "call_id", "id"),
            },
            _ATTEMPT_READERS,
        )
        fields.pop("unread", None)
        return {"attempt": number, **fields}


_ATTEMPT_READERS: Readers = {
    "duration_s": read_duration,
    "called_at": read_timestamp,
    "ended_at": read_timestamp,
    "call_id": read_text,
}


class RetryHistory(ApiModel):
    """Every dial attempt of one retry series, sorted by attempt then time (P17)."""

    call_id: str
    attempts: tuple[Attempt, ...] = ()
    skipped: int = 0
    """Rows that could not be read and were left out."""
    source: str = "call-logs"
    """`call-logs` (the retries endpoint), or `call-record`: no history of its own (a 404,
    or no such endpoint), one attempt from the call record."""


def parse_retry_history(payload: Any, requested_id: str) -> RetryHistory:
    """Read either documented retries shape (seed 000) into a sorted history.

    `call_id` may be missing (fall back to the id asked for); rows arrive in any order and are
    sorted by attempt, then time; exact duplicates are dropped, unreadable rows counted.
    """
    from monitor.api.errors import BadPayload
    from monitor.api.pages import unwrap

    payload = unwrap(payload)
    if isinstance(payload, list):
        rows: Any = payload
        call_id: Any = None
    elif isinstance(payload, dict):
        rows = next(
            (payload[k] for k in ("data", "attempts", "items", "retries") if k in payload), None
        )
        call_id = payload.get("call_id")
        if rows is None:
            rows = []
    else:
        raise BadPayload("Bad payload from the retries endpoint: not a JSON object", where="root")
    if not isinstance(rows, list):
        raise BadPayload("Bad payload from the retries endpoint: data is not a list", where="data")
    attempts: list[Attempt] = []
    skipped = 0
    seen: set[tuple[int, datetime | None, CallStatus]] = set()
    for row in rows:
        try:
            attempt = Attempt.model_validate(row)
        except ValueError:
            skipped += 1
            continue
        ident = (attempt.attempt, attempt.called_at, attempt.outcome)
        if ident in seen:
            continue
        seen.add(ident)
        attempts.append(attempt)
    far_future = datetime.max.replace(tzinfo=UTC)
    attempts.sort(key=lambda a: (a.attempt, a.called_at or far_future))
    return RetryHistory(
        call_id=call_id if isinstance(call_id, str) and call_id else requested_id,
        attempts=tuple(attempts),
        skipped=skipped,
    )
