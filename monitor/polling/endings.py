"""The endings page: the newest ended calls, one page a run, behind every count.

Each ending goes into its campaign's counts once (`Intake.take`); the counts kept from this
stream are settled against their reconciled totals here. A full page sharing nothing with the
last read means more ended in between than a page holds: where calls cannot be looked up by id,
the retry wave then says it is a lower bound.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from monitor.api.client import DialNexaClient
from monitor.clock import Clock
from monitor.polling.fetch import Routes, fetch_recent_endings
from monitor.polling.intake import Intake
from monitor.polling.lookups import Lookups
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.polling.short import depth
from monitor.polling.sweep import PageWidth
from monitor.state.store import Store

log = logging.getLogger(__name__)

RECONCILE_PAGES = 20
"""While webhooks flow, the endings read to reconcile go back this many pages at most (2,000
endings: 2 minutes at 1,000 calls in flight)."""


class Endings:
    """The `endings` poller: owns the ids its last read saw."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        routes: Routes,
        store: Store,
        clock: Clock,
        server_clock: ServerClock,
        intake: Intake,
        lookups: Lookups,
        page_width: PageWidth,
        analyses_changed: Callable[[], None],
    ) -> None:
        self.client = client
        self.routes = routes
        self.store = store
        self.clock = clock
        self.server_clock = server_clock
        self.intake = intake
        self.lookups = lookups
        self.page_width = page_width
        self.analyses_changed = analyses_changed
        self._seen: set[str] = set()
        self.slow_s: Callable[[float], float | None] = lambda _now: None
        """While webhooks flow (issue 22): read only this often, to reconcile."""
        self.reached: Callable[[datetime | None, float, bool], None] = lambda *_: None
        """Told how deep each page reached (creation), when it was read and whether it was
        the whole list: the short endings need no read of their own while it is deep enough."""

    async def _back_to_last_read(self, limit: int) -> bool:
        """Older pages of endings until one shares a call with the last read (True) or
        `RECONCILE_PAGES` were read (False)."""
        for number in range(2, RECONCILE_PAGES + 1):
            page = await fetch_recent_endings(self.client, self.routes, limit=limit, page=number)
            now = self.clock.monotonic()
            with self.store.batch():
                for call in page.items:
                    self.intake.take(call, now, source="endings list")
            if {c.id for c in page.items} & self._seen or len(page.items) < limit:
                return True
        return False

    async def poll(self, job: Job) -> bool:
        started = self.clock.monotonic()
        paging = self.page_width.start()
        page = await fetch_recent_endings(self.client, self.routes, limit=paging.limit)
        now = self.clock.monotonic()
        changed = False
        with self.store.batch():
            for call in page.items:
                changed |= self.intake.take(call, now, source="endings list")
        self.reached(depth(page.items), started, not paging.full(page.raw_count))
        ids = {c.id for c in page.items}
        overflow = self._seen and paging.full(page.raw_count) and not ids & self._seen
        if overflow and self.slow_s(now) is not None:
            # Webhooks flow and this page is read only to reconcile: every ending since the
            # last read is read, older pages until one meets it, so an ending whose delivery
            # was lost is found even for a call no list ever showed in flight.
            overflow = not await self._back_to_last_read(paging.limit)
        if overflow and not self.lookups.enabled:
            # A full page with nothing from the last read: more ended in between than a page
            # holds, and this API cannot be asked for them by id. Reading them all would take
            # the active sweep's budget (1,000 in flight), so the retry wave built from the
            # outcomes read says it is a lower bound.
            self.store.endings_missed_at = now
            changed = True
        self._seen = ids
        self.lookups.endings_read = started
        for _, correction in self.store.tally.settle(self.server_clock.api_instant()):
            log.info(
                "reconciliation: a campaign's %s count was off by %+d",
                correction.status,
                correction.by,
            )
            # Shown, not a reason to read the endings faster.
            self.store.touch()
        # Analyses arrive on calls this page reads again (the newest endings): the qualified
        # rate moves with them, at no cost of its own.
        self.analyses_changed()
        if (slow := self.slow_s(now)) is not None:
            job.due_hint = now + slow
        return changed
