"""The engine: every poller inside one shared rate budget, feeding the store.

It wires the parts and takes the UI's intents; it polls nothing itself. The `Scheduler` runs
jobs as they fall due, most important first, every request through the budget gate; each
resource has its own small poller owning its own state (`ActiveSweep`, `QueuedSweep`,
`Lookups`, `Endings`, `CampaignList`, `SelectedCall`, `Counts`); `Health` tells the status line
how the API is doing and `ServerClock` keeps the API's time. When the budget is short, the
least important data simply gets older, and the store says how old.

Nothing here raises on an API failure: errors are recorded on the resource (the last good data
stays), the API's health is updated for the status line, and the job backs off.
"""

from __future__ import annotations

import random
from datetime import datetime

from monitor.api.client import DialNexaClient, ResponseInfo
from monitor.api.pages import ReadNote
from monitor.clock import Clock, SystemClock
from monitor.config import PollSettings, Settings
from monitor.polling.active import ActiveSweep
from monitor.polling.budget import Budget
from monitor.polling.cadence import FLOOR_S
from monitor.polling.campaigns import CampaignList
from monitor.polling.counts import BACKFILL_FIRST_S, FOCUS_S, RECONCILE_S, Counts
from monitor.polling.endings import Endings
from monitor.polling.fetch import Routes
from monitor.polling.health import Health
from monitor.polling.intake import Intake
from monitor.polling.lookups import LOOKUP_CHECK_S, Lookups
from monitor.polling.queued import QueuedSweep
from monitor.polling.retryaudit import AUDIT_S, TICK_S, RetryAudit
from monitor.polling.scheduler import (
    P_ACTIVE,
    P_ANALYSIS,
    P_FOCUSED,
    P_LISTS,
    P_OTHERS,
    P_SELECTED,
    Job,
    Scheduler,
)
from monitor.polling.selected import SelectedCall
from monitor.polling.serverclock import ServerClock
from monitor.polling.short import SHORT_S, ShortEndings
from monitor.polling.startup import STARTUP_SHARE, Startup
from monitor.polling.sweep import PageWidth
from monitor.polling.webhooks import WebhookFlow, attach_webhooks
from monitor.state.pending import pending_retry_ids
from monitor.state.store import Store
from monitor.state.tally import COUNTED
from monitor.state.views import DashboardView, dashboard_view

__all__ = ["PRUNE_EVERY_S", "TARGET_AGE_S", "Engine"]

PRUNE_EVERY_S = 60.0
"""How often the store forgets what no pane shows any more, and the status line's budget
figures are brought up to date."""
TARGET_AGE_S = {
    "active": 15.0,
    "endings": 20.0,
    "outcomes": 60.0,
    "campaigns": 60.0,
    "queued": 120.0,
    "focus": 30.0,
    "call": 10.0,
    "retries": 60.0,
}
"""The age each pane's data promises (README, "How it polls"): active calls and concurrency
(active, endings), campaigns (campaigns list, endings), the focused campaign's listing, the
selected call and its retries."""


