"""No garbage collection while a key is answered (`monitor.ui.gchold`; issue 21, keys p95: a
full collection on `huge`, 20-60 ms, landed inside Enter's frame)."""

from __future__ import annotations

import gc

import pytest

from monitor.ui.gchold import HOLD_S, MAX_HOLD_S, CollectionHold
from monitor.ui.widgets.active_calls import ActiveCallsTable
from tests.ui.conftest import AppFactory


class FakeCollector:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.turned: list[str] = []

    def isenabled(self) -> bool:
        return self.enabled

    def enable(self) -> None:
        self.enabled = True
        self.turned.append("on")

    def disable(self) -> None:
        self.enabled = False
        self.turned.append("off")


def hold_at(now: list[float], collector: FakeCollector) -> CollectionHold:
    return CollectionHold(lambda: now[0], collector)


def test_a_key_turns_collection_off_until_the_hold_is_over() -> None:
    now, gcs = [10.0], FakeCollector()
    hold = hold_at(now, gcs)
    assert hold.key() == pytest.approx(HOLD_S)
    assert not gcs.enabled
    now[0] += HOLD_S / 2
    assert hold.release() == pytest.approx(HOLD_S / 2)  # not yet: ask again then
    assert not gcs.enabled
    now[0] += HOLD_S / 2
    assert hold.release() is None
    assert gcs.enabled
    assert gcs.turned == ["off", "on"]


def test_each_key_moves_the_end_of_the_hold() -> None:
    now, gcs = [0.0], FakeCollector()
    hold = hold_at(now, gcs)
    hold.key()
    now[0] = 0.1
    assert hold.key() == pytest.approx(HOLD_S)  # from this key
    now[0] = HOLD_S + 0.01  # past the first key's hold, not the second's
    assert hold.release() == pytest.approx(0.1 + HOLD_S - now[0])
    assert not gcs.enabled
    assert gcs.turned == ["off"]  # turned off once, not once a key


def test_keys_in_a_row_hold_collection_at_most_half_the_time() -> None:
    """Down held (a key every 30 ms for 5 s), the app's timer run when due: collection is
    never off longer than MAX_HOLD_S in a row, and is on about half the time."""
    now, gcs = [0.0], FakeCollector()
    hold = hold_at(now, gcs)
    step = 0.01
    due_at: float | None = None
    off_s = stretch = longest = 0.0
    for i in range(500):
        now[0] = i * step
        if i % 3 == 0:
            due = hold.key()
            if due is not None and due_at is None:
                due_at = now[0] + due
        if due_at is not None and now[0] >= due_at - 1e-9:
            due = hold.release()
            due_at = None if due is None else now[0] + due
        stretch = 0.0 if gcs.enabled else stretch + step
        longest = max(longest, stretch)
        off_s += step * (not gcs.enabled)
    assert longest <= MAX_HOLD_S + step
    assert 0.3 * 5 <= off_s <= 0.55 * 5


def test_a_collector_turned_off_elsewhere_is_left_off() -> None:
    now, gcs = [0.0], FakeCollector(enabled=False)
    hold = hold_at(now, gcs)
    assert hold.key() is None
    now[0] = 1.0
    assert hold.release() is None
    hold.end()
    assert not gcs.enabled
    assert gcs.turned == []


def test_end_turns_it_back_on_at_once() -> None:
    now, gcs = [0.0], FakeCollector()
    hold = hold_at(now, gcs)
    hold.key()
    hold.end()
    assert gcs.enabled
    assert not hold.holding


async def test_a_key_in_the_app_holds_collection_and_its_timer_gives_it_back(
    make_app: AppFactory,
) -> None:
    app, _engine = make_app()
    now = [0.0]
    app.collection_hold = CollectionHold(lambda: now[0])
    assert gc.isenabled()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            table = app.query_one(ActiveCallsTable)
            first = table.cursor_key
            await pilot.press("down")
            assert table.cursor_key != first  # the key was answered
            assert not gc.isenabled()
            timer = app._collection_timer
            assert timer is not None
            timer.stop()  # its callback is run by hand below: no sleeping
            now[0] += HOLD_S / 2
            app._release_collection()  # too early: held, a new timer for the rest
            assert not gc.isenabled()
            assert app._collection_timer is not None
            app._collection_timer.stop()
            now[0] += HOLD_S / 2
            app._release_collection()
            assert gc.isenabled()
            assert app._collection_timer is None
    finally:
        gc.enable()


async def test_quitting_while_a_key_is_held_leaves_collection_on(make_app: AppFactory) -> None:
    app, _engine = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("down")
            assert not gc.isenabled()
            await pilot.press("q")
            await pilot.pause()
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_lost_release_timer_is_made_good_by_the_next_second(make_app: AppFactory) -> None:
    """Textual drops a one-shot timer that is already late when it starts: the app's clock
    gives collection back if the hold's timer never fires."""
    app, _engine = make_app()
    now = [0.0]
    app.collection_hold = CollectionHold(lambda: now[0])
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("down")
            assert not gc.isenabled()
            timer = app._collection_timer
            assert timer is not None
            timer.stop()  # as if Textual had dropped it
            now[0] += MAX_HOLD_S
            app._on_clock()
            assert gc.isenabled()
            assert not app.collection_hold.holding
    finally:
        gc.enable()
