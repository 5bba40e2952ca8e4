"""Time arithmetic that cannot overflow, and one clock per call.

A retry timestamped in year 9999 plus a wait, or a `wait_minutes` of 1e12, is beyond what a
`datetime` holds: `OverflowError`. Such a time is "not known" here (None), never a crash.

One clock per call, in the API sheet's words (sections 3.1, 3.6 and 8):

- **placed**: when the attempt was placed, `created_at` of a call record (`called_time`,
  `initiated_at`), `called_at` of a retry-history row; the same instant for the same attempt;
- **ended**: `ended_at`, absent while the call is live;
- the duration shown is, while the call is live, **since placed** (ringing and talk: the API
  does not say when a call was answered), ticking; once it has ended, **connected**: the API's
  own duration (`duration_sec`, talk only, 0 for no-answer and busy), never recomputed.

Every pane, the CSV export and `snapshot` take their times and duration from `call_clock`, so
the same call shows the same numbers everywhere, with the same label. Times and durations
outside a sane window (placed before 2000 or after now, a duration over a day) are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.state.records import CallRecord

SANE_SINCE = datetime(2000, 1, 1, tzinfo=UTC)
"""Nothing the vendor placed predates this: an earlier time is a zero or unit error."""
MAX_SANE_S = 86_400
"""A call over a day is suspect (API sheet 3.1: flag durations above 86 400 s)."""
FUTURE_SLACK_S = 300
"""Clocks differ by seconds, not minutes: "placed" further ahead of now than this is wrong."""


def shifted(
    when: datetime | None, *, seconds: float = 0.0, minutes: float = 0.0
) -> datetime | None:
    """`when` moved by the given time, or None when either is unknown or out of range."""
    if when is None:
        return None
    try:
        return when + timedelta(seconds=seconds, minutes=minutes)
    except (OverflowError, ValueError):
        return None


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    try:
        return (end - start).total_seconds()
    except (OverflowError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class CallClock:
    placed_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    """The duration shown: since placed (live) or connected (ended); None when not known."""
    label: str
    """"since placed" (live, ticking) or "connected" (ended, the API's figure)."""
    live: bool
    flags: tuple[str, ...] = ()
    """"placed before 2000", "placed in the future", "over a day", "ended before placed"."""
    queued: bool = False
    """Waiting to be dialled: nothing is ringing yet, so `duration_s` is how long it has waited
    (since placed), not a call's duration; the call screen says "queued 0:16"."""

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def time_flags(placed_at: datetime | None, ended_at: datetime | None, now: datetime) -> list[str]:
    flags = []
    if placed_at is not None and placed_at < SANE_SINCE:
        flags.append("placed before 2000")
    elif placed_at is not None and (seconds_between(now, placed_at) or 0) > FUTURE_SLACK_S:
        flags.append("placed in the future")
    gap = seconds_between(placed_at, ended_at)
    if gap is not None and gap < 0:
        flags.append("ended before placed")
    return flags


def live_duration(placed_at: datetime | None, now: datetime) -> tuple[int | None, tuple[str, ...]]:
    """Seconds since placed, for a call in flight, and what is wrong with it if anything.

    The one formula for a ticking duration: Active calls, the retry timeline's live row, the
    call screen, the CSV export and `snapshot` all call it with the call record's `created_at`
    and the app's one clock. A flagged time has no duration (None), never 1.8e9 s.
    """
    flags = time_flags(placed_at, None, now)
    elapsed = seconds_between(placed_at, now)
    if elapsed is not None and not flags and elapsed > MAX_SANE_S:
        flags.append("over a day")
    if elapsed is None or flags:
        return None, tuple(flags)
    return max(0, round(elapsed)), ()


def call_clock(call: Call | CallRecord, now: datetime) -> CallClock:
    """The call's times and the one duration every view shows for it."""
    live = call.status not in FINAL_STATUSES and call.ended_at is None
    flags = time_flags(call.created_at, call.ended_at, now)
    if live:
        duration, live_flags = live_duration(call.created_at, now)
        flags = list(live_flags)
        label = "since placed"
    else:
        duration = call.duration_s
        if duration is not None and duration > MAX_SANE_S:
            flags.append("over a day")
        label = "connected"
    return CallClock(
        placed_at=call.created_at,
        ended_at=call.ended_at,
        duration_s=duration,
        label=label,
        live=live,
        flags=tuple(flags),
        queued=live and call.status is CallStatus.QUEUED,
    )
