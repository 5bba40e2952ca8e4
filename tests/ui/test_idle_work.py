"""Idle work (issue 21): a new snapshot whose part of the screen did not change builds none of
that part again. Counted by the widgets' own counters, never timed."""

from __future__ import annotations

from monitor.ui.widgets.concurrency_gauge import ConcurrencyGauge, HistorySpark, RetryWave
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import call, make_engine

SIZE = (120, 36)


def concurrency_builds(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    screen = app.screen
    return (
        screen.query_one(ConcurrencyGauge).builds,
        screen.query_one(HistorySpark).builds,
        screen.query_one(RetryWave).builds,
    )


def gauge_text(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.plain for t in app.screen.query_one(ConcurrencyGauge)._shown if t is not None]


async def test_a_snapshot_with_the_same_concurrency_builds_no_concurrency_line(
    make_app: AppFactory,
) -> None:
    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = concurrency_builds(app)
        renders = app.renders
        # A poll's freshness moves the store (a new snapshot is built and drawn) but no call.
        engine.store.mark_fresh("active", engine.clock.monotonic(), interval_s=5.0)
        await pilot.pause()
        assert app.renders == renders + 1
        assert concurrency_builds(app) == before
        # One more call in flight: the gauge and the spark's data changed, and show it.
        shown = gauge_text(app)
        engine.store.record_concurrency(engine.clock.now(), 9)
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call("call_new000000001", "in_progress", ago=5), mono)
        await pilot.pause()
        after = concurrency_builds(app)
        assert after[0] == before[0] + 1 and after[1] == before[1] + 1
        assert gauge_text(app) != shown


async def test_a_resize_builds_the_concurrency_lines_again(make_app: AppFactory) -> None:
    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = concurrency_builds(app)
        await pilot.resize_terminal(140, 36)
        await pilot.pause()
        await pilot.pause()
        after = concurrency_builds(app)
        assert all(a > b for a, b in zip(after, before, strict=True))


async def test_a_freshness_alone_syncs_no_active_calls_and_draws_no_timeline(
    make_app: AppFactory,
) -> None:
    # The feed hands back the rows in flight and the selected call's detail as the very
    # objects of the last snapshot: the dashboard passes them by, and still ticks.
    from monitor.ui.widgets.active_calls import ActiveCallsTable
    from monitor.ui.widgets.retry_timeline import RetryTimeline

    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ActiveCallsTable)
        timeline = app.screen.query_one(RetryTimeline)
        calls: list[str] = []
        sync, show = table.sync, timeline.show
        table.sync = lambda *a, **k: (calls.append("sync"), sync(*a, **k))[1]  # type: ignore[method-assign]
        timeline.show = lambda *a, **k: (calls.append("show"), show(*a, **k))[1]  # type: ignore[method-assign]
        rows = table.row_count
        renders = app.renders
        engine.store.mark_fresh("active", engine.clock.monotonic(), interval_s=5.0)
        await pilot.pause()
        assert app.renders == renders + 1
        assert calls == [] and table.row_count == rows > 0
        # A new call in flight: the table shows it.
        mono = engine.clock.monotonic()
        engine.store.upsert_call(call("call_new000000002", "in_progress", ago=5), mono)
        await pilot.pause()
        assert "sync" in calls and table.row_count == rows + 1
