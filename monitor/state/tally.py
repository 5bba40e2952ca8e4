"""Each campaign's outcome counts, kept from the endings the engine already reads.

Per-outcome totals cost a request each per campaign, so reading them on a cadence makes the
Campaigns pane's cost grow with the number of campaigns. Instead each count is

    baseline (one API total, read once, at an instant on the API's clock)
    + every ending observed since that instant (`ended_at` after it), each attempt once

and the endings come for free from what the engine reads anyway: the endings page, the
`call_id` lookups, the campaign listings. A slow round-robin reads the API's totals again
(`reconcile`); the difference from our own figure at that instant is a correction, kept and
shown, so drift is visible rather than hidden.

Until a status's baseline is read, its count is unknown (history filling), but the endings
since the monitor started are exact and kept apart (`since_start`).

Pure: no IO, no clock; every instant is passed in (the API's clock, from its `Date`).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.api.vocab import CallStatus

COUNTED = (
    CallStatus.COMPLETED,
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.VOICEMAIL,
)
"""The outcome columns counted from endings (`in_progress` comes from the active sweep)."""
COUNTED_VALUES = tuple(s.value for s in COUNTED)
FOLD_AFTER = timedelta(minutes=75)
"""Endings older than this are folded into plain counters (memory stays flat over a day). An
ending first seen after that is older than anything a listing read now brings back (the store
keeps ended calls an hour), so it is ignored: the next reconciliation catches it."""
CORRECTIONS_KEPT = 5
SETTLE_AFTER = timedelta(seconds=150)
"""A reconciliation is judged this long after its read: endings from just before the read
reach us up to a minute or two later (the endings page, lookups), and were in the API's total,
so judging at once would report corrections that are only our own lag."""
ATTRIBUTION_KEPT = 200_000
"""Call -> campaign links remembered from campaign listings at most (oldest forgotten first):
`huge` lists about 110,000 calls an hour."""
LINKS_KEPT_FOR = 2 * FOLD_AFTER
"""A link is kept at least this long after a listing last showed its call or series (at most
twice as long): an ending is counted up to FOLD_AFTER after it ended, and a call or a retry
ends up to about FOLD_AFTER after a listing showed it (a queued call's wait, a retry policy's
waits). Without it the links only met ATTRIBUTION_KEPT: about 100,000 of them by the end of a
day of `busy` (the soak), 11 MB, every one of a call long counted. A link lost early costs
little: the ending waits in `unattributed` until its campaign's listing shows it."""
UNATTRIBUTED_KEPT = 5_000
ENDINGS_KEPT = 20_000
"""Ending identities kept at most across campaigns: past it the oldest are folded before
FOLD_AFTER, down to nine tenths of it (one sort every few thousand endings, not one per fold).
`huge` brings about 1,100 endings a minute to the tally: 75 minutes of them were about 80,000
identities, ~20 MB still growing at the end of the RSS hour (issue 21); 20,000 hold its last
~18 minutes, more than the store keeps of its ended calls (`MAX_CALLS`). An ending first seen
after its identity's fold waits for the next reconciliation, as past FOLD_AFTER."""

Key = str
"""A call's id: every attempt of a retry series is a call of its own (API sheet section 7),
so an attempt is counted at most once whichever read saw it. Not (id, attempt): some payloads
leave the attempt number out, and one ending would count twice."""


@dataclass(frozen=True, slots=True)
class Correction:
    """A reconciliation found our count off the API's by `by` (API minus ours)."""

    at: datetime
    status: str
    by: int


@dataclass
class _Check:
    """A reconciliation waiting to be judged: what we had counted by `at`, as it arrives."""

    status: str
    at: datetime
    since: datetime
    ours: int
    total: int


