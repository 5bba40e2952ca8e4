"""Webhook deliveries into the engine: applied once, in each call's own order (issue 22).

The receiver (`monitor.feeds.webhook_receiver`) hands every delivery that verified here. A
delivery's call is merged into the store like any read (`Intake.take`, source `webhook`), so
an ending counts in its campaign once whichever of a delivery or a poll brought it first.

- Duplicates (the same delivery id, or the same body) are counted and dropped.
- Out of order: a call's start after its end, or after a poll saw it end, is counted and not
  applied; a call's own order is queued < dialling < in progress < ended.
- The mode: `flowing` while a delivery came in the last `QUIET_S`; then the endings page is
  read every `RECONCILE_ENDINGS_S`, the list of calls in flight every `RECONCILE_ACTIVE_S`
  (starts and ends arrive by webhook), and a call that left that list with no delivery of its
  ending within `MISSED_GRACE_S` is a missed delivery: counted (the gap) and looked up by id.
  With no delivery for `QUIET_S`, the mode is `stopped` and every poller is back to its own
  cadence, at once; the next delivery makes it `flowing` again.
- The key is spared: while deliveries flow, background work (the campaign list, history,
  reconciliation, backfill, audit) goes only while the minute's requests are under
  `WEBHOOK_SHARE` of the budget, keeping `WEBHOOK_FLOOR` for itself, so what webhooks save is
  not spent again (issue 22's target: requests a minute at least halved against polling
  alone). The history still fills, at the pace polling alone gives it at 1,000 in flight.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from monitor.api.vocab import FINAL_STATUSES, CallStatus
from monitor.api.webhook import Delivery
from monitor.clock import Clock
from monitor.polling.intake import Intake
from monitor.state.store import Store
from monitor.state.webhooks import WebhookMode, WebhookTally

if TYPE_CHECKING:
    from monitor.polling.engine import Engine

log = logging.getLogger(__name__)

QUIET_S = 30.0
"""No delivery this long: webhooks are taken to have stopped, and polling resumes in full. A
busy workspace ends a call every few seconds; a quiet one costs little to poll anyway."""
RECONCILE_ENDINGS_S = 120.0
RECONCILE_ACTIVE_S = 60.0
UNSWEPT_S = RECONCILE_ACTIVE_S + 15.0
"""The longest a call can be in flight unlisted while the active sweep is slowed: its period and
a request's deadline (`monitor.api.transport.DEADLINE_S`) for a late page."""
MISSED_GRACE_S = 15.0
"""A call that left the list is given this long for its ending's delivery (a vendor's retry,
a slow proxy) before it counts as missed and is looked up."""
WEBHOOK_SHARE = 0.4
"""While deliveries flow, background work starts only under this share of the budget (24 of
60 a minute; 36 when polling alone). Polling alone at 1,000 in flight spends ~57 a minute, so
the live view's reconciliation (~21 there) plus background stays under half of that."""
WEBHOOK_FLOOR = 0.05
"""...and keeps this share for itself (3 a minute of 60; 6 when polling alone), so the
history, reconciliation and backfill get older under a heavy sweep but never stop."""
REMEMBERED = 50_000
"""Delivery ids and calls' last stage remembered (oldest forgotten first)."""


def stage(status: CallStatus) -> int:
    """A call's own order: queued 0, dialling 1, in progress 2, ended 3."""
    if status in FINAL_STATUSES:
        return 3
    return {CallStatus.DIALING: 1, CallStatus.IN_PROGRESS: 2}.get(status, 0)


