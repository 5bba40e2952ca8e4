"""The campaign list: the newest page every run, one further page in rotation.

A workspace with 400 campaigns costs 2 requests a run, not 5, and every page is read within a
few runs. Campaigns a whole list (every page since the rotation began) has left out for half an
hour and three lists are forgotten, with their pollers: a day of turnover must not grow the
store, and a drifted or half-read list (FAULTS P2, P6) must not wipe what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from monitor.api.client import ID_PATTERN, DialNexaClient
from monitor.api.pages import ReadNote
from monitor.clock import Clock
from monitor.polling.fetch import Routes, fetch_campaign, fetch_campaign_list
from monitor.polling.scheduler import Job
from monitor.state.freshness import Freshness
from monitor.state.store import Store

CAMPAIGN_GONE_S = 1800.0


class CampaignList:
    """The `campaigns` poller: owns the rotation through the list's pages."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        routes: Routes,
        store: Store,
        clock: Clock,
        wanted: Callable[[], Iterable[str]],
        adopt: Callable[[str], None],
    ) -> None:
        self.client = client
        self.routes = routes
        self.store = store
        self.clock = clock
        self.wanted = wanted
        """The campaigns the settings name (all when none), read at each run."""
        self.adopt = adopt
        """Told of each new campaign whose id can go in a URL (its counts start)."""
        self._missing: dict[str, tuple[float, int]] = {}
        """Campaigns a complete list left out: since when, and how many lists in a row."""
        self._page_next = 2
        self._rotation: set[str] = set()
        """Campaigns listed on the pages read since the rotation last reached the end."""

    async def poll(self, job: Job) -> bool:
        store = self.store
        first = await fetch_campaign_list(self.client, self.routes)
        pages = [first]
        if not first.is_last and first.items:
            number = self._page_next
            more = await fetch_campaign_list(self.client, self.routes, page=number)
            pages.append(more)
            self._page_next = 2 if more.is_last or not more.items else number + 1
        wanted = set(self.wanted())
        changed = False
        unusable = 0
        with store.batch():
            listed = set()
            for campaign in (c for page in pages for c in page.items):
                if wanted and campaign.id not in wanted:
                    continue
                if not ID_PATTERN.fullmatch(campaign.id):
                    # It could never go into a URL: shown from the list, its counts never
                    # asked for, and said so (status line, `snapshot` errors).
                    unusable += 1
                listed.add(campaign.id)
                new = store.campaigns.get(campaign.id) is None
                changed |= store.upsert_campaign(campaign)
                if new and ID_PATTERN.fullmatch(campaign.id):
                    # An id that cannot go in a URL is shown from the list; its counts cannot
                    # be asked for (see `unusable` below).
                    self.adopt(campaign.id)
            for missing in sorted(wanted - listed - set(store.campaigns)):
                campaign = await fetch_campaign(self.client, self.routes, missing)
                store.upsert_campaign(campaign)
                changed = True
            self._rotation |= listed
            if pages[-1].is_last and self._rotation and not wanted:
                # Every page read since the rotation began: a whole list.
                changed |= self._forget_gone(self._rotation)
                self._rotation = set()
            if unusable:
                reason = {"id not usable in a request: counts not read": unusable}
                note = ReadNote(f"/{self.routes.campaigns} (ids)", unread=reason)
                store.note_read(note, self.clock.monotonic())
        store.freshness[job.key] = replace(
            store.freshness.get(job.key) or Freshness(), source=self.routes.campaigns
        )
        return changed

    def _forget_gone(self, listed: set[str]) -> bool:
        """Drop campaigns a complete list has left out for a while (deleted, archived)."""
        now = self.clock.monotonic()
        for cid in listed:
            self._missing.pop(cid, None)
        dropped = False
        for cid in set(self.store.campaigns) - listed:
            first, times = self._missing.get(cid, (now, 0))
            self._missing[cid] = (first, times + 1)
            if times + 1 >= 3 and now - first >= CAMPAIGN_GONE_S:
                del self._missing[cid]
                self.store.drop_campaign(cid)
                self.store.tally.drop(cid)
                dropped = True
        return dropped
