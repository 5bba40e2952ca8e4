"""The insights as the snapshot holds them (issue 19): plain, frozen, an exact JSON round trip.

Kept apart from the rules (`conformance`, `stuck`, `idle`) and from the tracker that feeds them
(`insights`), so the store can hold the last result without importing either.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

INSIGHT_KINDS = (
    "retry_early",
    "retry_late",
    "retry_missing",
    "retry_extra",
    "retry_not_retryable",
    "stuck_call",
    "leaked_slot",
    "cap_blocked",
    "vendor_rejected",
)
"""Every `kind` an insight can have, in the words of `snapshot`'s `insights[].kind`."""

_FROZEN = ConfigDict(frozen=True)


class Insight(BaseModel):
    """One thing that is wrong, with when it became true."""

    model_config = _FROZEN

    kind: str
    campaign_id: str | None = None
    call_id: str | None = None
    """The call (for a retry finding: the series' first attempt); None for a campaign's or
    the workspace's insight (a leaked slot, a blocked cap)."""
    since: datetime | None = None
    detail: str = ""


class CampaignInsight(BaseModel):
    """One campaign's conformance figure and its last hour's idle minutes."""

    model_config = _FROZEN

    conformance: float | None = None
    """Percent of checked retry series that follow the policy; None: nothing checked (policy
    unknown or no series read yet), never 100."""
    checked: int = 0
    unknown: int = 0
    kinds: dict[str, int] = {}
    """Findings by retry kind."""
    idle_minutes: dict[str, int] = {}
    """Minutes of the last hour not dialling, by reason (`monitor.state.idle.IDLE_REASONS`)."""
    idle_bar: str = ""
    """The last hour, one letter a minute, oldest first (`.` dialling, `?` not known, else the
    reason's first letter): the campaign screen's bar."""


class Insights(BaseModel):
    """Everything the insight rules found (rebuilt when the store changed)."""

    model_config = _FROZEN

    items: tuple[Insight, ...] = ()
    campaigns: dict[str, CampaignInsight] = {}

    def of(self, campaign_id: str | None) -> tuple[Insight, ...]:
        return tuple(i for i in self.items if i.campaign_id == campaign_id)


__all__ = ["INSIGHT_KINDS", "CampaignInsight", "Insight", "Insights"]
