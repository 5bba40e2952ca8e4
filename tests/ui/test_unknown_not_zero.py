"""Unknown is not zero (issue 15): with no reading at all (a refused key from the start), the
Concurrency pane says "–" with the reason, never "0 in flight", "peak 0" or "none due"; the
banner says "No data yet", never a time data came from."""

from __future__ import annotations

from monitor.api.errors import Unauthorized
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.state.store import ApiHealth, Store
from monitor.ui.widgets.concurrency_gauge import ConcurrencyGauge, RetryWave
from monitor.ui.widgets.status_line import ApiBanner
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0, FakeEngine, make_engine

SIZE = (100, 30)


def lines(widget: ConcurrencyGauge | RetryWave) -> list[str]:
    return [t.plain for t in widget._shown if t is not None]


def refused_from_the_start() -> FakeEngine:
    clock = FakeClock(start=T0, monotonic_start=1000.0)
    store = Store()
    refused = Unauthorized("API key rejected (401): API key is missing or invalid.")
    for resource in ("active", "queued", "endings", "campaigns"):
        store.mark_error(resource, refused, 1000.0)
    store.set_health(ApiHealth(state="key_refused", message=refused.message, since=1000.0))
    return FakeEngine(store, clock, Settings(concurrency_cap=25))


async def test_no_reading_shows_dashes_with_the_reason_not_zeros(make_app: AppFactory) -> None:
    app, _ = make_app(refused_from_the_start())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gauge = lines(app.screen.query_one(ConcurrencyGauge))
        assert gauge[0] == "–/25 in flight"
        assert "no list of calls in flight read yet: API key rejected (401)" in gauge[1]
        assert gauge[2] == "peak – / 25"
        wave = lines(app.screen.query_one(RetryWave))
        assert wave[0] == "retry wave: –"
        assert "none due" not in " ".join(wave)
        banner = app.screen.query_one(ApiBanner).text
        assert "No data yet." in banner and "Showing data from" not in banner


async def test_a_reading_shows_the_figures_and_when_they_are_from(make_app: AppFactory) -> None:
    app, _ = make_app(make_engine())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gauge = lines(app.screen.query_one(ConcurrencyGauge))
        assert gauge[0].startswith("8/25 in flight")
        assert lines(app.screen.query_one(RetryWave))[0].startswith("retry wave: ")
        assert "–" not in lines(app.screen.query_one(RetryWave))[0]
