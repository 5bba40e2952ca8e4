"""The very record merged last time, merged again, is known to change nothing without comparing
(the row cache hands back the same object for a row read unchanged): the store must end where
merging equal copies, compared field by field, ends (issue 21, CPU)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.api.models import Call
from monitor.state.store import Store


def read(**raw: Any) -> Call:
    return Call.model_validate(raw)


READS = (
    read(id="c1", status="in-progress", batch_id="b1", duration=3),
    read(id="c1", status="in-progress", duration=4),
    read(id="c1", status="completed", duration=61, to_number="+1555"),
    read(id="c1", status="no-answer"),
    read(id="c1", to_number=True),  # unread: the read's own flag
    read(id="c2", status="queued", batch_id="b2"),
    read(id="c2", status="busy", ended_at="2026-12-03T10:00:00Z"),
)


def shown(store: Store) -> dict[str, tuple[Any, ...]]:
    return {
        cid: (t.call, t.call.model_fields_set, t.ended_seen, t.state_since, t.changed_at)
        for cid, t in store.calls.items()
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(READS) - 1), st.booleans()), max_size=25))
def test_the_same_read_again_ends_where_comparing_ends(steps: list[tuple[int, bool]]) -> None:
    same, compared = Store(), Store()
    for now, (index, live) in enumerate(steps):
        call = READS[index]
        said = same.upsert_call(call, float(now), live_listing=live)
        compared._merged_from.clear()  # nothing known merged: always compared and merged
        also = compared.upsert_call(call, float(now), live_listing=live)
        assert said == also
        assert shown(same) == shown(compared)


def test_a_read_merged_again_after_another_read_is_merged_again() -> None:
    store = Store()
    first = READS[0]
    store.upsert_call(first, 1.0)
    store.upsert_call(READS[1], 2.0)  # 4 s, from another read
    assert store.upsert_call(first, 3.0, live_listing=True)  # the live list says 3 s again
    assert store.calls["c1"].call.duration_s == 3
    assert not store.upsert_call(first, 4.0, live_listing=True)


def test_a_read_a_stage_behind_the_known_one_is_not_taken() -> None:
    # The live list read before the call ended lands after a read that said it ended.
    store = Store()
    store.upsert_call(READS[0], 1.0)
    store.upsert_call(READS[2], 2.0)
    assert not store.upsert_call(READS[0], 3.0, live_listing=True)
    assert store.calls["c1"].call.status.value == "completed"
    assert store.calls["c1"].ended_seen == 2.0
