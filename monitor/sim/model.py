"""What the simulated workspace is made of: settings (frozen specs) and live records.

Specs describe a scenario and never change; `Campaign`, `Call` and `Series` are the world's
mutable state. Records use `__slots__` because the huge scenario holds tens of thousands of calls
and the world must advance an hour of them in a few CPU seconds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Call statuses inside the world. These are the monitor's canonical words (API sheet §5); each
# dialect spells them its own way on the wire (see dialects.py).
QUEUED = "queued"
DIALING = "dialing"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
NO_ANSWER = "no_answer"
BUSY = "busy"
VOICEMAIL = "voicemail"
FAILED = "failed"
CANCELLED = "cancelled"
SKIPPED = "skipped"
"""A dial the vendor refused at its concurrency cap: "a full queue marks the extra calls
skipped" (API sheet section 10). Only the `vendor_rejected` anomaly makes one."""

LIVE_STATUSES = (QUEUED, DIALING, IN_PROGRESS)
IN_FLIGHT_STATUSES = (DIALING, IN_PROGRESS)
FINAL_STATUSES = (COMPLETED, NO_ANSWER, BUSY, VOICEMAIL, FAILED, CANCELLED, SKIPPED)
ALL_STATUSES = LIVE_STATUSES + FINAL_STATUSES
OUTCOMES = (COMPLETED, NO_ANSWER, BUSY, VOICEMAIL, FAILED)

# Campaign (container) statuses, in the campaign page's vocabulary (API sheet §6).
DRAFT = "draft"
SCHEDULED = "scheduled"
RUNNING = "running"
PAUSED = "paused"
CAMPAIGN_COMPLETED = "completed"
CAMPAIGN_CANCELLED = "cancelled"

# Retry summary words (API sheet §7); `cancelled` is ours, for series cut short by a cancelled
# campaign, which the vendor does not define.
SUMMARY_COMPLETED = "completed"
SUMMARY_EXHAUSTED = "all_retries_exhausted"
SUMMARY_VOICEMAIL_FINAL = "voicemail_final"
SUMMARY_FAILED = "failed"
SUMMARY_PENDING = "pending"
SUMMARY_IN_PROGRESS = "in_progress"
SUMMARY_CANCELLED = "cancelled"


@dataclass(frozen=True)
class RetryConfig:
    """The auto-retry guide's settings (seed 003): a fixed wait, never exponential."""

    max_retries: int = 2
    wait_minutes: int = 30
    retry_on_voicemail: bool = False
    retry_on_no_answer: bool = True
    retry_on_busy: bool = True

    def retries(self, outcome: str) -> bool:
        """Whether this outcome is retryable under these settings (failed and completed never)."""
        if outcome == NO_ANSWER:
            return self.retry_on_no_answer
        if outcome == BUSY:
            return self.retry_on_busy
        if outcome == VOICEMAIL:
            return self.retry_on_voicemail
        return False

    def as_call_retry(self) -> dict[str, Any]:
        """The per-call `retry` object of the guide's create-call body."""
        return {
            "max_retries": self.max_retries,
            "wait_minutes": self.wait_minutes,
            "retry_on_voicemail": self.retry_on_voicemail,
            "retry_on_no_answer": self.retry_on_no_answer,
            "retry_on_busy": self.retry_on_busy,
        }


DEFAULT_MIX: tuple[tuple[str, float], ...] = (
    (COMPLETED, 0.40),
    (NO_ANSWER, 0.33),
    (BUSY, 0.10),
    (VOICEMAIL, 0.12),
    (FAILED, 0.05),
)


