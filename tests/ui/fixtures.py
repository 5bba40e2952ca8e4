"""Hand-built stores and a fake engine for the UI tests: fixed data, frozen time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.api.errors import Unreachable
from monitor.api.models import Call, Campaign, RetryHistory
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.state.store import ApiHealth, CampaignState, Store
from monitor.state.views import DashboardView, dashboard_view

T0 = datetime.fromisoformat("2026-11-23T10:00:00+00:00")
HOSTILE_NAME = "[@click=app.quit]Priya[/]"
HOSTILE_ESC = "Ann\x1b[2J\x1b[1;1HFAKE: API key expired"


class FakeEngine:
    """The engine's interface, with a `run()` that only waits: tests write the store."""

    def __init__(self, store: Store, clock: FakeClock, settings: Settings | None = None) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings or Settings(concurrency_cap=25)
        self.selected_call_id: str | None = None
        self.focused_campaign_id: str | None = None
        self.selections: list[str | None] = []
        self.focuses: list[str | None] = []
        self.refreshes = 0
        self.stopped = False
        self.next_poll = 3.0

    async def run(self) -> None:
        return None

    def stop(self) -> None:
        self.stopped = True

    def select_call(self, call_id: str | None) -> None:
        self.selected_call_id = call_id
        self.selections.append(call_id)

    def focus_campaign(self, campaign_id: str | None) -> None:
        self.focused_campaign_id = campaign_id
        self.focuses.append(campaign_id)

    def refresh_now(self) -> None:
        self.refreshes += 1

    def next_poll_in(self) -> float | None:
        return self.next_poll

    def api_now(self) -> datetime:
        return self.clock.now()

    def view(self) -> DashboardView:
        return dashboard_view(
            self.store,
            now=self.clock.now(),
            mono_now=self.clock.monotonic(),
            cap=self.settings.concurrency_cap,
            selected_call_id=self.selected_call_id,
        )


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def call(
    id: str,
    status: str,
    *,
    ago: float,
    campaign: str = "cmp_spring01",
    to: str = "+14155550100",
    attempt: int = 1,
    **extra: Any,
) -> Call:
    raw: dict[str, Any] = {
        "id": id,
        "status": status,
        "to_number": to,
        "from_number": "+14155559999",
        "created_at": iso(T0 - timedelta(seconds=ago)),
        "campaign_id": campaign,
        "attempt": attempt,
        "agent_id": "agent_7",
    }
    raw.update(extra)
    return Call.model_validate(raw)


def campaign(id: str, name: str, status: str = "running", **extra: Any) -> Campaign:
    raw: dict[str, Any] = {
        "id": id,
        "name": name,
        "status": status,
        "max_concurrent_calls": 10,
        "retry_config": {"max_retries": 2, "wait_minutes": 5},
        "total_leads": 312,
    }
    raw.update(extra)
    return Campaign.model_validate(raw)


