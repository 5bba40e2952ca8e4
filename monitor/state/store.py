"""The store: the single source of truth for everything the monitor shows.

Pollers write immutable snapshots into it; the UI and `snapshot` read from it. It keeps the last
good data through errors, records for every resource when it was fetched and its last error, and
tells listeners once per batch of changes (coalesced), never once per field.

Memory is bounded for a day-long session (FAULTS R1): ended calls are pruned after a window,
retry histories are an LRU, the concurrency history is a ring.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict, deque
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from monitor.api.errors import ApiError
from monitor.api.models import Call, Campaign, RetryHistory
from monitor.api.pages import ReadNote
from monitor.api.vocab import FINAL_STATUSES, IN_FLIGHT_STATUSES, CallStatus
from monitor.state.changes import ChangeLog
from monitor.state.freshness import Freshness
from monitor.state.insight_view import Insights
from monitor.state.merge import behind, merge_record
from monitor.state.tally import Tally
from monitor.state.tracked import ApiHealth as ApiHealth
from monitor.state.tracked import CampaignState as CampaignState
from monitor.state.tracked import TrackedCall as TrackedCall
from monitor.state.webhooks import WebhookTally

ENDED_CALL_RETENTION_S = 3600.0
"""Ended calls stay an hour (recent endings, retry wave, campaign drill-down), then go."""
MAX_CALLS = 12_000
"""Calls kept at most, the in-flight ones included: past it the oldest ended calls go before
their hour is up. On `huge` (about 110,000 calls an hour) 50,000 calls held about 3.3 KB each
in the store alone and the RSS passed 330 MiB in 45 minutes, still rising (issue 21); 12,000
were 11 MiB under 15,000 after 20 minutes of `huge` and still hold a campaign screen of 10,000
calls beside the workspace's 1,000 in flight, and `huge`'s last ~6 minutes of endings."""
MAX_SERIES_LET_GO = 50_000
"""Series whose pruned attempts are still counted (`Store.series_let_go`): about half an hour
of `huge`'s series, a few MB of small ints."""
MAX_HISTORIES = 256
MAX_READ_NOTES = 64
"""Paths whose last read left something out, kept for the status line and `snapshot`."""
CONCURRENCY_SAMPLES = 720
"""One sample per active-calls refresh, ~5 s apart: an hour of history."""


STALE_READ_S = 15.0
"""The longest a read can have been on its way (a request's whole deadline,
`monitor.api.transport.DEADLINE_S`): a read behind what is known arriving later than this after
the status moved was asked after the move, unless its poller says when it was sent (`sent`:
a page held until the rest of its sweep is read)."""


def stale_read(
    read: CallStatus, known: CallStatus, known_since: float, now: float, sent: float | None
) -> bool:
    """Whether a read a stage behind the known status (`merge.behind`) was made before the
    call moved on (known since `known_since`), so it must not take the call back.

    Sent before the move was known (`sent`, when its poller says): stale, however late it is
    taken in. The queued sweep takes its pages in once all are read, the budget holding them
    tens of seconds apart: a page read before a call ended, taken in 30 s after a webhook
    delivered the ending, took 29 ended calls back to the queue in `bench_webhooks`' huge run.
    Otherwise a read arriving within a request's deadline of the move may have been sent
    before it; one arriving later was sent after it: the move was the wrong read (a drifted
    status, FAULTS P5), and a live listing brings the call back."""
    if not behind(read, known):
        return False
    if sent is not None and sent < known_since:
        return True
    return now - known_since < STALE_READ_S


