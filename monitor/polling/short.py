"""Short endings: `busy` and `failed` calls, which end within seconds of being dialled.

Such a call can be dialled and end between two active sweeps, so no in-flight list names it;
if it also sat in the middle of a queue longer than the pages read (neither its newest pages
nor its oldest), no list named it at all. `GET /calls` sorts by creation, never by end, so the
endings page (the newest 200 ended calls by creation) reaches back only a minute or so: a call
queued for longer, then dialled and ended between two sweeps, is below it, and was counted only
when the round-robin reconciliation came to its campaign, hours later at 200 campaigns (about
0.5% of the endings at 1,000 in flight, nearly all `busy` or `failed`: see below).

A call a read did name is never lost: once it leaves the lists it is looked up by id. The
queue's reads bound how old a call no read named can be: every queued call older than the
newest row of the queue's oldest page was on that page, and a queue read whole named every
call queued then; what is created later is newer. So the short endings (`status=busy,failed`,
newest first) are read, every couple of minutes, down to that creation time: every short
ending since the last such read is then on a page, whichever list missed it. No request at
all while every endings page read since then already reached that deep (a queue read whole:
`busy`, a few campaigns), so the cost is only where the gap is: about 2 requests a minute at
200 campaigns x 1,000 in flight (measured: 0 of 39,187 endings left to reconciliation in 40
simulated minutes, 180 before).

Other outcomes are not read here, and can still be missed: a call from the queue's middle that
lives less than one revisit of its page of the active list. With the minute full at 1,000 in
flight that revisit stretches to 14-23 s while the shortest voicemail lasts 14 s (measured at
200 campaigns: 2 voicemails of 11,346 endings named by no list, 1 on no page at all, against 349
busy or failed ones). Reading every outcome down to the queue's floor takes more than
SHORT_PAGES pages (tried: 67 endings then missed where this read misses none), so those few are
left to the reconciliation (issue 14's bound).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.api.client import DialNexaClient
from monitor.api.models import Call
from monitor.clock import Clock
from monitor.polling.fetch import fetch_short_endings
from monitor.polling.intake import Intake
from monitor.polling.scheduler import Job
from monitor.polling.sweep import PageWidth
from monitor.state.store import Store

log = logging.getLogger(__name__)

SHORT_S = 120.0
"""How often the short endings are read when the endings page does not reach deep enough: a
short ending no list named is counted within this long (not at the next reconciliation)."""
SHORT_PAGES = 4
"""Pages a read goes back at most (800 short endings: minutes of them at 1,000 in flight)."""
SHORT_CALL_S = 30.0
"""Longer than any call an active sweep can miss (they run every 5-15 s): a call dialled
before a queue read and ended after it started at most this long before."""
READINGS_KEPT = 64


@dataclass
class QueueFloor:
    """When the queue was read, and the oldest creation a call queued then and named by no
    read can have (None: not known, a queue longer than the pages read whose oldest page is
    not served)."""

    readings: deque[tuple[float, datetime | None]] = field(
        default_factory=lambda: deque(maxlen=READINGS_KEPT)
    )
    sweeps: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=READINGS_KEPT))
    """When whole active sweeps began and ended (`reach`)."""

    def note(self, at: float, oldest: datetime | None) -> None:
        self.readings.append((at, oldest))

    def bound(self, since: float, call_s: float = SHORT_CALL_S) -> datetime | None:
        """No call that could end unseen after `since` (monotonic) was created before this:
        it was queued, unnamed, at the last reading taken `call_s` before, or created after
        it (`call_s`: longer than any call the active sweeps can miss)."""
        found: datetime | None = None
        for at, oldest in self.readings:
            if at > since - call_s:
                break
            found = oldest
        return found

    def swept(self, began: float, ended: float) -> None:
        """An active sweep read whole: every call in flight from `began` to `ended` was on it."""
        self.sweeps.append((began, ended))

    def reach(self, since: float, call_s: float) -> datetime | None:
        """`bound` where sweeps are slow (`call_s`: their period and a late page), tighter
        where one is known: the last reading a whole active sweep began after and ended
        before `since` (a call unnamed at that reading, created before its floor, was in
        flight then; one still in flight all through the sweep was listed, so none ended
        unseen after `since`). Just after start, while no reading is old enough, the first
        reading's (the best known)."""
        began = max((b for b, e in self.sweeps if e <= since), default=None)
        if began is not None and self.readings and self.readings[0][0] <= began:
            found: datetime | None = None
            for at, oldest in self.readings:
                if at > began:
                    break
                found = oldest
            return found
        if self.readings and self.readings[0][0] > since - call_s:
            return self.readings[0][1]
        return self.bound(since, call_s)


def depth(calls: Sequence[Call]) -> datetime | None:
    """The oldest creation a newest-first page reached (None if it is not newest first)."""
    created = [c.created_at for c in calls if c.created_at is not None]
    if not created or any(b > a for a, b in itertools.pairwise(created)):
        return None
    return created[-1]


class ShortEndings:
    """The `short` poller: owns how far back the short endings are known to be read."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        store: Store,
        clock: Clock,
        intake: Intake,
        page_width: PageWidth,
        floor: QueueFloor,
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.intake = intake
        self.page_width = page_width
        self.floor = floor
        self.covered = clock.monotonic()
        """Every short ending before this (monotonic) is known to have been on a page read:
        those before the monitor started are in the counts' history."""
        self.slow_s: Callable[[float], float | None] = lambda _now: None
        """While webhooks flow (issue 22): endings are delivered, none of this is read."""

    def reached(self, oldest: datetime | None, started: float, whole: bool) -> None:
        """An endings page (every outcome) read at `started` reached calls created at
        `oldest` (`whole`: the list ended on it): short endings are covered through then if
        that is as deep as any could be."""
        bound = self.floor.bound(self.covered)
        if whole or (oldest is not None and bound is not None and oldest <= bound):
            self.covered = max(self.covered, started)

    async def poll(self, job: Job) -> bool:
        now = self.clock.monotonic()
        if self.slow_s(now) is not None:
            job.due_hint = now + SHORT_S  # endings are delivered: nothing to read
            return False
        if now - self.covered < SHORT_S:
            # An endings page covered the short endings lately: the next read is due SHORT_S
            # after what it covered (a short ending no list named is counted within SHORT_S
            # of ending), not SHORT_S after this check, which would let the gap grow to
            # almost twice that.
            job.due_hint = self.covered + SHORT_S
            return False
        bound = self.floor.bound(self.covered)
        store = self.store
        since = self.intake.server_clock.api_instant(self.covered) - timedelta(seconds=SHORT_CALL_S)
        started = now
        paging = self.page_width.start()
        changed = False
        for number in range(1, SHORT_PAGES + 1):
            page = await fetch_short_endings(self.client, page=number, limit=paging.limit)
            now = self.clock.monotonic()
            with self.store.batch():
                for call in page.items:
                    ended_at = call.ended_at
                    if ended_at is not None and ended_at < since and call.id not in store.calls:
                        # Covered by an earlier read: a call the store has let go is not
                        # brought back (as newly ended it would push out calls that matter,
                        # at the store's bound, retries pending among them).
                        continue
                    changed |= self.intake.take(call, now, source="short endings")
            if paging.after(page):
                break
            reached = depth(page.items)
            if bound is not None and reached is not None and reached <= bound:
                break
        else:
            # Older ones are left to the reconciliation, as before this read existed.
            log.info("short endings: %d pages did not reach the queue's oldest", SHORT_PAGES)
        self.covered = started
        job.due_hint = started + SHORT_S
        return changed
