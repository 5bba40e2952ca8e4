"""The world's evolution: the event handlers, campaign controls and the campaign life cycle.

Retries follow the vendor's auto-retry guide (seed 003, API sheet §8): no-answer and busy are
retried when their flags are on, voicemail only when `retry_on_voicemail`, failed and completed
never; attempts run 1..max_retries+1, linked by the first attempt's id; the wait is a fixed
`wait_minutes` after the attempt ends.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from monitor.sim import names
from monitor.sim.anomalies import leaks, retry_delay
from monitor.sim.dialler import (
    _ANALYSIS,
    _CANCEL,
    _PAUSE,
    _RESUME,
    _RETIRE,
    _RETRY,
    _START,
    Dialler,
    between,
)
from monitor.sim.model import (
    BUSY,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_COMPLETED,
    CANCELLED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    NO_ANSWER,
    PAUSED,
    RUNNING,
    SCHEDULED,
    VOICEMAIL,
    Call,
    Campaign,
    CampaignSpec,
    Series,
)

END_REASONS: dict[str, tuple[tuple[str, float], ...]] = {
    COMPLETED: (("user_disconnected", 0.6), ("agent_hangup", 0.3), ("call_transfer", 0.1)),
    NO_ANSWER: (("user_did_not_pick_up", 1.0),),
    BUSY: (("user_busy", 1.0),),
    VOICEMAIL: (("voicemail_detected", 1.0),),
    FAILED: (
        ("invalid_phone_number", 0.4),
        ("network_failure", 0.3),
        ("destination_forbidden", 0.1),
        ("user_unreachable", 0.2),
    ),
}
SENTIMENTS = (("positive", 0.45), ("neutral", 0.35), ("negative", 0.2))
INTEREST = ("high", "medium", "low")


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    r = rng.random()
    acc = 0.0
    for value, weight in table:
        acc += weight
        if r < acc:
            return value
    return table[-1][0]


class Evolution(Dialler):
    """What happens to the world as time passes: campaigns start, pause, resume, are cancelled,
    end, rerun and retire; calls are answered, end, get their analysis and their retries.

    `World` sets up the state declared here and runs the event queue (`World.advance_to`).
    """

    seed: int
    hostile_names: bool
    retired: int
    agent_ids: list[str]
    campaigns: list[Campaign]
    _campaigns_by_id: dict[str, Campaign]
    _campaign_index: int
    _pending: dict[str, Series]
    leaked: int

    # ---------------------------------------------------- campaign controls

    def pause_campaign(self, c: Campaign | str) -> None:
        """Stop dialling; calls in flight finish (API sheet §6)."""
        camp = self._resolve(c)
        if camp.status in (RUNNING, SCHEDULED):
            camp.status = PAUSED
            self._bump(camp)

    def resume_campaign(self, c: Campaign | str) -> None:
        camp = self._resolve(c)
        if camp.status == PAUSED:
            camp.status = RUNNING
            self._bump(camp)
            self._top_up(camp)
            self._mark(camp)
            self._dispatch()
            self._check_complete(camp)

    def cancel_campaign(self, c: Campaign | str) -> None:
        """Cancel queued dials and scheduled retries; calls in flight finish without retry."""
        camp = self._resolve(c)
        if camp.status in (CAMPAIGN_COMPLETED, CAMPAIGN_CANCELLED):
            return
        camp.status = CAMPAIGN_CANCELLED
        while camp.ready:
            call = camp.ready.popleft()
            call.end_t = self.t
            call.end_reason = "campaign_cancelled"
            call.analysis = {}
            call.analysis_t = self.t
            self._set_status(call, CANCELLED)
            call.series.cancelled = True
            camp.finished_series += 1
        camp.queued_first = 0
        for parent_id in [p for p, s in self._pending.items() if s.campaign is camp]:
            series = self._pending.pop(parent_id)
            series.retry_due = None
            series.cancelled = True
            camp.pending_retries -= 1
            camp.finished_series += 1
        self._bump(camp)
        self._ended(camp)

    def _add_campaign(self, spec: CampaignSpec, created_t: float, run: int = 1) -> Campaign:
        index = self._campaign_index
        self._campaign_index += 1
        cid = "cmp_" + names.token(self._id_rng.getrandbits(62))
        name = names.campaign_name(self.seed, index, spec.name, self.hostile_names)
        c = Campaign(index, cid, spec, name if run == 1 else f"{name} (run {run})")
        c.run = run
        c.agent_id = self.agent_ids[spec.agent]
        c.from_number = names.from_number(self.seed, index, spec.country_code)
        c.created_t = created_t
        if spec.start_at is not None:
            c.status = SCHEDULED
            if run > 1:
                c.start_t = self.t
            self._push(spec.start_at if run == 1 else self.t, _START, c)
        if run == 1:
            for at, kind in ((spec.pause_at, _PAUSE), (spec.resume_at, _RESUME)):
                if at is not None:
                    self._push(at, kind, c)
            if spec.cancel_at is not None:
                self._push(spec.cancel_at, _CANCEL, c)
        self.campaigns.append(c)
        self._campaigns_by_id[cid] = c
        return c

    def _on_respawn(self, c: Campaign) -> None:
        self._add_campaign(c.spec, created_t=self.t, run=c.run + 1)

    def _on_retire(self, c: Campaign) -> None:
        if c.in_flight or c.ready:
            self._push(self.t + 60, _RETIRE, c)  # a cancelled campaign's last calls finish first
            return
        dead = set(c.calls)
        for seq in c.calls:
            call = self._calls.pop(seq)
            del self._by_id[call.id]
            if call.attempt == 1:
                del self._series[call.id]
        self._all.calls = [s for s in self._all.calls if s not in dead]
        for status, seqs in self._all.final.items():
            if c.final[status]:
                self._all.final[status] = [s for s in seqs if s not in dead]
        for status, n in c.counts.items():
            self.counts[status] -= n
        self.campaigns.remove(c)
        del self._campaigns_by_id[c.id]
        self.retired += 1
        self.version += 1

    def _resolve(self, c: Campaign | str) -> Campaign:
        return c if isinstance(c, Campaign) else self._campaigns_by_id[c]

        c.version += 1

    def _on_start(self, c: Campaign) -> None:
        if c.status == SCHEDULED:
            c.status = RUNNING
            self._bump(c)
            self._top_up(c)
            self._mark(c)
            self._dispatch()

    def _on_answer(self, call: Call) -> None:
        call.answer_t = self.t
        self._set_status(call, IN_PROGRESS)

    def _on_end(self, call: Call) -> None:
        c = call.campaign
        now = self.t
        outcome = call.outcome
        rng = self._rng
        call.end_t = now
        call.talk_s = 0 if call.answer_t is None else int(now - call.answer_t)
        call.end_reason = _weighted(rng, END_REASONS[outcome])
        self._set_status(call, outcome)
        if leaks(c):
            c.leaked += 1  # the slot stays held, the campaign's and the workspace's (on demand)
            self.leaked += 1
        else:
            c.in_flight -= 1
            self.in_flight -= 1
        if outcome in (COMPLETED, VOICEMAIL):
            call.analysis_t = now + between(rng, 3, 20)
            self._push(call.analysis_t, _ANALYSIS, call)
        else:
            call.analysis = {}
            call.sentiment = "neutral"
            call.analysis_t = now
        series = call.series
        if outcome == COMPLETED:
            c.completed_leads += 1
        delay = retry_delay(c, call.attempt, outcome)
        if c.status != CAMPAIGN_CANCELLED and delay is not None:
            due = now + delay
            series.retry_due = due
            self._pending[series.parent_id] = series
            c.pending_retries += 1
            _grow(c, call.attempt + 1)
            c.retries_by_depth[call.attempt] += 1
            self._push(due, _RETRY, series)
        else:
            c.finished_series += 1
        self._mark(c)
        self._dispatch()
        self._check_complete(c)

    def _on_analysis(self, call: Call) -> None:
        rng = self._rng
        if call.outcome == COMPLETED:
            call.sentiment = _weighted(rng, SENTIMENTS)
            call.analysis = {
                "qualified": rng.random() < call.campaign.spec.qualified_rate,
                "customer_satisfaction": between(rng, 1, 10),
                "follow_up_required": rng.random() < 0.3,
                "interest_level": INTEREST[rng.randrange(3)],
            }
        else:
            call.sentiment = "neutral"
            call.analysis = {"qualified": False, "voicemail_left": rng.random() < 0.5}
        self.version += 1
        call.campaign.version += 1

    def set_anomaly(self, kind: str, on: bool, campaign: Campaign | str | None = None) -> None:
        """Switch one anomaly on or off for a campaign (all campaigns when None); switching
        `leaked_slot` off gives the leaked slots back."""
        for c in [self._resolve(campaign)] if campaign is not None else self.campaigns:
            if on:
                c.anomalies.add(kind)
            else:
                c.anomalies.discard(kind)
        if kind == "leaked_slot" and not on and self.leaked:
            for c in self.campaigns:
                c.in_flight -= c.leaked
                self.in_flight -= c.leaked
                self.leaked -= c.leaked
                c.leaked = 0
                self._mark(c)
            self._dispatch()

    def _on_retry_due(self, series: Series) -> None:
        if series.retry_due is None or series.retry_due != self.t:
            return  # cancelled with its campaign
        c = series.campaign
        series.retry_due = None
        del self._pending[series.parent_id]
        c.pending_retries -= 1
        call = self._new_call(c, series, series.lead, len(series.attempts) + 1, self.t)
        c.ready.append(call)
        self._mark(c)
        self._dispatch()


def _grow(c: Campaign, depths: int) -> None:
    """Room in the per-depth tallies for an attempt beyond the policy (`retry_extra`)."""
    for tally in (c.retries_by_depth, c.attempted_by_depth):
        tally.extend([0] * (depths + 1 - len(tally)))