class Engine:
    """Polls the API within the budget and keeps the store current; never raises on API errors.

    Intents from the UI (`select_call`, `focus_campaign`, `show_campaigns`, `refresh_now`)
    change what is polled and how urgently, never the data itself. `one_shot` is `snapshot`'s
    single round: every campaign's history is wanted at once (`polling.oneshot` runs it).
    """

    def __init__(
        self,
        client: DialNexaClient,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        rng: random.Random | None = None,
        one_shot: bool = False,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = store or Store()
        self.routes = Routes()
        self.rng = rng or random.Random()
        self.poll: PollSettings = settings.poll
        per_min = float(settings.request_budget_per_min)
        self.budget = Budget(
            per_min=per_min,
            updated=self.clock.monotonic(),
            startup=0 if one_shot else int(STARTUP_SHARE * per_min),
        )
        self.server_clock = ServerClock(self.clock)
        self.scheduler = Scheduler(
            clock=self.clock,
            budget=self.budget,
            store=self.store,
            rng=self.rng,
            max_backoff_s=self.poll.max_backoff_s,
        )
        self.jobs: dict[str, Job] = self.scheduler.jobs
        self._health = Health(
            store=self.store,
            budget=self.budget,
            clock=self.clock,
            rng=self.rng,
            on_recovery=self.scheduler.recovered,
        )
        self.page_width = PageWidth()
        """Learnt from the listings: how many calls a page of this API holds."""
        self.webhooks: WebhookFlow | None = None
        self._wire_pollers(one_shot)
        self.scheduler.every(PRUNE_EVERY_S, self._prune)
        client.before_request = self.scheduler.gate
        client.listeners.append(self._on_response)
        client.read_listeners.append(self._on_read)

    def receive_webhooks(self, listening: str) -> WebhookFlow:
        """Deliveries from the relay's receiver (issue 22): see `polling.webhooks`."""
        self.webhooks = attach_webhooks(self, listening)
        return self.webhooks

    def _wire_pollers(self, one_shot: bool) -> None:
        """One poller per resource, each given what it reads and whom it tells."""
        intake = Intake(self.store, self.server_clock)
        self.intake = intake
        self.counts = Counts(
            client=self.client,
            routes=self.routes,
            server_clock=self.server_clock,
            budget=self.budget,
            intake=intake,
            qualified_key=lambda: self.settings.qualified_key,
            one_shot=one_shot,
            store=self.store,
            clock=self.clock,
        )
        self._lookups = Lookups(
            client=self.client,
            intake=intake,
            hurry=lambda now: self.scheduler.hurry_idle("outcomes", now),
            analyses_changed=self.counts.update_qualified,
            store=self.store,
            clock=self.clock,
        )
        self._active = ActiveSweep(
            client=self.client,
            server_clock=self.server_clock,
            budget=self.budget,
            intake=intake,
            lookups=self._lookups,
            page_width=self.page_width,
            cap=lambda: self.settings.concurrency_cap,
            every_s=self.poll.active_calls_s,
            store=self.store,
            clock=self.clock,
        )
        self._queued = QueuedSweep(
            client=self.client,
            intake=intake,
            lookups=self._lookups,
            page_width=self.page_width,
            store=self.store,
            clock=self.clock,
        )
        self._endings = Endings(
            client=self.client,
            routes=self.routes,
            server_clock=self.server_clock,
            intake=intake,
            lookups=self._lookups,
            page_width=self.page_width,
            analyses_changed=self.counts.update_qualified,
            store=self.store,
            clock=self.clock,
        )
        self._short = ShortEndings(
            client=self.client,
            intake=intake,
            page_width=self.page_width,
            floor=self._queued.floor,
            store=self.store,
            clock=self.clock,
        )
        self._endings.reached = self._short.reached
        self._campaigns = CampaignList(
            client=self.client,
            routes=self.routes,
            wanted=lambda: self.settings.campaigns,
            adopt=self.counts.adopt,
            store=self.store,
            clock=self.clock,
        )
        self.watched_calls: tuple[str, ...] = ()
        self._selected = SelectedCall(
            client=self.client,
            routes=self.routes,
            intake=intake,
            every_s=self.poll.selected_call_s,
            store=self.store,
            clock=self.clock,
        )

        self.audit = RetryAudit.of(self, one_shot)
        self.startup = Startup(self.counts, self.budget, self.clock, live=not one_shot)

    # -- what the user is looking at ---------------------------------------------------------

    @property
    def selected_call_id(self) -> str | None:
        return self._selected.call_id

    def looked_at(self) -> tuple[str, ...]:
        """The calls viewers look at: the selected one and a relay's watched ones."""
        selected = self.selected_call_id
        return (selected, *self.watched_calls) if selected else self.watched_calls

    @property
    def focused_campaign_id(self) -> str | None:
        return self.counts.focused

    @property
    def lookups(self) -> bool:
        """Whether the API honours `call_id` lists (a server that ignores it is told apart)."""
        return self._lookups.enabled

    # -- intents --------------------------------------------------------------------------

    def select_call(self, call_id: str | None) -> None:
        if call_id == self._selected.call_id:
            return
        self._selected.call_id = call_id
        self.scheduler.wake()

    def watch_calls(self, call_ids: tuple[str, ...]) -> None:
        """Calls a relay's other viewers look at, polled like the selected one (bounded)."""
        if call_ids != self.watched_calls:
            self.watched_calls = call_ids
            self.scheduler.wake()

    def focus_campaign(self, campaign_id: str | None) -> None:
        if campaign_id == self.counts.focused:
            return
        self.counts.focused = campaign_id
        # Its header counts are live from the endings stream; its listing (focus/<id>) is
        # added by _sync_jobs, due at once, and its history (if missing) read first.
        self.scheduler.retry_now(["baseline"])

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        """The campaigns on screen, in screen order: their history is read first."""
        self.counts.visible = campaign_ids

    def refresh_now(self) -> None:
        """Poll everything as soon as the budget allows (never faster than 1/s per resource)."""
        self.scheduler.refresh_now()

    def retry_now(self, keys: list[str]) -> None:
        """Run these jobs again as soon as the budget allows (`snapshot`'s one retry)."""
        self.scheduler.retry_now(keys)

    def stop(self) -> None:
        self.scheduler.stop()

    # -- what it shows -------------------------------------------------------------------------

    def round_complete(self) -> bool:
        """Every poller has run at least once (and campaigns are known)."""
        return (
            "campaigns" in self.jobs
            and self.jobs["campaigns"].runs > 0
            and all(j.runs > 0 or j.cadence.final for j in self.jobs.values())
        )

    def next_poll_in(self) -> float | None:
        return self.scheduler.next_poll_in()

    def api_now(self) -> datetime:
        """Now on the API's clock: its last `Date` carried forward on the monotonic clock."""
        return self.server_clock.api_now()

    def api_instant(self, mono: float | None = None) -> datetime:
        """Now (or the monotonic instant `mono`) on the API's clock, as precisely as the
        `Date`s seen allow (for counts)."""
        return self.server_clock.api_instant(mono)

    def view(self) -> DashboardView:
        return dashboard_view(
            self.store,
            now=self.api_now(),
            mono_now=self.clock.monotonic(),
            cap=self.settings.concurrency_cap,
            selected_call_id=self.selected_call_id,
        )

    # -- response accounting -------------------------------------------------------------------

    def _on_response(self, info: ResponseInfo) -> None:
        if info.server_date is not None:
            self.server_clock.note(info.server_date, info.at)
        self.store.tally.start(self.api_instant())
        self.budget.observe(info.rate, info.at)
        self._health.observe(info)

    def _on_read(self, note: ReadNote) -> None:
        self.store.note_read(note, self.clock.monotonic())

    def _prune(self, now: float) -> None:
        self.store.prune(now, keep=pending_retry_ids(self.store))
        self.store.tally.fold(self.api_instant())
        self._health.refresh()

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        add = self.scheduler.add
        active = add("active", P_ACTIVE, self.poll.active_calls_s, self._active.poll)
        active.probe = active.from_start = True
        add("endings", P_FOCUSED, 10.0, self._endings.poll)
        add("outcomes", P_ACTIVE, LOOKUP_CHECK_S, self._lookups.poll)
        add("short", P_FOCUSED, SHORT_S, self._short.poll, cap_s=SHORT_S)
        # Background work that can wait holds for the on-screen history in the first minute.
        after = self.startup.after
        add("queued", P_LISTS, self.poll.batch_list_s, after(self._queued.poll))
        add("campaigns", P_LISTS, self.poll.batch_list_s, self._campaigns.poll)
        baseline = add("baseline", P_LISTS, FLOOR_S, self.counts.poll_baseline)
        # The on-screen campaigns' history goes early while the minute has room.
        baseline.rank_now = self.counts.baseline_rank(P_LISTS, P_FOCUSED)
        every = RECONCILE_S / len(COUNTED)
        add("reconcile", P_OTHERS, every, after(self.counts.poll_reconcile), cap_s=every)
        add("backfill", P_ANALYSIS, BACKFILL_FIRST_S, after(self.counts.poll_backfill))
        add("audit", P_ANALYSIS, AUDIT_S, after(self.audit.poll), cap_s=AUDIT_S)
        self.scheduler.every(TICK_S, self.audit.tick)
        for key, target in TARGET_AGE_S.items():
            if key in self.jobs:
                self.jobs[key].target_s = target
        await self.scheduler.run(self._sync_jobs)

    def _sync_jobs(self) -> None:
        """Make the set of jobs match what exists and what the user is looking at."""
        add = self.scheduler.add
        wanted: set[str] = set()
        focused = self.counts.focused
        if focused and focused in self.store.campaigns:
            poll_focus = self.counts.poll_focus
            wanted.add(f"focus/{focused}")
            add(
                f"focus/{focused}",
                P_FOCUSED,
                FOCUS_S,
                lambda job: poll_focus(focused, job),
                cap_s=FOCUS_S,
            ).target_s = TARGET_AGE_S["focus"]
        poll, selected = self.poll, self._selected.call_id
        for cid in dict.fromkeys((selected, *self.watched_calls)):
            if cid:  # other viewers' calls (a relay's) come after the active calls
                wanted |= self._selected.add_jobs(
                    self.scheduler, cid, poll.selected_call_s, poll.retries_s, TARGET_AGE_S,
                    P_SELECTED if cid == selected else P_FOCUSED,
                )  # fmt: skip
        for key in [k for k in self.jobs if k.startswith(("call/", "retries/", "focus/"))]:
            if key not in wanted:
                self.scheduler.drop(key)
