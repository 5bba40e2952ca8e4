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
