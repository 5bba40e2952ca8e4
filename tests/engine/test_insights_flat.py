"""The insight tracker follows the calls that changed instead of scanning every call kept
(issue 21: a scan of up to 12,000 calls a sweep); what it finds must be what a scan finds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from monitor.state.insight_view import Insights
from monitor.state.insights import InsightTracker
from monitor.state.store import Store
from tests.drive import drive
from tests.engine.test_engine_sim import start


class ScanEveryCall:
    """The store as a tracker sees it, except that it never says which calls changed: the
    tracker scans them all, every sweep, as it did before."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def changed_calls(self, watcher: str) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.parametrize("kept", [None, 300])
async def test_following_the_changed_calls_finds_what_a_scan_of_every_call_finds(
    kept: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kept`: the store's bound on calls, made small so that calls are pruned while followed
    and the changes between two sweeps outnumber the calls kept (the tracker is told to scan)."""
    if kept is not None:
        monkeypatch.setattr("monitor.state.store.MAX_CALLS", kept)
    run = await start("anomalies")
    try:
        tracker = run.engine.audit.tracker
        reference = InsightTracker()
        reference.watch = "insights-scan"
        reference.read_at = tracker.read_at  # the audit tells the tracker when it read a series
        pairs: list[tuple[Insights, Insights]] = []
        observe = tracker.observe

        def both(store: Store, now: datetime, mono: float, cap: int | None) -> Insights:
            got = observe(store, now, mono, cap)
            want = reference.observe(ScanEveryCall(store), now, mono, cap)  # type: ignore[arg-type]
            pairs.append((got, want))
            return got

        tracker.observe = both  # type: ignore[method-assign]
        store = run.engine.store
        asked = store.changed_calls
        scans: list[bool] = []

        def counted(watcher: str) -> dict[str, None] | None:
            changed = asked(watcher)
            if watcher == tracker.watch:
                scans.append(changed is None)
            return changed

        store.changed_calls = counted  # type: ignore[method-assign]
        await drive(run.clock, 8 * 60)
        assert len(pairs) > 50
        kinds = {i.kind for got, _ in pairs for i in got.items}
        assert {"vendor_rejected", "stuck_call"} <= kinds  # not a comparison of empty results
        assert any(c.idle_bar for got, _ in pairs for c in got.campaigns.values())
        for got, want in pairs:
            assert got == want
        assert tracker._log.dialled == reference._log.dialled
        if kept is None:
            assert len(store.calls) > 500
            assert scans.count(True) == 1  # the first sweep only
        else:
            assert store.series_let_go  # calls were pruned while followed
            assert scans.count(True) > 1  # and the changes overflowed the watch
    finally:
        await run.close()
