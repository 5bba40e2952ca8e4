"""View-model rules that widgets rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.state.activerows import RING_TOO_LONG_S, active_rows
from monitor.state.store import Store

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_ringing_is_measured_from_when_dialling_was_seen_not_from_queueing() -> None:
    store = Store()
    queued_long_ago = (NOW - timedelta(minutes=10)).isoformat()
    store.upsert_call(
        Call.model_validate({"id": "c1", "status": "initiated", "created_at": queued_long_ago}),
        now=100.0,
    )
    (row,) = active_rows(store, NOW, mono_now=110.0)
    assert not row.long_call
    (row,) = active_rows(store, NOW, mono_now=100.0 + 61)
    assert row.long_call


def _read(status: str, **fields: object) -> Call:
    return Call.model_validate(
        {"id": "c1", "status": status, "created_at": NOW.isoformat(), **fields}
    )


def test_a_ringing_call_whose_other_fields_change_keeps_its_ringing_age() -> None:
    store = Store()
    store.upsert_call(_read("initiated", duration=0), now=100.0)
    # Re-reads 40 s and 55 s in: the duration moves, the raw word goes from `initiated` to
    # `ringing` (both dialling). The record changed; how long it has rung did not restart.
    assert store.upsert_call(_read("initiated", duration=40), now=140.0)
    (row_before,) = active_rows(store, NOW, mono_now=150.0)
    assert store.upsert_call(_read("ringing", duration=55), now=155.0)
    (row,) = active_rows(store, NOW, mono_now=100.0 + RING_TOO_LONG_S - 1)
    assert not row.long_call
    assert row.state_since == row_before.state_since == 100.0
    (row,) = active_rows(store, NOW, mono_now=100.0 + RING_TOO_LONG_S + 1)
    assert row.long_call  # 61 s of ringing, though its last change was 6 s ago


def test_a_re_read_that_moves_only_the_duration_leaves_the_row_as_it_was() -> None:
    store = Store()
    store.upsert_call(_read("in_progress", duration=10), now=100.0)
    (before,) = active_rows(store, NOW, mono_now=101.0)
    assert store.upsert_call(_read("in_progress", duration=15), now=105.0)
    (after,) = active_rows(store, NOW, mono_now=106.0)
    assert after == before  # equal rows: the recorder reuses the row's text


def test_the_state_restarts_when_the_status_changes_or_the_call_ends() -> None:
    store = Store()
    store.upsert_call(_read("initiated"), now=100.0)
    store.upsert_call(_read("in_progress"), now=130.0)
    (row,) = active_rows(store, NOW, mono_now=200.0)
    assert (row.status, row.state_since, row.long_call) == ("in_progress", 130.0, False)
    store.mark_ended("c1", now=210.0)
    assert store.calls["c1"].state_since == 210.0
    store.upsert_call(_read("completed", duration=80), now=215.0)  # the final word, later
    assert store.calls["c1"].state_since == 215.0
