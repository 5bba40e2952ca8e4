"""One clock per call (issue 15): the same call shows the same duration and times in Active
calls, the dashboard's retry timeline, the call screen and its timeline row, the CSV export and
`snapshot`, from the same fields (`monitor.state.calltime`).

The store is built the way the issue found it on `--demo`: the retry history's row for the
attempt in flight says it was placed 20 s after the call record does, with a stale 18 s
connected; the record says placed 2:19 ago.
"""

from __future__ import annotations

from datetime import timedelta

from monitor.api.models import RetryHistory
from monitor.snapshot_call import call_json
from monitor.state.calltime import call_clock
from monitor.state.derive import build_timeline
from monitor.state.views import call_detail
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.live_table import LiveTable
from monitor.ui.widgets.retry_timeline import TimelineTable
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0, call, iso, make_engine

SIZE = (120, 36)
CALL_ID = "call_a1b2c3d4e5f6"
PLACED_AGO = 139  # 2:19
ENDED_ID = "call_e1e2e3e4e5e6"


def engine_with_one_live_call():  # type: ignore[no-untyped-def]
    engine = make_engine()
    store = engine.store
    mono = engine.clock.monotonic()
    store.upsert_call(
        call(CALL_ID, "in_progress", ago=PLACED_AGO, attempt=2, retry_group_id="call_g1"),
        mono,
    )
    store.put_history(
        RetryHistory.model_validate(
            {
                "call_id": "call_g1",
                "attempts": [
                    {
                        "attempt": 1,
                        "status": "busy",
                        "duration": 0,
                        "called_at": iso(T0 - timedelta(minutes=40)),
                    },
                    {
                        "attempt": 2,
                        "status": "in_progress",
                        "duration": 18,
                        "called_at": iso(T0 - timedelta(seconds=PLACED_AGO - 20)),
                    },
                ],
            }
        )
    )
    return engine


def cell(table: LiveTable, key: str, column: str) -> str:  # type: ignore[type-arg]
    index = next(i for i, c in enumerate(table.columns_now) if c.key == column)
    row = table.get_row(key)
    return row[index].plain.strip()


def test_the_views_and_snapshot_take_the_same_numbers_from_the_same_fields() -> None:
    engine = engine_with_one_live_call()
    now = engine.api_now()
    detail = call_detail(engine.store, CALL_ID, now)
    assert detail.call is not None and detail.timeline is not None
    live_row = detail.timeline.rows[-1]
    assert live_row.live and live_row.called_at == detail.call.created_at
    clock = call_clock(detail.call, now)
    assert (clock.duration_s, clock.label) == (PLACED_AGO, "since placed")
    out = call_json(detail.call, detail.timeline, now)
    assert out["duration_s"] == out["attempts"][-1]["duration_s"] == PLACED_AGO
    assert out["duration_label"] == out["attempts"][-1]["duration_label"] == "since placed"
    assert out["attempts"][-1]["called_at"] == out["created_at"]
    # The history's own row said otherwise: the call record's clock won.
    raw = build_timeline(engine.store.histories["call_g1"], None, now).rows[-1]
    assert raw.called_at != live_row.called_at and raw.duration_s == 18


async def test_the_same_call_shows_the_same_duration_in_every_pane(make_app: AppFactory) -> None:
    app, engine = make_app(engine_with_one_live_call())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        active = app.query_one(ActiveCallsTable)
        engine.select_call(CALL_ID)
        assert active.move_to_key(CALL_ID)
        await pilot.pause()
        app.render_now()
        await pilot.pause()
        shown = cell(active, CALL_ID, "dur")
        assert shown == "2:19"
        timeline = app.screen.query_one(TimelineTable)
        assert cell(timeline, "a1", "dur") == shown
        # The same instant (a narrow column shows it to the minute).
        assert cell(active, CALL_ID, "started").startswith(cell(timeline, "a1", "placed"))
        item = active.item(CALL_ID)
        assert item is not None
        active_csv = dict(zip(active.export_header(), active.export_row(item), strict=True))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CallScreen)
        duration = str(screen.query_one("#call-duration").render())
        assert f"{shown} since placed (live)" in duration
        assert cell(screen.query_one(TimelineTable), "a1", "dur") == shown
        rows = screen.query_one(TimelineTable)
        live = rows.item("a1")
        assert live is not None
        row = dict(zip(rows.export_header(), rows.export_row(live), strict=True))
        assert active_csv["duration_s"] == row["duration_s"] == str(PLACED_AGO)
        assert active_csv["started_at"] == row["called_at"]


