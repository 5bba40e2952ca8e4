"""The call the user is looking at: its record and its retry history, first in the budget.

The record is asked for every 5 s (the vendor's floor) unless a listing just read it; the
history until its series is final. Only the record's 404 says the call is gone; a history's 404
alone says there is none (one attempt, from the record).
"""

from __future__ import annotations

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError, NotFound
from monitor.api.vocab import FINAL_STATUSES
from monitor.clock import Clock
from monitor.polling.fetch import Routes, fetch_campaign, fetch_retry_history
from monitor.polling.intake import Intake
from monitor.polling.scheduler import P_SELECTED, Job, Scheduler
from monitor.state.derive import history_from_call, summarise
from monitor.state.store import Store
from monitor.state.views import retry_config_for

SELECTED_CAP_S = 5.0
"""The selected call is asked for every 5 s, the vendor's floor, unless a listing just read it."""
SWEEP_JITTER = 0.15
FINAL_SUMMARIES = frozenset(
    {"completed", "all_retries_exhausted", "voicemail_final", "failed", "ended"}
)


class SelectedCall:
    """The `call/<id>` and `retries/<id>` pollers: owns which call is selected."""

    def __init__(
        self,
        *,
        client: DialNexaClient,
        routes: Routes,
        store: Store,
        clock: Clock,
        intake: Intake,
        every_s: float,
    ) -> None:
        self.client = client
        self.routes = routes
        self.store = store
        self.clock = clock
        self.intake = intake
        self.every_s = every_s
        """The configured pace of the record (`poll.selected_call_s`)."""
        self.call_id: str | None = None

    def add_jobs(
        self,
        scheduler: Scheduler,
        cid: str,
        record_s: float,
        retries_s: float,
        target_age_s: dict[str, float],
        priority: int = P_SELECTED,
    ) -> set[str]:
        """The record and history jobs of one call a viewer looks at (a relay's viewers look
        at several: the selected call and, below the active calls, the engine's
        `watched_calls`); their keys."""
        record = scheduler.add(
            f"call/{cid}",
            priority,
            record_s,
            lambda job: self.poll_call(cid, job),
            # The call the user is looking at stays within the vendor's 5-10 s.
            cap_s=max(record_s, SELECTED_CAP_S),
        )
        record.target_s = target_age_s["call"]
        record.on_error = lambda job, error: self.call_failed(cid, job, error)
        history = scheduler.add(
            f"retries/{cid}",
            priority,
            retries_s,
            lambda job: self.poll_retries(cid, job),
            cap_s=target_age_s["retries"] / 2,
        )
        history.target_s = target_age_s["retries"]
        history.on_error = self.retries_failed
        # Beside the selected call, a relay's other viewers' calls: its watch share.
        record.watch = history.watch = priority != P_SELECTED
        return {f"call/{cid}", f"retries/{cid}"}

    async def poll_call(self, call_id: str, job: Job) -> bool:
        tracked = self.store.calls.get(call_id)
        now = self.clock.monotonic()
        # The active sweep's 5 s comes with ±10% jitter: give it that long to read the call
        # again before spending a request of its own.
        fresh_for = self.every_s * (1 + SWEEP_JITTER)
        covered = (
            tracked is not None
            and tracked.ended_seen is None
            and now - tracked.last_seen < fresh_for
        )
        if covered and tracked is not None:
            # A listing read it just now: no request spent on it; ask once that read is old.
            job.due_hint = tracked.last_seen + fresh_for
            return False
        call = await self.client.get_call(call_id)
        changed = self.intake.take(call, self.clock.monotonic(), source="call record")
        if call.status in FINAL_STATUSES:
            job.cadence.final = True
        return changed

    def call_failed(self, call_id: str, job: Job, error: ApiError) -> None:
        """An error of the record's own poller."""
        if isinstance(error, NotFound):
            # Only the record's 404 says the call is gone; its history's alone does not.
            self.store.mark_gone(call_id)
            job.cadence.final = True

    async def poll_retries(self, call_id: str, job: Job) -> bool:
        # The call record and its retry history are independent reads (API sheet 3.2, 3.6).
        store = self.store
        tracked = store.calls.get(call_id)
        if tracked is None:
            if call_id not in store.gone_calls:
                return False  # the call itself arrives first
            # The record is gone (404) but its history may not be: show what there is.
            history = await self.client.get_retries(call_id)
            before = store.histories.get(history.call_id)
            store.put_history(history)
            return before != history
        call = tracked.call
        try:
            history = await fetch_retry_history(self.client, self.routes, call)
        except NotFound:
            # A call that exists with no history of its own: one attempt, from its record.
            history = history_from_call(call)
        config = retry_config_for(store, call)
        if config is None and call.campaign_id and call.campaign_id not in store.campaigns:
            campaign = await fetch_campaign(self.client, self.routes, call.campaign_id)
            store.upsert_campaign(campaign)
            config = campaign.retry_config
        before = store.histories.get(history.call_id)
        store.put_history(history)
        summary = summarise(history.attempts, config)
        if summary in FINAL_SUMMARIES:
            job.cadence.final = True
        return before != history

    @staticmethod
    def retries_failed(job: Job, error: ApiError) -> None:
        """An error of the history's own poller."""
        if isinstance(error, NotFound):
            job.cadence.final = True  # neither record nor history: nothing to poll
