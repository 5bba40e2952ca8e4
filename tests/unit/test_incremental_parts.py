"""The snapshot's data part made incrementally (a feed's `DataParts`, the pending retries
following the calls that changed) says exactly what a scan from scratch says, after every
change of a random store history; parts that did not change are the very same objects."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.api.models import Call, Campaign
from monitor.api.vocab import FINAL_STATUSES
from monitor.state import store as store_module
from monitor.state.activerows import campaign_p95, is_long_call
from monitor.state.calldetail import retry_config_for
from monitor.state.dataparts import DataParts, outcomes_of, recent_outcomes
from monitor.state.derive import pending_retry_eta, retry_wave
from monitor.state.pending import _pending, pending_etas, pending_wave
from monitor.state.snapshot import build_data
from monitor.state.store import ApiHealth, CampaignState, Store

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
STATUSES = ("queued", "initiated", "in_progress", "completed", "no_answer", "busy", "failed")


def pending_from_scratch(store: Store) -> list[tuple[str, datetime]]:
    """The scan the incremental index replaced, as it was (the reference)."""
    latest: dict[str, Call] = {}
    sizes: dict[str, int] = {}
    floor = datetime.min.replace(tzinfo=UTC)
    for tracked in store.calls.values():
        c = tracked.call
        key = c.retry_group_id or c.id
        sizes[key] = sizes.get(key, 0) + 1
        current = latest.get(key)
        if current is None or (c.created_at or floor, c.attempt or 0) > (
            current.created_at or floor,
            current.attempt or 0,
        ):
            latest[key] = c
    pending = []
    for key, call in latest.items():
        if call.status not in FINAL_STATUSES:
            continue
        if call.attempt is None:
            known = sizes[key] + store.series_let_go.get(key, 0)
            call = call.model_copy(update={"attempt": known})
        eta = pending_retry_eta(call, retry_config_for(store, call))
        if eta is not None:
            pending.append((call.id, eta))
    return pending


class History:
    """A random store history on an injected clock: calls placed in retry series, re-read,
    ended, pruned; campaigns whose retry policy changes; time moving on."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.store = Store()
        self.mono = 1000.0
        self.now = START
        self.ids: list[str] = []

    def advance(self) -> None:
        step = self.rng.choice((0.0, 0.5, 1.0, 7.0, 45.0))
        self.mono += step
        self.now += timedelta(seconds=step)

    def campaign(self) -> None:
        cid = self.rng.choice(("cmp_a", "cmp_b"))
        if self.rng.random() < 0.1:
            self.store.drop_campaign(cid)
            return
        record = {
            "id": cid,
            "name": self.rng.choice(("North", "South")),
            "retry_config": {
                "max_retries": self.rng.choice((1, 2, 3)),
                "wait_minutes": self.rng.choice((1, 5)),
            },
        }
        self.store.upsert_campaign(Campaign.model_validate(record))
        self.store.put_campaign(CampaignState(self.store.campaigns[cid].campaign))

    def call(self) -> None:
        rng = self.rng
        if self.ids and rng.random() < 0.6:
            cid = rng.choice(self.ids)
        else:
            cid = f"call_{len(self.ids):04d}"
            self.ids.append(cid)
        status = rng.choice(STATUSES)
        created = self.now - timedelta(seconds=rng.choice((0, 30, 90, 300)))
        fields: dict[str, object] = {
            "id": cid,
            "status": status,
            "campaign_id": rng.choice(("cmp_a", "cmp_b", None)),
            "created_at": rng.choice((created.isoformat(), START.isoformat())),
            "duration": rng.choice((None, 20, 200)),
        }
        if rng.random() < 0.7:
            fields["retry_group_id"] = f"grp_{rng.randrange(6)}"
        if rng.random() < 0.6:
            fields["attempt"] = rng.randrange(1, 4)
        if status in ("completed", "no_answer", "busy", "failed"):
            fields["ended_at"] = self.now.isoformat()
        self.store.upsert_call(
            Call.model_validate(fields), self.mono, live_listing=rng.random() < 0.3
        )

    def step(self) -> None:
        roll = self.rng.random()
        with self.store.batch():
            if roll < 0.6:
                self.call()
            elif roll < 0.7 and self.ids:
                self.store.mark_ended(self.rng.choice(self.ids), self.mono)
            elif roll < 0.78:
                self.campaign()
            elif roll < 0.85:
                self.store.prune(self.mono, keep={cid for cid, _ in _pending(self.store)})
            elif roll < 0.9:
                resource = self.rng.choice(("active", "queued", "endings"))
                self.store.mark_fresh(resource, self.mono, interval_s=5.0)
            elif roll < 0.94:
                self.store.record_concurrency(self.now, self.rng.randrange(5))
            elif roll < 0.97:
                self.store.sweeping = self.rng.random() < 0.5
                self.store.swept = self.rng.choice((None, 1, 3))
                self.store.endings_missed_at = self.rng.choice((None, self.mono))
                self.store.touch()
            else:
                self.store.set_health(ApiHealth(state=self.rng.choice(("ok", "unreachable"))))
            self.advance()