@dataclass(frozen=True)
class CampaignSpec:
    """One campaign of a scenario. Times are world seconds after the scenario's start."""

    name: str
    leads: int
    max_concurrent_calls: int = 10
    retry: RetryConfig = field(default_factory=RetryConfig)
    mix: tuple[tuple[str, float], ...] = DEFAULT_MIX
    start_at: float | None = 0.0
    """None leaves the campaign a draft for ever."""
    pause_at: float | None = None
    resume_at: float | None = None
    cancel_at: float | None = None
    talk_median_s: float = 75.0
    qualified_rate: float = 0.35
    agent: int = 0
    country_code: str = "+1"
    anomalies: frozenset[str] = frozenset()
    """Ways this campaign misbehaves from the start (`monitor.sim.anomalies`); none when clean."""
    calling_window: tuple[float, float] | None = None
    """Daily calling hours as (opens, closes) in world seconds (repeating every 24 h): shown as
    the batch fields `calling_hours_start`/`_end` (`HH:MM`, UTC, `timezone: "UTC"`); no dial
    outside them. None: no window."""


@dataclass(frozen=True)
class ScenarioSpec:
    """A whole workspace: its plan's concurrency cap and its campaigns."""

    name: str
    workspace_cap: int
    campaigns: tuple[CampaignSpec, ...]
    warmup_s: float = 0.0
    """History simulated before the moment the world is created, so a demo opens on activity."""
    queue_depth: int = 10
    """How many first dials a running campaign keeps queued (status `created`) ahead of a slot."""
    churn: bool = False
    """Rerun campaigns that end and retire old ones (see World), for endless demos and soaks."""
    description: str = ""

    @property
    def total_leads(self) -> int:
        return sum(c.leads for c in self.campaigns)


class Campaign:
    """A campaign's live state, with per-status indexes of its calls for fast list queries."""

    __slots__ = (
        "agent_id",
        "anomalies",
        "attempted_by_depth",
        "calls",
        "completed_leads",
        "counts",
        "created_t",
        "final",
        "finished_series",
        "from_number",
        "id",
        "in_flight",
        "in_rr",
        "index",
        "last_dial_t",
        "last_skip_t",
        "leaked",
        "live",
        "mix_cum",
        "mix_outcomes",
        "name",
        "next_lead",
        "peak_in_flight",
        "pending_retries",
        "queued_first",
        "ready",
        "retries_by_depth",
        "run",
        "spec",
        "start_t",
        "status",
        "version",
    )

    def __init__(self, index: int, cid: str, spec: CampaignSpec, name: str) -> None:
        self.index = index
        self.id = cid
        self.spec = spec
        self.anomalies: set[str] = set(spec.anomalies)
        """Switched on and off while the world runs (`World.set_anomaly`)."""
        self.name = name
        self.agent_id = ""
        self.from_number = ""
        self.status = DRAFT
        self.created_t = 0.0
        self.start_t: float | None = spec.start_at
        self.ready: deque[Call] = deque()
        self.queued_first = 0
        self.next_lead = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.in_rr = False
        self.calls: list[int] = []
        self.live: dict[str, dict[int, Call]] = {s: {} for s in LIVE_STATUSES}
        self.final: dict[str, list[int]] = {s: [] for s in FINAL_STATUSES}
        self.counts: dict[str, int] = dict.fromkeys(ALL_STATUSES, 0)
        depths = spec.retry.max_retries + 1
        self.retries_by_depth = [0] * depths
        """Attempts created or scheduled at each depth (0 = first dial)."""
        self.attempted_by_depth = [0] * depths
        """Attempts dialled at each depth."""
        self.pending_retries = 0
        self.finished_series = 0
        self.completed_leads = 0
        self.last_dial_t: float | None = None
        self.leaked = 0
        """Slots this campaign's ended calls still hold (the `leaked_slot` anomaly)."""
        self.last_skip_t: float | None = None
        self.version = 0
        self.run = 1
        """1 for the scenario's campaign, 2.. for its reruns under churn."""
        total = sum(w for _, w in spec.mix) or 1.0
        acc = 0.0
        self.mix_outcomes: list[str] = []
        self.mix_cum: list[float] = []
        for outcome, weight in spec.mix:
            acc += weight / total
            self.mix_outcomes.append(outcome)
            self.mix_cum.append(acc)

    @property
    def retry(self) -> RetryConfig:
        return self.spec.retry

    @property
    def total_leads(self) -> int:
        return self.spec.leads

    @property
    def cap(self) -> int:
        return self.spec.max_concurrent_calls


