"""The heap is settled once, after the first frame with data, and only when asked."""

from __future__ import annotations

import gc

import pytest

from monitor.ui.heap import settle_heap, trim_heap, tune_malloc
from tests.ui.conftest import AppFactory


def test_settling_exempts_what_is_alive_from_later_collections() -> None:
    kept = [object() for _ in range(10)]
    try:
        assert settle_heap() >= len(kept)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()  # the test process must not keep its objects out of collections


@pytest.mark.parametrize("asked", [True, False])
async def test_the_app_settles_the_heap_once_after_its_first_data(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, asked: bool
) -> None:
    calls: list[int] = []
    monkeypatch.setattr("monitor.ui.app.settle_heap", lambda: calls.append(1) or 0)
    app, _ = make_app(settle_heap=asked)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#active-calls").row_count > 0  # type: ignore[attr-defined]
        app.render_now()  # more data: no second settling
        await pilot.pause()
    assert calls == ([1] if asked else [])


def test_glibc_heap_is_tuned_and_trimmed_here() -> None:
    # This machine runs glibc (as Debian does): both calls reach it and succeed.
    assert tune_malloc() is True
    blocks = [bytearray(100_000) for _ in range(200)]  # under the mmap threshold: the heap
    del blocks
    assert trim_heap() is True  # 20 MB of free heap pages went back


@pytest.mark.parametrize("asked", [True, False])
async def test_the_app_trims_the_c_heap_on_an_interval_once_settled(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, asked: bool
) -> None:
    trims: list[int] = []
    monkeypatch.setattr("monitor.ui.app.settle_heap", lambda: 0)
    monkeypatch.setattr("monitor.ui.app.trim_heap", lambda: trims.append(1) or True)
    monkeypatch.setattr("monitor.ui.app.TRIM_EVERY_S", 0.05)
    app, _ = make_app(settle_heap=asked)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        await pilot.pause(0.3)
    assert (len(trims) >= 2) is asked
