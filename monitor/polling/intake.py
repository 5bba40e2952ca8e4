"""How a call any poller read enters the store, and what the listings' order teaches.

Shared by the pollers that read calls (active and queued sweeps, lookups, endings, the selected
call, the campaigns' listings): each read is merged with what earlier reads said, and an ending
is counted once per attempt, whichever read brought it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.polling.budget import SENT_AT
from monitor.polling.serverclock import ServerClock
from monitor.polling.sweep import SweepOrder
from monitor.state.placed import Placed
from monitor.state.store import Store
from monitor.state.tally import COUNTED_VALUES

log = logging.getLogger(__name__)

UNENDED_UNKNOWN = FINAL_STATUSES | {CallStatus.UNKNOWN}
"""Statuses that do not say a call had not ended yet (an unknown word may be an ending)."""


class Intake:
    """Puts calls into the store and their endings into their campaigns' counts."""

    def __init__(self, store: Store, server_clock: ServerClock) -> None:
        self.store = store
        self.server_clock = server_clock
        self.placed = Placed()
        """Each campaign's calls placed, kept live from the calls read (`state.placed`)."""

    def take(
        self,
        call: Call,
        now: float,
        *,
        live_listing: bool = False,
        source: str = "calls",
        sent: float | None = None,
    ) -> bool:
        """A call as any poller read it: into the store (merged with what earlier reads
        said), and its ending (if it ended) into its campaign's counts, once per attempt
        whichever read brought it. The merged record is counted: a read that leaves the
        campaign out still counts for the campaign an earlier read named. A read saying live a
        call already seen ended is refused (`Store.upsert_call`): it was made before the
        ending (a sweep's page in flight while a webhook delivered it, issue 22); `sent`: when
        its request was sent (`sent_since`), for a read taken in later than it arrived."""
        before = self.store.calls.get(call.id)
        # Seen live by an earlier read: an ending without `ended_at` happened since (tally).
        seen_live = before is not None and before.call.status not in UNENDED_UNKNOWN
        changed = self.store.upsert_call(
            call, now, live_listing=live_listing, source=source, sent=sent
        )
        tracked = self.store.calls.get(call.id)
        merged = tracked.call if tracked is not None else call
        if merged.status in FINAL_STATUSES:
            api_now = self.server_clock.api_instant()
            changed |= self.store.tally.observe(merged, api_now, seen_live=seen_live)
        changed |= self._placed_seen(merged)
        return changed

    def _placed_seen(self, call: Call) -> bool:
        """A call of a campaign, in whatever state: one more call placed if it was created
        after its campaign's total was read. A call whose campaign or creation time no read
        has said is left to the next read of the total (counting it could count it twice)."""
        tally = self.store.tally
        cid = call.campaign_id or tally.linked(call.id) or tally.linked(call.retry_group_id)
        if cid is None or call.created_at is None or cid not in self.store.campaigns:
            return False
        placed = self.placed.campaign(cid)
        return placed.seen(call.id, call.created_at) and self._publish(cid)

    def placed_read(self, campaign_id: str, total: int) -> bool:
        """The API's total of the campaign's calls, just read (its answer's instant): the
        calls placed start over from it, kept with the counts of this read (`put_total`).
        True when what is shown changed."""
        self.placed.campaign(campaign_id).read(total, self.server_clock.api_instant())
        changed = put_total(self.store, campaign_id, total)
        return self._publish(campaign_id) or changed

    def _publish(self, campaign_id: str) -> bool:
        state = self.store.campaigns.get(campaign_id)
        total = self.placed.campaign(campaign_id).total()
        if state is None or total is None or state.total == total:
            return False
        self.store.put_campaign(replace(state, total=total))
        return True


def put_total(store: Store, campaign_id: str, total: int) -> bool:
    """Calls placed, just read, kept with the outcome counts as they stand at this read
    (`CampaignState.counts`): every ending counted by now is of a call placed by now, so
    outcomes past it cannot all be true (`notes.count_flags`). The counts shown later are
    not compared with it: calls placed since would flag every running campaign."""
    state = store.campaigns.get(campaign_id)
    if state is None:
        return False
    tally = store.tally.campaigns.get(campaign_id)
    counts: dict[str, int | None] = {}
    if tally is not None:
        counts = {s: n for s in COUNTED_VALUES if (n := tally.count(s)) is not None}
    if (state.total, state.counts, state.counts_total) == (total, counts, total):
        return False
    store.put_campaign(replace(state, total=total, counts=counts, counts_total=total))
    return True


def sent_since(asked: float) -> float:
    """When the request just answered, asked for at `asked`, was sent: the budget gate's
    instant (`SENT_AT`, set in this task), which may hold it for tens of seconds; `asked`
    itself when it passed no gate (a client of its own)."""
    return max(asked, SENT_AT.get())


def still_ordered(listing: str, order: SweepOrder, believed: bool) -> bool:
    """Whether a listing is still believed newest first after this sweep (said once when not:
    nothing is then inferred from its pages)."""
    if not order.ordered and believed:
        log.info("the %s list is not newest first: ended calls are noticed per sweep", listing)
        return False
    return believed


def said_last(page: Page[Call]) -> bool:
    """The server said this page is the last (`meta.totalPages`); a short page is judged apart."""
    return page.total_pages is not None and page.page >= page.total_pages