class Call:
    """One dial attempt: a call record. Status times are world seconds; None means not yet."""

    __slots__ = (
        "analysis",
        "analysis_t",
        "answer_t",
        "attempt",
        "campaign",
        "created_t",
        "dial_t",
        "due_t",
        "end_reason",
        "end_t",
        "id",
        "lead",
        "outcome",
        "parent_id",
        "sentiment",
        "seq",
        "series",
        "status",
        "talk_s",
    )

    def __init__(
        self,
        seq: int,
        cid: str,
        campaign: Campaign,
        series: Series | None,
        lead: int,
        attempt: int,
        created_t: float,
        due_t: float,
    ) -> None:
        self.seq = seq
        self.id = cid
        self.campaign = campaign
        self.series: Series = series  # type: ignore[assignment]  # set right after for attempt 1
        self.lead = lead
        self.attempt = attempt
        self.parent_id = series.parent_id if series is not None else cid
        self.status = QUEUED
        self.created_t = created_t
        self.due_t = due_t
        self.dial_t: float | None = None
        self.answer_t: float | None = None
        self.end_t: float | None = None
        self.analysis_t: float | None = None
        self.outcome = ""
        self.talk_s = 0
        self.end_reason: str | None = None
        self.sentiment: str | None = None
        self.analysis: dict[str, Any] | None = None

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT_STATUSES

    @property
    def final(self) -> bool:
        return self.end_t is not None

    def connected_seconds(self, now: float) -> int:
        """Talk seconds so far: 0 until answered, frozen at the end."""
        if self.end_t is not None:
            return self.talk_s
        if self.answer_t is None:
            return 0
        return max(0, int(now - self.answer_t))

    def history(self) -> list[tuple[str, float]]:
        """Each status this call has had and the world time it began."""
        rows: list[tuple[str, float]] = [(QUEUED, self.created_t)]
        if self.dial_t is not None:
            rows.append((DIALING, self.dial_t))
        if self.answer_t is not None:
            rows.append((IN_PROGRESS, self.answer_t))
        if self.end_t is not None:
            rows.append((self.status, self.end_t))
        return rows


class Series:
    """All attempts for one lead, linked by the first attempt's id (the retry group)."""

    __slots__ = ("attempts", "campaign", "cancelled", "lead", "lead_info", "parent_id", "retry_due")

    def __init__(self, parent_id: str, campaign: Campaign, lead: int) -> None:
        self.parent_id = parent_id
        self.campaign = campaign
        self.lead = lead
        self.attempts: list[Call] = []
        self.retry_due: float | None = None
        self.cancelled = False
        self.lead_info: tuple[str, dict[str, Any]] | None = None
        """The lead's number and metadata, derived once when first served (see dialects)."""

    @property
    def last(self) -> Call:
        return self.attempts[-1]

    def summary(self) -> str:
        """The summary status of the guide (seed 003), extended as the API sheet §7 says."""
        if any(a.status in IN_FLIGHT_STATUSES for a in self.attempts):
            return SUMMARY_IN_PROGRESS
        if any(a.status == COMPLETED for a in self.attempts):
            return SUMMARY_COMPLETED
        if self.retry_due is not None or any(a.status == QUEUED for a in self.attempts):
            return SUMMARY_PENDING
        last = self.last.status
        if self.cancelled or last in (CANCELLED, SKIPPED):
            return SUMMARY_CANCELLED
        if last == FAILED:
            return SUMMARY_FAILED
        if last == VOICEMAIL and not self.campaign.retry.retry_on_voicemail:
            return SUMMARY_VOICEMAIL_FINAL
        return SUMMARY_EXHAUSTED

    @property
    def open(self) -> bool:
        """True while the series can still change (an attempt live or a retry scheduled)."""
        return self.summary() in (SUMMARY_IN_PROGRESS, SUMMARY_PENDING)


@dataclass(frozen=True)
class PendingRetry:
    """A retry the world has scheduled but not yet created (ground truth for the retry wave)."""

    parent_id: str
    campaign_id: str
    attempt: int
    due_t: float
