"""Pure derivations: timeline rows, retry summaries, counts, rates, the retry wave.

No IO and no clock of their own: `now` is passed in, so every figure on screen and in `snapshot`
can be unit-tested from fixed data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.api.models import Attempt, Call, RetryConfig, RetryHistory
from monitor.api.vocab import FINAL_STATUSES, IN_FLIGHT_STATUSES, OUTCOME_COLUMNS, CallStatus
from monitor.state.calltime import seconds_between, shifted

OVERDUE_AFTER = timedelta(minutes=2)
"""A retry this late may be waiting for a slot or calling hours: say "overdue", not -3:12."""

_RETRYABLE = {
    CallStatus.NO_ANSWER: "retry_on_no_answer",
    CallStatus.BUSY: "retry_on_busy",
    CallStatus.VOICEMAIL: "retry_on_voicemail",
}


@dataclass(frozen=True, slots=True)
class TimelineRow:
    attempt: int
    outcome: CallStatus
    outcome_raw: str | None
    duration_s: int | None
    called_at: datetime | None
    gap_s: int | None
    """Seconds since the previous attempt was placed."""
    flags: tuple[str, ...] = ()
    """"duplicate attempt", "missing attempt N", "time out of order" (P17)."""
    live: bool = False
    """The attempt in flight now: its duration ticks since placed (`calltime.live_duration`),
    the same clock as the call everywhere else, not the attempt row's stale figure."""


@dataclass(frozen=True, slots=True)
class Timeline:
    call_id: str
    rows: tuple[TimelineRow, ...]
    summary: str | None
    next_retry_at: datetime | None
    """≈ ETA of the next attempt (the vendor does not say which anchor it uses)."""
    overdue: bool
    attempts_left: int | None


def _retry_enabled(config: RetryConfig, outcome: CallStatus) -> bool:
    flag = _RETRYABLE.get(outcome)
    return bool(flag and getattr(config, flag))


def summarise(attempts: tuple[Attempt, ...], config: RetryConfig | None) -> str | None:
    """The series' summary status as the auto-retry guide defines it (API sheet section 7)."""
    if not attempts:
        return None
    if any(a.outcome is CallStatus.COMPLETED for a in attempts):
        return "completed"
    last = attempts[-1]
    if last.outcome not in FINAL_STATUSES:
        return "in_progress"
    if last.outcome in (CallStatus.FAILED, CallStatus.CANCELLED):
        return "failed"
    if last.outcome is CallStatus.EXPIRED:
        return "all_retries_exhausted"
    if config is None or config.max_retries is None:
        if last.outcome is CallStatus.VOICEMAIL and config is not None:
            return "voicemail_final" if not config.retry_on_voicemail else "ended"
        return "ended"
    if not _retry_enabled(config, last.outcome):
        return "voicemail_final" if last.outcome is CallStatus.VOICEMAIL else "ended"
    if last.attempt >= config.max_retries + 1:
        return "all_retries_exhausted"
    return "pending"


def build_timeline(history: RetryHistory, config: RetryConfig | None, now: datetime) -> Timeline:
    """Rows with gaps and anomaly flags, the summary, and the next retry's ETA."""
    rows: list[TimelineRow] = []
    prev: Attempt | None = None
    for attempt in history.attempts:
        flags: list[str] = []
        gap: int | None = None
        if prev is not None:
            if attempt.attempt == prev.attempt:
                flags.append("duplicate attempt")
            elif attempt.attempt > prev.attempt + 1:
                flags.append(f"missing attempt {prev.attempt + 1}")
            seconds = seconds_between(prev.called_at, attempt.called_at)
            if seconds is not None:
                if seconds < 0:
                    flags.append("time out of order")
                else:
                    gap = round(seconds)
        elif attempt.attempt != 1:
            flags.append("first attempt missing")
        rows.append(
            TimelineRow(
                attempt=attempt.attempt,
                outcome=attempt.outcome,
                outcome_raw=attempt.outcome_raw,
                duration_s=attempt.duration_s,
                called_at=attempt.called_at,
                gap_s=gap,
                flags=tuple(flags),
                live=attempt is history.attempts[-1] and attempt.outcome in IN_FLIGHT_STATUSES,
            )
        )
        prev = attempt
    summary = summarise(history.attempts, config)
    eta: datetime | None = None
    left: int | None = None
    if config is not None and config.max_retries is not None and history.attempts:
        left = max(0, config.max_retries + 1 - history.attempts[-1].attempt)
    if summary == "pending" and config is not None and config.wait_minutes is not None:
        last = history.attempts[-1]
        # `shifted`: a year-9999 attempt or a wait of 1e12 minutes is no ETA, not a crash.
        anchor = last.ended_at or shifted(last.called_at, seconds=last.duration_s or 0)
        eta = shifted(anchor, minutes=config.wait_minutes)
    late = seconds_between(eta, now)
    overdue = late is not None and late > OVERDUE_AFTER.total_seconds()
    return Timeline(
        call_id=history.call_id,
        rows=tuple(rows),
        summary=summary,
        next_retry_at=eta,
        overdue=overdue,
        attempts_left=left,
    )


