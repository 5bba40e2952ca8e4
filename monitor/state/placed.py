"""Each campaign's calls placed, kept live from the calls the engine reads anyway.

The call logs' total (`limit=1`, one request per campaign) was read once when a campaign was
first seen and again only when the round-robin reconciliation came round to it: minutes apart
with a handful of campaigns, while the outcome counts (`tally`) rose with every ending, so the
Campaigns pane showed 89 calls placed next to 114 ended, under a freshness that said <30 s
(user trial finding 1). As with the outcome counts, the figure is now

    the API's total (read at an instant on the API's clock)
    + every call of the campaign seen since that was created after that instant, each once

and the calls come from every read (active and queued sweeps, endings, lookups, listings):
a call is in flight, queued or ended within seconds of being placed, and those reads are
what keep the active and campaigns panes fresh. A reconciliation reads the total again and
starts over from it.

Pure: no IO, no clock; every instant is passed in (the API's clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

FOLD_AFTER = timedelta(minutes=30)
"""Identities of calls created longer ago than this (before the newest seen) are forgotten,
their count kept: memory stays flat over a day (`huge` places about 1,100 calls a minute:
some 33,000 identities, against the tally's ENDINGS_KEPT 20,000). A call first seen that long
after it was placed (the queue is read every few minutes) waits for the next read of the
total; forgetting never counts a call twice, as one created before the fold is ignored."""


@dataclass
class CampaignPlaced:
    """One campaign's calls placed: `base` at `at`, plus the calls created after it."""

    base: int | None = None
    at: datetime | None = None
    created: dict[str, datetime] = field(default_factory=dict)
    """Calls of the campaign seen, by id: when each was created (API clock)."""
    folded: int = 0
    """Calls created after `at` whose identity was folded (see FOLD_AFTER)."""
    floor: datetime | None = None
    """Calls created before this were folded; one first seen now is ignored."""

    def total(self) -> int | None:
        """None until the API's total has been read: unknown is not zero."""
        if self.base is None or self.at is None:
            return None
        return self.base + self.folded + len(self.created)

    def read(self, total: int, at: datetime) -> None:
        """The API's total as of `at`: the calls created after it are counted on top; those
        created before are in it (forgotten: only calls created after a read are kept)."""
        self.base, self.at, self.folded = total, at, 0
        self.created = {k: c for k, c in self.created.items() if c > at}

    def seen(self, call_id: str, created_at: datetime) -> bool:
        """A call of the campaign as any read gave it; True when the total changed."""
        if self.at is None or created_at <= self.at or call_id in self.created:
            return False  # not read yet (unknown), or in the total read
        if self.floor is not None and created_at < self.floor:
            return False
        self.created[call_id] = created_at
        self._fold(created_at - FOLD_AFTER)
        return True

    def _fold(self, cutoff: datetime) -> None:
        if self.floor is not None and cutoff <= self.floor:
            return
        # Fold at most once a minute of API time (one scan of the identities, not one a call).
        if self.floor is not None and cutoff - self.floor < timedelta(minutes=1):
            return
        old = [k for k, c in self.created.items() if c < cutoff]
        for key in old:
            del self.created[key]
        self.folded += len(old)
        self.floor = cutoff


class Placed:
    """Every campaign's calls placed (`CampaignPlaced`)."""

    def __init__(self) -> None:
        self.campaigns: dict[str, CampaignPlaced] = {}

    def campaign(self, campaign_id: str) -> CampaignPlaced:
        placed = self.campaigns.get(campaign_id)
        if placed is None:
            placed = self.campaigns[campaign_id] = CampaignPlaced()
        return placed