def build_store(clock: FakeClock, *, names: dict[str, str] | None = None) -> Store:
    """Three campaigns, eight calls in flight, a retry series, a wave, an hour of history."""
    names = names or {}
    store = Store()
    mono = clock.monotonic()
    with store.batch():
        specs = [
            ("cmp_spring01", names.get("cmp_spring01", "Spring Renewals"), "running"),
            ("cmp_winback2", names.get("cmp_winback2", "Win-back Q4"), "running"),
            ("cmp_survey03", names.get("cmp_survey03", "NPS survey"), "paused"),
        ]
        for n, (cid, name, status) in enumerate(specs):
            store.put_campaign(
                CampaignState(
                    campaign=campaign(cid, name, status),
                    counts={
                        "completed": 120 - 30 * n,
                        "no_answer": 40 + n,
                        "busy": 7 + n,
                        "failed": 3,
                        "voicemail": 11 - n,
                    },
                    total=312 - 50 * n,
                    qualified_rate=0.23 + 0.1 * n,
                    analysis_pending=2 + n,
                )
            )
            store.mark_fresh(f"counts/{cid}", mono, interval_s=30)
        active = [
            ("call_a1b2c3d4e5f6", "in_progress", 252, "cmp_spring01", 3),
            ("call_b2c3d4e5f6a7", "in_progress", 95, "cmp_spring01", 1),
            ("call_c3d4e5f6a7b8", "dialing", 12, "cmp_winback2", 1),
            ("call_d4e5f6a7b8c9", "in_progress", 610, "cmp_winback2", 2),
            ("call_e5f6a7b8c9d0", "in_progress", 33, "cmp_survey03", 1),
            ("call_f6a7b8c9d0e1", "dialing", 75, "cmp_spring01", 1),
            ("call_g7b8c9d0e1f2", "in_progress", 141, "cmp_winback2", 1),
            ("call_h8c9d0e1f2g3", "in_progress", 5, "cmp_spring01", 2),
        ]
        for n, (cid, status, ago, camp, attempt) in enumerate(active):
            store.upsert_call(
                call(
                    cid,
                    status,
                    ago=ago,
                    campaign=camp,
                    attempt=attempt,
                    to=f"+1415555{n:04d}",
                    retry_group_id="call_a0" if n == 0 else None,
                ),
                mono - 60,
            )
        # Ended calls: retries due in the next minutes (the wave), some analysed.
        for n in range(14):
            store.upsert_call(
                call(
                    f"call_end{n:04d}",
                    "no_answer" if n % 3 else "completed",
                    ago=400 + n * 20,
                    campaign="cmp_spring01" if n % 2 else "cmp_winback2",
                    duration_seconds=0 if n % 3 else 60 + n,
                    ended_at=iso(T0 - timedelta(seconds=120 + n * 15)),
                    analysis=None if n % 4 == 0 else {"qualified": n % 2 == 0},
                ),
                mono - 60,
            )
        store.put_history(
            RetryHistory.model_validate(
                {
                    "call_id": "call_a0",
                    "attempts": [
                        {
                            "attempt": 1,
                            "status": "no_answer",
                            "duration": 0,
                            "called_at": iso(T0 - timedelta(minutes=24)),
                        },
                        {
                            "attempt": 2,
                            "status": "busy",
                            "duration": 0,
                            "called_at": iso(T0 - timedelta(minutes=14)),
                        },
                        {
                            "attempt": 3,
                            "status": "in_progress",
                            "called_at": iso(T0 - timedelta(seconds=252)),
                        },
                    ],
                }
            )
        )
        for k in range(60):
            store.record_concurrency(T0 - timedelta(seconds=5 * (60 - k)), 4 + (k * 7) % 9)
        store.mark_fresh("active", mono - 2, interval_s=5)
        store.mark_fresh("endings", mono - 2, interval_s=5)
        store.mark_fresh("retries/call_a1b2c3d4e5f6", mono - 4, interval_s=30)
        store.mark_fresh("campaigns", mono - 8, interval_s=30)
        store.last_good_read = mono  # the newest answer with data (the counts, above)
        store.set_health(
            ApiHealth(
                state="ok",
                used_last_minute=34,
                budget_per_min=60,
                limit=150,
                remaining=112,
                reset_after_s=41,
            )
        )
    return store


def make_engine(
    *, names: dict[str, str] | None = None, cap: int = 25, tick: bool = True
) -> FakeEngine:
    clock = FakeClock(start=T0, monotonic_start=1000.0)
    store = build_store(clock, names=names)
    return FakeEngine(store, clock, Settings(concurrency_cap=cap, tick=tick))


def outage(engine: FakeEngine, *, age: float = 95.0) -> None:
    """The API went away `age` seconds ago: stale panes, the unreachable state."""
    clock = engine.clock
    clock.advance(age)
    mono = clock.monotonic()
    with engine.store.batch():
        error = Unreachable("API unreachable (connection refused)", reason="refused")
        engine.store.mark_error("active", error, mono - age + 5)
        engine.store.set_health(
            ApiHealth(
                state="unreachable",
                message="connection refused",
                since=mono - age + 5,
                used_last_minute=6,
                budget_per_min=60,
            )
        )


def key_refused(engine: FakeEngine) -> None:
    engine.clock.advance(20)
    engine.store.set_health(
        ApiHealth(
            state="key_refused",
            message="401 Unauthorized",
            since=engine.clock.monotonic() - 15,
            used_last_minute=3,
            budget_per_min=60,
        )
    )
