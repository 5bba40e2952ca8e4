"""A key pressed just before the clock's second is answered first; the new data follows
(issue 21: the second's snapshot build and draw, 20-60 ms on huge, went before the key's frame)."""

from __future__ import annotations

from monitor.ui.app import MonitorApp
from monitor.ui.keygrace import KEY_GRACE_S, KeyGrace
from monitor.ui.widgets.active_calls import ActiveCallsTable
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import call

SIZE = (100, 30)


def stop_the_real_clock(app: MonitorApp) -> None:
    """These tests run the app's second by hand (`_on_clock`): the real 1 s timer firing in the
    middle of one (a loaded box) would draw the data the test holds back."""
    for timer in list(app._timers):
        if timer.name == "app-clock":
            timer.stop()


async def test_the_keys_frame_goes_before_the_seconds_new_data(make_app: AppFactory) -> None:
    app, engine = make_app(min_render_interval_s=1.0)  # new data waits for the clock
    now = [0.0]
    app.key_grace = KeyGrace(lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        stop_the_real_clock(app)
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        rows, renders = table.row_count, app.renders
        engine.store.upsert_call(
            call("call_new000000002", "dialing", ago=1), engine.clock.monotonic()
        )
        await pilot.pause()
        assert table.row_count == rows  # new data, waiting for the clock's second
        first = table.cursor_key
        await pilot.press("down")
        app._on_clock()  # the second comes just after the key
        await pilot.pause()
        assert table.cursor_key != first  # the key's answer is on screen
        assert (table.row_count, app.renders) == (rows, renders)  # the data is not yet
        late = app._clock_after_key
        assert late is not None
        late.stop()  # its callback is run by hand below: no sleeping
        now[0] += KEY_GRACE_S
        app._clock_work_late()
        await pilot.pause()
        assert (table.row_count, app.renders) == (rows + 1, renders + 1)


async def test_without_a_key_the_second_draws_the_new_data_at_once(make_app: AppFactory) -> None:
    app, engine = make_app(min_render_interval_s=1.0)
    async with app.run_test(size=SIZE) as pilot:
        stop_the_real_clock(app)
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        rows = table.row_count
        engine.store.upsert_call(
            call("call_new000000002", "dialing", ago=1), engine.clock.monotonic()
        )
        await pilot.pause()
        app._on_clock()
        await pilot.pause()
        assert table.row_count == rows + 1
        assert app._clock_after_key is None


async def test_the_next_second_draws_the_data_a_key_put_off_whatever_the_keys(
    make_app: AppFactory,
) -> None:
    """A put-off second whose timer has not fired (a starved box; a test driving the clock)
    is drawn at the next second even if a key came again: data at most a second late."""
    app, engine = make_app(min_render_interval_s=1.0)
    now = [0.0]
    app.key_grace = KeyGrace(lambda: now[0])  # keys always "just pressed": time stands
    async with app.run_test(size=SIZE) as pilot:
        stop_the_real_clock(app)
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        rows = table.row_count
        engine.store.upsert_call(
            call("call_new000000002", "dialing", ago=1), engine.clock.monotonic()
        )
        await pilot.press("down")
        app._on_clock()  # put off behind the key
        await pilot.pause()
        assert table.row_count == rows
        await pilot.press("down")
        app._on_clock()  # the next second: drawn now, the key notwithstanding
        await pilot.pause()
        assert table.row_count == rows + 1
        assert app._clock_after_key is None
