"""What the store keeps per call and campaign, and the API's health: plain records the state
layer builds its views from (kept apart from `monitor.state.store`, which holds and changes
them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.api.models import Call, Campaign


@dataclass(slots=True)
class TrackedCall:
    call: Call
    last_seen: float
    """Monotonic time of the last listing that included it (for in-flight calls)."""
    ended_seen: float | None = None
    """When we first learnt it had ended (disappeared from the active list or a final status)."""
    changed_at: float = 0.0
    """Monotonic time any field of the record last changed (a re-read moving `duration_s`
    bumps it): how recent an ending is, not how long a state has lasted."""
    state_since: float = 0.0
    """Monotonic time its state last changed: its status (as normalised: `initiated` then
    `ringing` is one dialling), or whether it has ended. How long a call has been ringing
    counts from it; a re-read that changes other fields leaves it alone."""
    campaign_source: str | None = None
    """Which read last said the call's campaign (`in-flight list`, `call record`, ...), so
    the call screen can say where the membership came from; None while no read has said."""
    last_source: str | None = None
    """The last read of the call, whatever it said."""
    seq: int = 0
    """Its place in `Store.calls`' order: incremental derivations break ties as a scan."""


@dataclass(frozen=True, slots=True)
class CampaignState:
    campaign: Campaign
    counts: dict[str, int | None] = field(default_factory=dict)
    """The outcome counts known when `total` was read (`polling.intake.put_total`): what
    `notes.count_flags` compares with it. The counts shown are the tally's, live."""
    total: int | None = None
    """Calls placed (the call logs' total), None until read; kept live between reads (the
    calls created since, `monitor.state.placed`)."""
    counts_total: int | None = None
    """The calls placed as read with `counts` (not the live `total`): a flag compares the
    two figures of one read, and does not fade as calls are placed after it."""
    qualified_rate: float | None = None
    analysed: int = 0
    analysis_pending: int = 0


@dataclass(frozen=True, slots=True)
class ApiHealth:
    """The API's state as the status line tells it."""

    state: str = "ok"
    """ok, rate_limited, unreachable, key_refused, server_error, degraded; unknown (only a
    monitor via a silent relay: it cannot know the API's state)."""
    message: str = ""
    since: float | None = None
    until: float | None = None
    """Rate limited until (monotonic), when known."""
    used_last_minute: int = 0
    limit: int | None = None
    remaining: int | None = None
    reset_after_s: float | None = None
    budget_per_min: int = 60
