"""An ended row in Active calls is filtered by what it shows ("ended", its outcome), not by the
status it had while live: a tryout saw `/dialing` keep rows reading `ended –`."""

from __future__ import annotations

from monitor.api.vocab import CallStatus
from monitor.state.views import ActiveCallRow
from monitor.ui.widgets.active_calls import ActiveCallsTable, ended_search_text
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0, call, make_engine

ENDED_ID = "call_d4e5f6a7b8c9"
LIVE_ID = "call_a1a2a3a4a5a6"


def row(status: CallStatus) -> ActiveCallRow:
    return ActiveCallRow(
        id=ENDED_ID,
        campaign_id="cmp_1",
        campaign_name="Spring",
        to_number="+14155550100",
        status=status,
        status_raw=status.value,
        started_at=T0,
        attempt=1,
        long_call=False,
    )


def test_an_ended_rows_text_is_what_it_shows() -> None:
    text = ended_search_text(row(CallStatus.DIALING), None)
    assert "dialing" not in text
    assert text.split()[-2:] == ["ended", "–"]
    text = ended_search_text(row(CallStatus.DIALING), "no answer")
    assert "dialing" not in text and "ended" in text
    assert "no answer" in text and "n/a" in text  # whole, and the narrow column's word
    assert "spring" in text and ENDED_ID in text


async def test_filtering_dialing_drops_the_ended_rows(make_app: AppFactory) -> None:
    engine = make_engine()
    store = engine.store
    mono = engine.clock.monotonic()
    with store.batch():
        store.upsert_call(call(ENDED_ID, "dialing", ago=20), mono)
        store.upsert_call(call(LIVE_ID, "dialing", ago=10), mono)
    app, _ = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        assert {ENDED_ID, LIVE_ID} <= set(table.row_keys())
        store.mark_ended(ENDED_ID, mono)  # it left the in-flight list; its outcome not read
        await pilot.pause()
        await pilot.pause()
        shown = [c.plain.strip() for c in table.get_row(ENDED_ID)]
        assert shown[:2] == ["ended", "–"]
        table.focus()
        await pilot.press("slash", *"dialing", "enter")
        await pilot.pause()
        assert table.filter_text == "dialing"
        keys = set(table.row_keys())
        assert LIVE_ID in keys and ENDED_ID not in keys
        table.set_filter("ended")
        await pilot.pause()
        assert set(table.row_keys()) == {ENDED_ID}


async def test_the_selected_rows_end_reads_as_the_timeline_beside_it_says(
    make_app: AppFactory,
) -> None:
    """A trial saw Active calls read "ended –" for the highlighted call while the Retry
    timeline beside it said "completed": the row was drawn "ended –" when the call left the
    list, and kept, though its retry history said how it ended a moment later. The row now
    says the outcome the timeline shows, once it is read."""
    from datetime import timedelta

    from monitor.api.models import RetryHistory
    from tests.ui.fixtures import iso

    engine = make_engine()
    store = engine.store
    mono = engine.clock.monotonic()
    with store.batch():
        store.upsert_call(call(ENDED_ID, "in_progress", ago=90, attempt=1), mono)
    app, _ = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(ActiveCallsTable)
        table.focus()
        assert table.move_to_key(ENDED_ID)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_key == ENDED_ID
        store.mark_ended(ENDED_ID, mono)  # it left the in-flight list; its end not read
        await pilot.pause()
        await pilot.pause()
        shown = [c.plain.strip() for c in table.get_row(ENDED_ID)]
        assert shown[:2] == ["ended", "–"], shown
        store.put_history(
            RetryHistory.model_validate(
                {
                    "call_id": ENDED_ID,
                    "attempts": [
                        {
                            "attempt": 1,
                            "status": "completed",
                            "duration": 80,
                            "called_at": iso(T0 - timedelta(seconds=90)),
                        }
                    ],
                }
            )
        )
        await pilot.pause()
        await pilot.pause()
        shown = [c.plain.strip() for c in table.get_row(ENDED_ID)]
        assert shown[:2] == ["ended", "done"], shown  # "done": the narrow column's word
