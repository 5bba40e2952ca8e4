"""The queued sweep: calls waiting for a slot, and the queued calls that left the list.

A queued call neither listed again nor (per the active sweep) dialling has ended; one beyond
the pages read for a while may have been dialled and ended between two sweeps, so its state is
looked up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.api.client import DialNexaClient
from monitor.api.models import Call
from monitor.api.vocab import CallStatus
from monitor.clock import Clock
from monitor.polling.fetch import fetch_queued_calls
from monitor.polling.intake import Intake, sent_since, still_ordered
from monitor.polling.lookups import Lookups
from monitor.polling.scheduler import Job
from monitor.polling.short import QueueFloor
from monitor.polling.sweep import PageWidth, SweepOrder
from monitor.state.store import Store

MAX_QUEUED_PAGES = 5
EARLIEST = datetime.min.replace(tzinfo=UTC)
QUEUED_RECHECK_S = 90.0
"""A queued call no listing has shown for this long (the queue is longer than the pages read)
is looked up: it may have been dialled and ended between two sweeps."""


class QueuedSweep:
    """The `queued` poller: owns what it learnt about the listing's order."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        store: Store,
        clock: Clock,
        intake: Intake,
        lookups: Lookups,
        page_width: PageWidth,
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.intake = intake
        self.lookups = lookups
        self.page_width = page_width
        self._ordered = True
        """The listing has looked newest first so far."""
        self._oldest_first = True
        """The API has honoured `created_at=asc` so far (an API that ignores it answers with
        the newest again, and is not asked again)."""
        self.floor = QueueFloor()
        """At each read, the oldest creation a queued call no read named can have: how deep
        the short endings go."""

    async def poll(self, job: Job) -> bool:
        store = self.store
        queued_before = store.queued()
        started = self.clock.monotonic()
        calls: list[tuple[Call, float]] = []
        """Each call read, with when its page's request was sent (`Store.upsert_call`)."""
        order = SweepOrder(ordered=self._ordered)
        complete = False
        paging = self.page_width.start()
        for number in range(1, MAX_QUEUED_PAGES + 1):
            asked = self.clock.monotonic()
            page = await fetch_queued_calls(self.client, page=number, limit=paging.limit)
            sent = sent_since(asked)
            order.add_page(c.created_at for c in page.items)
            calls.extend((c, sent) for c in page.items)
            if paging.after(page):
                complete = True
                break
        self._ordered = still_ordered("queued", order, self._ordered)
        oldest = SweepOrder(ordered=False)
        if complete:
            # The whole queue: every call queued now was read; one not read was created
            # after the first page was.
            self.floor.note(self.clock.monotonic(), self.intake.server_clock.api_instant(started))
        elif not self._oldest_first:
            self.floor.note(self.clock.monotonic(), None)
        if not complete and self._oldest_first:
            # The queue is longer than the pages read: its oldest calls, next to be dialled
            # (retries of a wave, queued minutes ago), are read too. A short dial of one of
            # them (busy, failed within seconds, between two active sweeps) is otherwise on
            # no list at all: the endings page, newest created first, never reaches it.
            asked = self.clock.monotonic()
            page = await fetch_queued_calls(self.client, limit=paging.limit, oldest_first=True)
            sent = sent_since(asked)
            created = [c.created_at for c in page.items if c.created_at is not None]
            if created != sorted(created):
                self._oldest_first = False  # ignored: the newest again, nothing inferred
                self.floor.note(self.clock.monotonic(), None)
            elif created:
                # Every queued call older than this page's newest row is on it: one no read
                # named (the middle of the queue) was created after that row.
                self.floor.note(self.clock.monotonic(), created[-1])
                # A queued call created before the newest row here is not queued any more:
                # this page starts at the oldest one still waiting.
                oldest = SweepOrder(ordered=self._ordered)
                oldest.spans.append((EARLIEST, created[-1]))
            calls.extend((c, sent) for c in page.items)
        now = self.clock.monotonic()
        changed = False
        seen = {c.id for c, _ in calls}
        with store.batch():
            # Taken in once all pages are read, maybe tens of seconds after the first was
            # sent (background work, held by the budget): each with its page's time, so a
            # call that moved on since (dialled, ended) is not taken back to the queue.
            for call, sent in calls:
                changed |= self.intake.take(
                    call, now, live_listing=True, source="queued list", sent=sent
                )
            for tracked in queued_before:
                cid = tracked.call.id
                if cid in seen or tracked.ended_seen is not None:
                    continue
                if tracked.call.status is not CallStatus.QUEUED or tracked.last_seen >= now:
                    continue  # the active sweep has it dialling
                created_at = tracked.call.created_at
                if complete or order.left_list(created_at) or oldest.left_list(created_at):
                    # Neither queued nor (per the active sweep) dialling: it ended.
                    self.lookups.left_lists(cid, now)
                    changed = True
                elif now - tracked.last_seen > QUEUED_RECHECK_S:
                    # Beyond the pages read: still queued, or dialled and ended unseen.
                    self.lookups.want(cid, now)
        return changed
