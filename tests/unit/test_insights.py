"""The insight tracker fed from a store with a fake clock: state-entry times, bounded samples,
the leak watch, cap-blocked minutes and retry findings, exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call, Campaign, RetryHistory
from monitor.state.idle import IDLE_REASONS
from monitor.state.insights import CAP_RUN, SAMPLES, InsightTracker
from monitor.state.store import CampaignState, Store
from monitor.state.stuck import CEILING_S, LEAK_HOLD_S

T0 = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


def campaign(store: Store, cid: str = "b1", cap: int = 2, status: str = "running") -> None:
    store.put_campaign(CampaignState(Campaign.model_validate({
        "id": cid, "status": status, "max_concurrent_calls": cap,
        "retry_config": {"max_retries": 2, "wait_minutes": 5},
    })))  # fmt: skip


def call(store: Store, cid: str, status: str, mono: float, **extra: object) -> None:
    body = {"id": cid, "status": status, "batch_id": "b1", "created_at": T0.isoformat(), **extra}
    store.upsert_call(Call.model_validate(body), mono, live_listing=True)


def tick(t: InsightTracker, store: Store, s: float, cap: int | None = 10) -> list[str]:
    store.mark_fresh("active", s, interval_s=5)
    store.mark_fresh("queued", s, interval_s=5)
    return [i.kind for i in t.observe(store, T0 + timedelta(seconds=s), s, cap).items]


def test_a_call_dialling_past_the_ceiling_is_stuck_from_when_it_was_first_seen() -> None:
    store, t = Store(), InsightTracker()
    campaign(store)
    call(store, "c1", "dialing", 0.0)
    assert tick(t, store, 0.0) == []
    assert tick(t, store, CEILING_S["dialing"]) == []
    kinds = tick(t, store, CEILING_S["dialing"] + 5)
    assert kinds == ["stuck_call"]
    item = store.insights.items[0]
    assert (item.call_id, item.campaign_id, item.since) == ("c1", "b1", T0)


def test_samples_are_taken_when_a_call_leaves_its_state_and_stay_bounded() -> None:
    store, t = Store(), InsightTracker()
    campaign(store)
    s = 0.0
    for n in range(SAMPLES + 50):
        call(store, f"c{n}", "dialing", s)
        tick(t, store, s)
        s += 5
        call(store, f"c{n}", "in_progress", s)
        tick(t, store, s)
        call(store, f"c{n}", "completed", s, duration_sec=40)
        s += 5
        tick(t, store, s)
    assert t.samples("b1", "dialing") == (5.0,) * SAMPLES
    assert t.samples("b1", "in_progress") == (40.0,) * SAMPLES  # the API's talk time


def test_queued_calls_beside_free_slots_for_the_hold_are_a_leaked_slot() -> None:
    store, t = Store(), InsightTracker()
    campaign(store, cap=5)
    call(store, "c1", "in_progress", 0.0)
    call(store, "q1", "queued", 0.0)
    assert tick(t, store, 0.0, cap=2) == []
    assert tick(t, store, LEAK_HOLD_S - 1, cap=2) == []
    assert tick(t, store, LEAK_HOLD_S, cap=2) == ["leaked_slot"]
    # A paused campaign's queue waits by design: no suspicion.
    store2, t2 = Store(), InsightTracker()
    campaign(store2, cap=5, status="paused")
    call(store2, "q1", "queued", 0.0)
    assert tick(t2, store2, 0.0, cap=2) == []
    assert "leaked_slot" not in tick(t2, store2, 2 * LEAK_HOLD_S, cap=2)


def test_minutes_at_the_cap_without_a_dial_become_cap_blocked_after_a_run() -> None:
    store, t = Store(), InsightTracker()
    campaign(store, cap=2)
    call(store, "c1", "in_progress", 0.0)
    call(store, "c2", "in_progress", 0.0)
    call(store, "q1", "queued", 0.0)
    kinds: list[str] = []
    for minute in range(CAP_RUN + 2):
        kinds = tick(t, store, 60.0 * minute + 1)
        if minute <= CAP_RUN:
            assert "cap_blocked" not in kinds, minute
    assert "cap_blocked" in kinds
    found = store.insights.campaigns["b1"]
    assert set(found.idle_minutes) == set(IDLE_REASONS)
    # Minute 0 saw the two dials; the next ones (closed so far) sat at the cap.
    assert found.idle_minutes["cap_blocked"] == CAP_RUN
    assert found.idle_bar == "." + "c" * CAP_RUN


def test_a_read_history_is_held_against_its_campaigns_policy() -> None:
    store, t = Store(), InsightTracker()
    campaign(store)
    call(store, "p1", "no_answer", 0.0, ended_at=T0.isoformat())
    store.put_history(RetryHistory.model_validate({"call_id": "p1", "attempts": [
        {"attempt": 1, "status": "no_answer", "called_at": T0.isoformat(),
         "ended_at": T0.isoformat()},
        {"attempt": 2, "status": "no_answer",
         "called_at": (T0 + timedelta(minutes=1)).isoformat()},
    ]}))  # fmt: skip
    assert tick(t, store, 0.0) == ["retry_early"]
    found = store.insights.campaigns["b1"]
    assert (found.conformance, found.checked, found.kinds) == (0.0, 1, {"retry_early": 1})


def test_nothing_checked_is_no_reading() -> None:
    store, t = Store(), InsightTracker()
    campaign(store)
    tick(t, store, 0.0)
    assert store.insights.campaigns["b1"].conformance is None


def test_a_missing_retry_is_judged_as_of_the_histories_read_never_later() -> None:
    store, t = Store(), InsightTracker()
    campaign(store)
    call(store, "p1", "no_answer", 0.0, ended_at=T0.isoformat())
    store.put_history(RetryHistory.model_validate({"call_id": "p1", "attempts": [
        {"attempt": 1, "status": "no_answer", "called_at": T0.isoformat(),
         "ended_at": T0.isoformat()},
    ]}))  # fmt: skip
    due_s = 5 * 60 + t.tolerance.late_s
    # Read before the retry was due: however late it is now, the read says nothing is missing
    # (the retry may have come since).
    t.note_read("p1", T0 + timedelta(seconds=due_s))
    assert tick(t, store, 3 * due_s) == []
    # Read again after it was overdue, still one attempt: missing.
    t.note_read("p1", T0 + timedelta(seconds=due_s + 1))
    assert tick(t, store, 3 * due_s + 5) == ["retry_missing"]
    # Paused within the hour kept: its retries wait by design.
    campaign(store, status="paused")
    assert tick(t, store, 3 * due_s + 65) == []


def test_a_day_of_campaign_turnover_keeps_samples_only_for_campaigns_still_there() -> None:
    """One campaign an hour for a simulated day, each dropped from the API's list an hour
    later: the duration samples of a gone campaign go with it, unless a call of it is still
    in flight (its samples judge that call); the listed ones keep theirs."""
    store, t = Store(), InsightTracker()
    s = 0.0
    for hour in range(24):
        camp = f"b{hour}"
        campaign(store, camp)
        if hour >= 2:
            store.drop_campaign(f"b{hour - 2}")
        for n in range(3):
            cid = f"c{hour}-{n}"
            call(store, cid, "dialing", s, batch_id=camp)
            tick(t, store, s)
            call(store, cid, "in_progress", s + 5, batch_id=camp)
            tick(t, store, s + 5)
            call(store, cid, "completed", s + 50, batch_id=camp, duration_sec=40)
            tick(t, store, s + 50)
            s += 60
        s = 3600.0 * (hour + 1)
        store.prune(s)
        assert len(t._samples) <= 2 * len(store.campaigns) + 2
    assert t.samples("b23", "dialing") == (5.0,) * 3
    assert t.samples("b22", "in_progress") == (40.0,) * 3
    assert t.samples("b0", "dialing") == ()
    # A dropped campaign's call still in flight keeps its campaign's samples until it ends.
    call(store, "late", "dialing", s, batch_id="b23")
    tick(t, store, s)
    store.drop_campaign("b23")
    store.drop_campaign("b22")
    tick(t, store, s + 1)
    assert t.samples("b23", "dialing") == (5.0,) * 3
    assert t.samples("b22", "dialing") == ()
    call(store, "late", "completed", s + 20, batch_id="b23", duration_sec=10)
    tick(t, store, s + 20)
    assert t.samples("b23", "dialing") == ()