def history_from_call(call: Call) -> RetryHistory:
    """A one-row history from the call record itself, when the retries endpoint is unavailable."""
    attempt = Attempt(
        attempt=call.attempt or 1,
        outcome=call.status,
        duration_s=call.duration_s,
        called_at=call.created_at,
        ended_at=call.ended_at,
        call_id=call.id,
    )
    # Attempt's validator may re-read the raw word from `outcome` (the canonical one here): put
    # back the word the API sent, which an `unknown` outcome is shown by.
    attempt = attempt.model_copy(update={"outcome_raw": call.status_raw})
    return RetryHistory(
        call_id=call.retry_group_id or call.id, attempts=(attempt,), source="call-record"
    )


def reconcile(history: RetryHistory, call: Call) -> RetryHistory:
    """The history with its last attempt brought up to date from the call record.

    The retry history is read on a slower cadence than the call itself: when the call has
    ended since, its row would still say "in call" beside a "completed" call. The call record
    is the fresher source for its own attempt, so no request is spent to agree with it.
    """
    if not history.attempts:
        return history
    last = history.attempts[-1]
    if not _is_records_attempt(history, call):
        return history
    if (
        call.status in IN_FLIGHT_STATUSES
        and call.ended_at is None
        and last.outcome not in FINAL_STATUSES  # else a new attempt the history lacks yet
    ):
        # One clock per call: the live attempt is placed when the call record says, and its
        # duration ticks from there (`TimelineRow.live`), as in Active calls and the call screen.
        live = last.model_copy(
            update={
                "outcome": call.status,
                "outcome_raw": call.status_raw,
                "called_at": call.created_at or last.called_at,
                "duration_s": None,
            }
        )
        return history.model_copy(update={"attempts": (*history.attempts[:-1], live)})
    if call.status not in FINAL_STATUSES:
        if (
            last.outcome in FINAL_STATUSES
            and call.created_at is not None
            and last.called_at != call.created_at
            and (
                last.call_id == call.id
                or (call.attempt is not None and call.attempt == last.attempt)
            )
        ):
            # The history is ahead of the record (it has the ending the record has not yet):
            # its outcome stands, on the record's clock, as once the record ends too (seen on
            # --demo: "placed 22:52:23" on the call, "22:53:15" on its row, until the end).
            ahead = last.model_copy(update={"called_at": call.created_at})
            return history.model_copy(update={"attempts": (*history.attempts[:-1], ahead)})
        return history
    if last.outcome in FINAL_STATUSES:
        # The history's outcome stands; it only gains what its row left out (the first
        # documented shape has no duration), and keeps the clock it had while live: the
        # record's placed time, so the row does not jump when the call ends.
        filled = last.model_copy(
            update={
                "called_at": call.created_at or last.called_at,
                "duration_s": last.duration_s if last.duration_s is not None else call.duration_s,
                "ended_at": last.ended_at or call.ended_at,
            }
        )
        if filled == last:
            return history
        return history.model_copy(update={"attempts": (*history.attempts[:-1], filled)})
    updated = last.model_copy(
        update={
            "outcome": call.status,
            "outcome_raw": call.status_raw,
            "called_at": call.created_at or last.called_at,
            "duration_s": call.duration_s if call.duration_s is not None else last.duration_s,
            "ended_at": call.ended_at,
        }
    )
    return history.model_copy(update={"attempts": (*history.attempts[:-1], updated)})


