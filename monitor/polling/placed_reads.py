"""A campaign's calls placed as `Counts` reads them: when the figure needs a read (never
read, or the ended outcomes add up past it), and the read itself (`Intake.placed_read` keeps
it live from there, `monitor.state.placed`). A mixin of `monitor.polling.counts.Counts`."""

from __future__ import annotations

from monitor.api.client import DialNexaClient
from monitor.polling.fetch import Routes, status_total
from monitor.polling.intake import Intake
from monitor.polling.serverclock import ServerClock
from monitor.state.notes import count_flags
from monitor.state.store import Store
from monitor.state.tally import COUNTED_VALUES

PLACED_RECHECK_S = 30.0
"""A campaign's calls placed, found below its ended outcomes, are read again at most this
often (one request): within the campaigns pane's promise, never a loop on an API whose own
totals disagree."""


class PlacedReads:
    """The calls-placed part of the count keeping (`Counts` sets the attributes)."""

    client: DialNexaClient
    routes: Routes
    store: Store
    server_clock: ServerClock
    intake: Intake
    one_shot: bool
    unavailable: set[tuple[str, str]]
    _disagrees: set[str]

    def needs_total(self, campaign_id: str) -> bool:
        """Its calls placed are not read yet, or its outcomes add up past them. The list's
        counters (`total_records`, ...) are the contact list's size, not the calls placed
        (issue 15): only the call logs say."""
        state = self.store.campaigns.get(campaign_id)
        return (
            state is not None
            and (state.total is None or self._behind(campaign_id, state.total))
            and (campaign_id, "total") not in self.unavailable
        )

    def _ended(self, campaign_id: str) -> int:
        tally = self.store.tally.campaigns.get(campaign_id)
        if tally is None:
            return 0
        return sum(n for s in COUNTED_VALUES if (n := tally.count(s)) is not None)

    def _behind(self, campaign_id: str, placed: int) -> bool:
        """More calls ended than placed: every ended call was placed, so the figure is
        behind (a call no read named, or no creation time to count it by); read it again,
        PLACED_RECHECK_S after the last read. Outcomes still past a total read after them
        are the API's own (the views flag them): not read again until the calls placed have
        caught up with the outcomes (an API whose total counts otherwise is no loop)."""
        if self._ended(campaign_id) <= placed:
            self._disagrees.discard(campaign_id)
            return False
        if campaign_id in self._disagrees:
            return False
        last = self.intake.placed.campaign(campaign_id).at
        since = self.server_clock.api_now() - last if last is not None else None
        return since is None or since.total_seconds() >= PLACED_RECHECK_S

    async def read_total(self, campaign_id: str) -> bool:
        """All of a campaign's call records (`limit=1`): its calls placed."""
        total = await status_total(self.client, self.routes, campaign_id, None)
        if total is None:
            self.unavailable.add((campaign_id, "total"))
            return False
        self.intake.placed_read(campaign_id, total)
        if self._ended(campaign_id) > total:
            self._disagrees.add(campaign_id)
        return True

    def past_total(self, campaign_id: str) -> bool:
        """Its counts now add up past the calls placed last read, which did not flag them:
        the calls placed are read again (`Intake.placed_read` then says whether the counts
        can all be true). Only in snapshot's round, at its end: live, such a read came on top of
        the request plan the scheduler and the webhooks' savings are measured against
        (tests/engine/test_scheduler_wakes.py, tests/webhooks), and the calls placed are read
        on their own cadence anyway."""
        if not self.one_shot:
            return False
        state = self.store.campaigns.get(campaign_id)
        tally = self.store.tally.campaigns.get(campaign_id)
        if state is None or state.total is None or tally is None:
            return False
        if (campaign_id, "total") in self.unavailable or count_flags(
            state.counts, state.counts_total
        ):
            return False
        known = {s: n for s in COUNTED_VALUES if (n := tally.count(s)) is not None}
        return count_flags(known, state.total) != ()
