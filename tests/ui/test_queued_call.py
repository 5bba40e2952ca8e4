"""A queued call (placed, not dialled yet) is said as queued with how long it has waited, not
as a call in progress with a duration (a tryout saw "0:16 since placed (live)" and "attempt
in progress" on a queued call of the `busy` scenario)."""

from __future__ import annotations

from monitor.api.models import RetryHistory
from monitor.state.calltime import call_clock
from monitor.state.records import record_of
from monitor.state.views import call_detail
from monitor.ui.screens.call import CallScreen, duration_line
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.retry_timeline import TimelineTable, summary_label
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0, call, make_engine

QUEUED_ID = "call_q1q2q3q4q5q6"


def test_a_queued_call_has_waited_not_run() -> None:
    queued = record_of(call(QUEUED_ID, "queued", ago=16))
    clock = call_clock(queued, T0)
    assert clock.queued and clock.duration_s == 16
    line = duration_line(queued, T0)
    assert line.split(None, 1) == ["duration", "– queued 0:16, waiting to be dialled"]
    dialing = record_of(call(QUEUED_ID, "dialing", ago=16))
    assert not call_clock(dialing, T0).queued
    assert duration_line(dialing, T0).endswith("0:16 since placed (live)")


def test_the_retry_summary_of_a_queued_attempt_says_queued() -> None:
    engine = make_engine()
    mono = engine.clock.monotonic()
    engine.store.upsert_call(call(QUEUED_ID, "queued", ago=16), mono)
    engine.store.upsert_call(call("call_d1d2d3d4d5d6", "dialing", ago=16), mono)
    queued = call_detail(engine.store, QUEUED_ID, T0).timeline
    dialing = call_detail(engine.store, "call_d1d2d3d4d5d6", T0).timeline
    assert queued is not None and dialing is not None
    assert summary_label(queued) == "attempt queued (waiting to be dialled)"
    assert summary_label(dialing) == "attempt in progress"


async def test_the_call_screen_of_a_queued_call_says_it_waits(make_app: AppFactory) -> None:
    engine = make_engine()
    engine.store.upsert_call(call(QUEUED_ID, "queued", ago=16), engine.clock.monotonic())
    # The retry history's row for the queued attempt says 0 s, as the demo's does.
    engine.store.put_history(
        RetryHistory.model_validate(
            {"call_id": QUEUED_ID, "attempts": [{"attempt": 1, "status": "queued", "duration": 0}]}
        )
    )
    app, _ = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # Queued calls are not in Active calls: the campaign's calls list them.
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        calls = app.screen.query_one(CampaignCallsTable)
        assert calls.move_to_key(QUEUED_ID)
        calls.focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CallScreen)
        duration = str(screen.query_one("#call-duration").render())
        assert "queued 0:16, waiting to be dialled" in duration
        assert "since placed" not in duration and "(live)" not in duration
        summary = str(screen.query_one("#retry-summary").render())
        assert summary.startswith("attempt queued (waiting to be dialled)")
        assert "in progress" not in summary
        attempts = screen.query_one(TimelineTable)
        dur = next(i for i, c in enumerate(attempts.columns_now) if c.key == "dur")
        assert attempts.get_row("a0")[dur].plain.strip() == "–"  # not dialled: no duration
        fields = str(screen.query_one("#call-fields").render())
        assert "– (not dialled yet)" in fields