@dataclass
class CampaignTally:
    started_at: datetime
    """Endings from this instant on are "since start" (the monitor's first answer)."""
    baseline: dict[str, int] = field(default_factory=dict)
    baseline_at: dict[str, datetime] = field(default_factory=dict)
    endings: dict[Key, tuple[str, datetime]] = field(default_factory=dict)
    """Endings observed and not yet folded: status and when it ended (API clock)."""
    after: Counter[str] = field(default_factory=Counter)
    """Per status: endings in `endings` after that status's baseline instant."""
    folded_after: Counter[str] = field(default_factory=Counter)
    since: Counter[str] = field(default_factory=Counter)
    """Per status: endings since `started_at`, folded ones included."""
    floor: datetime | None = None
    """Endings before this were folded; one first seen now is ignored (see FOLD_AFTER)."""
    corrections: deque[Correction] = field(default_factory=lambda: deque(maxlen=CORRECTIONS_KEPT))
    reconciled_at: datetime | None = None
    reads: int = 0
    """Baseline reads so far (the first fills the history, later ones reconcile)."""
    checks: list[_Check] = field(default_factory=list)

    # -- what is shown --------------------------------------------------------------------

    def count(self, status: str) -> int | None:
        """API total at the baseline plus endings since; None while the history is filling."""
        if status not in self.baseline:
            return None
        return self.baseline[status] + self.after[status] + self.folded_after[status]

    def since_start(self, status: str) -> int:
        return self.since[status]

    @property
    def filling(self) -> bool:
        return any(s not in self.baseline for s in COUNTED_VALUES)

    def missing(self) -> list[str]:
        return [s for s in COUNTED_VALUES if s not in self.baseline]

    # -- what comes in ---------------------------------------------------------------------

    def _counts_after(self, status: str, ended_at: datetime) -> bool:
        at = self.baseline_at.get(status)
        return at is not None and ended_at > at

    def observe(self, key: Key, status: str, ended_at: datetime) -> bool:
        """An ending; True when it changed a count."""
        if self.floor is not None and ended_at < self.floor:
            return False
        old = self.endings.get(key)
        if old == (status, ended_at):
            return False
        if old is not None:
            if self._counts_after(*old):
                self.after[old[0]] -= 1
            if old[1] >= self.started_at:
                self.since[old[0]] -= 1
            self._check(old[0], old[1], -1)
        self._check(status, ended_at, 1)
        self.endings[key] = (status, ended_at)
        if self._counts_after(status, ended_at):
            self.after[status] += 1
        if ended_at >= self.started_at:
            self.since[status] += 1
        return True

    def _check(self, status: str, ended_at: datetime, delta: int) -> None:
        for check in self.checks:
            if check.status == status and check.since < ended_at <= check.at:
                check.ours += delta

    def set_baseline(self, status: str, total: int, at: datetime) -> None:
        """The API's total for `status` as of `at`: the first fills the history, a later one
        reconciles (judged in `settle`, once the endings before `at` have reached us)."""
        self.reads += 1
        if status in self.baseline:
            since = self.baseline_at[status]
            ours = self.baseline[status] + self.folded_after[status]
            ours += sum(1 for s, end in self.endings.values() if s == status and since < end <= at)
            self.checks.append(_Check(status, at, since, ours, total))
        self.baseline[status] = total
        self.baseline_at[status] = at
        self.folded_after[status] = 0
        self.after[status] = sum(1 for s, end in self.endings.values() if s == status and end > at)

    def settle(self, now: datetime) -> list[Correction]:
        """Judge the reconciliations old enough: a count that was off is a correction."""
        found = []
        for check in [c for c in self.checks if now - c.at >= SETTLE_AFTER]:
            self.checks.remove(check)
            if check.ours != check.total:
                correction = Correction(
                    at=check.at, status=check.status, by=check.total - check.ours
                )
                self.corrections.append(correction)
                found.append(correction)
        return found

    def fold(self, now: datetime) -> None:
        """Forget the identity of endings older than FOLD_AFTER, keeping what they counted."""
        self.fold_before(now - FOLD_AFTER)

    def fold_before(self, cutoff: datetime) -> None:
        """Forget the identity of endings before `cutoff`, keeping what they counted; one
        first seen later from before it is ignored."""
        old = [k for k, (_, end) in self.endings.items() if end < cutoff]
        for key in old:
            status, end = self.endings.pop(key)
            if self._counts_after(status, end):
                self.after[status] -= 1
                self.folded_after[status] += 1
        if old:
            self.floor = cutoff if self.floor is None else max(self.floor, cutoff)


@dataclass
class Attribution:
    """How much of the endings stream could be attributed to a campaign."""

    endings: int = 0
    attributed: int = 0

    @property
    def share(self) -> float | None:
        return None if self.endings == 0 else self.attributed / self.endings


