"""The outcomes of calls that left the lists unexplained, a page of ids per request.

A call the sweeps no longer show has ended; how is on the endings page for most (read anyway),
and the rest are asked for by id (`GET /calls?call_id=a,b,...`), a hundred a request, once a
read of the endings page since it left has not brought them for free. A server that ignores
the `call_id` filter is told apart once, and then the endings page is all there is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor.api.client import ID_PATTERN, DialNexaClient
from monitor.api.errors import BadRequest
from monitor.api.vocab import FINAL_STATUSES
from monitor.clock import Clock
from monitor.polling.cadence import FLOOR_S
from monitor.polling.fetch import FilterIgnored, fetch_calls_by_id
from monitor.polling.intake import Intake, sent_since
from monitor.polling.scheduler import Job
from monitor.state.store import Store

log = logging.getLogger(__name__)

LOOKUP_BATCH = 100
"""Calls whose state is asked for in one `call_id` request (a page; about 2 KB of URL)."""
LOOKUP_CHECK_S = 5.0
LOOKUP_WAIT_S = 60.0
"""A call that left the lists is looked up once a read of the endings page since then has not
brought its outcome for free (or after this long, if that page cannot be read), or sooner when
a full batch is waiting."""
LOOKUP_TRIES = 3
LOOKUP_BEHIND_S = 120.0


class Lookups:
    """The `outcomes` poller: owns the calls waiting for an outcome."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        store: Store,
        clock: Clock,
        intake: Intake,
        hurry: Callable[[float], None],
        analyses_changed: Callable[[], None],
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.intake = intake
        self.hurry = hurry
        """Brings this poller's job forward (a full batch is waiting)."""
        self.analyses_changed = analyses_changed
        self.enabled = True
        """Whether the API honours `call_id` lists (a server that ignores it is told apart)."""
        self.endings_read = -1e9
        """When the last successful read of the endings page started."""
        self._waiting: dict[str, tuple[float, int]] = {}
        """Calls that left the lists without an outcome: since when, lookups tried."""
        self.grace_s: Callable[[float], float | None] = lambda _now: None
        """While webhooks flow (issue 22): how long a call that left the lists waits for its
        ending's delivery before it is a missed one, looked up; None: the usual rule."""
        self.on_missed: Callable[[list[str], float], None] = lambda _ids, _now: None

    def left_lists(self, call_id: str, now: float) -> None:
        """A call no listing shows any more: shown ended now, its outcome looked up."""
        self.store.mark_ended(call_id, now)
        self.want(call_id, now)

    def want(self, call_id: str, now: float) -> None:
        if not self.enabled or call_id in self._waiting or not ID_PATTERN.fullmatch(call_id):
            return
        self._waiting[call_id] = (now, 0)
        if len(self._waiting) >= LOOKUP_BATCH:
            self.hurry(now)

    async def poll(self, job: Job) -> bool:
        store = self.store
        waiting = self._waiting
        now = self.clock.monotonic()
        for cid in [
            cid
            for cid in waiting
            if (t := store.calls.get(cid)) is None or t.call.status in FINAL_STATUSES
        ]:
            del waiting[cid]  # the endings page or another read brought it
        if not waiting or store.health.state != "ok":
            # Catching up can wait for a healthy API: while it fails, this would only add
            # requests to a minute that must not grow (FAULTS section 6).
            job.due_hint = now + LOOKUP_CHECK_S
            return False
        grace = self.grace_s(now)
        if grace is not None:
            # Webhooks flow: the endings page is read only to reconcile, so a call still
            # waiting after the grace had no delivery of its ending.
            ready = [cid for cid, (since, _) in waiting.items() if now - since >= grace]
        else:
            ready = [
                cid
                for cid, (since, _) in waiting.items()
                if since < self.endings_read or now - since >= LOOKUP_WAIT_S
            ]
        if len(ready) < LOOKUP_BATCH and len(waiting) >= LOOKUP_BATCH:
            ready = list(waiting)
        if not ready:
            job.due_hint = now + LOOKUP_CHECK_S
            return False
        # Oldest first already: ids join the dict as they leave the lists, and a retry
        # updates an entry in place.
        ready = ready[:LOOKUP_BATCH]
        if now - waiting[ready[0]][0] > LOOKUP_BEHIND_S:
            # The lookups are not keeping up with the endings: the wave misses some retries.
            store.endings_missed_at = now
        asked = self.clock.monotonic()
        try:
            found = await fetch_calls_by_id(self.client, ready)
        except (FilterIgnored, BadRequest):
            log.info("the API does not filter calls by id: outcomes come from the endings page")
            self.enabled = False
            waiting.clear()
            job.cadence.final = True
            return False
        now = self.clock.monotonic()
        sent = sent_since(asked)
        changed = False
        with store.batch():
            for call in found:
                waiting.pop(call.id, None)
                # Fresh from the API: if it is still live, the listing missed it (it slid
                # between two pages) and it is live again.
                changed |= self.intake.take(
                    call, now, live_listing=True, source="lookup by id", sent=sent
                )
        if grace is not None:
            # Endings no delivery brought (dropped, refused): the webhook gap.
            self.on_missed([c.id for c in found if c.status in FINAL_STATUSES], now)
        for cid in ready:
            if cid in waiting:
                since, tries = waiting[cid]
                if tries + 1 >= LOOKUP_TRIES:
                    del waiting[cid]
                else:
                    waiting[cid] = (since, tries + 1)
        if len(waiting) >= LOOKUP_BATCH:
            job.due_hint = now + FLOOR_S
        if changed:
            # Completed calls (and their analyses) arrive here as well as on the endings page:
            # the qualified rate and `analysis pending` count them at once.
            self.analyses_changed()
        return changed
