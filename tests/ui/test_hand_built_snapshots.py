"""The app on a hand-built sequence of `MonitorSnapshot` values: no engine, no store.

The UI renders snapshots and nothing else: a feed that only replays values built by hand
drives every pane, and the user's keys come back to it as intents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from monitor.state.snapshot import (
    ActiveCallRow,
    ApiHealth,
    CallDetail,
    CallRecord,
    CallStatus,
    CampaignRow,
    ConcurrencyView,
    Focus,
    MonitorSnapshot,
    PaneStatus,
    Selection,
    SnapshotData,
    Timeline,
    TimelineRow,
)
from monitor.ui.app import MonitorApp
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.screens.dashboard import DashboardScreen
from monitor.ui.widgets.active_calls import ActiveCallsTable
from monitor.ui.widgets.campaign_calls import CampaignCallsTable
from monitor.ui.widgets.campaign_table import CampaignTable
from monitor.ui.widgets.status_line import StatusLine
from tests.ui.fixtures import T0
from tests.ui.test_app import plain_rows

MONO = 5000.0


class ScriptedFeed:
    """A `Feed` that plays snapshots given by the test and records the intents."""

    def __init__(self, snaps: list[MonitorSnapshot]) -> None:
        self.snaps = snaps
        self.index = 0
        self.intents: list[tuple[str, object]] = []
        self._listeners: list[Callable[[int], None]] = []

    def play_next(self) -> None:
        self.index += 1
        for listener in list(self._listeners):
            listener(self.index)

    async def run(self) -> None:
        return None

    def stop(self) -> None:
        self.intents.append(("stop", None))

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def snapshot(self) -> MonitorSnapshot:
        return self.snaps[self.index]

    def latest(self) -> MonitorSnapshot:
        return self.snaps[self.index]

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        yield self.snaps[self.index]

    def select_call(self, call_id: str | None) -> None:
        self.intents.append(("select_call", call_id))

    def focus_campaign(self, campaign_id: str | None) -> None:
        self.intents.append(("focus_campaign", campaign_id))

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        self.intents.append(("show_campaigns", campaign_ids))

    def refresh_now(self) -> None:
        self.intents.append(("refresh_now", None))


def _row(call_id: str, status: CallStatus, ago: float) -> ActiveCallRow:
    return ActiveCallRow(
        id=call_id,
        campaign_id="cmp_hand01",
        campaign_name="Hand Built",
        to_number="+14155550111",
        status=status,
        status_raw=None,
        started_at=T0 - timedelta(seconds=ago),
        attempt=1,
        long_call=False,
        state_since=MONO - 1,
    )


def _campaign(completed: int | None) -> CampaignRow:
    return CampaignRow(
        id="cmp_hand01",
        name="Hand Built",
        status="running",
        status_raw=None,
        total=40,
        counts={"completed": completed, "no_answer": 3, "busy": 1, "failed": 0, "voicemail": 2},
        in_flight=2,
        connect_rate=0.5,
        qualified_rate=None,
        analysis_pending=0,
        max_concurrent=10,
        age_s=3.0,
        stale=False,
    )


def _snap(
    rows: tuple[ActiveCallRow, ...], *, completed: int | None, health: ApiHealth, tick: float = 0
) -> MonitorSnapshot:
    record = CallRecord(
        id="call_hand000001",
        status=CallStatus.IN_PROGRESS,
        campaign_id="cmp_hand01",
        created_at=T0 - timedelta(seconds=90),
        to_number="+14155550111",
        attempt=2,
    )
    timeline = Timeline(
        call_id="call_hand000001",
        rows=(
            TimelineRow(1, CallStatus.BUSY, None, 0, T0 - timedelta(minutes=9), None),
            TimelineRow(2, CallStatus.IN_PROGRESS, None, None, T0 - timedelta(seconds=90), 450),
        ),
        summary=None,
        next_retry_at=None,
        overdue=False,
        attempts_left=1,
    )
    panes = tuple(PaneStatus(p, 2.0, False, None) for p in ("active", "campaigns", "retries"))
    return MonitorSnapshot(
        now=T0 + timedelta(seconds=tick),
        mono=MONO + tick,
        health=health,
        panes=(*panes, PaneStatus("concurrency", 2.0, False, None)),
        next_poll_s=4.0,
        last_data=T0,
        data=SnapshotData(
            version=int(tick),
            active=rows,
            campaigns=(_campaign(completed),),
            concurrency=ConcurrencyView(
                in_flight=len(rows),
                cap=10,
                peak=3,
                queued=0,
                history=(1, 2, 3, 2),
                wave=(),
                wave_peak=None,
                hits_cap=False,
            ),
            outcomes={"call_hand000002": CallStatus.NO_ANSWER},
            call_ids=("call_hand000001", "call_hand000002"),
            active_read=True,
        ),
        selection=Selection(
            call_id="call_hand000001",
            detail=CallDetail(
                call=record, timeline=timeline, gone=False, listed=True, retries_error=None
            ),
        ),
        focus=Focus(campaign_id="cmp_hand01", calls=(record,)),
    )


async def test_hand_built_snapshots_drive_every_screen_and_keys_come_back_as_intents() -> None:
    two = (
        _row("call_hand000001", CallStatus.IN_PROGRESS, 90),
        _row("call_hand000002", CallStatus.DIALING, 10),
    )
    first = _snap(two, completed=None, health=ApiHealth(state="ok", used_last_minute=12))
    down = ApiHealth(state="unreachable", message="no route", since=MONO)
    second = _snap(two[:1], completed=17, health=down, tick=2)
    feed = ScriptedFeed([first, second])
    app = MonitorApp(feed, min_render_interval_s=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        rows = plain_rows(app.query_one(ActiveCallsTable))
        assert len(rows) == 2 and any("hand000002" in r for r in rows)
        campaigns = plain_rows(app.query_one(CampaignTable))
        assert len(campaigns) == 1 and "Hand Built" in campaigns[0] and "–" in campaigns[0]
        assert app.screen.timeline.detail is not None  # the selection the snapshot carries
        assert app.query_one(StatusLine).text("status-api") == "API ok"
        assert ("select_call", app.query_one(ActiveCallsTable).cursor_key) in feed.intents

        feed.play_next()
        await pilot.pause()
        assert app.snapshot is second
        rows = plain_rows(app.query_one(ActiveCallsTable))
        ended = next(r for r in rows if "hand000002" in r)
        assert "ended" in ended and "n/a" in ended  # the outcome the snapshot named (no answer)
        assert "17" in plain_rows(app.query_one(CampaignTable))[0]
        assert "UNREACHABLE" in app.query_one(StatusLine).text("status-api")

        await pilot.press("r")
        assert ("refresh_now", None) in feed.intents
        app.open_campaign("cmp_hand01")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert ("focus_campaign", "cmp_hand01") in feed.intents
        calls = plain_rows(app.screen.query_one(CampaignCallsTable))
        assert len(calls) == 1 and "hand000001" in calls[0]
        await pilot.press("escape")
        await pilot.pause()
        assert feed.intents[-1] == ("focus_campaign", None)