class Tally:
    """Every campaign's counts, and what could not be attributed to one (yet)."""

    def __init__(self) -> None:
        self.campaigns: dict[str, CampaignTally] = {}
        self.started_at: datetime | None = None
        self.campaign_of: dict[str, str] = {}
        """Call id (and retry series id) -> campaign, from the campaign's own listing: the
        links remembered since `links_since`; the generation before is `older_links`."""
        self.older_links: dict[str, str] = {}
        self.links_since: datetime | None = None
        """When (API clock) `campaign_of` was started: every LINKS_KEPT_FOR it becomes
        `older_links` and the links nobody listed again since go (`fold`)."""
        self.unattributed: dict[Key, tuple[str, datetime]] = {}
        self.attribution = Attribution()
        self._seen: set[Key] = set()
        """Endings counted in `attribution` (folded with the campaigns' endings)."""

    def start(self, at: datetime) -> None:
        if self.started_at is None:
            self.started_at = at

    def campaign(self, campaign_id: str) -> CampaignTally:
        tally = self.campaigns.get(campaign_id)
        if tally is None:
            tally = CampaignTally(started_at=self.started_at or datetime.max.replace(tzinfo=UTC))
            self.campaigns[campaign_id] = tally
        return tally

    def drop(self, campaign_id: str) -> None:
        self.campaigns.pop(campaign_id, None)

    def remember(self, call: Call, campaign_id: str) -> None:
        """A campaign's own listing says this call is its: endings seen without a campaign
        (some `/calls` payloads leave it out) still count."""
        for ident in (call.id, call.retry_group_id):
            if ident and self.campaign_of.get(ident) != campaign_id:
                self.older_links.pop(ident, None)
                self.campaign_of[ident] = campaign_id
                while len(self.campaign_of) > ATTRIBUTION_KEPT:
                    del self.campaign_of[next(iter(self.campaign_of))]
        key = _key(call)
        pending = self.unattributed.pop(key, None)
        if pending is not None:
            self.attribution.attributed += 1
            self.campaign(campaign_id).observe(key, *pending)

    def observe(self, call: Call, seen_at: datetime, *, seen_live: bool = False) -> bool:
        """A call as read by any poller; True when a count changed. A payload without
        `ended_at` (the batch call logs' rows have none) is timed by `ended_by`."""
        if call.status not in COUNTED:
            return False
        ended_at = ended_by(call, seen_at, seen_live=seen_live)
        key = _key(call)
        campaign_id = call.campaign_id or self.linked(call.id) or self.linked(call.retry_group_id)
        first = key not in self._seen
        if first:
            self._seen.add(key)
            self.attribution.endings += 1
        if campaign_id is None:
            if first:
                self.unattributed[key] = (call.status.value, ended_at)
                while len(self.unattributed) > UNATTRIBUTED_KEPT:
                    del self.unattributed[next(iter(self.unattributed))]
            return False
        if first or self.unattributed.pop(key, None) is not None:
            self.attribution.attributed += 1
        tally = self.campaign(campaign_id)
        known = tally.endings.get(key)
        if call.ended_at is None and known is not None and known[0] == call.status.value:
            return False  # no end time of its own: the first sighting stands for it
        return tally.observe(key, call.status.value, ended_at)

    def linked(self, ident: str | None) -> str | None:
        """The campaign a listing showed this call (or series) in, while its link is kept."""
        if not ident:
            return None
        return self.campaign_of.get(ident) or self.older_links.get(ident)

    def settle(self, now: datetime) -> list[tuple[str, Correction]]:
        return [(cid, c) for cid, t in self.campaigns.items() for c in t.settle(now)]

    def fold(self, now: datetime) -> None:
        for tally in self.campaigns.values():
            tally.fold(now)
        self._bound_endings()
        if self.links_since is None:
            self.links_since = now
        elif now - self.links_since >= LINKS_KEPT_FOR:
            self.older_links, self.campaign_of = self.campaign_of, {}
            self.links_since = now
        # Identities for the attribution share: only those a campaign still holds can recur.
        live: set[Key] = set(self.unattributed)
        for tally in self.campaigns.values():
            live.update(tally.endings)
        self._seen &= live

    def _bound_endings(self) -> None:
        """Past ENDINGS_KEPT identities, fold the oldest across campaigns down to 9/10 of it."""
        kept = sum(len(t.endings) for t in self.campaigns.values())
        if kept <= ENDINGS_KEPT:
            return
        ends = sorted(end for t in self.campaigns.values() for _, end in t.endings.values())
        cutoff = ends[kept - ENDINGS_KEPT * 9 // 10]
        for tally in self.campaigns.values():
            tally.fold_before(cutoff)


def _key(call: Call) -> Key:
    return call.id


UNTIMED = datetime.min.replace(tzinfo=UTC) + timedelta(microseconds=1)
"""The end of a call with no time at all, first seen ended: after the history read whole
(`counts.ORIGIN`), before any other baseline and the monitor's start."""


def ended_by(call: Call, seen_at: datetime, *, seen_live: bool) -> datetime:
    """When a call ended, for the counts: its `ended_at`; without one, `seen_at` (API clock)
    when an earlier read saw it live (it ended between the two reads), else the earliest it
    can have ended, `created_at` plus its duration. A row first read already ended is mostly
    history (a campaign's listing, read after its totals): timed at `seen_at` it counted again
    on top of the total that held it (completed 200 over 120 calls placed). Placed early,
    a row is counted only by a history read whole or once the monitor knows it ended after a
    baseline; an ending thus missed is what reconciliation corrects."""
    if call.ended_at is not None:
        return call.ended_at
    if seen_live:
        return seen_at
    if call.created_at is None:
        return UNTIMED
    try:
        earliest = call.created_at + timedelta(seconds=max(call.duration_s or 0, 0))
    except OverflowError:  # a duration no call lasts: the time it was placed will do
        earliest = call.created_at
    return min(seen_at, earliest)
