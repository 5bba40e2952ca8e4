"""The insight tracker (issue 19): feeds the pure rules (`conformance`, `stuck`, `idle`) from
what the store already holds, and writes their result to the store as one `Insights` value.

It makes no request. Once per active sweep (`observe`) it scans the store once: it notes when
each call in flight entered its state (as the monitor saw it: a sweep's lag, never more), takes
the seconds a call spent in a state when it leaves it as a sample of its campaign (a bounded
ring per campaign and state: flat in calls), counts the dials of the minute, watches for queued
calls beside free slots, and closes each minute's facts per campaign (an hour kept:
`monitor.state.minutelog`). Retry conformance reads the retry histories in the store (the
selected call's, and the slow background audit's: `monitor.polling.retryaudit`).
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.api.vocab import FINAL_STATUSES, CallStatus, ContainerStatus, is_skipped
from monitor.state.calldetail import retry_config_for
from monitor.state.calltime import seconds_between
from monitor.state.conformance import Tolerance, campaign_conformance, check_series
from monitor.state.glance import Skipped, blocked_since, oldest_wait, placed_at, skipped_dials
from monitor.state.idle import idle_minutes
from monitor.state.insight_view import CampaignInsight, Insight, Insights
from monitor.state.minutelog import MinuteLog, blocked_run, dialling, letter
from monitor.state.store import Store, TrackedCall
from monitor.state.stuck import LeakWatch, LiveCall, stuck_calls
from monitor.state.window import in_window

SAMPLES = 200
"""Finished samples kept per campaign and state (the p99 of the last 200)."""
CAP_RUN = 3
"""Minutes in a row blocked at a cap before `cap_blocked` is an insight: one blocked minute
is a busy campaign doing its job."""
TOLERANCE = Tolerance()
READS_KEPT = 1024
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""The read time of a history whose read time is not known: no retry is missing as of then."""
_HELD = (ContainerStatus.PAUSED, ContainerStatus.CANCELLED, ContainerStatus.COMPLETED)
_WAITING = ("retry_late", "retry_missing")
"""Findings a held campaign is excused: its retries wait for it, by design."""
_LIVE = {CallStatus.DIALING: "dialing", CallStatus.IN_PROGRESS: "in_progress"}
WATCH = "insights"
"""The tracker's name among the store's watchers of changed calls."""


def _endings(store: Store) -> dict[str, list[datetime | None]]:
    """Per campaign, the end times of the calls it has seen end (a one shot's look)."""
    ended: dict[str, list[datetime | None]] = {}
    for tracked in store.calls.values():
        camp = tracked.call.campaign_id
        if tracked.ended_seen is not None and camp:
            ended.setdefault(camp, []).append(tracked.call.ended_at)
    return ended


@dataclass(slots=True)
class _Entry:
    state: str
    since: datetime
    campaign_id: str | None