class Store(ChangeLog):
    """Calls, campaigns, counts, retry histories, concurrency history, freshness, API health."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, TrackedCall] = {}
        self.series_let_go: dict[str, int] = {}
        """Per retry series, how many of its attempts the store has let go (`prune`): a payload
        without `attempt` is numbered by the attempts known, and those include the pruned ones,
        or a series at its last attempt would be projected one more retry (the wave). Oldest
        first (a series counted again moves to the end); a plain dict, trimmed in batches: an
        OrderedDict costs 53 bytes more a series, 2.5 MB at the bound (issue 21)."""
        self._merged_from: weakref.WeakValueDictionary[str, Call] = weakref.WeakValueDictionary()
        """Per call, the read last merged into its record when that record is not the read
        itself: the same read again (the row cache's very object) merges to the record as it
        is, uncompared. Weakly held, so an entry lives only while its read does (the row
        cache's few hundred), where one per call kept 136 bytes for each of the store's
        15,000 calls, most of them dead (issue 21)."""
        self.campaigns: dict[str, CampaignState] = {}
        self.histories: OrderedDict[str, RetryHistory] = OrderedDict()
        self.freshness: dict[str, Freshness] = {}
        self.concurrency: deque[tuple[datetime, int]] = deque(maxlen=CONCURRENCY_SAMPLES)
        self.peak = 0
        self.swept: int | None = None
        """Calls in flight the latest complete active sweep listed; `sweeping`: one is under
        way, its pages landing one by one (what the concurrency pane may say meanwhile)."""
        self.swept_ids: frozenset[str] = frozenset()
        """Which calls it listed (`views.in_flight_count`)."""
        self.listed_unknown: frozenset[str] = frozenset()
        """Calls the in-flight list names with no status or one this monitor does not know
        (`connected`, `{"id": ...}` alone): in flight by the list's own filter, so counted and
        listed there as `unknown`, never dropped from the gauge while the peak counts them."""
        self.swept_at: float | None = None
        """When (monotonic) its last page was asked for: an ending learnt before it happened
        before that page was read."""
        self.sweeping = False
        self.health = ApiHealth()
        self.gone_calls: set[str] = set()
        self.internal_error: str | None = None
        """The last bug of the monitor's own (a poller raised), in words for the screen."""
        """Calls the API says no longer exist (404)."""
        self.endings_missed_at: float | None = None
        """Last time (monotonic) more calls ended between two reads of the endings list than
        one page holds: outcomes were missed, so the retry wave is a lower bound."""
        self.read_notes: OrderedDict[str, tuple[ReadNote, float]] = OrderedDict()
        """Per path, the last read that left rows out or had unreadable fields, and when
        (monotonic): shown on the status line and in `snapshot`, never only in a log."""
        self.last_good_read: float | None = None
        """Monotonic time of the last answer the API gave with data (2xx or 304); None while
        none ever came. "Showing data from T" is this, never a poller's mere run."""
        self.tally = Tally()
        """Each campaign's counts, kept from the endings the pollers read (`tally`)."""
        self.insights = Insights()
        """What the insight rules found last (`monitor.state.insights`, issue 19)."""
        self.webhooks: WebhookTally | None = None
        """The relay's webhook receiver's counts and mode (issue 22); None without one."""
        self._seq = 0

    def watch_limit(self) -> int:
        return MAX_CALLS  # read at each call: tests set the bound small

    # -- freshness ------------------------------------------------------------------------

    def mark_fresh(
        self,
        resource: str,
        now: float,
        *,
        interval_s: float,
        source: str | None = None,
        promise_s: float | None = None,
    ) -> None:
        old = self.freshness.get(resource, Freshness())
        self.freshness[resource] = Freshness(
            fetched_at=now,
            expected_interval_s=interval_s,
            source=source or old.source,
            promise_s=promise_s,
        )
        self._changed()

    def mark_error(self, resource: str, error: ApiError, now: float) -> None:
        # Kept for hours on a failing resource: without its traceback, which holds the
        # frames (and their locals) of the request that failed.
        error.__traceback__ = None
        error.__context__ = None
        error.__cause__ = None
        old = self.freshness.get(resource, Freshness())
        self.freshness[resource] = replace(
            old, error=error, error_since=old.error_since if old.error else now
        )
        self._changed()

    def set_health(self, health: ApiHealth) -> None:
        if health != self.health:
            self.health = health
            self._changed()

    # -- calls ------------------------------------------------------------------------------

    def upsert_call(
        self,
        call: Call,
        now: float,
        *,
        live_listing: bool = False,
        source: str = "calls",
        sent: float | None = None,
    ) -> bool:
        """Merge one read of a call into what is known; True when anything about it changed.

        Merged, never replaced (`monitor.state.merge`): a field this read did not carry keeps
        its last known value (a `/calls/{id}` answer without `batch_id` leaves the call in its
        campaign), a field it carried wins. `source` names the read, kept for the campaign.

        `live_listing`: it comes from a list of live calls (the active or queued sweep), which
        outranks an earlier guess that it had ended (it only moved from queued to dialling),
        never a read that showed it ended.

        `sent`: when (monotonic) the request that read it was sent, when its poller took it
        in later than on arrival (`stale_read`).
        """
        said_campaign = "campaign_id" in call.model_fields_set
        tracked = self.calls.get(call.id)
        if tracked is None:
            self._seq += 1
            tracked = TrackedCall(
                call, last_seen=now, changed_at=now, state_since=now, seq=self._seq
            )
            tracked.campaign_source = source if said_campaign else None
            tracked.last_source = source
            if call.status in FINAL_STATUSES:
                tracked.ended_seen = now
            self.calls[call.id] = tracked
            self._merged_from.pop(call.id, None)
            self._calls_changed(call.id)
            return True
        if stale_read(call.status, tracked.call.status, tracked.state_since, now, sent):
            # Made before the read that moved the call on (`merge.behind`): taken, an ended
            # call would count in flight beside the one in its slot, and a call dialling
            # would leave the gauge for the queue (250 of them at `huge`, for seconds).
            return False
        changed = False
        if live_listing and tracked.ended_seen is not None and call.status not in FINAL_STATUSES:
            tracked.ended_seen = None
            tracked.state_since = now
            changed = True
        tracked.last_seen = now
        tracked.last_source = source
        # Equal values (the common case: an unchanged call in a sweep) merge to the same record;
        # so do the record itself and the read merged last time (merging is idempotent), known
        # without comparing.
        if call is tracked.call or self._merged_from.get(call.id) is call:
            merged = tracked.call
        else:
            merged = tracked.call if tracked.call == call else merge_record(tracked.call, call)
            self._merged_from[call.id] = call
        if merged is not tracked.call:
            if merged.status != tracked.call.status:
                tracked.state_since = now
            tracked.call = merged
            changed = True
        if said_campaign:
            # The latest read that said the campaign is its source (no notification: the
            # campaign shown is the same).
            tracked.campaign_source = source
        if merged.status in FINAL_STATUSES and tracked.ended_seen is None:
            tracked.ended_seen = now
            tracked.state_since = now
            changed = True
        if changed:
            tracked.changed_at = now
            self._calls_changed(call.id)
        return changed

    def mark_ended(self, call_id: str, now: float) -> None:
        """A call left the active list: it ended, whatever its outcome turns out to be."""
        tracked = self.calls.get(call_id)
        if tracked is not None and tracked.ended_seen is None:
            tracked.ended_seen = now
            tracked.changed_at = now
            tracked.state_since = now
            self._calls_changed(call_id)

    def note_read(self, note: ReadNote, now: float) -> None:
        self.read_notes[note.path] = (note, now)
        self.read_notes.move_to_end(note.path)
        while len(self.read_notes) > MAX_READ_NOTES:
            self.read_notes.popitem(last=False)
        self._changed()

    def note_internal_error(self, message: str) -> None:
        self.internal_error = message
        self._changed()

    def mark_gone(self, call_id: str) -> None:
        if call_id not in self.gone_calls:
            self.gone_calls.add(call_id)
            self._changed()

    def in_flight(self) -> list[TrackedCall]:
        return list(self._live()[0])

    def queued(self) -> list[TrackedCall]:
        return list(self._live()[1])

    def _live(self) -> tuple[tuple[TrackedCall, ...], tuple[TrackedCall, ...]]:
        """The calls in flight and the queued ones, in one scan per change of the calls: a
        snapshot asks three times (active rows, campaigns, concurrency) of thousands of calls.
        Every write that can move a call in or out (its status, `ended_seen`, a new or pruned
        call) bumps `calls_version`."""
        cached = self.memo.get("live")
        if cached is not None and cached[0] == self.calls_version:
            return cached[1]  # type: ignore[return-value]
        flying: list[TrackedCall] = []
        waiting: list[TrackedCall] = []
        for t in self.calls.values():
            if t.ended_seen is None:
                status = t.call.status
                if status in IN_FLIGHT_STATUSES or (
                    status is CallStatus.UNKNOWN and t.call.id in self.listed_unknown
                ):
                    flying.append(t)
                elif status is CallStatus.QUEUED:
                    waiting.append(t)
        live = (tuple(flying), tuple(waiting))
        self.memo["live"] = (self.calls_version, live)
        return live

    def note_sweep(self, listed: frozenset[str], last_asked: float, *, whole: bool) -> None:
        """An active sweep listed these calls, its last page asked for then (`whole`: it was
        read to the end; the first sweep's pages count as they land, until one is)."""
        self.swept = len(listed) if whole else None
        self.swept_ids, self.swept_at = listed, last_asked

    def note_listed_unknown(self, listed: frozenset[str]) -> None:
        """The calls of unknown status the in-flight list names now (`listed_unknown`)."""
        if listed != self.listed_unknown:
            moved = listed ^ self.listed_unknown
            self.listed_unknown = listed
            self._calls_changed(*moved)

    def record_concurrency(self, when: datetime, in_flight: int) -> None:
        self.concurrency.append((when, in_flight))
        self.peak = max(self.peak, in_flight)
        self._changed()

    def prune(self, now: float, keep: Collection[str] = ()) -> int:
        """Forget ended calls past the retention window, and the oldest beyond the cap; past
        the cap, the calls in `keep` (those whose retry is still to come) go last: the retry
        wave is projected from them, and on `huge` the cap holds about 8 minutes of endings
        where a retry may come an hour later."""
        cutoff = now - ENDED_CALL_RETENTION_S
        doomed = [
            cid
            for cid, t in self.calls.items()
            if t.ended_seen is not None and t.ended_seen < cutoff
        ]
        if len(self.calls) - len(doomed) > MAX_CALLS:
            ended = sorted(
                (cid in keep, t.ended_seen or 0.0, cid)
                for cid, t in self.calls.items()
                if t.ended_seen is not None and t.ended_seen >= cutoff
            )
            doomed += [cid for *_, cid in ended[: len(self.calls) - len(doomed) - MAX_CALLS]]
        let_go = self.series_let_go
        for cid in doomed:
            call = self.calls.pop(cid).call
            self._merged_from.pop(cid, None)
            series = call.retry_group_id or cid
            let_go[series] = let_go.pop(series, 0) + 1  # to the end: the newest
        if len(let_go) > MAX_SERIES_LET_GO + MAX_SERIES_LET_GO // 8:
            # The oldest go, in one pass every few thousand series: a plain dict's front
            # is slow to pop one at a time (the slots left empty are walked again).
            self.series_let_go = dict(
                itertools.islice(let_go.items(), len(let_go) - MAX_SERIES_LET_GO, None)
            )
            self.calls_epoch += 1  # those series' attempts are numbered anew: start over
        if doomed:
            self._calls_changed(*doomed)
        return len(doomed)

    # -- campaigns and histories ------------------------------------------------------------

    def put_campaign(self, state: CampaignState) -> None:
        """Store a campaign's figures; its record is merged into the one known (never a
        later read's missing field over an earlier read's value)."""
        old = self.campaigns.get(state.campaign.id)
        if old is not None and old.campaign is not state.campaign:
            state = replace(state, campaign=merge_record(old.campaign, state.campaign))
        if old != state:
            self.campaigns[state.campaign.id] = state
            if old is None or old.campaign != state.campaign:
                self._calls_restart()  # a retry configuration may have changed
            self._changed()

    def upsert_campaign(self, campaign: Campaign) -> bool:
        """Merge one read of a campaign record, its figures kept; True when anything changed."""
        old = self.campaigns.get(campaign.id)
        self.put_campaign(replace(old, campaign=campaign) if old else CampaignState(campaign))
        return self.campaigns[campaign.id] != old

    def drop_campaign(self, campaign_id: str) -> None:
        """A campaign the API no longer lists: forget it and what was known of it."""
        if self.campaigns.pop(campaign_id, None) is not None:
            self._calls_restart()
            for key in (f"counts/{campaign_id}", f"analysis/{campaign_id}"):
                self.freshness.pop(key, None)
            self._changed()

    def put_history(self, history: RetryHistory) -> None:
        if self.histories.get(history.call_id) != history:
            self.histories[history.call_id] = history
            self._changed()
        self.histories.move_to_end(history.call_id)
        while len(self.histories) > MAX_HISTORIES:
            self.histories.popitem(last=False)

    def put_insights(self, insights: Insights) -> None:
        """The insight tracker's latest result (a change notifies like any other write)."""
        if insights != self.insights:
            self.insights = insights
            self._changed()