@pytest.mark.parametrize("seed", range(12))
def test_each_incremental_part_equals_a_scan_from_scratch_after_every_change(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small cap, so pruning (and the series' pruned counts) happens within a short history.
    monkeypatch.setattr(store_module, "MAX_CALLS", 25)
    monkeypatch.setattr(store_module, "ENDED_CALL_RETENTION_S", 400.0)
    history = History(seed)
    parts = DataParts()
    store = history.store
    for _ in range(300):
        history.step()
        now, mono = history.now, history.mono
        assert sorted(_pending(store)) == sorted(pending_from_scratch(store))
        assert outcomes_of(store, mono) == recent_outcomes(store, mono)
        flying = len(store.in_flight())
        assert pending_wave(store, now, in_flight=flying, cap=4) == retry_wave(
            pending_etas(store, now), now, in_flight=flying, cap=4
        )
        made = build_data(store, now=now, mono=mono, cap=4, parts=parts)
        scratch = build_data(store, now=now, mono=mono, cap=4)
        assert made.model_dump() == scratch.model_dump()
        p95 = campaign_p95(store)
        for row in made.active:
            tracked = store.calls[row.id]
            ringing_s = mono - tracked.state_since
            assert row.long_call == is_long_call(tracked.call, now, p95, ringing_s=ringing_s)


def test_the_pending_index_starts_over_when_a_campaign_changes_its_retry_policy() -> None:
    history = History(99)
    store = history.store
    policy = {"max_retries": 2, "wait_minutes": 5}
    store.upsert_campaign(Campaign.model_validate({"id": "cmp_a", "retry_config": policy}))
    ended = {"id": "call_x", "status": "no_answer", "campaign_id": "cmp_a", "attempt": 1}
    ended |= {"created_at": START.isoformat(), "ended_at": START.isoformat()}
    store.upsert_call(Call.model_validate(ended), 1000.0)
    assert [cid for cid, _ in _pending(store)] == ["call_x"]
    # No retries any more: no call changed, and still the retry is no longer due.
    policy = {"max_retries": 0, "wait_minutes": 5}
    store.upsert_campaign(Campaign.model_validate({"id": "cmp_a", "retry_config": policy}))
    assert _pending(store) == [] == pending_from_scratch(store)


def test_a_freshness_alone_leaves_the_calls_parts_the_same_objects() -> None:
    history = History(7)
    store = history.store
    for _ in range(80):
        history.step()
    for resource in ("active", "queued", "endings"):
        store.mark_fresh(resource, history.mono, interval_s=5.0)
    parts = DataParts()
    now, mono = history.now, history.mono
    first = build_data(store, now=now, mono=mono, cap=4, parts=parts)
    # A poll's freshness a second later: the store moved, no call did.
    store.mark_fresh("endings", mono + 1.0, interval_s=5.0)
    second = build_data(store, now=now + timedelta(seconds=1), mono=mono + 1.0, cap=4, parts=parts)
    assert second.version > first.version
    assert second.active is first.active
    assert second.concurrency is first.concurrency
    assert second.outcomes is first.outcomes
    assert second.call_ids is first.call_ids
    assert (
        second.model_dump()
        == build_data(store, now=now + timedelta(seconds=1), mono=mono + 1.0, cap=4).model_dump()
    )


def test_a_long_call_mark_that_comes_with_time_alone_is_shown() -> None:
    # The listing is kept while no call changes, but not past the instant a mark appears.
    store = Store()
    call = {"id": "c1", "status": "initiated", "created_at": START.isoformat()}
    store.upsert_call(Call.model_validate(call), 100.0)
    parts = DataParts()
    before = build_data(store, now=START, mono=110.0, cap=None, parts=parts)
    same = build_data(store, now=START, mono=150.0, cap=None, parts=parts)
    after = build_data(store, now=START, mono=161.0, cap=None, parts=parts)
    assert same.active is before.active
    assert [r.long_call for r in (*before.active, *after.active)] == [False, True]


def test_outcomes_leave_the_window_as_time_passes_without_a_change() -> None:
    store = Store()
    ended = {"id": "c1", "status": "completed", "created_at": START.isoformat()}
    store.upsert_call(Call.model_validate(ended), 100.0)
    assert outcomes_of(store, 150.0) == {"c1": "completed"}
    kept = outcomes_of(store, 200.0)
    assert kept is outcomes_of(store, 210.0)  # nothing came or went: the same dict
    assert outcomes_of(store, 221.0) == {} == recent_outcomes(store, 221.0)


def test_a_watcher_that_stopped_asking_holds_no_more_than_the_calls_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "MAX_CALLS", 5)
    history = History(3)
    store = history.store
    assert store.changed_calls("w") is None  # first asking: start from a scan
    history.call()
    assert store.changed_calls("w") == {history.ids[-1]: None}
    for n in range(8):
        store.upsert_call(Call.model_validate({"id": f"extra_{n}", "status": "queued"}), 1.0)
    assert store.changed_calls("w") is None  # too many to follow: start over
    assert _pending(store) == pending_from_scratch(store)
    assert outcomes_of(store, 1.0) == recent_outcomes(store, 1.0)
