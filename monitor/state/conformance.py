"""Retry-policy conformance (issue 19, part 1): a series' attempts held against its retry settings.

The auto-retry guide (seed 003) and the API sheet's section 8 define the policy exactly:
`max_retries = N` allows N + 1 attempts; the wait is fixed (`wait_minutes` per call,
`retry_interval_minutes` per campaign) and starts after a retryable outcome, i.e. when the attempt
ends; no-answer and busy retry by default, voicemail only with `retry_on_voicemail`, failed never,
completed ends the series. So conformance is checked, not guessed; where the settings are not
known the answer is "policy unknown" (None), never "conforms".

Pure: histories, settings and `now` in, findings out. What "early" and "late" mean is stated in
`Tolerance`: the vendor gives no precision for its scheduler, and a retry can wait for a
concurrency slot or the calling window, so late is only late past a generous margin.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.api.models import Attempt, RetryConfig, RetryHistory
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.state.calltime import seconds_between, shifted

RETRY_KINDS = (
    "retry_early",
    "retry_late",
    "retry_missing",
    "retry_extra",
    "retry_not_retryable",
)
"""The conformance kinds, in the words `snapshot`'s `insights[].kind` uses."""

_RETRY_FLAG = {
    CallStatus.NO_ANSWER: "retry_on_no_answer",
    CallStatus.BUSY: "retry_on_busy",
    CallStatus.VOICEMAIL: "retry_on_voicemail",
}


@dataclass(frozen=True, slots=True)
class Tolerance:
    early_s: float = 60.0
    """A retry placed more than this before its wait is over is early."""
    late_s: float = 600.0
    """A retry (or its absence) this long past its due time is late (or missing): ten minutes
    covers waiting for a slot at a busy cap without crying wolf."""


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    """One of RETRY_KINDS."""
    call_id: str
    """The series' id (the first attempt's call id: the retries path id)."""
    attempt: int
    """The attempt the finding is about (for `retry_missing`: the one that never came)."""
    since: datetime | None
    """When it became true, when known."""
    detail: str


@dataclass(frozen=True, slots=True)
class Conformance:
    """One campaign's series held against its policy."""

    checked: int = 0
    """Series whose policy is known."""
    conforming: int = 0
    unknown: int = 0
    """Series whose settings are not known: not counted either way."""
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> float | None:
        """None with nothing checked: no reading, not 100%."""
        return None if self.checked == 0 else 100.0 * self.conforming / self.checked


def retries_allowed(config: RetryConfig, outcome: CallStatus) -> bool:
    """Whether this outcome is retried under these settings (failed and completed never are)."""
    flag = _RETRY_FLAG.get(outcome)
    return bool(flag and getattr(config, flag))


def _ready_at(prev: Attempt, wait_minutes: float) -> datetime | None:
    """When the next attempt is due: the wait runs from the end of the attempt before it
    (its `ended_at`, else placed + connected seconds; no-answer and busy have 0)."""
    anchor = prev.ended_at or shifted(prev.called_at, seconds=prev.duration_s or 0)
    return shifted(anchor, minutes=wait_minutes)


def check_series(
    history: RetryHistory,
    config: RetryConfig | None,
    now: datetime,
    tolerance: Tolerance = Tolerance(),
) -> tuple[Finding, ...] | None:
    """Every way this series departs from its policy; None when the policy is not known."""
    if config is None or config.max_retries is None:
        return None
    attempts = history.attempts
    cid = history.call_id
    limit = config.max_retries + 1
    found: list[Finding] = []
    for prev, this in itertools.pairwise(attempts):
        if this.attempt > limit:
            detail = f"attempt {this.attempt} of at most {limit}"
            found.append(Finding("retry_extra", cid, this.attempt, this.called_at, detail))
        if prev.outcome in FINAL_STATUSES and not retries_allowed(config, prev.outcome):
            why = (
                "voicemail retried with retry_on_voicemail off"
                if prev.outcome is CallStatus.VOICEMAIL
                else f"{prev.outcome.value} is not retried"
            )
            found.append(Finding("retry_not_retryable", cid, this.attempt, this.called_at, why))
            continue
        if config.wait_minutes is None:
            continue
        ready = _ready_at(prev, config.wait_minutes)
        offset = seconds_between(ready, this.called_at)
        if offset is None:
            continue
        wait = f"its {config.wait_minutes:g} min wait ended"
        if offset < -tolerance.early_s:
            detail = f"{round(-offset)} s before {wait}"
            found.append(Finding("retry_early", cid, this.attempt, this.called_at, detail))
        elif offset > tolerance.late_s:
            detail = f"{round(offset)} s after {wait}"
            found.append(Finding("retry_late", cid, this.attempt, this.called_at, detail))
    missing = _missing(history, config, now, tolerance)
    if missing is not None:
        found.append(missing)
    return tuple(found)


def _missing(
    history: RetryHistory, config: RetryConfig, now: datetime, tolerance: Tolerance
) -> Finding | None:
    """A retryable outcome with attempts left and no retry well past its wait."""
    if not history.attempts or config.max_retries is None or config.wait_minutes is None:
        return None
    last = history.attempts[-1]
    if last.outcome not in FINAL_STATUSES or not retries_allowed(config, last.outcome):
        return None
    if last.attempt >= config.max_retries + 1:
        return None
    due = _ready_at(last, config.wait_minutes)
    overdue = seconds_between(due, now)
    if due is None or overdue is None or overdue <= tolerance.late_s:
        return None
    return Finding(
        "retry_missing",
        history.call_id,
        last.attempt + 1,
        shifted(due, seconds=tolerance.late_s),
        f"attempt {last.attempt + 1} due {round(overdue)} s ago after {last.outcome.value}",
    )


def campaign_conformance(results: Iterable[tuple[Finding, ...] | None]) -> Conformance:
    """The campaign's figure from its series' results (None: policy unknown)."""
    checked = conforming = unknown = 0
    kinds: Counter[str] = Counter()
    for findings in results:
        if findings is None:
            unknown += 1
            continue
        checked += 1
        if not findings:
            conforming += 1
        kinds.update(f.kind for f in findings)
    return Conformance(checked, conforming, unknown, dict(kinds))
