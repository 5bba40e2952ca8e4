"""View-model rules that widgets rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.state.store import Store
from monitor.state.views import active_rows

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
