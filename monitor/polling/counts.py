"""The campaigns' counts and qualified rates at a cost flat in the number of campaigns.

Counts are kept by `monitor.state.tally` from the endings the engine reads anyway; what costs
requests here is only what that cannot give:

- `baseline`: each campaign's history from before the monitor started, read once when it is
  first seen: its own listing when the whole of it fits in a few pages (one request for a
  young campaign; the same rows give its calls placed, the analyses behind the qualified rate
  and the call -> campaign links), else its per-outcome totals. The campaigns on screen first,
  quickly, then the rest in the background; at `huge` the active sweep leaves little, so the
  history fills slowly and says so ("history filling"), while the counts since start are exact
  from the first minute.
- `reconcile`: one campaign every RECONCILE_S, round-robin, its totals read again; a count
  that had drifted is corrected and the correction kept for the screen and `snapshot`.
- `backfill`: one page of one campaign's newest completed calls at a time, round-robin, for
  the analyses behind the qualified rate and the call -> campaign links of the endings stream;
  the focused campaign's own listing (`focus/<id>`) runs more often.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from monitor.api.client import ID_PATTERN, DialNexaClient
from monitor.api.vocab import CallStatus
from monitor.clock import Clock
from monitor.polling.budget import SENT_AT, Budget
from monitor.polling.fetch import Routes, status_total
from monitor.polling.fillpace import FillPace
from monitor.polling.intake import Intake
from monitor.polling.listing import WHOLE_LIMIT, CampaignCalls, update_qualified
from monitor.polling.placed_reads import PlacedReads
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.state.store import Store
from monitor.state.tally import COUNTED

log = logging.getLogger(__name__)

RECONCILE_S = 90.0
"""One campaign's totals read again this often (5 requests, one every 18 s: 3 a minute)."""
BACKFILL_FIRST_S = 4.0
"""Backfill pace until every campaign has had its first page (qualified rate within a minute
on `busy`), then BACKFILL_S."""
BACKFILL_S = 30.0
FOCUS_S = 15.0
FOCUS_FIRST_PAGES = 5
HISTORY_PAGES = 5
"""A campaign whose whole call listing fits in this many pages has its history counted from
the listing itself: never dearer than its totals (calls placed and five outcomes: 6 requests),
and one request for a campaign with fewer than HISTORY_LIMIT calls."""
HISTORY_LIMIT = WHOLE_LIMIT
"""Rows asked for a page of a campaign's listing: every documented source serves 100 (the
call logs' maximum), so a shorter page is the last one, never a server's own cut."""
ORIGIN = datetime.min.replace(tzinfo=UTC)
"""The baseline instant of a history read whole: every ending of the campaign counts after it."""
VISIBLE_DEFAULT = 12
"""Campaigns treated as on screen when the UI has not said (the first rows of the list)."""


