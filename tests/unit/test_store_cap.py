"""The store's bound on calls (issue 21): past `MAX_CALLS` the oldest ended calls go first,
before their hour is up; calls in flight are never pruned for room."""

from __future__ import annotations

import pytest

from monitor.api.models import Call
from monitor.state import store as store_mod
from monitor.state.store import Store


def _call(cid: str, status: str) -> Call:
    return Call.model_validate({"id": cid, "status": status})


def test_the_oldest_ended_calls_go_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "MAX_CALLS", 5)
    s = Store()
    for i in range(3):
        s.upsert_call(_call(f"live_{i}", "in_progress"), now=0.0)
    for i in range(6):
        s.upsert_call(_call(f"ended_{i}", "completed"), now=float(i))
    assert s.prune(now=10.0) == 4  # well inside the hour: only the cap prunes
    assert sorted(s.calls) == ["ended_4", "ended_5", "live_0", "live_1", "live_2"]


def test_the_cap_is_large_enough_for_a_campaign_of_ten_thousand_calls() -> None:
    assert store_mod.MAX_CALLS >= 10_000 + 1_000  # the campaign screen's bench + huge's slots


def test_the_retry_etas_are_derived_again_only_when_a_call_changed() -> None:
    from datetime import UTC, datetime

    from monitor.state.pending import pending_etas

    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    s = Store()
    retry = {"max_retries": 2, "wait_minutes": 10, "retry_on_no_answer": True}
    ended = {"status": "no_answer", "attempt": 1, "retry": retry, "ended_at": now.isoformat()}
    s.upsert_call(Call.model_validate({"id": "a", **ended}), now=0.0)
    first = pending_etas(s, now)
    assert len(first) == 1
    s.mark_fresh("active", 1.0, interval_s=5.0)  # a poll's freshness: no call changed
    assert s.memo["pending_etas"][0] == s.calls_version
    assert pending_etas(s, now) == first
    s.upsert_call(Call.model_validate({"id": "b", **ended}), now=2.0)
    assert len(pending_etas(s, now)) == 2  # a new ended call: its retry counts at once


def _wave_store() -> Store:
    """Three old endings whose retry is to come, then four newer ones with none to come."""
    retry = {"max_retries": 2, "wait_minutes": 30, "retry_on_no_answer": True}
    ended = {"retry": retry, "ended_at": "2026-12-03T12:00:00Z"}
    s = Store()
    for i in range(3):
        attempt = {"id": f"retry_{i}", "status": "no_answer", "attempt": 1, **ended}
        s.upsert_call(Call.model_validate(attempt), now=float(i))
    for i in range(3):
        s.upsert_call(
            Call.model_validate({"id": f"done_{i}", "status": "completed", **ended}), 10.0 + i
        )
    # The last attempt the policy allows: no retry to come either.
    last = {"id": "last", "status": "no_answer", "attempt": 3, **ended}
    s.upsert_call(Call.model_validate(last), now=20.0)
    return s


def test_past_the_cap_calls_with_a_retry_to_come_go_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry wave is projected from ended calls whose retry is still to come: on `huge` the
    cap holds minutes of endings where a retry comes up to an hour later, so pruning them first
    (oldest first) cut the 2-hour wave from 7,571 retries to 4,768."""
    from datetime import UTC, datetime

    from monitor.state.pending import pending_etas, pending_retry_ids

    monkeypatch.setattr(store_mod, "MAX_CALLS", 4)
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    s = _wave_store()
    keep = pending_retry_ids(s)
    assert keep == {"retry_0", "retry_1", "retry_2"}
    assert s.prune(now=30.0, keep=keep) == 3
    assert sorted(s.calls) == ["last", "retry_0", "retry_1", "retry_2"]
    assert len(pending_etas(s, now)) == 3  # the wave still holds all three
    # Without them kept, the oldest go first: the wave's own calls.
    s = _wave_store()
    assert s.prune(now=30.0) == 3
    assert pending_etas(s, now) == []


def test_a_series_numbered_by_its_attempts_counts_the_ones_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A payload without `attempt` is numbered by the attempts known: once the store let the
    first two go, the third (the policy's last) must not be projected one more retry."""
    from datetime import UTC, datetime

    from monitor.state.pending import pending_etas

    monkeypatch.setattr(store_mod, "MAX_CALLS", 1)
    now = datetime(2026, 12, 3, 11, 10, tzinfo=UTC)  # retries would fall due at 11:3x
    retry = {"max_retries": 2, "wait_minutes": 30, "retry_on_no_answer": True}
    s = Store()
    for i, cid in enumerate(("a1", "a2", "a3")):  # attempts 1-3, none numbered
        attempt = {"id": cid, "status": "no_answer", "retry_group_id": "a1", "retry": retry}
        s.upsert_call(Call.model_validate({**attempt, "ended_at": f"2026-12-03T11:0{i}:00Z"}), i)
    assert pending_etas(s, now) == []  # three known: the last allowed
    two = Store()  # (the same series with its third attempt unknown: one more retry)
    for cid in ("a1", "a2"):
        two.upsert_call(s.calls[cid].call, 0.0)
    assert len(pending_etas(two, now)) == 1
    assert s.prune(now=10.0) == 2
    assert sorted(s.calls) == ["a3"]
    assert s.series_let_go["a1"] == 2
    assert pending_etas(s, now) == []  # still the last: two were let go, not forgotten