class WebhookFlow:
    """Applies deliveries, keeps the mode, counts the gap; the pollers ask it how to pace."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        intake: Intake,
        listening: str,
        on_stop: Callable[[float], None] = lambda _now: None,
        on_flow: Callable[[float], None] = lambda _now: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.intake = intake
        self.on_stop = on_stop
        """Told when deliveries stop: the pollers that slowed down go again now."""
        self.on_flow = on_flow
        """Told when deliveries start flowing (again): background work is held lower."""
        self.tally = WebhookTally(listening=listening, quiet_after_s=QUIET_S)
        store.webhooks = self.tally
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._stage: OrderedDict[str, int] = OrderedDict()

    # -- the mode -------------------------------------------------------------------------

    def _set_mode(self, mode: WebhookMode, now: float) -> None:
        if mode == self.tally.mode:
            return
        was = self.tally.mode
        self.tally.mode, self.tally.mode_since = mode, now
        if mode == "flowing":
            log.info("webhooks: deliveries arrive; endings and lookups polled only to reconcile")
            self.on_flow(now)
        elif mode == "stopped":
            log.warning(
                "webhooks: no delivery for %.0f s; polling the calls and endings in full again",
                QUIET_S,
            )
            self.on_stop(now)
        if was != mode:
            self.store.touch()

    def reconciling(self, now: float | None = None) -> bool:
        """Whether deliveries flow (and so polling only reconciles); moves to `stopped` when
        they have been quiet for `QUIET_S`."""
        now = self.clock.monotonic() if now is None else now
        last = self.tally.last_delivery
        if self.tally.mode == "flowing" and (last is None or now - last > QUIET_S):
            self._set_mode("stopped", now)
        return self.tally.mode == "flowing"

    # -- deliveries -----------------------------------------------------------------------

    def refused(self, status: int) -> None:
        self.tally.refused[status] = self.tally.refused.get(status, 0) + 1
        self.store.touch()

    def _remember(self, book: OrderedDict[str, int] | OrderedDict[str, None], key: str) -> None:
        book.move_to_end(key)
        while len(book) > REMEMBERED:
            book.popitem(last=False)

    def accept(self, delivery: Delivery) -> bool:
        """Apply one verified delivery; True when it changed what is known."""
        now = self.clock.monotonic()
        tally = self.tally
        tally.received += 1
        tally.last_delivery = now
        self._set_mode("flowing", now)
        if delivery.delivery_id in self._ids:
            tally.duplicates += 1
            self.store.touch()
            return False
        self._ids[delivery.delivery_id] = None
        self._remember(self._ids, delivery.delivery_id)
        call = delivery.call
        if call is None or call.status == CallStatus.UNKNOWN:
            self.store.touch()
            return False  # a campaign event, or a call with no status: nothing to merge
        new = stage(call.status)
        known = self.store.calls.get(call.id)
        last = self._stage.get(call.id, -1)
        if known is not None:
            last = max(last, stage(known.call.status))
        if new < last:
            tally.out_of_order += 1
            self.store.touch()
            return False
        self._stage[call.id] = new
        self._remember(self._stage, call.id)
        with self.store.batch():
            changed = self.intake.take(call, now, source="webhook")
            # Which calls are in flight, and how they ended, is known as it happens: those
            # panes' age is the deliveries' (ringing -> in call comes by no webhook: the
            # reconciliation's sweep brings it, README "Webhooks").
            key = "endings" if new == 3 else "active"
            self.store.mark_fresh(key, now, interval_s=QUIET_S, source="webhooks")
            self.store.touch()
        if changed:
            tally.applied += 1
        return changed

    def missed(self, call_ids: Iterable[str], now: float) -> None:
        """Calls that left the list of calls in flight with no delivery of their ending: the
        webhook gap: the outcomes the reconciliation's lookups found."""
        n = sum(1 for _ in call_ids)
        if n:
            self.tally.missed += n
            self.tally.last_missed = now
            log.info("webhooks: %d ending(s) with no delivery; looked up by id", n)
            self.store.touch()


def attach_webhooks(engine: Engine, listening: str) -> WebhookFlow:
    """A flow for `engine`: its endings, lookups and active sweep paced by it."""
    scheduler, budget = engine.scheduler, engine.budget
    shares = budget.soft_share, budget.background_floor

    def flowing(_now: float) -> None:
        budget.soft_share, budget.background_floor = WEBHOOK_SHARE, WEBHOOK_FLOOR

    def stopped(now: float) -> None:
        budget.soft_share, budget.background_floor = shares
        for key in ("active", "endings", "outcomes"):
            scheduler.hurry_idle(key, now)

    flow = WebhookFlow(
        store=engine.store,
        clock=engine.clock,
        intake=engine.intake,
        listening=listening,
        on_stop=stopped,
        on_flow=flowing,
    )

    def pace(every_s: float) -> Callable[[float], float | None]:
        return lambda now: every_s if flow.reconciling(now) else None

    engine._endings.slow_s = pace(RECONCILE_ENDINGS_S)
    engine._active.slow_s = pace(RECONCILE_ACTIVE_S)
    engine._short.slow_s = pace(RECONCILE_ENDINGS_S)
    engine._lookups.grace_s = pace(MISSED_GRACE_S)
    # The reconciliation's endings go down to the queue's floor: a call dialled before a
    # queue read that did not name it and still in flight a whole slowed sweep later was
    # named by that sweep (`Endings` module doc).
    floor = engine._queued.floor
    engine._endings.floor = lambda since: floor.reach(since, UNSWEPT_S)
    engine._active.whole = floor.swept
    engine._lookups.on_missed = flow.missed

    def check(now: float) -> None:
        flow.reconciling(now)

    # Deliveries stopping is noticed at the loop's next wake (at most 5 s), not at the next
    # slow poll.
    scheduler.every(1.0, check)
    return flow


__all__ = [
    "MISSED_GRACE_S",
    "QUIET_S",
    "RECONCILE_ACTIVE_S",
    "RECONCILE_ENDINGS_S",
    "UNSWEPT_S",
    "WEBHOOK_FLOOR",
    "WEBHOOK_SHARE",
    "WebhookFlow",
    "attach_webhooks",
    "stage",
]