class Counts(PlacedReads):
    """The count-keeping pollers (`baseline`, `reconcile`, `backfill`, `focus/<id>`): own the
    campaigns on screen, the focused one, and what each still has to read."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        routes: Routes,
        store: Store,
        clock: Clock,
        server_clock: ServerClock,
        budget: Budget,
        intake: Intake,
        qualified_key: Callable[[], str],
        one_shot: bool = False,
    ) -> None:
        self.client = client
        self.routes = routes
        self.store = store
        self.clock = clock
        self.server_clock = server_clock
        self.budget = budget
        self.intake = intake
        self.qualified_key = qualified_key
        """The analysis field that says a call qualified, read at each update (settings)."""
        self.calls = CampaignCalls(client, routes, store, intake, clock)
        """The campaigns' own listings, taken into the store and the counts."""
        self.one_shot = one_shot
        """`snapshot`'s single round: every campaign's history is wanted now."""
        self.visible: tuple[str, ...] | None = None
        """Campaigns on screen, in screen order (the UI's intent); None: not said."""
        self.focused: str | None = None
        """The campaign the user has opened (the UI's intent): its history is read first."""
        self.unavailable: set[tuple[str, str]] = set()
        """(campaign, status) totals this API cannot give (no total on that source)."""
        self._backfilled: set[str] = set()
        self.pace = FillPace(budget)
        """When the minute has room for history (`monitor.polling.fillpace`)."""
        self._long: set[str] = set()
        """Campaigns whose listing is too long to count: their history comes from totals."""
        self._next_backfill = 0
        self._focus_pages_read: set[str] = set()
        self._disagrees: set[str] = set()
        """Campaigns whose total, read after their outcomes, was still below them."""
        self._reconciling: list[tuple[str, str]] = []
        """The reconciliation under way: (campaign, status) reads still to make."""
        self.started = clock.monotonic()

    # -- which campaign next ---------------------------------------------------------------

    def _campaign_ids(self) -> list[str]:
        # A campaign whose id cannot go in a URL is shown from the list, its counts never asked
        # for (the campaign list says so once): every read below would fail on it, run after run.
        return [cid for cid in self.store.campaigns if ID_PATTERN.fullmatch(cid)]

    def on_screen(self) -> list[str]:
        known = self._campaign_ids()
        if self.visible is None:
            return known[:VISIBLE_DEFAULT]
        present = set(known)
        return [c for c in self.visible if c in present]

    def missing(self, campaign_id: str) -> list[str]:
        tally = self.store.tally.campaign(campaign_id)
        return [s for s in tally.missing() if (campaign_id, s) not in self.unavailable]

    def adopt(self, campaign_id: str) -> None:
        """A campaign created after the monitor started has no history to read: every one
        of its endings is in the stream, so its counts start at 0 when it was created."""
        tally = self.store.tally
        state = self.store.campaigns.get(campaign_id)
        created = state.campaign.created_at if state is not None else None
        if created is None or tally.started_at is None or created <= tally.started_at:
            return
        counts = tally.campaign(campaign_id)
        for status in counts.missing():
            counts.set_baseline(status, 0, created)

    def next_baseline(self) -> str | None:
        """The focused campaign, then those on screen, then the rest, in list order."""
        order = [self.focused or "", *self.on_screen(), *self._campaign_ids()]
        present = set(self._campaign_ids())
        for cid in order:
            if cid in present and (
                self.missing(cid) or self.needs_total(cid) or self.past_total(cid)
            ):
                return cid
        return None

    def urgent(self) -> bool:
        """An on-screen campaign (or the focused one) has no history yet, early in the run."""
        if self.one_shot:
            return True
        focused = self.focused
        if focused and focused in self.store.campaigns and self.missing(focused):
            return True
        return any(self.missing(cid) or self.needs_total(cid) for cid in self.on_screen())

    def backfilled(self, campaign_id: str) -> bool:
        """A page of its completed calls (or all of its calls) has been read."""
        return campaign_id in self._backfilled

    def filling(self) -> list[str]:
        """Campaigns whose history (baseline) is not read yet."""
        return [cid for cid in self._campaign_ids() if self.missing(cid)]

    # -- reads -------------------------------------------------------------------------------

    async def read_totals(self, campaign_id: str, statuses: Iterable[str]) -> bool:
        """Per-status totals of one campaign, each noted at the API instant it was read."""
        changed = False
        for status in statuses:
            total = await status_total(self.client, self.routes, campaign_id, CallStatus(status))
            # The instant the API counted: between the request leaving (after the budget
            # gate, however long it waited there) and its answer.
            received = self.clock.monotonic()
            sent = min(SENT_AT.get(), received)
            if total is None:
                self.unavailable.add((campaign_id, status))
                continue
            at = self.server_clock.api_instant((sent + received) / 2)
            self.store.tally.campaign(campaign_id).set_baseline(status, total, at)
            self.store.touch()
            changed = True
        return changed

    async def read_history(
        self, campaign_id: str, *, pages: int = HISTORY_PAGES, totals: bool = True
    ) -> bool:
        """A campaign's history (the baseline of its counts) and its calls placed: counted from
        its own listing when the whole listing fits in `pages` pages, else (with `totals`)
        from the per-outcome totals. The listing is newest first, so a call it gains while
        being read pushes older rows to later pages (seen twice, never missed), and a call
        that ends after its row was read reaches the counts through the endings stream."""
        complete = False
        if campaign_id not in self._long:
            changed, complete, total = await self._read_whole_listing(campaign_id, pages)
        else:
            changed, total = False, None
        if complete:
            tally = self.store.tally.campaign(campaign_id)
            for status in self.missing(campaign_id):
                tally.set_baseline(status, 0, ORIGIN)
            self.store.touch()
        if total is not None:
            # After the baselines: the counts kept with the total are those of this read.
            changed |= self.intake.placed_read(campaign_id, total)
        if complete:
            return True
        if not totals:
            return changed
        self._long.add(campaign_id)
        if self.needs_total(campaign_id):
            changed |= await self.read_total(campaign_id)
        changed |= await self.read_totals(campaign_id, self.missing(campaign_id))
        return changed

    async def _read_whole_listing(
        self, campaign_id: str, pages: int
    ) -> tuple[bool, bool, int | None]:
        """Up to `pages` pages of the campaign's listing, every call taken in: (changed,
        whether they held all of it, its calls placed when known)."""
        changed, whole, total = await self.calls.read_whole(
            campaign_id, pages=pages, limit=HISTORY_LIMIT
        )
        if whole:
            self._backfilled.add(campaign_id)
        self.update_qualified([campaign_id])
        return changed, whole, total

    async def poll_baseline(self, job: Job) -> bool:
        if not self._healthy(job):
            return False
        cid = self.next_baseline()
        now = self.clock.monotonic()
        if cid is None:
            job.due_hint = now + 5.0
            return False
        if not self.urgent() and not self.pace.room(now):
            job.due_hint = now + 5.0
            return False
        if self.missing(cid):
            changed = await self.read_history(cid)
        else:
            changed = await self.read_total(cid)
        if self.next_baseline() is not None:
            job.due_hint = self.clock.monotonic()
        return changed

    def baseline_rank(self, usual: int, urgent: int) -> Callable[[float], int]:
        """The baseline's rank at an instant: `urgent` for the on-screen campaigns' history
        while the minute has room, else `usual`. When the active sweep fills the minute
        (1,000 in flight) it is background work, so the endings behind every count and the
        concurrency are never held for it."""
        return lambda now: urgent if self.pace.roomy(now) and self.urgent() else usual

    def _healthy(self, job: Job) -> bool:
        """Catching up (history, reconciliation, backfill) waits for a healthy API: while it
        fails, these would only add requests to a minute that must not grow (FAULTS 6)."""
        if self.store.health.state == "ok":
            return True
        job.due_hint = self.clock.monotonic() + 5.0
        return False

    async def poll_reconcile(self, job: Job) -> bool:
        """One status of one campaign per run (RECONCILE_S / 5 apart): no burst of five."""
        if not self._healthy(job):
            return False
        tallies = self.store.tally.campaigns
        if not self._reconciling:
            ready = [
                cid for cid in self._campaign_ids() if cid in tallies and not tallies[cid].filling
            ]
            if not ready:
                return False
            epoch = self.server_clock.api_now().replace(year=1970, month=1, day=1)
            cid = min(ready, key=lambda c: tallies[c].reconciled_at or epoch)
            if self._fits_a_page(cid):
                whole, changed = await self.calls.reconcile_whole(
                    cid, self.server_clock.api_instant()
                )
                if whole:
                    self._backfilled.add(cid)  # all of its calls: its analyses too
                self.update_qualified([cid])
                if whole:
                    return changed
                self._long.add(cid)
            self._reconciling = [
                (cid, s.value) for s in COUNTED if (cid, s.value) not in self.unavailable
            ]
            state = self.store.campaigns.get(cid)
            if state is not None and (cid, "total") not in self.unavailable:
                self._reconciling.append((cid, "total"))  # calls placed, from the call logs
        cid, status = self._reconciling.pop(0)
        if cid not in tallies:
            self._reconciling = []
            return False
        if status == "total":
            changed = await self.read_total(cid)
        else:
            changed = await self.read_totals(cid, [status])
        if not self._reconciling:
            tallies[cid].reconciled_at = self.server_clock.api_now()
        return changed

    def _fits_a_page(self, campaign_id: str) -> bool:
        """Its history was counted from its listing and its calls placed fit one page."""
        state = self.store.campaigns.get(campaign_id)
        return (
            campaign_id not in self._long
            and state is not None
            and state.total is not None
            and state.total < HISTORY_LIMIT
        )

    async def read_listing(self, campaign_id: str, pages: int, status: str | None) -> bool:
        changed = False
        for number in range(1, pages + 1):
            page, taken = await self.calls.take(campaign_id, page=number, status=status)
            changed |= taken
            if page.is_last or page.raw_count < page.limit:
                break
        if status == "completed":
            self._backfilled.add(campaign_id)  # its newest completed calls: the rate's sample
        self.update_qualified([campaign_id])
        return changed

    async def poll_backfill(self, job: Job) -> bool:
        if not self._healthy(job):
            return False
        ids = self._campaign_ids()
        if not ids:
            return False
        # The first pass, quick, for the campaigns on screen; the rest in the slow rotation.
        fresh = [c for c in self.on_screen() if c not in self._backfilled]
        if fresh:
            cid = fresh[0]
        else:
            self._next_backfill %= len(ids)
            cid = ids[self._next_backfill]
            self._next_backfill += 1
        changed = await self.read_listing(cid, 1, "completed")
        self._backfilled.add(cid)
        job.cadence.rebase(BACKFILL_FIRST_S if len(fresh) > 1 else BACKFILL_S)
        job.cadence.interval_s = job.cadence.base_s
        return changed

    async def poll_focus(self, campaign_id: str, job: Job) -> bool:
        """The focused campaign's own listing: its calls table, analyses and links."""
        first = campaign_id not in self._focus_pages_read
        changed = await self.read_listing(campaign_id, FOCUS_FIRST_PAGES if first else 1, None)
        self._focus_pages_read.add(campaign_id)
        return changed

    # -- the qualified rate --------------------------------------------------------------------

    def update_qualified(self, campaign_ids: Iterable[str] | None = None) -> None:
        """Qualified rate and pending analyses from the completed calls the store holds; the
        rate only for campaigns whose own completed calls were read (`backfilled`)."""
        update_qualified(self.store, self.qualified_key(), campaign_ids, self.backfilled)
