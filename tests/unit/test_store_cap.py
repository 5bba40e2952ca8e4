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

    from monitor.state.views import pending_etas

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
