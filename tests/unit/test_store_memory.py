"""What the store and its retry index keep per call stays small as calls come and go (issue 21:
the RSS of `huge` at the 15,000-call bound). Counted, not timed: weak references held for reads
long gone, the bytes the pending-retry index allocates per call, the pruned-series memory's
bound."""

from __future__ import annotations

import gc
import tracemalloc
import types
import weakref
from typing import Any

import pytest
from pydantic import BaseModel

from monitor.api.models import Call
from monitor.state import store as store_mod
from monitor.state.pending import PendingIndex
from monitor.state.store import Store


def read(**raw: Any) -> Call:
    return Call.model_validate(raw)


SHARED = (type, BaseModel, types.FunctionType, types.MethodType, types.ModuleType)


def weakrefs_held(root: object) -> int:
    """Weak references reachable from `root` (not inside the records, functions or modules)."""
    seen: set[int] = set()
    stack = [root]
    count = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, SHARED):
            continue
        seen.add(id(obj))
        if isinstance(obj, weakref.ref):
            count += 1
            continue
        stack.extend(gc.get_referents(obj))
    return count


def test_no_reference_per_call_is_kept_for_reads_that_are_gone() -> None:
    store = Store()
    for i in range(500):
        store.upsert_call(read(id=f"c{i}", status="in_progress", batch_id="b1"), float(i))
        # A later read without the campaign: merged into a copy, the read itself not kept.
        store.upsert_call(read(id=f"c{i}", status="completed", duration=5), i + 0.5)
    gc.collect()
    assert all(t.call.campaign_id == "b1" for t in store.calls.values())
    assert weakrefs_held(store) == weakrefs_held(Store())


def test_a_read_still_alive_is_still_known_merged() -> None:
    store = Store()
    store.upsert_call(read(id="c1", status="in_progress", batch_id="b1"), 1.0)
    again = read(id="c1", status="in_progress", duration=7)
    assert store.upsert_call(again, 2.0)
    assert weakrefs_held(store) == weakrefs_held(Store()) + 1
    record = store.calls["c1"].call
    assert not store.upsert_call(again, 3.0)  # the very read: nothing changed, uncompared
    assert store.calls["c1"].call is record
    store.calls.pop("c1")
    store.upsert_call(read(id="c1", status="queued"), 4.0)  # a new record: the old read forgotten
    assert not store._merged_from


def test_the_pending_index_costs_little_per_call() -> None:
    store = Store()
    retry = {"max_retries": 2, "wait_minutes": 10}
    at = {"created_at": "2026-12-03T10:00:00Z", "ended_at": "2026-12-03T10:01:00Z"}
    later = {"created_at": "2026-12-03T10:11:00Z", "ended_at": "2026-12-03T10:12:00Z"}
    for i in range(3000):
        first = f"s{i}"
        store.upsert_call(read(id=first, status="no_answer", attempt=1, retry=retry, **at), 0.0)
        store.upsert_call(
            read(
                id=f"r{i}",
                status="no_answer",
                attempt=2,
                retry=retry,
                retry_group_id=first,
                **later,
            ),
            1.0,
        )
    gc.collect()
    tracemalloc.start()
    try:
        index = PendingIndex(store)
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(index.members) == 3000
    assert len(index.due) == 3000
    # Each series' pending retry (a tuple and its datetime, ~110 bytes) and the maps; a set
    # per series cost 216 bytes more (~250 a call in all).
    assert held / len(store.calls) < 150


def test_the_series_let_go_keep_the_newest_within_their_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_mod, "MAX_CALLS", 1)
    monkeypatch.setattr(store_mod, "MAX_SERIES_LET_GO", 100)
    store = Store()
    for i in range(480):
        store.upsert_call(read(id=f"c{i}", status="completed"), float(i))
        if i == 390:  # a series counted again is among the newest again
            store.upsert_call(read(id="c300", status="busy"), float(i))
        store.prune(float(i))
    assert 100 <= len(store.series_let_go) <= 100 + 100 // 8
    assert "c478" in store.series_let_go
    assert "c301" not in store.series_let_go
    assert store.series_let_go["c300"] == 2
