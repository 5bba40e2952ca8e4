"""The active sweep: every call in flight, page by page, and the calls that left the list.

Each page lands as it arrives. A call an ordered listing no longer shows has ended (its outcome
is looked up); a full page at the workspace's concurrency cap ends the sweep, the next page
being read now and then only to check the cap. The sweep's pace widens with its page count so
that it keeps to a share of the budget (1,000 calls in flight is 5-10 pages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor.api.client import DialNexaClient
from monitor.api.pages import ReadNote
from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.clock import Clock
from monitor.polling.budget import Budget
from monitor.polling.fetch import fetch_active_calls
from monitor.polling.intake import Intake, sent_since, still_ordered
from monitor.polling.lookups import Lookups
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.polling.sweep import PageWidth, Paging, SweepOrder
from monitor.state.store import Store, TrackedCall

log = logging.getLogger(__name__)

MAX_ACTIVE_PAGES = 12
"""Listings are read 200 a page (100 where the API cuts there); 12 pages of 100 cover a
1,000-slot workspace with room to see that the list ended (a full last page would leave the
sweep incomplete)."""
ACTIVE_SHARE = 0.6
"""The active sweep may use this share of the budget when it needs several pages."""
CAP_VERIFY_S = 30.0
"""How often a sweep that stopped at the cap reads the next page anyway, to check the cap."""


class ActiveSweep:
    """The `active` poller: owns what it learnt about the cap and the listing's order."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        store: Store,
        clock: Clock,
        server_clock: ServerClock,
        budget: Budget,
        intake: Intake,
        lookups: Lookups,
        page_width: PageWidth,
        cap: Callable[[], int | None],
        every_s: float,
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.server_clock = server_clock
        self.budget = budget
        self.intake = intake
        self.lookups = lookups
        self.page_width = page_width
        self.cap = cap
        """The configured concurrency cap, read at each sweep (settings may be replaced)."""
        self.every_s = every_s
        """The configured pace (`poll.active_calls_s`), widened for many pages."""
        self._cap_trusted = True
        """The configured cap holds: a full page of in-flight calls at the cap is all of them."""
        self._cap_checked = -1e9
        self._ordered = True
        """The listing has looked newest first so far."""
        self.slow_s: Callable[[float], float | None] = lambda _now: None
        """While webhooks flow (issue 22): swept only this often, to reconcile."""
        self.whole: Callable[[float, float], None] = lambda _began, _ended: None
        """Told when a sweep read whole began and ended (monotonic): every call in flight
        all along was listed (`QueueFloor.swept`)."""

    def _consistent(self, call_id: str, asked: float) -> bool:
        """Whether a page asked for then listed the call truthfully: not one a read had
        shown ended before the page was asked for (a lagging replica's row)."""
        tracked = self.store.calls.get(call_id)
        if tracked is None:
            return False
        ended = tracked.ended_seen
        return tracked.call.status not in FINAL_STATUSES or ended is None or ended >= asked

    async def poll(self, job: Job) -> bool:
        store = self.store
        live_before = store.in_flight()
        before = {(t.call.id, t.call.status) for t in live_before}
        cap = self.cap()
        now = self.clock.monotonic()
        verify = now - self._cap_checked >= CAP_VERIFY_S
        paging = self.page_width.start()
        store.sweeping = True
        try:
            return await self._sweep(job, live_before, before, cap, verify, paging)
        finally:
            store.sweeping = False

    async def _sweep(
        self,
        job: Job,
        live_before: list[TrackedCall],
        before: set[tuple[str, CallStatus]],
        cap: int | None,
        verify: bool,
        paging: Paging,
    ) -> bool:
        store = self.store
        seen: set[str] = set()
        listed: set[str] = set()
        unknown: set[str] = set()
        order = SweepOrder(ordered=self._ordered)
        complete = False
        pages = 0
        began = now = asked = self.clock.monotonic()
        for number in range(1, MAX_ACTIVE_PAGES + 1):
            asked = self.clock.monotonic()
            page = await fetch_active_calls(self.client, page=number, limit=paging.limit)
            sent = sent_since(asked)
            pages += 1
            now = self.clock.monotonic()
            order.add_page(c.created_at for c in page.items)
            seen.update(c.id for c in page.items)
            # Each page lands as it arrives: on a 1,000-call sweep the first page is not held
            # back for the whole sweep, nor are the calls it proves ended.
            with store.batch():
                for call in page.items:
                    self.intake.take(
                        call, now, live_listing=True, source="in-flight list", sent=sent
                    )
                    if self._consistent(call.id, asked):
                        listed.add(call.id)
                        if store.calls[call.id].call.status is CallStatus.UNKNOWN:
                            unknown.add(call.id)
                # Counted as they land, like `listed` (the peak counts them at once).
                store.note_listed_unknown(store.listed_unknown | unknown)
                if store.swept is None:
                    # No sweep was read whole yet: the pages read so far hold the count, the
                    # same way (never more than the list held at the latest of them).
                    store.note_sweep(frozenset(listed), asked, whole=False)
                for tracked in live_before:
                    if tracked.call.id not in seen and order.left_list(tracked.call.created_at):
                        self.lookups.left_lists(tracked.call.id, now)
            # Without a cap there is no cap to exceed: every page is read anyway, silently.
            if number > 1 and cap and self._cap_trusted and len(seen) > cap:
                log.warning("more calls in flight than the configured cap: paging on")
                self._cap_trusted = False
            if paging.after(page):
                complete = True
                break
            if (
                self._cap_trusted
                and cap
                and not verify
                and (len(seen) >= cap or number * paging.limit >= cap)
            ):
                # A full page at the workspace cap: nothing more can be in flight, so the
                # (empty) next page is only read now and then to check the cap is right. The
                # rows read count, not only the distinct calls: calls dialled during the sweep
                # push rows down, so a page repeats a few of the last one's and 5 full pages
                # of 200 name fewer than 1,000 calls, yet the next page starts at row 1,001,
                # which the cap leaves empty (it was read in 4 sweeps of 5 at 1,000 in flight).
                complete = True
                # Paced as if the page were read: the sweep keeps its pace, and the requests
                # saved leave the full minute (57 of 60 at 1,000 in flight) room, which the
                # endings page and the lookups behind the counts were queueing for.
                pages += 1
                break
        if paging.left_out:
            # The count stands as listed, said not to be exact: on the status line and in
            # `snapshot`'s errors, as any read that left rows out.
            note = ReadNote(
                "/calls (in flight)",
                paging.left_out,
                {"the list's own total said more than its pages gave": paging.left_out},
            )
            store.note_read(note, now)
        self._ordered = still_ordered("active", order, self._ordered)
        if verify:
            self._cap_checked = now
        with store.batch():
            if complete:
                for tracked in store.in_flight():
                    # A call a webhook started while the pages were read is not gone.
                    if tracked.call.id not in seen and tracked.last_seen <= now:
                        self.lookups.left_lists(tracked.call.id, now)
            # Across pages a call counts once, and a complete sweep's union is never more
            # than the list's length when its last page was read (every page but the last was
            # full): calls that ended while the pages were read are outnumbered by the rows
            # their slots' new holders pushed past the pages already read.
            store.record_concurrency(self.server_clock.api_now(), len(listed))
            if complete:
                store.note_listed_unknown(frozenset(unknown))
                store.note_sweep(frozenset(listed), asked, whole=True)
                self.whole(began, now)
        after = {(t.call.id, t.call.status) for t in store.in_flight()}
        self.budget.sweep_room = pages  # what a relay's watch share leaves it (`Budget`)
        per_page = 60.0 / max(1.0, ACTIVE_SHARE * self.budget.steady_per_min(now))
        job.cadence.rebase(max(self.every_s, pages * per_page))
        if (slow := self.slow_s(now)) is not None:
            job.due_hint = now + slow  # starts and ends come by webhook (issue 22)
        return before != after
