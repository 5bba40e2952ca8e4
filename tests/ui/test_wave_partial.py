"""The Concurrency pane says when the retry wave is only a lower bound."""

from __future__ import annotations

from monitor.ui.widgets.concurrency_gauge import RetryWave
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import make_engine


def wave_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(RetryWave)
    return [t.plain for t in widget._shown if t is not None]


async def test_the_wave_says_at_least_when_outcomes_were_missed(make_app: AppFactory) -> None:
    engine = make_engine()
    app, _ = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = wave_lines(app)[0]
        assert first.startswith("retry wave: ") and "≥" not in first
        engine.store.endings_missed_at = engine.clock.monotonic()
        engine.store.record_concurrency(engine.clock.now(), 8)  # any change notifies
        await pilot.pause()
        await pilot.pause()
        assert "≥" in wave_lines(app)[0]