class InsightTracker:
    """Feeds the rules; `observe` once per active sweep, the result put on the store."""

    def __init__(self, tolerance: Tolerance = TOLERANCE, *, one_shot: bool = False) -> None:
        self.tolerance = tolerance
        self.one_shot = one_shot
        """`snapshot`'s single look: what needs watching is read from the records' own clocks
        (`monitor.state.glance`) instead."""
        self._glance: list[Insight] = []
        self._skipped: dict[str, Skipped] = {}
        self._live: dict[str, _Entry] = {}
        self._samples: dict[tuple[str | None, str], deque[float]] = {}
        self._leak = LeakWatch()
        self._log = MinuteLog()
        self._last_mono: float | None = None
        self.watch = WATCH
        """Its name among the store's watchers of changed calls (one per tracker)."""
        self._skipped_calls: dict[str, Call] = {}
        """The calls the vendor marked skipped (`_follow_skipped`)."""
        self.read_at: OrderedDict[str, datetime] = OrderedDict()
        """When (API clock) each series was read: a missing retry is judged as of its read,
        never against a history that has aged since (the retry may have come after it)."""

    def note_read(self, series_id: str, at: datetime) -> None:
        self.read_at[series_id] = at
        self.read_at.move_to_end(series_id)
        while len(self.read_at) > READS_KEPT:
            self.read_at.popitem(last=False)

    def samples(self, campaign_id: str | None, state: str) -> tuple[float, ...]:
        return tuple(self._samples.get((campaign_id, state), ()))

    def observe(self, store: Store, now: datetime, mono: float, cap: int | None) -> Insights:
        """One sweep's worth of facts; returns (and puts on the store) the insights.

        Flat in the calls kept (issue 21: it scanned all of them, 12,000 on a day's `busy`,
        once a sweep): the calls in flight and queued come from the store's own index, and
        the ended ones from the calls changed since the last sweep (`changed_calls`); a full
        scan only when the store cannot say (the first sweep, too many changes), or for a one
        shot's look at every ending."""
        in_flight: Counter[str] = Counter()
        queued: Counter[str] = Counter()
        total = 0
        seen: set[str] = set()
        since_mono = self._last_mono
        placed: dict[str, list[datetime | None]] = {}
        waiting: dict[str, list[datetime | None]] = {}
        changed = store.changed_calls(self.watch)
        # What follows the changed calls is taken in at once: a sweep that failed later on
        # leaves nothing of them unapplied (the next asking names only later changes).
        ids = store.calls.keys() if changed is None else changed.keys()
        if since_mono is not None:
            self._count_unseen_dials(store, ids, since_mono)
        self._follow_skipped(store, changed)
        for tracked in store.in_flight():
            call = tracked.call
            state = _LIVE.get(call.status)
            if state is None:
                continue
            cid, camp = call.id, call.campaign_id
            total += 1
            seen.add(cid)
            if camp:
                in_flight[camp] += 1
            dialled = placed_at(cid, call, store.histories)
            self._enter(cid, state, camp, now, dialled)
            if camp:
                placed.setdefault(camp, []).append(dialled)
        for tracked in store.queued():
            call = tracked.call
            if call.campaign_id:
                queued[call.campaign_id] += 1
                waiting.setdefault(call.campaign_id, []).append(call.created_at)
        for cid in [c for c in self._live if c not in seen]:
            self._leave(cid, store.calls.get(cid), now)
        self._last_mono = mono
        self._watch_leak(store, now, total, queued, in_flight, cap, waiting)
        self._skipped = skipped_dials(self._skipped_calls.values(), now)
        if self.one_shot:
            self._glance = self._look(store, now, in_flight, queued, placed, _endings(store))
        self._log.close(store, now, in_flight, queued, total, cap, self._skipped)
        self._forget_campaigns(store)
        result = self.result(store, now)
        store.put_insights(result)
        return result

    def _count_unseen_dials(self, store: Store, ids: Iterable[str], since_mono: float) -> None:
        """Calls placed and ended between two sweeps: dials no sweep saw in flight."""
        for cid in ids:
            tracked = store.calls.get(cid)
            if tracked is None or tracked.ended_seen is None or tracked.ended_seen <= since_mono:
                continue
            call = tracked.call
            if (
                cid not in self._live
                and call.campaign_id
                and call.status is not CallStatus.CANCELLED
            ):
                self._log.dialled[call.campaign_id] += 1

    def _follow_skipped(self, store: Store, changed: dict[str, None] | None) -> None:
        """The calls the vendor marked skipped, kept as the store's calls change."""
        if changed is None:
            self._skipped_calls = {
                cid: t.call for cid, t in store.calls.items() if is_skipped(t.call.status_raw)
            }
            return
        for cid in changed:
            tracked = store.calls.get(cid)
            if tracked is not None and is_skipped(tracked.call.status_raw):
                self._skipped_calls[cid] = tracked.call
            else:
                self._skipped_calls.pop(cid, None)

    def _forget_campaigns(self, store: Store) -> None:
        """Drop the duration samples of campaigns neither listed nor with a call in flight:
        they judge only live calls (`stuck_calls`), and with campaign turnover (a day of churn)
        one pair of rings per campaign ever seen was kept, 200 floats each, growing all day."""
        keep = {e.campaign_id for e in self._live.values()}
        for key in [k for k in self._samples if k[0] is not None and k[0] not in keep
                    and k[0] not in store.campaigns]:  # fmt: skip
            del self._samples[key]

    # -- feeding ---------------------------------------------------------------------------

    def _enter(
        self, cid: str, state: str, camp: str | None, now: datetime, dialled: datetime | None
    ) -> None:
        entry = self._live.get(cid)
        if entry is None:
            entry = self._live[cid] = _Entry(state, now, camp)
            if camp:
                self._log.dialled[camp] += 1
        elif entry.state != state:
            self._sample(entry, now, None)
            entry = self._live[cid] = _Entry(state, now, camp or entry.campaign_id)
        if state == "dialing" and dialled is not None and dialled < entry.since:
            entry.since = dialled  # its history says when it was dialled: rung since then

    def _leave(self, cid: str, tracked: object, now: datetime) -> None:
        entry = self._live.pop(cid)
        call = getattr(tracked, "call", None)
        self._sample(entry, now, call if isinstance(call, Call) else None)

    def _sample(self, entry: _Entry, now: datetime, call: Call | None) -> None:
        spent = seconds_between(entry.since, now)
        if entry.state == "in_progress" and call is not None and call.duration_s is not None:
            spent = float(call.duration_s)  # the API's own talk time beats a sweep's lag
        if spent is None or spent < 0:
            return
        ring = self._samples.setdefault((entry.campaign_id, entry.state), deque(maxlen=SAMPLES))
        ring.append(spent)

    def _running_queued(
        self, store: Store, now: datetime, queued: Counter[str], in_flight: Counter[str]
    ) -> tuple[int, list[str]]:
        """Queued calls of running campaigns below their own cap (they wait for a workspace
        slot), and those campaigns."""
        n = 0
        camps = []
        for camp, count in queued.items():
            state = store.campaigns.get(camp)
            if state is None or not dialling(state.campaign.status, in_flight[camp]):
                continue
            if in_window(state.campaign, now) is False:
                continue  # its calls wait for its calling hours, not for a slot
            own = state.campaign.max_concurrent_calls
            if own is not None and in_flight[camp] >= own:
                continue
            n += count
            camps.append(camp)
        return n, camps

    def _watch_leak(
        self,
        store: Store,
        now: datetime,
        total: int,
        queued: Counter[str],
        in_flight: Counter[str],
        cap: int | None,
        created: dict[str, list[datetime | None]],
    ) -> None:
        known = "active" in store.freshness and "queued" in store.freshness
        waiting, camps = (
            self._running_queued(store, now, queued, in_flight) if known else (None, [])
        )
        self._leak = self._leak.observe(now, total if known else None, waiting, cap)
        if self.one_shot and self._leak.since is not None:
            # One look: the calls beside the free slots have waited since they were queued.
            oldest = oldest_wait(t for camp in camps for t in created.get(camp, ()))
            if oldest is not None and oldest < self._leak.since:
                self._leak = LeakWatch(oldest)

    def _look(
        self,
        store: Store,
        now: datetime,
        in_flight: Counter[str],
        queued: Counter[str],
        placed: dict[str, list[datetime | None]],
        ended: dict[str, list[datetime | None]],
    ) -> list[Insight]:
        """One look's `cap_blocked`: a running campaign at its own cap with calls waiting whose
        calls in flight were all dialled `CAP_RUN` minutes ago or more, none ending since."""
        out = []
        for camp, state in store.campaigns.items():
            c = state.campaign
            own = c.max_concurrent_calls
            if c.status is not ContainerStatus.RUNNING or own is None or not queued[camp]:
                continue
            if in_flight[camp] < own:
                continue
            since = blocked_since(placed.get(camp, ()), ended.get(camp, ()), now, CAP_RUN * 60)
            if since is not None:
                minutes = int((now - since).total_seconds() // 60)
                out.append(Insight(
                    kind="cap_blocked", campaign_id=camp, since=since,
                    detail=f"{minutes} min at its concurrency cap without a dial",
                ))  # fmt: skip
        return out

    def _excused(self, store: Store) -> set[str]:
        """Campaigns whose retries wait by design: paused (now or within the hour kept), or
        ended (a cancelled campaign drops its pending retries, API sheet section 6)."""
        out = set()
        for camp, state in store.campaigns.items():
            if state.campaign.status in _HELD or self._log.paused_within(camp):
                out.add(camp)
        return out

    # -- the result ------------------------------------------------------------------------

    def result(self, store: Store, now: datetime) -> Insights:
        items: list[Insight] = []
        excused = self._excused(store)
        per_campaign: dict[str, list[tuple[object, ...] | None]] = {}
        members: dict[str, TrackedCall] | None = None
        """Each series' calls by its id, built only when a series' head and attempts are all
        gone from the store (a scan of every call)."""
        for history in store.histories.values():
            # The series' head, else an attempt of it the store holds (rows may name no call).
            tracked = store.calls.get(history.call_id) or next(
                (store.calls[a.call_id] for a in history.attempts if a.call_id in store.calls),
                None,
            )
            if tracked is None:
                if members is None:
                    members = {
                        t.call.retry_group_id: t
                        for t in store.calls.values()
                        if t.call.retry_group_id
                    }
                tracked = members.get(history.call_id)
            if tracked is None:
                continue
            call = tracked.call
            config = retry_config_for(store, call)
            as_of = self.read_at.get(history.call_id, _NEVER)
            found = check_series(history, config, as_of, self.tolerance)
            if found and call.campaign_id in excused:
                found = tuple(f for f in found if f.kind not in _WAITING)
            if found == () and not any(a.outcome in FINAL_STATUSES for a in history.attempts):
                continue  # nothing ended yet: nothing to hold against the policy
            if call.campaign_id:
                per_campaign.setdefault(call.campaign_id, []).append(found)
            for f in found or ():
                # One series can offend at several attempts: say which (extra and missing
                # already do).
                said = f.detail.startswith("attempt")
                items.append(Insight(kind=f.kind, campaign_id=call.campaign_id,
                                     call_id=f.call_id, since=f.since,
                                     detail=f.detail if said else
                                     f"attempt {f.attempt}: {f.detail}"))  # fmt: skip
        live = [LiveCall(cid, e.campaign_id, e.state, e.since) for cid, e in self._live.items()]
        for s in stuck_calls(live, self._samples, now):
            detail = f"{s.state} for {round(s.for_s)} s (limit {round(s.limit_s)} s, {s.basis})"
            since = self._live[s.call_id].since
            items.append(Insight(kind="stuck_call", campaign_id=s.campaign_id,
                                 call_id=s.call_id, since=since, detail=detail))  # fmt: skip
        for camp, skipped in self._skipped.items():
            items.append(Insight(
                kind="vendor_rejected", campaign_id=camp, call_id=skipped.last_call_id,
                since=skipped.first,
                detail=f"{skipped.count} dials skipped at the vendor's concurrency cap in the "
                "last hour (its queue full; not our reads' rate limit)",
            ))  # fmt: skip
        if self._leak.suspected(now):
            items.append(Insight(kind="leaked_slot", since=self._leak.since,
                                 detail="calls queued beside free slots"))  # fmt: skip
        campaigns: dict[str, CampaignInsight] = {}
        for camp in store.campaigns:
            minutes = self._log.of(camp)
            blocked = blocked_run(minutes)
            if blocked >= CAP_RUN:
                items.append(Insight(
                    kind="cap_blocked", campaign_id=camp,
                    since=(self._log.minute or now) - timedelta(minutes=blocked),
                    detail=f"{blocked} min at its concurrency cap without a dial",
                ))  # fmt: skip
            conf = campaign_conformance(per_campaign.get(camp, ()))  # type: ignore[arg-type]
            campaigns[camp] = CampaignInsight(
                conformance=conf.percent,
                checked=conf.checked,
                unknown=conf.unknown,
                kinds=conf.kinds,
                idle_minutes=idle_minutes(m for m in minutes if m is not None),
                idle_bar="".join(letter(m) for m in minutes),
            )
        have = {(i.kind, i.campaign_id) for i in items}
        items.extend(i for i in self._glance if (i.kind, i.campaign_id) not in have)
        items.sort(key=lambda i: (i.kind, i.campaign_id or "", i.call_id or ""))
        return Insights(items=tuple(items), campaigns=campaigns)