def _is_records_attempt(history: RetryHistory, call: Call) -> bool:
    """Whether the call record is the history's last attempt.

    An id or an attempt number on either side decides. With neither (the documented shapes
    rarely carry them), the record is the last attempt's unless it was created before the
    attempt ahead of it was placed: then it is an earlier attempt's record, the parent's (the
    retries path id is the first attempt), as in the seed's series.
    """
    last = history.attempts[-1]
    if last.call_id is not None or call.attempt is not None:
        return last.call_id in (None, call.id) and call.attempt in (None, last.attempt)
    if len(history.attempts) < 2 or call.created_at is None:
        return True
    before = history.attempts[-2].called_at
    return before is None or call.created_at > before


# -- counts and rates --------------------------------------------------------------------------


def empty_counts() -> dict[CallStatus, int]:
    return dict.fromkeys(OUTCOME_COLUMNS, 0)


def connect_rate(counts: Mapping[CallStatus, int | None]) -> float | None:
    """completed / (completed + no_answer + busy + voicemail + failed); None when undefined."""
    parts = [
        counts.get(s)
        for s in (
            CallStatus.COMPLETED,
            CallStatus.NO_ANSWER,
            CallStatus.BUSY,
            CallStatus.VOICEMAIL,
            CallStatus.FAILED,
        )
    ]
    if any(p is None for p in parts):
        return None
    denominator = sum(p for p in parts if p is not None)
    completed = counts.get(CallStatus.COMPLETED) or 0
    return _ratio(completed, denominator)


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator <= 0:
        return None
    value = numerator / denominator
    return value if math.isfinite(value) else None


def is_qualified(analysis: Mapping[str, Any], key: str) -> bool:
    value = analysis.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "qualified")
    if isinstance(value, int | float):
        return value == 1
    return False


@dataclass(frozen=True, slots=True)
class QualifiedFigures:
    rate: float | None
    analysed: int
    """Connected calls whose analysis has arrived (the rate's denominator)."""
    pending: int
    """Connected calls whose analysis has not arrived yet: left out of the rate."""


def qualified_rate(calls: Iterable[Call], key: str) -> QualifiedFigures:
    analysed = qualified = pending = 0
    for call in calls:
        if call.status is not CallStatus.COMPLETED:
            continue
        if call.analysis is None:
            pending += 1
            continue
        analysed += 1
        qualified += is_qualified(call.analysis, key)
    return QualifiedFigures(_ratio(qualified, analysed), analysed, pending)


# -- concurrency and the retry wave -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaveBucket:
    at: datetime
    """Start of the minute."""
    calls: int
    """Retries falling due in this minute."""
    projected: int
    """In flight now plus these retries: the demand on the cap if they all dial."""
    over_cap: bool


def retry_wave(
    etas: Iterable[datetime],
    now: datetime,
    *,
    in_flight: int,
    cap: int | None,
    minutes: int = 60,
) -> tuple[WaveBucket, ...]:
    """Retries due per minute over the next `minutes`, against the cap (API sheet section 8).

    Overdue retries (ETA already past) land in the current minute: they are waiting for a slot.
    """
    start = now.replace(second=0, microsecond=0)
    end = shifted(start, minutes=minutes) or datetime.max.replace(tzinfo=start.tzinfo)
    per_minute: Counter[datetime] = Counter()
    for eta in etas:
        bucket = max(start, eta.replace(second=0, microsecond=0))
        if bucket < end:
            per_minute[bucket] += 1
    return tuple(
        WaveBucket(
            at=minute,
            calls=n,
            projected=in_flight + n,
            over_cap=cap is not None and in_flight + n > cap,
        )
        for minute, n in sorted(per_minute.items())
    )


def pending_retry_eta(call: Call, config: RetryConfig | None) -> datetime | None:
    """When a just-ended attempt's retry falls due, or None if it will not be retried."""
    if config is None or config.wait_minutes is None or config.max_retries is None:
        return None
    if call.status not in _RETRYABLE or not _retry_enabled(config, call.status):
        return None
    if (call.attempt or 1) >= config.max_retries + 1:
        return None
    return shifted(call.ended_at or call.created_at, minutes=config.wait_minutes)
