"""The endings page: the newest ended calls, one page a run, behind every count.

Each ending goes into its campaign's counts once (`Intake.take`); the counts kept from this
stream are settled against their reconciled totals here. A full page sharing nothing with the
last read means more ended in between than a page holds: where calls cannot be looked up by id,
the retry wave then says it is a lower bound.

While webhooks flow this page is the reconciliation: an ending whose delivery was lost, of a
call no list named (no start delivered, dialled and ended between two of the slowed active
sweeps), is found here or nowhere. `GET /calls` sorts by creation, not by end, so reading back
to the last read is not enough: a call queued for a while before it was dialled sits below the
last read's rows. The read goes down to the queue's floor as well (`QueueFloor.reach`): every
call created before it that could have ended unseen was named by a queue read, and so is
looked up when it leaves the lists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from monitor.api.client import DialNexaClient
from monitor.api.models import Call
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
"""While webhooks flow, the endings read to reconcile go back this many pages at most (4,000
endings: over 4 minutes at 1,000 calls in flight)."""


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
        self.floor: Callable[[float], datetime | None] = lambda _since: None
        """While webhooks flow: the oldest creation a call that ended unseen since then
        (monotonic) can have (`QueueFloor.reach`; None: not known, the last read is the
        reach)."""
        self._read_at: float | None = None
        """When the last read started (what the next one must reach back to)."""
        self.reached: Callable[[datetime | None, float, bool], None] = lambda *_: None
        """Told how deep each page reached (creation), when it was read and whether it was
        the whole list: the short endings need no read of their own while it is deep enough."""

    async def _back_to_last_read(self, limit: int, met: bool, floor: datetime | None) -> bool:
        """Older pages of endings until one shares a call with the last read (`met`: the
        first did) and reaches `floor`, or the list ends (True); or until `RECONCILE_PAGES`
        were read (False)."""
        for number in range(2, RECONCILE_PAGES + 1):
            page = await fetch_recent_endings(self.client, self.routes, limit=limit, page=number)
            now = self.clock.monotonic()
            with self.store.batch():
                for call in page.items:
                    self.intake.take(call, now, source="endings list")
            met = met or bool({c.id for c in page.items} & self._seen)
            if len(page.items) < limit or (met and _reaches(page.items, floor)):
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
        full = paging.full(page.raw_count)
        overflow = bool(self._seen) and full and not ids & self._seen
        floor = self.floor(self._read_at) if self._read_at is not None else None
        reconciling = bool(self._seen) and full and self.slow_s(now) is not None
        if reconciling and (overflow or not _reaches(page.items, floor)):
            # Webhooks flow and this page is read only to reconcile: every ending since the
            # last read is read, older pages until one meets it and reaches the queue's
            # floor, so an ending whose delivery was lost is found even for a call no list
            # ever named (module doc).
            overflow = not await self._back_to_last_read(paging.limit, not overflow, floor)
            if overflow:
                log.info("endings: %d pages did not reach the last read and the queue's floor",
                         RECONCILE_PAGES)  # fmt: skip
        if overflow and not self.lookups.enabled:
            # A full page with nothing from the last read: more ended in between than a page
            # holds, and this API cannot be asked for them by id. Reading them all would take
            # the active sweep's budget (1,000 in flight), so the retry wave built from the
            # outcomes read says it is a lower bound.
            self.store.endings_missed_at = now
            changed = True
        self._seen = ids
        self._read_at = started
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


def _reaches(calls: Sequence[Call], floor: datetime | None) -> bool:
    """Whether a newest-first page went down to `floor` (no floor known, or a page not
    newest first: nothing to judge by, it does)."""
    reached = depth(calls)
    return floor is None or reached is None or reached <= floor
