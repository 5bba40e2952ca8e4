"""A campaign's own listing taken in, and the qualified rate kept from what the store holds.

Shared by the count-keeping pollers (`counts`): the history of a young campaign, its
reconciliation, the qualified rate's backfill and the focused campaign's calls table all read
the same pages, and every call on them goes into the store (merged with earlier reads), its
ending into the campaign's counts once, and its link to the campaign into the tally (an ending
seen later without its campaign still counts).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.api.client import DialNexaClient
from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.clock import Clock
from monitor.polling.fetch import Routes, campaign_calls_page
from monitor.polling.intake import Intake
from monitor.state.qualified import qualified_index
from monitor.state.store import Store
from monitor.state.tally import COUNTED, SETTLE_AFTER, Correction

log = logging.getLogger(__name__)

SOURCE = "campaign call logs"
WHOLE_LIMIT = 100
"""Rows asked for when a campaign is read whole (counts.HISTORY_LIMIT)."""


@dataclass
class CampaignCalls:
    """Reads campaigns' own listings into the store and the counts."""

    client: DialNexaClient
    routes: Routes
    store: Store
    intake: Intake
    clock: Clock

    async def take(
        self, campaign_id: str, *, page: int = 1, limit: int = 100, status: str | None = None
    ) -> tuple[Page[Call], bool]:
        """One page of the campaign's calls, every call taken in: (the page, whether anything
        changed). A row that leaves the campaign out is the campaign's: its listing says so."""
        listed = await campaign_calls_page(
            self.client, self.routes, campaign_id, page=page, limit=limit, status=status
        )
        now = self.clock.monotonic()
        store = self.store
        changed = False
        with store.batch():
            for call in listed.items:
                if call.campaign_id is None:
                    call = call.model_copy(update={"campaign_id": campaign_id})
                store.tally.remember(call, campaign_id)
                changed |= self.intake.take(call, now, source=SOURCE)
        return listed, changed

    async def reconcile_whole(self, campaign_id: str, api_now: datetime) -> tuple[bool, bool]:
        """A young campaign reconciled from its whole listing, one request for all five
        counts (not six): every ended call it lists is taken in, so an ending the stream
        never brought is counted now, and one that ended before SETTLE_AFTER ago (the
        stream should have brought it by then) is reported as a correction. Returns (whether
        the page held the whole campaign, whether anything changed)."""
        store = self.store
        tally = store.tally.campaign(campaign_id)
        known = set(tally.endings)
        page, changed = await self.take(campaign_id, limit=WHOLE_LIMIT)
        missed = missed_endings(page.items, known, api_now)
        if not is_whole(page):
            return False, changed
        for status, by in missed.items():
            tally.corrections.append(Correction(at=api_now, status=status, by=by))
            log.info("reconciliation: a campaign's %s count was off by %+d", status, by)
        total = page.total if page.total is not None else len(page.items)
        self.intake.placed_read(campaign_id, total)
        tally.reconciled_at = api_now
        store.touch()
        return True, True

    async def read_whole(
        self, campaign_id: str, *, pages: int, limit: int
    ) -> tuple[bool, bool, int | None]:
        """Up to `pages` pages of the campaign's listing, every call taken in: (changed,
        whether they held all of it, its calls placed when known). It stops after the first
        page when the server says the listing is longer than `pages`, and at a row it could
        not read (an ending that would never be counted)."""
        changed = False
        total: int | None = None
        seen: set[str] = set()
        for number in range(1, pages + 1):
            page, taken = await self.take(campaign_id, page=number, limit=limit)
            changed |= taken
            total = page.total if number == 1 else total
            seen.update(c.id for c in page.items)
            if page.skipped:
                break
            if is_whole(page):
                return changed, True, total if total is not None else len(seen)
            if page.total is not None and page.total > pages * page.limit:
                break
        return changed, False, total


def is_whole(page: Page[Call]) -> bool:
    """The listing ends on this page and every row of it could be read."""
    return not page.skipped and (page.is_last or page.raw_count < page.limit)


def missed_endings(calls: Iterable[Call], known: set[str], now: datetime) -> Counter[str]:
    """Per outcome, the listed endings the counts did not hold (`known`) though they ended
    SETTLE_AFTER ago or more: the endings stream should have brought them by then. A row
    without `ended_at` is counted but not reported: a long call created minutes ago may have
    ended a second ago, and a correction must not be only our own lag."""
    missed: Counter[str] = Counter()
    for call in calls:
        ended = call.ended_at
        if (
            call.status in COUNTED
            and call.id not in known
            and ended is not None
            and now - ended >= SETTLE_AFTER
        ):
            missed[call.status.value] += 1
    return missed


def update_qualified(
    store: Store,
    key: str,
    campaign_ids: Iterable[str] | None = None,
    read: Callable[[str], bool] = lambda _: True,
) -> None:
    """Qualified rate and pending analyses from the completed calls the store holds (`key`:
    the analysis field that says a call qualified). `read`: whether the campaign's own
    completed calls were read (a page of them, or all of its calls); until then the rate is
    unknown (None), never one from whichever of its calls the other lists brought: `snapshot`
    printed 50%, 29% and 40% a minute apart for a true 36% (user trial finding 2)."""
    wanted = set(store.campaigns if campaign_ids is None else campaign_ids)
    index = qualified_index(store, key)
    analysed, qualified, pending = index.analysed, index.qualified, index.pending
    with store.batch():
        for cid in wanted:
            state = store.campaigns.get(cid)
            if state is None:
                continue
            n = analysed[cid]
            store.put_campaign(
                replace(
                    state,
                    qualified_rate=qualified[cid] / n if n and read(cid) else None,
                    analysed=n,
                    analysis_pending=pending[cid],
                )
            )