async def test_calls_created_in_1970_or_year_1_show_flagged_durations(
    make_app: AppFactory,
) -> None:
    engine = make_engine()
    mono = engine.clock.monotonic()
    for cid, placed in (
        ("call_epoch000001", "1970-01-01T00:00:00Z"),
        ("call_year0000001", "0001-01-01T00:00:00Z"),
    ):
        engine.store.upsert_call(call(cid, "in_progress", ago=0, created_at=placed), mono)
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        active = app.query_one(ActiveCallsTable)
        for cid in ("call_epoch000001", "call_year0000001"):
            assert cell(active, cid, "dur") == "?!"  # never 1.8e9 seconds
            assert cell(active, cid, "note") == "bad time"
            item = active.item(cid)
            assert item is not None
            row = dict(zip(active.export_header(), active.export_row(item), strict=True))
            assert row["duration_s"] == ""


async def test_the_campaign_screen_shows_the_same_ticking_duration_and_no_zero_for_queued(
    make_app: AppFactory,
) -> None:
    engine = engine_with_one_live_call()
    engine.store.upsert_call(call("call_q00000000001", "created", ago=30), engine.clock.monotonic())
    app, engine = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CampaignScreen)
        app.render_now()
        await pilot.pause()
        table = screen.query_one(CampaignCallsTable)
        assert cell(table, CALL_ID, "dur") == "2:19"  # since placed, as in Active calls
        assert cell(table, "call_q00000000001", "dur") == "–"  # not dialled: no duration
        engine.clock.advance(1)
        app.render_now()
        await pilot.pause()
        assert cell(table, CALL_ID, "dur") == "2:20"
        item = table.item(CALL_ID)
        assert item is not None
        row = dict(zip(table.export_header(), table.export_row(item), strict=True))
        assert row["duration_s"] == str(PLACED_AGO + 1)


async def test_an_ended_call_keeps_its_placed_time_and_shows_its_connected_seconds(
    make_app: AppFactory,
) -> None:
    # Found on --demo: "1:26 connected, placed 09:53:06" on the call screen beside a timeline
    # row "– 09:53:59": the retries row (first documented shape) had no duration and its own
    # dial time; the row now keeps the record's clock, as it did while the call was live.
    engine = make_engine()
    assert ENDED_ID not in engine.store.calls
    mono = engine.clock.monotonic()
    engine.store.upsert_call(
        call(ENDED_ID, "completed", ago=200, attempt=1, duration_seconds=86,
             ended_at=iso(T0 - timedelta(seconds=60))),
        mono,
    )  # fmt: skip
    engine.store.put_history(
        RetryHistory.model_validate(
            {
                "call_id": ENDED_ID,
                "attempts": [
                    {
                        "attempt": 1,
                        "status": "completed",
                        "timestamp": iso(T0 - timedelta(seconds=147)),
                    }
                ],
            }
        )
    )
    app, engine = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_call(ENDED_ID)
        await pilot.pause()
        app.render_now()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CallScreen)
        assert "1:26 connected" in str(screen.query_one("#call-duration").render())
        rows = screen.query_one(TimelineTable)
        assert cell(rows, "a0", "dur") == "1:26"
        placed = (T0 - timedelta(seconds=200)).strftime("%H:%M:%S")
        assert cell(rows, "a0", "placed") == placed
